"""Metric arithmetic of generalized zero-shot segmentation, free of mmengine state.

Everything here works on per-class area vectors (the ``(intersect, union, pred_label,
label)`` tuples mmseg's :class:`~mmseg.evaluation.IoUMetric` accumulates) or on a confusion
matrix, and returns fractions in ``[0, 1]``; the metric class turns them into percent.

Conventions (DESIGN.md section 7, and mmseg's):

- per-class IoU = intersect / union and Acc = intersect / label, NaN where the denominator is
  0 (a class absent from both prediction and ground truth has no IoU; a class absent from the
  ground truth has no accuracy);
- means skip NaN (``nanmean``); a mean over no defined value is NaN;
- S and U are the means over seen and unseen classes, and the harmonic mean
  H = 2SU / (S + U) is 0 when S or U is 0 or undefined.
"""
from typing import Dict, Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor, list, tuple]


def _as_float_array(values: ArrayLike) -> np.ndarray:
    """Returns ``values`` as a float64 numpy array (CPU tensors included)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.float64)


def _as_int_array(values: ArrayLike) -> np.ndarray:
    """Returns ``values`` as an int64 numpy array (CPU tensors included)."""
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.int64)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise ``numerator / denominator`` with NaN where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan, dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def nanmean(values: ArrayLike) -> float:
    """Mean of the non-NaN values, NaN (without a warning) when there is none.

    Args:
        values (ArrayLike): Values, possibly NaN.

    Returns:
        float: The mean of the defined values, or NaN.
    """
    values = _as_float_array(values).ravel()
    defined = values[~np.isnan(values)]
    if defined.size == 0:
        return float('nan')
    return float(defined.mean())


def harmonic_mean(seen: float, unseen: float) -> float:
    """Harmonic mean ``2 * seen * unseen / (seen + unseen)`` of two scores.

    Args:
        seen (float): Score on the seen classes (S).
        unseen (float): Score on the unseen classes (U).

    Returns:
        float: H, or 0 when either score is 0, negative or undefined (NaN).
    """
    seen, unseen = float(seen), float(unseen)
    if not (np.isfinite(seen) and np.isfinite(unseen)) or seen <= 0 or unseen <= 0:
        return 0.0
    return 2.0 * seen * unseen / (seen + unseen)


def confusion_matrix(pred_label: ArrayLike, label: ArrayLike, num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """Counts (ground truth, prediction) pairs over the labelled pixels.

    Pixels whose label is ``ignore_index`` or outside ``[0, num_classes)``, and pixels
    whose prediction is outside ``[0, num_classes)``, are not counted (as mmseg's
    histograms drop out-of-range values).

    Args:
        pred_label (ArrayLike): Predicted label map, any shape.
        label (ArrayLike): Ground-truth label map, same shape.
        num_classes (int): Number of classes.
        ignore_index (int): Ground-truth value that is not scored. Defaults to 255.

    Returns:
        np.ndarray: int64 matrix of shape (num_classes, num_classes); entry ``[g, p]`` counts
        the pixels of ground truth ``g`` predicted as ``p``.
    """
    pred_label = _as_int_array(pred_label).ravel()
    label = _as_int_array(label).ravel()
    if pred_label.shape != label.shape:
        raise ValueError(f'prediction and label differ in size: {pred_label.size} vs '
                         f'{label.size} pixels')
    keep = ((label != ignore_index) & (label >= 0) & (label < num_classes)
            & (pred_label >= 0) & (pred_label < num_classes))
    index = label[keep] * num_classes + pred_label[keep]
    return np.bincount(index, minlength=num_classes**2).reshape(num_classes, num_classes)


def areas_from_confusion_matrix(
        confusion: ArrayLike) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-class areas from a confusion matrix (rows: ground truth, columns: prediction).

    Args:
        confusion (ArrayLike): Square matrix of pixel counts.

    Returns:
        tuple[np.ndarray]: ``(intersect, union, pred_label, label)`` areas per class, the
        layout of :meth:`mmseg.evaluation.IoUMetric.intersect_and_union`.
    """
    confusion = _as_float_array(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1]:
        raise ValueError(f'a confusion matrix is square, got shape {confusion.shape}')
    intersect = np.diag(confusion).copy()
    area_pred = confusion.sum(axis=0)
    area_label = confusion.sum(axis=1)
    return intersect, area_pred + area_label - intersect, area_pred, area_label


