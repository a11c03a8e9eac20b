"""Backbones: EfficientNet-Lite (optional extra ``mmseg_zs3[efficientnet]``)."""
from .efficientnet_lite import EfficientNetLite, packaged_weights_path

__all__ = ['EfficientNetLite', 'packaged_weights_path']
