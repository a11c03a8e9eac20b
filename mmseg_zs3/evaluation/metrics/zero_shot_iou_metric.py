"""IoU metric of generalized zero-shot segmentation: S, U and their harmonic mean."""
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.logging import MMLogger, print_log
from mmengine.structures import BaseDataElement
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...datasets.splits import ZeroShotSplit, get_split
from ..functional import (overall_accuracy, per_class_iou_acc, resize_label_nearest,
                          seen_unseen_summary)


@METRICS.register_module()
class ZeroShotIoUMetric(IoUMetric):
    """mmseg's IoU metric with seen / unseen means and their harmonic mean.

    Per-class IoU and accuracy are computed over all classes (seen and unseen compete in
    one prediction), as :class:`~mmseg.evaluation.IoUMetric` does; they are then averaged
    separately over the seen classes (S) and the unseen classes (U), and summarised by the
    harmonic mean H = 2SU / (S + U), 0 when S or U is 0 or undefined. Classes absent from
    both prediction and ground truth have no IoU and are skipped in the means (no accuracy:
    absent from the ground truth), unless ``nan_to_num`` replaces the missing values.

    :meth:`compute_metrics` returns, in percent and without prefix: ``aAcc``, ``mIoU``,
    ``mAcc``, ``mIoU_seen``, ``mIoU_unseen``, ``hIoU``, ``mAcc_seen``, ``mAcc_unseen``,
    ``hAcc``; it logs one per-class table for the seen classes, one for the unseen classes
    and a summary line. After it, ``last_per_class`` maps each class name to its ``IoU``
    and ``Acc`` (percent, NaN when undefined) and ``unseen`` flag (for benchmark tools and
    reports; set on the process that computes the metrics). To keep the best checkpoint by
    hIoU, give the rule:
    ``CheckpointHook(save_best='hIoU', rule='greater')`` (mmengine cannot infer it from
    the name ``hIoU``).

    Scoring resolution: by default (``score_size=None``) mmseg's protocol is kept, the
    prediction (resized to the original image by the segmentor) is scored against the
    full-resolution label. CaGNet and SIGN scored at feature resolution (output stride 8)
    on images warped to 513x513; ``score_size=(65, 65)`` reproduces that protocol when the
    test pipeline warps the images to 513x513 without keeping the aspect ratio: the
    prediction and the label are both resampled to 65x65 with pixel-centre nearest
    neighbour (:func:`~mmseg_zs3.evaluation.functional.resize_label_nearest`) before they
    are counted::

        test_pipeline = [
            dict(type='LoadImageFromFile'),
            dict(type='Resize', scale=(513, 513), keep_ratio=False),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ]
        test_evaluator = dict(
            type='ZeroShotIoUMetric', split='voc12-15-5', score_size=(65, 65))

    The labels are sampled as the original code sampled them; the prediction is the
    segmentor's full-resolution output sampled at the same points rather than the argmax
    of the stride-8 logits, which may differ at object boundaries.

    Exactly one of ``split`` and ``unseen_classes`` must be given. With ``split`` the
    dataset's classes must equal the split's classes, in the same order; with
    ``unseen_classes`` every name must be a dataset class. Both are checked as soon as the
    dataset meta is known (first :meth:`process` or :meth:`compute_metrics`).

    Args:
        split (str | dict | ZeroShotSplit, optional): A named split (e.g.
            ``'voc12-15-5'``) or an inline definition, see
            :func:`mmseg_zs3.datasets.splits.get_split`. Defaults to None.
        unseen_classes (Sequence[str], optional): Names of the unseen classes, the other
            dataset classes being seen. Defaults to None.
        score_size (tuple[int, int], optional): (h, w) to which prediction and label are
            resampled before scoring; None scores at full resolution. Defaults to None.
        ignore_index (int): Label value that is not scored. Defaults to 255.
        nan_to_num (int, optional): Replaces undefined per-class values before the
            means, as in :class:`~mmseg.evaluation.IoUMetric`. Defaults to None.
        beta (int): Kept for :class:`~mmseg.evaluation.IoUMetric`. Defaults to 1.
        collect_device (str): ``'cpu'`` or ``'gpu'``, device on which the per-image results
            are gathered across ranks. Defaults to ``'cpu'``.
        output_dir (str, optional): Where to save the (full-resolution) predictions.
            Defaults to None.
        format_only (bool): Only save the predictions, compute nothing. Defaults to False.
        prefix (str, optional): Prefix of the metric names. Defaults to None.
    """

    def __init__(self,
                 split: Union[None, str, dict, ZeroShotSplit] = None,
                 unseen_classes: Optional[Sequence[str]] = None,
                 score_size: Optional[Tuple[int, int]] = None,
                 ignore_index: int = 255,
                 nan_to_num: Optional[int] = None,
                 beta: int = 1,
                 collect_device: str = 'cpu',
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 prefix: Optional[str] = None) -> None:
        if (split is None) == (unseen_classes is None):
            raise ValueError('ZeroShotIoUMetric needs exactly one of `split` (a split name '
                             'or an inline dict) and `unseen_classes` (a list of class '
                             f'names), got split={split!r} and '
                             f'unseen_classes={unseen_classes!r}')
        self.split = None if split is None else get_split(split)
        if unseen_classes is not None:
            unseen_classes = self._check_unseen_classes(unseen_classes)
        self.unseen_classes = unseen_classes
        self.score_size = self._check_score_size(score_size)
        super().__init__(
            ignore_index=ignore_index,
            iou_metrics=['mIoU'],
            nan_to_num=nan_to_num,
            beta=beta,
            collect_device=collect_device,
            output_dir=output_dir,
            format_only=format_only,
            prefix=prefix)

    @staticmethod
    def _check_unseen_classes(unseen_classes: Sequence[str]) -> Tuple[str, ...]:
        if isinstance(unseen_classes, str):
            raise ValueError('unseen_classes must be a list of class names, got the string '
                             f'{unseen_classes!r}')
        unseen_classes = tuple(unseen_classes)
        if len(unseen_classes) == 0:
            raise ValueError('unseen_classes is empty; name at least one unseen class')
        duplicates = sorted({c for c in unseen_classes if unseen_classes.count(c) > 1})
        if duplicates:
            raise ValueError(f'unseen_classes repeats {duplicates}')
        return unseen_classes

    @staticmethod
    def _check_score_size(score_size: Optional[Sequence[int]]) -> Optional[Tuple[int, int]]:
        if score_size is None:
            return None
        if (isinstance(score_size, (str, bytes)) or not isinstance(score_size, Sequence)
                or len(score_size) != 2
                or not all(isinstance(s, (int, np.integer)) and s > 0 for s in score_size)):
            raise ValueError('score_size must be None or two positive integers (h, w), got '
                             f'{score_size!r}')
        return int(score_size[0]), int(score_size[1])

    def _dataset_classes(self) -> Tuple[str, ...]:
        """Returns the dataset's classes after checking them against the split."""
        meta = self.dataset_meta
        if meta is None or 'classes' not in meta:
            raise ValueError(f'{type(self).__name__} needs dataset_meta with the dataset '
                             f"'classes'; got dataset_meta={meta!r}")
        classes = tuple(meta['classes'])
        if self.split is not None and classes != self.split.classes:
            missing = [c for c in self.split.classes if c not in classes]
            extra = [c for c in classes if c not in self.split.classes]
            moved = [f'{c!r} (split id {i}, dataset id {classes.index(c)})'
                     for i, c in enumerate(self.split.classes)
                     if c in classes and classes.index(c) != i]
            raise ValueError(
                f'the dataset classes do not match the classes of split '
                f'{self.split.name!r}: split classes missing from the dataset {missing}, '
                f'dataset classes not in the split {extra}, classes at a different index '
                f'{moved}')
        unknown = [c for c in self._unseen_names() if c not in classes]
        if unknown:
            raise ValueError(f'unseen classes {unknown} are not dataset classes; the dataset '
                             f'classes are {list(classes)}')
        return classes

    def _unseen_names(self) -> Tuple[str, ...]:
        return self.split.unseen if self.split is not None else self.unseen_classes

    def unseen_mask(self) -> np.ndarray:
        """Returns a boolean vector over the dataset classes, True for the unseen ones.

        Returns:
            np.ndarray: Shape (num_classes, ), in label-id order.
        """
        unseen = set(self._unseen_names())
        return np.array([c in unseen for c in self._dataset_classes()], dtype=bool)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Accumulates the per-image areas, at ``score_size`` when one is set.

        Args:
            data_batch (dict): A batch of data from the dataloader.
            data_samples (Sequence[dict]): A batch of outputs from the model (dicts or
                :class:`~mmseg.structures.SegDataSample`).
        """
        self._dataset_classes()
        data_samples = [
            s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples
        ]
        if self.score_size is None or self.format_only:
            super().process(data_batch, data_samples)
            return
        if self.output_dir is not None:
            # The parent saves the full-resolution predictions; its full-resolution
            # areas are replaced by the ones at score_size below.
            start = len(self.results)
            super().process(data_batch, data_samples)
            del self.results[start:]
        num_classes = len(self.dataset_meta['classes'])
        for data_sample in data_samples:
            pred_label = data_sample['pred_sem_seg']['data'].squeeze()
            label = data_sample['gt_sem_seg']['data'].squeeze().to(pred_label)
            self.results.append(
                self.intersect_and_union(
                    resize_label_nearest(pred_label, self.score_size),
                    resize_label_nearest(label, self.score_size), num_classes,
                    self.ignore_index))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """Computes the metrics from the per-image areas of all ranks.

        Args:
            results (list): ``(intersect, union, pred_label, label)`` area tuples, one per
                image.

        Returns:
            dict[str, float]: Percentages under ``aAcc``, ``mIoU``, ``mAcc``,
            ``mIoU_seen``, ``mIoU_unseen``, ``hIoU``, ``mAcc_seen``, ``mAcc_unseen`` and
            ``hAcc`` (empty with ``format_only``).
        """
        if self.format_only:
            return super().compute_metrics(results)
        if len(results) == 0:
            raise ValueError(f'{type(self).__name__} got no results to score; was process() '
                             'called on any data sample?')
        classes = self._dataset_classes()
        unseen = self.unseen_mask()
        area_intersect, area_union, _, area_label = (sum(areas) for areas in zip(*results))
        iou, acc = per_class_iou_acc(area_intersect, area_union, area_label)
        if self.nan_to_num is not None:
            iou = np.nan_to_num(iou, nan=self.nan_to_num)
            acc = np.nan_to_num(acc, nan=self.nan_to_num)
        summary = seen_unseen_summary(iou, acc, unseen)
        summary['aAcc'] = overall_accuracy(area_intersect, area_label)
        keys = ('aAcc', 'mIoU', 'mAcc', 'mIoU_seen', 'mIoU_unseen', 'hIoU', 'mAcc_seen',
                'mAcc_unseen', 'hAcc')
        metrics = {key: round(summary[key] * 100, 2) for key in keys}
        # per-class percentages of the last evaluation, for tools (benchmarks, reports)
        self.last_per_class = {
            name: dict(IoU=float(i * 100), Acc=float(a * 100), unseen=bool(u))
            for name, i, a, u in zip(classes, iou, acc, unseen)}

        logger: MMLogger = MMLogger.get_current_instance()
        for title, mask in (('seen', ~unseen), ('unseen', unseen)):
            print_log(f'per class results ({title} classes):', logger)
            print_log('\n' + self._class_table(classes, iou, acc, mask), logger=logger)
        print_log(
            'zero-shot summary: ' + ', '.join(f'{k}: {metrics[k]:.2f}' for k in keys),
            logger=logger)
        return metrics

    @staticmethod
    def _class_table(classes: Sequence[str], iou: np.ndarray, acc: np.ndarray,
                     mask: np.ndarray) -> str:
        """Returns the per-class table (percent) of the classes selected by ``mask``."""
        table = PrettyTable()
        table.add_column('Class', [c for c, keep in zip(classes, mask) if keep])
        table.add_column('IoU', np.round(iou[mask] * 100, 2).tolist())
        table.add_column('Acc', np.round(acc[mask] * 100, 2).tolist())
        return table.get_string()

    def __repr__(self) -> str:
        unseen = (f'split={self.split.name!r}' if self.split is not None else
                  f'unseen_classes={list(self.unseen_classes)!r}')
        return (f'{type(self).__name__}({unseen}, score_size={self.score_size}, '
                f'ignore_index={self.ignore_index}, nan_to_num={self.nan_to_num})')
