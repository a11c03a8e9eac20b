"""The generated zero-shot benchmark as an mmseg dataset class."""
import colorsys

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .generated_zs import GZS_CLASSES


def distinct_palette(n: int):
    """``n`` well-separated RGB colours (hues around the wheel, two brightness levels)."""
    palette = []
    for i in range(n):
        r, g, b = colorsys.hsv_to_rgb((i * 0.618034) % 1.0, 0.85, 0.95 if i % 2 else 0.7)
        palette.append([int(255 * r), int(255 * g), int(255 * b)])
    return palette


@DATASETS.register_module()
class GeneratedZSDataset(BaseSegDataset):
    """The default generated zero-shot benchmark (``generate_zs_benchmark``, split
    ``gzs20-15-5``): PNG images and labels in ``img_dir/{train,val}``, ``ann_dir/...``;
    label 255 is void (ignored in training and evaluation)."""

    METAINFO = dict(classes=GZS_CLASSES, palette=distinct_palette(len(GZS_CLASSES)))

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
