"""Side-by-side pictures of zero-shot predictions (image | ground truth | prediction)."""
from typing import Optional, Sequence

import numpy as np

IGNORE_COLOUR = (0, 0, 0)
UNSEEN_OUTLINE = (255, 255, 255)


def colourise(label: np.ndarray, palette: Sequence[Sequence[int]],
              ignore_index: int = 255) -> np.ndarray:
    """Maps a label map to RGB with a palette (ignore pixels black).

    Args:
        label (np.ndarray): (H, W) integer labels.
        palette (Sequence): One RGB triple per class.
        ignore_index (int): Label drawn black. Defaults to 255.

    Returns:
        np.ndarray: (H, W, 3) uint8 image.
    """
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    lut[ignore_index] = IGNORE_COLOUR
    return lut[np.asarray(label, dtype=np.int64).clip(0, 255)]


def outline(mask: np.ndarray) -> np.ndarray:
    """The inner boundary of a boolean mask (pixels of the mask with a 4-neighbour outside)."""
    padded = np.pad(mask, 1, mode='edge')
    interior = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    return mask & ~interior


def side_by_side(image: np.ndarray, gt: np.ndarray, pred: np.ndarray,
                 palette: Sequence[Sequence[int]], unseen_ids: Sequence[int],
                 scale: int = 1, gap: int = 4, ignore_index: int = 255,
                 gt_valid: Optional[np.ndarray] = None) -> np.ndarray:
    """Image, coloured ground truth and coloured prediction in one row.

    Pixels of unseen classes are outlined in white in the ground truth and the prediction,
    so what the model says about classes it never saw labelled stands out.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        gt (np.ndarray): (H, W) ground-truth labels.
        pred (np.ndarray): (H, W) predicted labels.
        palette (Sequence): RGB per class.
        unseen_ids (Sequence[int]): Label ids of the unseen classes.
        scale (int): Nearest-neighbour magnification. Defaults to 1.
        gap (int): White columns between the panels (before scaling). Defaults to 4.
        ignore_index (int): Ignore label. Defaults to 255.
        gt_valid (np.ndarray, optional): Boolean (H, W) mask of the pixels where the
            prediction is shown; elsewhere (e.g. void, which is not scored) it is drawn black.
            Defaults to None (shown everywhere).

    Returns:
        np.ndarray: (H * scale, (3 W + 2 gap) * scale, 3) uint8 image.
    """
    if image.shape[:2] != gt.shape or gt.shape != pred.shape:
        raise ValueError(f'image {image.shape[:2]}, ground truth {gt.shape} and prediction '
                         f'{pred.shape} must have the same size')
    unseen = np.isin(gt, list(unseen_ids))
    unseen_pred = np.isin(pred, list(unseen_ids))
    gt_rgb = colourise(gt, palette, ignore_index)
    pred_rgb = colourise(pred, palette, ignore_index)
    if gt_valid is not None:
        pred_rgb[~gt_valid] = IGNORE_COLOUR
        unseen_pred &= gt_valid
    gt_rgb[outline(unseen)] = UNSEEN_OUTLINE
    pred_rgb[outline(unseen_pred)] = UNSEEN_OUTLINE
    sep = np.full((gt.shape[0], gap, 3), 255, dtype=np.uint8)
    row = np.concatenate([image.astype(np.uint8), sep, gt_rgb, sep, pred_rgb], axis=1)
    if scale > 1:
        row = row.repeat(scale, axis=0).repeat(scale, axis=1)
    return row
