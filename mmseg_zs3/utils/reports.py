"""Visual evaluation reports: per-class IoU bar chart and seen/unseen confusion matrix.

Pure functions of arrays (the confusion matrix is counted with
``mmseg_zs3.evaluation.functional.confusion_matrix`` by
``mmseg_zs3.engine.hooks.ZeroShotReportHook``). The charts are drawn with matplotlib's
object API on the Agg canvas (matplotlib comes with mmsegmentation; no display and no
global pyplot state is used).
"""
from typing import Dict, Optional, Sequence

import numpy as np

SEEN_COLOUR = '#3a6fb0'
UNSEEN_COLOUR = '#e07b24'


def block_confusion(conf: np.ndarray, unseen_mask: Sequence[bool]) -> np.ndarray:
    """The confusion matrix summed into seen/unseen blocks, row-normalised.

    Args:
        conf (np.ndarray): (K, K) counts, rows = ground truth.
        unseen_mask (Sequence[bool]): True for the unseen classes.

    Returns:
        np.ndarray: (2, 2) fractions: row 0 = seen ground-truth pixels predicted as a seen /
        an unseen class, row 1 = the same for unseen ground-truth pixels (NaN rows when
        there is no such pixel).
    """
    unseen = np.asarray(unseen_mask, dtype=bool)
    groups = (~unseen, unseen)
    blocks = np.array([[conf[np.ix_(r, c)].sum() for c in groups] for r in groups],
                      dtype=np.float64)
    totals = blocks.sum(1, keepdims=True)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(totals > 0, blocks / np.where(totals > 0, totals, 1), np.nan)


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def draw_iou_bar_chart(iou: np.ndarray, classes: Sequence[str], unseen_mask: Sequence[bool],
                       out_file: str, title: str = 'per-class IoU',
                       summary: Optional[Dict[str, float]] = None) -> str:
    """Writes a bar chart of per-class IoU, seen and unseen classes coloured apart.

    Args:
        iou (np.ndarray): (K,) IoU in 0..1 (NaN: class absent, drawn as "n/a").
        classes (Sequence[str]): Class names.
        unseen_mask (Sequence[bool]): True for the unseen classes.
        out_file (str): PNG path.
        title (str): Chart title.
        summary (dict, optional): Values (percent) shown in the title, e.g. S, U, hIoU.

    Returns:
        str: ``out_file``.
    """
    iou = np.asarray(iou, dtype=np.float64)
    unseen = np.asarray(unseen_mask, dtype=bool)
    if not len(iou) == len(classes) == len(unseen):
        raise ValueError(f'{len(iou)} IoU values, {len(classes)} classes and {len(unseen)} '
                         'unseen flags must match')
    fig = _figure(max(6.0, 0.35 * len(classes) + 1.5), 4.0)
    ax = fig.add_subplot(1, 1, 1)
    x = np.arange(len(classes))
    values = np.nan_to_num(iou * 100, nan=0.0)
    ax.bar(x, values, color=[UNSEEN_COLOUR if u else SEEN_COLOUR for u in unseen])
    for i in np.flatnonzero(np.isnan(iou)):
        ax.text(i, 1, 'n/a', ha='center', va='bottom', fontsize=6, rotation=90)
    ax.set_xticks(x)
    ax.set_xticklabels(classes, rotation=90, fontsize=7)
    for tick, u in zip(ax.get_xticklabels(), unseen):
        tick.set_color(UNSEEN_COLOUR if u else 'black')
    ax.set_ylim(0, 100)
    ax.set_ylabel('IoU (%)')
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=SEEN_COLOUR, label='seen'),
                       Patch(color=UNSEEN_COLOUR, label='unseen')], fontsize=7,
              loc='upper right')
    if summary:
        title += ' (' + ', '.join(f'{k} {v:.1f}' for k, v in summary.items()) + ')'
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out_file)
    return out_file


def draw_confusion_matrix(conf: np.ndarray, classes: Sequence[str],
                          unseen_mask: Sequence[bool], out_file: str,
                          title: str = 'confusion matrix (rows: ground truth, '
                          'row-normalised)') -> str:
    """Writes the row-normalised confusion matrix, seen classes first then unseen.

    Lines separate the seen and unseen blocks; a second panel shows the 2 x 2 block
    summary (:func:`block_confusion`): how much of the seen / unseen ground truth is
    predicted as some seen / some unseen class.

    Args:
        conf (np.ndarray): (K, K) counts, rows = ground truth.
        classes (Sequence[str]): Class names.
        unseen_mask (Sequence[bool]): True for the unseen classes.
        out_file (str): PNG path.
        title (str): Title of the class panel.

    Returns:
        str: ``out_file``.
    """
    conf = np.asarray(conf, dtype=np.float64)
    unseen = np.asarray(unseen_mask, dtype=bool)
    k = len(classes)
    if conf.shape != (k, k) or len(unseen) != k:
        raise ValueError(f'confusion matrix of shape {conf.shape}, {k} classes and '
                         f'{len(unseen)} unseen flags do not match')
    order = np.concatenate([np.flatnonzero(~unseen), np.flatnonzero(unseen)])
    sub = conf[np.ix_(order, order)]
    rows = sub.sum(1, keepdims=True)
    norm = np.divide(sub, rows, out=np.zeros_like(sub), where=rows > 0)
    side = max(5.0, 0.3 * k + 2.5)
    fig = _figure(side + 3.2, side)
    grid = fig.add_gridspec(1, 2, width_ratios=[side, 2.6])
    ax = fig.add_subplot(grid[0, 0])
    image = ax.imshow(norm, cmap='viridis', vmin=0, vmax=1)
    names = [classes[i] for i in order]
    ax.set_xticks(np.arange(k))
    ax.set_yticks(np.arange(k))
    ax.set_xticklabels(names, rotation=90, fontsize=6)
    ax.set_yticklabels(names, fontsize=6)
    for tick in list(ax.get_xticklabels()) + list(ax.get_yticklabels()):
        if tick.get_text() in {classes[i] for i in np.flatnonzero(unseen)}:
            tick.set_color(UNSEEN_COLOUR)
    boundary = int((~unseen).sum()) - 0.5
    if 0 < boundary < k - 1:
        ax.axhline(boundary, color='white', linewidth=1.5)
        ax.axvline(boundary, color='white', linewidth=1.5)
    ax.set_xlabel('prediction')
    ax.set_ylabel('ground truth')
    ax.set_title(title, fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    blocks = block_confusion(conf, unseen)
    bx = fig.add_subplot(grid[0, 1])
    bx.imshow(np.nan_to_num(blocks), cmap='viridis', vmin=0, vmax=1)
    for (r, c), v in np.ndenumerate(blocks):
        bx.text(c, r, 'n/a' if np.isnan(v) else f'{100 * v:.1f}%', ha='center',
                va='center', color='white' if not np.isnan(v) and v < 0.6 else 'black')
    bx.set_xticks([0, 1])
    bx.set_yticks([0, 1])
    bx.set_xticklabels(['seen', 'unseen'])
    bx.set_yticklabels(['seen', 'unseen'])
    bx.set_xlabel('predicted as')
    bx.set_ylabel('ground truth')
    bx.set_title('seen / unseen blocks', fontsize=8)
    fig.tight_layout()
    fig.savefig(out_file)
    return out_file
