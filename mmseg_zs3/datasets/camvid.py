"""CamVid (Brostow et al.), 11 classes, in the layout of the SegNet tutorial release.

Label files hold ids 0..10 for the classes and 11 for void; void becomes the ignore index
(255) through the dataset's label map, applied by ``LoadAnnotations``. Layout::

    data_root/img_dir/{train,val,test}/*.jpg
    data_root/ann_dir/{train,val,test}/*.png   (same basenames, uint8 ids)
"""
from typing import Dict, Optional, Sequence

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from .splits import CAMVID11_CLASSES

CAMVID_VOID_ID = 11


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid with the 11 classes of the SegNet tutorial; void (id 11) is ignored.

    ``metainfo=dict(classes=...)`` with a subset of the classes works as for mmseg's own
    datasets (the other classes map to 255), and void stays ignored.

    Args:
        img_suffix (str): Image suffix. Defaults to '.jpg'.
        seg_map_suffix (str): Label suffix. Defaults to '.png'.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = dict(
        classes=CAMVID11_CLASSES,
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128],
                 [60, 40, 222], [128, 128, 0], [192, 128, 128], [64, 64, 128],
                 [64, 0, 128], [64, 64, 0], [0, 128, 192]])

    def __init__(self,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes: Optional[Sequence] = None) -> Dict[int, int]:
        """Returns mmseg's class-subset label map plus void (11) -> 255.

        Args:
            new_classes (Sequence[str], optional): Classes requested in ``metainfo``.

        Returns:
            dict[int, int]: Old label id -> new label id (255 = ignore).
        """
        label_map = super().get_label_map(new_classes)
        label_map = dict(label_map) if label_map is not None else {}
        label_map[CAMVID_VOID_ID] = 255
        return label_map
