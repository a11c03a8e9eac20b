"""Checks that the data a zero-shot run reads is the data its split describes.

Pure functions, called before the first training iteration by ``ZeroShotPhaseHook`` (and
per sample by ``MaskUnseenClasses`` for the label range), so that a run with a wrong data
root, an empty folder or a split of other classes stops at once with an error that names
the dataset, instead of hanging (an infinite sampler over no image never yields) or
training on labels that mean other classes.
"""
from typing import Optional, Sequence

import numpy as np

from .splits import ZeroShotSplit


def describe_dataset(dataset) -> str:
    """A one-line description naming where a dataset reads from.

    Args:
        dataset: An mmengine dataset, or a wrapper with a ``dataset``/``datasets``
            attribute.

    Returns:
        str: Its class, ``data_root``, ``ann_file`` and ``data_prefix`` (when it has them),
        followed by the same for the wrapped dataset(s).
    """
    parts = [type(dataset).__name__]
    for attr in ('data_root', 'ann_file', 'data_prefix'):
        value = getattr(dataset, attr, None)
        if value:
            parts.append(f'{attr}={value!r}')
    text = '(' + ', '.join(parts) + ')'
    inner = getattr(dataset, 'dataset', None)
    if inner is not None:
        text += ' wrapping ' + describe_dataset(inner)
    for sub in getattr(dataset, 'datasets', None) or []:
        text += ' + ' + describe_dataset(sub)
    return text


def check_dataset_not_empty(dataset, role: Optional[str] = None) -> None:
    """Raises when a dataset has no sample.

    Args:
        dataset: The dataset.
        role (str, optional): What it is used for (``'training'``, ``'validation'``), for
            the message.

    Raises:
        ValueError: Naming the dataset's class, ``data_root``, ``ann_file`` and
            ``data_prefix``.
    """
    if len(dataset) == 0:
        raise ValueError(empty_dataset_message(dataset, role))


def empty_dataset_message(dataset, role: Optional[str] = None) -> str:
    """The error message for an empty dataset (see :func:`check_dataset_not_empty`)."""
    what = f'the {role} dataset' if role else 'the dataset'
    return (f'{what} {describe_dataset(dataset)} has no image: check data_root, ann_file and '
            'data_prefix (and the image/label suffixes)')


def check_split_matches_dataset(split: ZeroShotSplit, classes: Optional[Sequence[str]],
                                role: str, dataset_text: str = '') -> None:
    """Raises unless the dataset's classes are the split's classes, in the split's order.

    The label ids a dataset produces index its ``metainfo['classes']``; the model and the
    unseen masking index the split's classes. They must be the same list, otherwise an
    unseen class may be trained as seen (or not exist at all).

    Args:
        split (ZeroShotSplit): The model's split.
        classes (Sequence[str] | None): The dataset's ``metainfo['classes']``.
        role (str): What the dataset is used for, for the message.
        dataset_text (str): A description of the dataset, for the message.

    Raises:
        ValueError: Naming the unseen (or other) classes the dataset lacks, or the first
            class whose position differs.
    """
    where = f'the {role} dataset {dataset_text}'.rstrip()
    if classes is None:
        raise ValueError(f'{where} has no metainfo classes to check split {split.name!r} '
                         'against')
    classes = tuple(classes)
    unseen = [split.classes[i] for i in split.unseen_ids]
    missing_unseen = [c for c in unseen if c not in classes]
    if missing_unseen:
        raise ValueError(f'split {split.name!r} has unseen class(es) {missing_unseen} that '
                         f'{where} does not have; its classes are {list(classes)}')
    missing = [c for c in split.classes if c not in classes]
    if missing:
        raise ValueError(f'split {split.name!r} has class(es) {missing} that {where} does '
                         f'not have; its classes are {list(classes)}')
    if classes != tuple(split.classes):
        pos = next(i for i, (a, b) in enumerate(zip(classes, split.classes)) if a != b) \
            if len(classes) == len(split.classes) else min(len(classes), len(split.classes))
        raise ValueError(f'{where} has classes {list(classes)} but split {split.name!r} has '
                         f'{list(split.classes)} (first difference at label id {pos}); the '
                         'label ids would not mean the same classes')


def out_of_range_labels(seg: np.ndarray, num_classes: int, ignore_index: int) -> list:
    """The label values of a map that are neither a class id nor the ignore index.

    Args:
        seg (np.ndarray): An integer label map.
        num_classes (int): Valid ids are ``0 .. num_classes - 1``.
        ignore_index (int): The ignore label.

    Returns:
        list[int]: The offending values, ascending (empty when the map is valid).
    """
    if seg.dtype == np.uint8:  # a histogram is cheaper than sorting
        values = np.flatnonzero(np.bincount(seg.ravel(), minlength=256))
    else:
        values = np.unique(seg)
    bad = values[((values < 0) | (values >= num_classes)) & (values != ignore_index)]
    return [int(v) for v in bad]


def install_empty_dataset_error() -> bool:
    """Makes mmengine's datasets refuse an empty data list with a clear error.

    mmengine's ``BaseDataset`` serialises its data list when it is built
    (``serialize_data=True``, the default), and on an empty list that fails with numpy's
    ``need at least one array to concatenate``: the usual result of a wrong ``data_root``,
    ``data_prefix`` or image suffix. This wraps ``_serialize_data`` so that the error names
    the dataset's folders instead. Non-empty datasets are untouched; an empty one failed
    before too. (With ``serialize_data=False`` an empty training set is caught by
    ``ZeroShotPhaseHook`` before the first iteration.)

    Returns:
        bool: False when this mmengine has no ``BaseDataset._serialize_data`` (nothing done).
    """
    from mmengine.dataset import BaseDataset
    original = getattr(BaseDataset, '_serialize_data', None)
    if original is None or getattr(original, '_mmseg_zs3_checked', False):
        return original is not None

    def _serialize_data(self):
        if not self.data_list:  # (len() would read the serialised list, not built yet)
            raise ValueError(empty_dataset_message(self))
        return original(self)

    _serialize_data._mmseg_zs3_checked = True
    _serialize_data.__doc__ = original.__doc__
    BaseDataset._serialize_data = _serialize_data
    return True
