"""Turns the unseen classes of a training annotation into the ignore index.

In generalized zero-shot segmentation the training images keep their unseen objects, but
their pixels must carry no label: :class:`MaskUnseenClasses` rewrites them to the ignore
index right after ``LoadAnnotations``, so no later transform, loss or sampler ever sees an
unseen label id during training.
"""
from typing import Mapping, Optional, Sequence, Tuple, Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS
from ..checks import out_of_range_labels
from ..splits import ZeroShotSplit, get_split


def resolve_unseen_ids(
    split: Union[str, Mapping, ZeroShotSplit, None] = None,
    unseen_ids: Optional[Sequence[int]] = None,
    ignore_index: int = 255,
) -> Tuple[Optional[ZeroShotSplit], Tuple[int, ...]]:
    """Validates the ways of naming the unseen classes and returns their label ids.

    Exactly one of ``split`` and ``unseen_ids`` must be given.

    Args:
        split (str | dict | ZeroShotSplit, optional): A registered split name, an inline
            split definition or a split (see :func:`~mmseg_zs3.datasets.get_split`).
        unseen_ids (Sequence[int], optional): Label ids of the unseen classes.
        ignore_index (int): The ignore label, in ``[0, 255]``.

    Returns:
        tuple: The split (None when ``unseen_ids`` was given) and the unseen label ids,
        sorted ascending.

    Raises:
        ValueError: When both or neither of ``split`` / ``unseen_ids`` are given, or an id
            is negative, duplicated, equal to ``ignore_index``, outside ``[0, 255]`` or
            outside the split's class range.
    """
    if isinstance(ignore_index, bool) or not isinstance(ignore_index, (int, np.integer)) \
            or not 0 <= ignore_index <= 255:
        raise ValueError(f'ignore_index must be an int in [0, 255] (labels are uint8), got '
                         f'{ignore_index!r}')
    if (split is None) == (unseen_ids is None):
        raise ValueError('give exactly one of `split` and `unseen_ids`, got '
                         f'split={split!r}, unseen_ids={unseen_ids!r}')
    if split is not None:
        zs_split = get_split(split)
        ids = tuple(zs_split.unseen_ids)
        num_classes = zs_split.num_classes
    else:
        zs_split = None
        if isinstance(unseen_ids, (str, bytes)) or not isinstance(unseen_ids, Sequence):
            raise ValueError(f'unseen_ids must be a sequence of ints, got {unseen_ids!r}')
        bad = [i for i in unseen_ids
               if isinstance(i, bool) or not isinstance(i, (int, np.integer))]
        if bad:
            raise ValueError(f'unseen_ids must be ints, got {bad} in {list(unseen_ids)}')
        ids = tuple(int(i) for i in unseen_ids)
        if len(set(ids)) != len(ids):
            raise ValueError(f'unseen_ids has duplicates: {list(ids)}')
        num_classes = 256
    out_of_range = [i for i in ids if not 0 <= i < num_classes]
    if out_of_range:
        where = (f'the {num_classes} classes of split {zs_split.name!r}'
                 if zs_split is not None else 'the uint8 label range [0, 255]')
        raise ValueError(f'unseen ids {out_of_range} are outside {where}')
    if ignore_index in ids:
        raise ValueError(f'ignore_index={ignore_index} is also listed as an unseen id '
                         f'{list(ids)}')
    if len(ids) == 0:
        raise ValueError('no unseen class given: the unseen id list is empty')
    return zs_split, tuple(sorted(ids))


@TRANSFORMS.register_module()
class MaskUnseenClasses(BaseTransform):
    """Sets the pixels of unseen classes in ``gt_seg_map`` to the ignore index.

    With a ``split``, it also refuses a label map with a value that is neither one of the
    split's class ids nor the ignore index, naming the label file (a wrong label map or
    ``reduce_zero_label`` would otherwise train on labels of other classes).

    Place it right after ``LoadAnnotations`` in the training pipeline. The label ids are
    the dataset's training ids, i.e. after its ``reduce_zero_label`` and class label map,
    which is what ``LoadAnnotations`` produces; they must equal the split's class order.

    Required Keys:

    - gt_seg_map

    Modified Keys:

    - gt_seg_map

    Args:
        split (str | dict | ZeroShotSplit, optional): A registered split name, an inline
            split definition or a split; its ``unseen_ids`` are masked.
        unseen_ids (Sequence[int], optional): Label ids to mask, instead of ``split``.
        ignore_index (int): The value written to unseen pixels. Defaults to 255.
    """

    def __init__(self,
                 split: Union[str, Mapping, ZeroShotSplit, None] = None,
                 unseen_ids: Optional[Sequence[int]] = None,
                 ignore_index: int = 255) -> None:
        self.split, self.unseen_ids = resolve_unseen_ids(split, unseen_ids, ignore_index)
        self.ignore_index = int(ignore_index)
        # a 256-entry lookup table: identity except unseen ids -> ignore_index
        self._lut = np.arange(256, dtype=np.uint8)
        self._lut[list(self.unseen_ids)] = self.ignore_index

    def transform(self, results: dict) -> dict:
        """Masks the unseen classes of ``results['gt_seg_map']``.

        Args:
            results (dict): Result dict holding ``gt_seg_map`` (from ``LoadAnnotations``).

        Returns:
            dict: The same dict, unseen pixels of ``gt_seg_map`` set to the ignore index.
        """
        if 'gt_seg_map' not in results:
            raise KeyError('MaskUnseenClasses needs results["gt_seg_map"]: put it after '
                           f'LoadAnnotations; got keys {sorted(results)}')
        seg = results['gt_seg_map']
        if self.split is not None:
            bad = out_of_range_labels(seg, self.split.num_classes, self.ignore_index)
            if bad:
                raise ValueError(
                    f"label value(s) {bad} in {results.get('seg_map_path', '<unknown file>')} "
                    f'are outside the {self.split.num_classes} classes of split '
                    f'{self.split.name!r} (ids 0..{self.split.num_classes - 1}, ignore '
                    f'{self.ignore_index}); check the label files, reduce_zero_label and '
                    'the label map')
        if seg.dtype == np.uint8:
            seg = self._lut[seg]
        else:
            seg = np.where(np.isin(seg, self.unseen_ids),
                           np.asarray(self.ignore_index, dtype=seg.dtype), seg)
        results['gt_seg_map'] = seg
        return results

    def __repr__(self) -> str:
        split = f"'{self.split.name}'" if self.split is not None else None
        return (f'{self.__class__.__name__}(split={split}, '
                f'unseen_ids={list(self.unseen_ids)}, ignore_index={self.ignore_index})')
