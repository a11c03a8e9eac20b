"""Zero-shot segmentation metrics registered in mmseg's ``METRICS``."""
from .zero_shot_iou_metric import ZeroShotIoUMetric

__all__ = ['ZeroShotIoUMetric']
