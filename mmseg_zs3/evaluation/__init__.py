"""Zero-shot evaluation metrics."""
from . import metrics  # noqa: F401
from .functional import (areas_from_confusion_matrix, confusion_matrix, harmonic_mean,
                         nanmean, overall_accuracy, per_class_iou_acc, resize_label_nearest,
                         seen_unseen_summary)
from .metrics import ZeroShotIoUMetric

__all__ = [
    'ZeroShotIoUMetric', 'areas_from_confusion_matrix', 'confusion_matrix', 'harmonic_mean',
    'nanmean', 'overall_accuracy', 'per_class_iou_acc', 'resize_label_nearest',
    'seen_unseen_summary'
]
