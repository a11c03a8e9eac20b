"""Zero-shot splits, dataset helpers and transforms."""
from . import transforms  # noqa: F401
from .camvid import CamVidDataset
from .checks import install_empty_dataset_error
from .exclude_unseen import ExcludeUnseenImages
from .generated_zs import generate_zs_benchmark  # noqa: F401
from .splits import ZeroShotSplit, get_split, list_splits, register_split
from .toy_shapes import generate_toy_shapes  # noqa: F401
from .transforms import MaskUnseenClasses

__all__ = [
    'CamVidDataset', 'ExcludeUnseenImages', 'MaskUnseenClasses', 'ZeroShotSplit',
    'generate_toy_shapes', 'get_split', 'list_splits', 'register_split'
]
from .gzs_dataset import GeneratedZSDataset  # noqa: F401

install_empty_dataset_error()
