"""ZS3Net's strict training set: drop every image that contains an unseen pixel.

The default protocol of this project keeps the training images with unseen objects and
ignores those pixels (:class:`~mmseg_zs3.datasets.transforms.MaskUnseenClasses`). ZS3Net
also reported a stricter variant in which such images are removed from the training set.
That is a property of the data set, not of one sample, so it lives in a dataset wrapper:
:class:`ExcludeUnseenImages` reads every annotation once at construction, with the wrapped
dataset's own ``reduce_zero_label`` and class label map (so the ids are the training ids),
and keeps the images whose annotation has no unseen id.
"""
import copy
import logging
from typing import Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import DATASETS
from .splits import ZeroShotSplit
from .transforms.mask_unseen import resolve_unseen_ids


@DATASETS.register_module()
class ExcludeUnseenImages:
    """A dataset wrapper that keeps only the images without unseen pixels.

    Every annotation of the wrapped dataset is loaded once, by mmseg's ``LoadAnnotations``
    with the data info the dataset itself produces (its ``label_map`` and
    ``reduce_zero_label``), when the wrapper is fully initialised. Indexing the wrapper
    returns the wrapped dataset's samples, through its own pipeline.

    Args:
        dataset (dict | Dataset): The dataset (a config or a built dataset, also a
            ``ConcatDataset``) to filter.
        split (str | dict | ZeroShotSplit, optional): The zero-shot split; its classes must
            equal the dataset's ``metainfo['classes']``.
        unseen_ids (Sequence[int], optional): Unseen label ids, instead of ``split``.
        ignore_index (int): The dataset's ignore label; never counts as unseen.
            Defaults to 255.
        imdecode_backend (str): Backend ``LoadAnnotations`` decodes the label files with.
            Defaults to 'pillow', as in mmseg.
        lazy_init (bool): Defer the scan to the first use. Defaults to False.
    """

    def __init__(self,
                 dataset: Union[dict, object],
                 split: Union[str, Mapping, ZeroShotSplit, None] = None,
                 unseen_ids: Optional[Sequence[int]] = None,
                 ignore_index: int = 255,
                 imdecode_backend: str = 'pillow',
                 lazy_init: bool = False) -> None:
        self.split, self.unseen_ids = resolve_unseen_ids(split, unseen_ids, ignore_index)
        self.ignore_index = int(ignore_index)
        self.imdecode_backend = imdecode_backend
        if isinstance(dataset, dict):
            self.dataset = DATASETS.build(dataset)
        elif all(hasattr(dataset, a) for a in ('get_data_info', 'metainfo', '__getitem__')):
            self.dataset = dataset
        else:
            raise TypeError('dataset must be a config dict or a dataset with get_data_info '
                            f'and metainfo, got {type(dataset)}')
        self._metainfo = self.dataset.metainfo
        if self.split is not None:
            classes = self._metainfo.get('classes')
            if classes is None or tuple(classes) != tuple(self.split.classes):
                raise ValueError(
                    f'split {self.split.name!r} has classes {list(self.split.classes)} but '
                    f'the dataset {type(self.dataset).__name__} has classes '
                    f'{None if classes is None else list(classes)}; the label ids would '
                    'not mean the same classes')
        self.kept_indices: List[int] = []
        # one loader per reduce_zero_label value: LoadAnnotations remembers the first
        # value it sees and asserts that later samples agree
        self._loaders: Dict[bool, LoadAnnotations] = {}
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's meta information (a copy)."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Initialises the wrapped dataset and scans its annotations once."""
        if self._fully_initialized:
            return
        if hasattr(self.dataset, 'full_init'):
            self.dataset.full_init()
        total = len(self.dataset)
        self.kept_indices = [i for i in range(total) if not self._has_unseen(i)]
        dropped = total - len(self.kept_indices)
        what = (f'split {self.split.name!r}' if self.split is not None else
                f'unseen ids {list(self.unseen_ids)}')
        if not self.kept_indices:
            raise ValueError(
                f'ExcludeUnseenImages: all {total} images of '
                f'{type(self.dataset).__name__} contain pixels of an unseen class of '
                f'{what}; nothing is left to train on')
        print_log(f'ExcludeUnseenImages: dropped {dropped} of {total} training images that '
                  f'contain unseen classes ({what}); {len(self.kept_indices)} remain',
                  logger='current', level=logging.INFO)
        self._fully_initialized = True

    def _has_unseen(self, idx: int) -> bool:
        """Whether the annotation of sample ``idx`` has a pixel of an unseen class."""
        info = self.dataset.get_data_info(idx)
        if 'seg_map_path' not in info:
            raise KeyError(f'sample {idx} of {type(self.dataset).__name__} has no '
                           f'seg_map_path; got keys {sorted(info)}')
        results = dict(info, seg_fields=[])
        results.setdefault('reduce_zero_label', False)
        key = bool(results['reduce_zero_label'])
        if key not in self._loaders:
            self._loaders[key] = LoadAnnotations(imdecode_backend=self.imdecode_backend)
        seg = self._loaders[key](results)['gt_seg_map']
        return bool(np.isin(seg, self.unseen_ids).any())

    def _check_init(self) -> None:
        if not self._fully_initialized:
            self.full_init()

    def get_data_info(self, idx: int) -> dict:
        """Returns the data info of the ``idx``-th kept sample.

        Args:
            idx (int): Index into the kept samples.

        Returns:
            dict: The wrapped dataset's data info.
        """
        self._check_init()
        return self.dataset.get_data_info(self.kept_indices[idx])

    def __getitem__(self, idx: int) -> dict:
        self._check_init()
        return self.dataset[self.kept_indices[idx]]

    def __len__(self) -> int:
        self._check_init()
        return len(self.kept_indices)

    def __repr__(self) -> str:
        split = f"'{self.split.name}'" if self.split is not None else None
        kept = len(self.kept_indices) if self._fully_initialized else 'not scanned'
        return (f'{self.__class__.__name__}(dataset={type(self.dataset).__name__}, '
                f'split={split}, unseen_ids={list(self.unseen_ids)}, kept={kept})')
