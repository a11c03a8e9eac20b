"""Visual reports after evaluation: per-class IoU bar chart and confusion matrix PNGs."""
import os
import os.path as osp
from typing import Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...datasets.splits import ZeroShotSplit, get_split
from ...evaluation.functional import (areas_from_confusion_matrix, confusion_matrix,
                                     per_class_iou_acc, seen_unseen_summary)
from ...utils.reports import block_confusion, draw_confusion_matrix, draw_iou_bar_chart


@HOOKS.register_module()
class ZeroShotReportHook(Hook):
    """Writes a per-class IoU bar chart (seen and unseen classes coloured apart) and a
    confusion matrix with its seen/unseen blocks after each validation and/or test run.

    The hook counts (ground truth, prediction) pixel pairs of every evaluated image at full
    label resolution (summed over processes) and, on the main process, writes
    ``<out_dir>/<mode>[_iter_<n>]_iou.png``, ``..._confusion.png`` and the counts
    ``..._confusion.npy`` (rows = ground truth), ``out_dir`` being ``<work_dir>/reports``
    by default. The IoU it draws is the metric's (intersection over union per class, in
    percent).

    Args:
        split (str | dict, optional): The split; default: the model's
            (``model.decode_head.split``).
        out_dir (str, optional): Output folder. Defaults to ``<work_dir>/reports``.
        iou_chart (bool): Write the bar chart. Defaults to True.
        confusion (bool): Write the confusion matrix (PNG and .npy). Defaults to True.
        on_val (bool): Report after validation runs. Defaults to True.
        on_test (bool): Report after test runs. Defaults to True.
        ignore_index (int): Label not counted. Defaults to 255.
    """

    priority = 'LOW'

    def __init__(self, split: Union[None, str, dict, ZeroShotSplit] = None,
                 out_dir: Optional[str] = None, iou_chart: bool = True,
                 confusion: bool = True, on_val: bool = True, on_test: bool = True,
                 ignore_index: int = 255):
        if not (iou_chart or confusion):
            raise ValueError('ZeroShotReportHook with iou_chart=False and confusion=False '
                             'writes nothing; enable one of them')
        self.split = None if split is None else get_split(split)
        self.out_dir = out_dir
        self.iou_chart = iou_chart
        self.confusion = confusion
        self.modes = {m for m, on in (('val', on_val), ('test', on_test)) if on}
        self.ignore_index = ignore_index
        self._conf: Optional[np.ndarray] = None

    def _split(self, runner) -> ZeroShotSplit:
        if self.split is not None:
            return self.split
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        split = getattr(getattr(model, 'decode_head', None), 'split', None)
        if split is None:
            raise ValueError(f'ZeroShotReportHook needs split= for {type(model).__name__}, '
                             'whose decode head has no split')
        return split

    # ----------------------------------------------------------------- counting
    def _reset(self, runner) -> None:
        k = self._split(runner).num_classes
        self._conf = np.zeros((k, k), dtype=np.int64)

    def _accumulate(self, outputs: Sequence) -> None:
        k = self._conf.shape[0]
        for sample in outputs:
            pred = sample.pred_sem_seg.data.squeeze().cpu().numpy()
            label = sample.gt_sem_seg.data.squeeze().cpu().numpy()
            self._conf += confusion_matrix(pred, label, k, self.ignore_index)

    def before_val_epoch(self, runner) -> None:
        if 'val' in self.modes:
            self._reset(runner)

    def before_test_epoch(self, runner) -> None:
        if 'test' in self.modes:
            self._reset(runner)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if 'val' in self.modes and outputs:
            self._accumulate(outputs)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if 'test' in self.modes and outputs:
            self._accumulate(outputs)

    def after_val_epoch(self, runner, metrics=None) -> None:
        if 'val' in self.modes:
            self._report(runner, f'val_iter_{runner.iter}')

    def after_test_epoch(self, runner, metrics=None) -> None:
        if 'test' in self.modes:
            self._report(runner, 'test')

    # ---------------------------------------------------------------- writing
    def _report(self, runner, name: str) -> None:
        if self._conf is None:
            return
        conf = torch.from_numpy(self._conf)
        all_reduce(conf)
        conf = conf.numpy()
        self._conf = None
        if not is_main_process():
            return
        split = self._split(runner)
        unseen = np.zeros(split.num_classes, dtype=bool)
        unseen[list(split.unseen_ids)] = True
        out_dir = self.out_dir or osp.join(runner.work_dir, 'reports')
        os.makedirs(out_dir, exist_ok=True)
        written = []
        if self.iou_chart:
            intersect, union, _, label = areas_from_confusion_matrix(conf)
            iou, acc = per_class_iou_acc(intersect, union, label)
            means = seen_unseen_summary(iou, acc, unseen)
            summary = dict(S=100 * means['mIoU_seen'], U=100 * means['mIoU_unseen'],
                           hIoU=100 * means['hIoU'])
            written.append(draw_iou_bar_chart(
                iou, split.classes, unseen, osp.join(out_dir, f'{name}_iou.png'),
                title=f'per-class IoU, {name}', summary=summary))
        if self.confusion:
            np.save(osp.join(out_dir, f'{name}_confusion.npy'), conf)
            written.append(draw_confusion_matrix(
                conf, split.classes, unseen, osp.join(out_dir, f'{name}_confusion.png')))
            blocks = block_confusion(conf, unseen)
            print_log(f'seen/unseen blocks ({name}): seen pixels predicted unseen '
                      f'{100 * blocks[0, 1]:.1f}%, unseen pixels predicted seen '
                      f'{100 * blocks[1, 0]:.1f}%', logger='current')
        print_log(f'zero-shot report: {", ".join(written)}', logger='current')
