"""Using a trained model: inference through mmseg's APIs, adding classes after training."""
from .add_classes import (add_classes, enlarged_config, expand_classifier_state,
                          extend_split, refit_classifier)
from .inference import (ZeroShotSegInferencer, init_zero_shot_model, overlay_prediction,
                        zero_shot_dataset_meta)

__all__ = [
    'ZeroShotSegInferencer', 'add_classes', 'enlarged_config', 'expand_classifier_state',
    'extend_split', 'init_zero_shot_model', 'overlay_prediction', 'refit_classifier',
    'zero_shot_dataset_meta'
]