def per_class_iou_acc(area_intersect: ArrayLike, area_union: ArrayLike,
                      area_label: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Per-class IoU and accuracy from accumulated areas.

    Args:
        area_intersect (ArrayLike): Correctly predicted pixels per class.
        area_union (ArrayLike): Pixels predicted as or labelled as each class.
        area_label (ArrayLike): Ground-truth pixels per class.

    Returns:
        tuple[np.ndarray]: ``(iou, acc)``, fractions; IoU is NaN for a class absent from
        both prediction and ground truth, accuracy is NaN for a class absent from the
        ground truth.
    """
    area_intersect = _as_float_array(area_intersect)
    iou = _safe_divide(area_intersect, _as_float_array(area_union))
    acc = _safe_divide(area_intersect, _as_float_array(area_label))
    return iou, acc


def overall_accuracy(area_intersect: ArrayLike, area_label: ArrayLike) -> float:
    """Pixel accuracy over all labelled pixels (mmseg's ``aAcc``).

    Args:
        area_intersect (ArrayLike): Correctly predicted pixels per class.
        area_label (ArrayLike): Ground-truth pixels per class.

    Returns:
        float: Fraction of correctly predicted labelled pixels, NaN without labelled pixels.
    """
    total = _as_float_array(area_label).sum()
    if total == 0:
        return float('nan')
    return float(_as_float_array(area_intersect).sum() / total)


def seen_unseen_summary(per_class_iou: ArrayLike, per_class_acc: ArrayLike,
                        unseen_mask: ArrayLike) -> Dict[str, float]:
    """Means over all, seen and unseen classes, and their harmonic means.

    Args:
        per_class_iou (ArrayLike): IoU per class, NaN for classes to skip.
        per_class_acc (ArrayLike): Accuracy per class, NaN for classes to skip.
        unseen_mask (ArrayLike): Boolean per class, True for the unseen classes.

    Returns:
        dict[str, float]: Fractions under ``'mIoU'``, ``'mIoU_seen'`` (S),
        ``'mIoU_unseen'`` (U), ``'hIoU'`` (H), ``'mAcc'``, ``'mAcc_seen'``,
        ``'mAcc_unseen'`` and ``'hAcc'``. A mean over no defined class is NaN; a harmonic
        mean with an undefined or zero side is 0.
    """
    iou = _as_float_array(per_class_iou)
    acc = _as_float_array(per_class_acc)
    unseen = np.asarray(unseen_mask, dtype=bool)
    if not iou.shape == acc.shape == unseen.shape or iou.ndim != 1:
        raise ValueError('per_class_iou, per_class_acc and unseen_mask must be vectors of '
                         f'one length, got shapes {iou.shape}, {acc.shape}, {unseen.shape}')
    summary = {}
    for name, values in (('IoU', iou), ('Acc', acc)):
        seen_mean, unseen_mean = nanmean(values[~unseen]), nanmean(values[unseen])
        summary[f'm{name}'] = nanmean(values)
        summary[f'm{name}_seen'] = seen_mean
        summary[f'm{name}_unseen'] = unseen_mean
        summary[f'h{name}'] = harmonic_mean(seen_mean, unseen_mean)
    return summary


def resize_label_nearest(label: torch.Tensor, size: Tuple[int, int]) -> torch.Tensor:
    """Nearest-neighbour resize of a label map, sampling at pixel centres.

    Output pixel ``i`` of an axis takes input pixel ``floor((i + 0.5) * in / out)``, computed
    in exact integer arithmetic; this is PIL's ``Image.NEAREST`` (and torch's
    ``'nearest-exact'``) without floating-point rounding, and it never mixes label values.

    Args:
        label (torch.Tensor): Label map of shape (..., H, W), any dtype.
        size (tuple[int, int]): Output (h, w).

    Returns:
        torch.Tensor: Label map of shape (..., h, w), same dtype and device.
    """
    out_h, out_w = (int(s) for s in size)
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f'size must be two positive integers, got {size}')
    in_h, in_w = label.shape[-2:]
    device = label.device
    rows = ((2 * torch.arange(out_h, device=device) + 1) * in_h) // (2 * out_h)
    cols = ((2 * torch.arange(out_w, device=device) + 1) * in_w) // (2 * out_w)
    return label[..., rows[:, None], cols[None, :]]
