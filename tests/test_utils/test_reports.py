"""Evaluation reports: the seen/unseen block summary, the PNG charts, ZeroShotReportHook."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from PIL import Image

from mmseg.structures import SegDataSample
from mmseg_zs3.datasets.splits import ZeroShotSplit
from mmseg_zs3.engine.hooks import ZeroShotReportHook
from mmseg_zs3.evaluation.functional import confusion_matrix
from mmseg_zs3.utils.reports import block_confusion, draw_confusion_matrix, draw_iou_bar_chart

SPLIT = ZeroShotSplit('tiny', ('a', 'b', 'c', 'd'), ('c', ), 'none')


def test_block_confusion_fractions():
    # rows: ground truth a, b, c (unseen), d; columns: prediction
    conf = np.array([[8, 1, 1, 0],
                     [0, 5, 0, 0],
                     [2, 0, 6, 0],
                     [0, 0, 0, 0]])
    blocks = block_confusion(conf, [False, False, True, False])
    np.testing.assert_allclose(blocks, [[14 / 15, 1 / 15], [2 / 8, 6 / 8]])
    assert np.isnan(block_confusion(conf, [False, False, False, True])[1]).all()


def test_charts_are_written_and_readable(tmp_path):
    iou = np.array([0.8, np.nan, 0.3, 0.5])
    path = draw_iou_bar_chart(iou, SPLIT.classes, [False, False, True, False],
                              str(tmp_path / 'iou.png'), summary=dict(S=65.0, U=30.0))
    image = np.array(Image.open(path))
    assert image.ndim == 3 and image.shape[0] >= 300 and image.std() > 0
    conf = np.arange(16).reshape(4, 4)
    path = draw_confusion_matrix(conf, SPLIT.classes, [False, False, True, False],
                                 str(tmp_path / 'conf.png'))
    assert np.array(Image.open(path)).shape[0] >= 400
    with pytest.raises(ValueError, match='3 IoU values, 4 classes'):
        draw_iou_bar_chart(iou[:3], SPLIT.classes, [False] * 4, str(tmp_path / 'x.png'))
    with pytest.raises(ValueError, match='shape'):
        draw_confusion_matrix(conf[:3], SPLIT.classes, [False] * 4, str(tmp_path / 'y.png'))


def _sample(pred, gt):
    sample = SegDataSample()
    sample.pred_sem_seg = PixelData(data=torch.as_tensor(pred)[None])
    sample.gt_sem_seg = PixelData(data=torch.as_tensor(gt)[None])
    return sample


def test_report_hook_counts_and_writes(tmp_path):
    head = SimpleNamespace(split=SPLIT)
    runner = SimpleNamespace(model=SimpleNamespace(decode_head=head), work_dir=str(tmp_path),
                             iter=7)
    hook = ZeroShotReportHook(on_test=False)
    rng = np.random.default_rng(0)
    batches = [[_sample(rng.integers(0, 4, (6, 5)), rng.integers(0, 4, (6, 5)))]
               for _ in range(3)]
    batches[0][0].gt_sem_seg.data[0, 0, :] = 255  # ignored pixels are not counted
    hook.before_val_epoch(runner)
    for batch in batches:
        hook.after_val_iter(runner, 0, None, batch)
    hook.after_val_epoch(runner, {})
    expected = sum(confusion_matrix(b[0].pred_sem_seg.data.numpy(),
                                    b[0].gt_sem_seg.data.numpy(), 4) for b in batches)
    conf = np.load(tmp_path / 'reports' / 'val_iter_7_confusion.npy')
    np.testing.assert_array_equal(conf, expected)
    assert conf.sum() == 3 * 30 - 5
    for name in ('val_iter_7_iou.png', 'val_iter_7_confusion.png'):
        assert np.array(Image.open(tmp_path / 'reports' / name)).std() > 0
    # on_test=False: a test run writes nothing
    hook.before_test_epoch(runner)
    hook.after_test_iter(runner, 0, None, batches[0])
    hook.after_test_epoch(runner, {})
    assert not list((tmp_path / 'reports').glob('test_*'))


def test_report_hook_needs_a_split_and_an_output():
    runner = SimpleNamespace(model=SimpleNamespace(decode_head=SimpleNamespace()), work_dir='.')
    with pytest.raises(ValueError, match='needs split='):
        ZeroShotReportHook().before_val_epoch(runner)
    with pytest.raises(ValueError, match='writes nothing'):
        ZeroShotReportHook(iou_chart=False, confusion=False)
