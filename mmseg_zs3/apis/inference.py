"""Inference with a trained zero-shot model through mmseg's APIs.

mmseg's ``init_model`` / ``inference_model`` and ``MMSegInferencer`` work with the zero-shot
configs and checkpoints as they are (``ZeroShotEncoderDecoder`` accepts the
``train_cfg=None`` that ``init_model`` sets). What this module adds:

- :func:`zero_shot_dataset_meta`: the model's ``dataset_meta`` taken from its split (class
  names in label order, the palette of the checkpoint when it fits, ``unseen_classes`` and
  ``unseen_ids``), so predictions are named after the split even when the checkpoint meta
  is missing or stale;
- :func:`init_zero_shot_model`: ``mmseg.apis.init_model`` plus that meta;
- :class:`ZeroShotSegInferencer`: ``MMSegInferencer`` with that meta, whose overlays outline
  the pixels predicted as unseen classes in white and list the predicted classes, unseen
  ones marked ``(unseen)``;
- :func:`overlay_prediction`: the overlay itself (a pure function of arrays).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.model import is_model_wrapper
from mmseg.apis import MMSegInferencer, init_model
from mmseg.registry import INFERENCERS

from ..datasets.gzs_dataset import distinct_palette
from ..utils.visualization import UNSEEN_OUTLINE, colourise, outline

UNSEEN_MARK = ' (unseen)'


def _head(model):
    model = model.module if is_model_wrapper(model) else model
    head = getattr(model, 'decode_head', None)
    if head is None or not hasattr(head, 'split'):
        raise TypeError(f'{type(model).__name__} has no zero-shot decode head with a split '
                        '(GenerativeZeroShotHead)')
    return head


def zero_shot_dataset_meta(model, meta: Optional[dict] = None) -> Dict[str, list]:
    """The dataset meta of a zero-shot model, from its split.

    Args:
        model (nn.Module): A segmentor whose ``decode_head`` has a ``split``.
        meta (dict, optional): Meta that came with the checkpoint (``classes``,
            ``palette``); its palette is kept when it has one colour per split class.

    Returns:
        dict: ``classes`` (the split's, label order), ``palette`` (one RGB triple per
        class), ``unseen_classes`` and ``unseen_ids``.
    """
    split = _head(model).split
    palette = None if meta is None else meta.get('palette')
    if palette is None or len(palette) != split.num_classes:
        palette = distinct_palette(split.num_classes)
    return dict(classes=list(split.classes), palette=[list(map(int, c)) for c in palette],
                unseen_classes=list(split.unseen), unseen_ids=list(split.unseen_ids))


def init_zero_shot_model(config, checkpoint: Optional[str] = None, device: str = 'cpu',
                         cfg_options: Optional[dict] = None):
    """``mmseg.apis.init_model`` with the dataset meta taken from the split.

    Args:
        config (str | Path | Config): Config file or object.
        checkpoint (str, optional): Checkpoint file. Defaults to None.
        device (str): Device. Defaults to ``'cpu'``.
        cfg_options (dict, optional): Config overrides.

    Returns:
        nn.Module: The segmentor in eval mode, ``dataset_meta`` from
        :func:`zero_shot_dataset_meta`.
    """
    model = init_model(config, checkpoint, device=device, cfg_options=cfg_options)
    model.dataset_meta = zero_shot_dataset_meta(model, getattr(model, 'dataset_meta', None))
    return model


def overlay_prediction(image: np.ndarray, pred: np.ndarray,
                       palette: Sequence[Sequence[int]], unseen_ids: Sequence[int],
                       classes: Optional[Sequence[str]] = None, opacity: float = 0.6,
                       legend: bool = True) -> np.ndarray:
    """Blends a coloured prediction onto an image, outlining unseen-class pixels.

    Args:
        image (np.ndarray): (H, W, 3) uint8 RGB image.
        pred (np.ndarray): (H, W) predicted class ids.
        palette (Sequence): RGB per class.
        unseen_ids (Sequence[int]): Ids of the unseen classes (outlined in white).
        classes (Sequence[str], optional): Class names, for the legend.
        opacity (float): Weight of the prediction colours, in [0, 1]. Defaults to 0.6.
        legend (bool): Append a legend of the predicted classes below the image (needs
            ``classes``); unseen classes are marked ``(unseen)``. Defaults to True.

    Returns:
        np.ndarray: (H + legend height, max(W, legend width), 3) uint8 RGB image.
    """
    if image.shape[:2] != pred.shape:
        raise ValueError(f'image {image.shape[:2]} and prediction {pred.shape} must have the '
                         'same size')
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f'opacity must lie in [0, 1], got {opacity}')
    colour = colourise(pred, palette).astype(np.float32)
    out = (1 - opacity) * image.astype(np.float32) + opacity * colour
    out = out.round().clip(0, 255).astype(np.uint8)
    out[outline(np.isin(pred, list(unseen_ids)))] = UNSEEN_OUTLINE
    if not legend or classes is None:
        return out
    return _with_legend(out, pred, palette, unseen_ids, classes)


def _with_legend(image: np.ndarray, pred: np.ndarray, palette, unseen_ids,
                 classes: Sequence[str]) -> np.ndarray:
    """Appends one row per predicted class (swatch + name) below the image."""
    import cv2
    ids = [int(i) for i in np.unique(pred) if 0 <= i < len(classes)]
    row_h, font, scale = 14, cv2.FONT_HERSHEY_SIMPLEX, 0.35
    names = [classes[i] + (UNSEEN_MARK if i in set(unseen_ids) else '') for i in ids]
    text_w = max([cv2.getTextSize(n, font, scale, 1)[0][0] for n in names] or [0])
    width = max(image.shape[1], 18 + text_w + 4)
    panel = np.full((row_h * len(ids) + 4, width, 3), 255, dtype=np.uint8)
    for row, (i, name) in enumerate(zip(ids, names)):
        top = 2 + row * row_h
        panel[top + 2:top + row_h - 2, 2:14] = palette[i]
        cv2.putText(panel, name, (18, top + row_h - 4), font, scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    canvas = np.full((image.shape[0], width, 3), 255, dtype=np.uint8)
    canvas[:, :image.shape[1]] = image
    return np.concatenate([canvas, panel], axis=0)


@INFERENCERS.register_module()
class ZeroShotSegInferencer(MMSegInferencer):
    """``MMSegInferencer`` for zero-shot models.

    The class names and palette come from the model's split (the checkpoint's palette is
    kept when it fits), ``model.dataset_meta`` also lists ``unseen_classes`` and
    ``unseen_ids``; the overlays (``out_dir``/vis) outline pixels predicted as unseen
    classes in white and list the predicted classes, unseen ones marked ``(unseen)``.
    Arguments are those of ``MMSegInferencer`` (``model`` config, ``weights`` checkpoint,
    ``device``, ...).
    """

    def _load_weights_to_model(self, model, checkpoint, cfg) -> None:
        super()._load_weights_to_model(model, checkpoint, cfg)
        model.dataset_meta = zero_shot_dataset_meta(model, model.dataset_meta)

    def visualize(self, inputs: list, preds: List, return_vis: bool = False,
                  show: bool = False, wait_time: int = 0, img_out_dir: str = '',
                  opacity: float = 0.6, with_labels: Optional[bool] = True
                  ) -> Optional[List[np.ndarray]]:
        """Draws the overlays (see :func:`overlay_prediction`).

        Args:
            inputs (list): Image paths or (H, W, 3) BGR arrays.
            preds (list): ``SegDataSample`` predictions.
            return_vis (bool): Return the overlays. Defaults to False.
            show (bool): Not supported (no display); must be False.
            wait_time (int): Unused.
            img_out_dir (str): Folder for the overlays ('' = none). Named after the input
                file, or ``<counter>_vis.png`` for arrays.
            opacity (float): Weight of the prediction colours. Defaults to 0.6.
            with_labels (bool): Append the legend of predicted classes. Defaults to True.

        Returns:
            list[np.ndarray] | None: RGB overlays when ``return_vis``.
        """
        import mmcv
        if show:
            raise ValueError('ZeroShotSegInferencer writes overlays (out_dir) or returns them '
                             '(return_vis); show=True is not supported')
        if img_out_dir == '' and not return_vis:
            return None
        meta = self.model.dataset_meta
        results = []
        for single_input, pred in zip(inputs, preds):
            if isinstance(single_input, str):
                image = mmcv.imread(single_input, channel_order='rgb')
                name = osp.splitext(osp.basename(single_input))[0] + '.png'
            elif isinstance(single_input, np.ndarray):
                image = single_input[..., ::-1]
                name = f'{self.num_visualized_imgs:08d}_vis.png'
            else:
                raise ValueError(f'unsupported input type {type(single_input)}')
            label = pred.pred_sem_seg.data[0].cpu().numpy()
            vis = overlay_prediction(image, label, meta['palette'], meta['unseen_ids'],
                                     meta['classes'], opacity=opacity, legend=with_labels)
            if img_out_dir != '':
                os.makedirs(img_out_dir, exist_ok=True)
                mmcv.imwrite(vis[..., ::-1], osp.join(img_out_dir, name))
            if return_vis:
                results.append(vis)
            self.num_visualized_imgs += 1
        return results if return_vis else None
