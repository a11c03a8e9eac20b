"""Metric arithmetic against confusion matrices worked out by hand."""
import math

import numpy as np
import pytest
import torch

from mmseg_zs3.evaluation.functional import (areas_from_confusion_matrix, confusion_matrix,
                                             harmonic_mean, nanmean, overall_accuracy,
                                             per_class_iou_acc, resize_label_nearest,
                                             seen_unseen_summary)

# Rows: ground truth, columns: prediction. Classes 0, 1 seen; 2, 3 unseen.
CONFUSION = np.array([
    [5, 1, 0, 0],
    [2, 6, 0, 2],
    [0, 0, 3, 1],
    [0, 1, 1, 2],
])
# class  TP  pred(col)  gt(row)  union            IoU          Acc
#   0     5     7          6     7 + 6 - 5 = 8    5/8          5/6
#   1     6     8         10     8 + 10 - 6 = 12  6/12 = 1/2   6/10
#   2     3     4          4     4 + 4 - 3 = 5    3/5          3/4
#   3     2     5          4     5 + 4 - 2 = 7    2/7          2/4
IOU = np.array([5 / 8, 1 / 2, 3 / 5, 2 / 7])
ACC = np.array([5 / 6, 6 / 10, 3 / 4, 2 / 4])
UNSEEN = np.array([False, False, True, True])
# S = (5/8 + 1/2) / 2 = 9/16;  U = (3/5 + 2/7) / 2 = 31/70
S_IOU, U_IOU = 9 / 16, 31 / 70
# Acc: S = (5/6 + 3/5) / 2 = 43/60;  U = (3/4 + 1/2) / 2 = 5/8
S_ACC, U_ACC = 43 / 60, 5 / 8


def test_areas_and_per_class_values_from_confusion_matrix():
    intersect, union, pred, label = areas_from_confusion_matrix(CONFUSION)
    np.testing.assert_array_equal(intersect, [5, 6, 3, 2])
    np.testing.assert_array_equal(union, [8, 12, 5, 7])
    np.testing.assert_array_equal(pred, [7, 8, 4, 5])
    np.testing.assert_array_equal(label, [6, 10, 4, 4])
    iou, acc = per_class_iou_acc(intersect, union, label)
    np.testing.assert_allclose(iou, IOU)
    np.testing.assert_allclose(acc, ACC)
    # aAcc = (5 + 6 + 3 + 2) / (6 + 10 + 4 + 4) = 16/24
    assert overall_accuracy(intersect, label) == pytest.approx(16 / 24)


def test_seen_unseen_summary_by_hand():
    out = seen_unseen_summary(IOU, ACC, UNSEEN)
    assert out['mIoU_seen'] == pytest.approx(S_IOU)
    assert out['mIoU_unseen'] == pytest.approx(U_IOU)
    # H = 2 * 9/16 * 31/70 / (9/16 + 31/70) = 279/563 = 0.495559...
    assert out['hIoU'] == pytest.approx(279 / 563)
    assert out['mIoU'] == pytest.approx((5 / 8 + 1 / 2 + 3 / 5 + 2 / 7) / 4)
    assert out['mAcc_seen'] == pytest.approx(S_ACC)
    assert out['mAcc_unseen'] == pytest.approx(U_ACC)
    # H = 2 * 43/60 * 5/8 / (43/60 + 5/8) = 215/322
    assert out['hAcc'] == pytest.approx(215 / 322)
    assert out['mAcc'] == pytest.approx((5 / 6 + 6 / 10 + 3 / 4 + 2 / 4) / 4)


def test_class_absent_from_prediction_and_ground_truth_is_skipped():
    # A fifth (unseen) class appears nowhere; a sixth (seen) class is predicted once but
    # never labelled: its IoU is 0 (counted), its accuracy undefined (skipped).
    confusion = np.zeros((6, 6), dtype=np.int64)
    confusion[:4, :4] = CONFUSION
    confusion[0, 0] -= 1
    confusion[0, 5] += 1  # one class-0 pixel predicted as class 5
    unseen = np.array([False, False, True, True, True, False])
    intersect, union, _, label = areas_from_confusion_matrix(confusion)
    iou, acc = per_class_iou_acc(intersect, union, label)
    # class 0: TP 4, pred 6, gt 6 -> IoU 4/8 = 1/2, Acc 4/6; class 4: 0/0; class 5: 0/1
    assert iou[0] == pytest.approx(1 / 2) and acc[0] == pytest.approx(4 / 6)
    assert math.isnan(iou[4]) and math.isnan(acc[4])
    assert iou[5] == 0 and math.isnan(acc[5])
    out = seen_unseen_summary(iou, acc, unseen)
    # U skips class 4: (3/5 + 2/7) / 2 = 31/70;  S = (1/2 + 1/2 + 0) / 3 = 1/3
    assert out['mIoU_unseen'] == pytest.approx(31 / 70)
    assert out['mIoU_seen'] == pytest.approx(1 / 3)
    # Acc: S = (4/6 + 6/10) / 2 = 19/30 (class 5 skipped); U = 5/8 (class 4 skipped)
    assert out['mAcc_seen'] == pytest.approx(19 / 30)
    assert out['mAcc_unseen'] == pytest.approx(5 / 8)


def test_undefined_unseen_side_gives_zero_harmonic_mean():
    # Unseen classes 2, 3 neither labelled nor predicted: U undefined, H = 0.
    confusion = np.zeros((4, 4), dtype=np.int64)
    confusion[:2, :2] = [[5, 1], [2, 6]]
    intersect, union, _, label = areas_from_confusion_matrix(confusion)
    iou, acc = per_class_iou_acc(intersect, union, label)
    with np.errstate(all='raise'):  # no warning from an empty mean
        out = seen_unseen_summary(iou, acc, UNSEEN)
    # S = (5/8 + 6/9) / 2 = 31/48
    assert out['mIoU_seen'] == pytest.approx(31 / 48)
    assert math.isnan(out['mIoU_unseen']) and math.isnan(out['mAcc_unseen'])
    assert out['hIoU'] == 0.0 and out['hAcc'] == 0.0


def test_zero_unseen_score_gives_zero_harmonic_mean():
    # Unseen pixels all predicted as seen classes: U = 0, H = 0.
    confusion = np.array([
        [5, 1, 0, 0],
        [2, 6, 0, 0],
        [3, 1, 0, 0],
        [0, 4, 0, 0],
    ])
    intersect, union, _, label = areas_from_confusion_matrix(confusion)
    iou, acc = per_class_iou_acc(intersect, union, label)
    out = seen_unseen_summary(iou, acc, UNSEEN)
    # S = (5/11 + 6/14) / 2 > 0
    assert out['mIoU_seen'] == pytest.approx((5 / 11 + 6 / 14) / 2)
    assert out['mIoU_unseen'] == 0.0 and out['hIoU'] == 0.0
    assert out['mAcc_unseen'] == 0.0 and out['hAcc'] == 0.0


def test_harmonic_mean_and_nanmean():
    assert harmonic_mean(0.5, 0.25) == pytest.approx(1 / 3)
    assert harmonic_mean(0.5, 0.0) == 0.0
    assert harmonic_mean(0.0, 0.0) == 0.0  # not 0/0
    assert harmonic_mean(float('nan'), 0.5) == 0.0
    assert nanmean([1.0, float('nan'), 3.0]) == 2.0
    assert math.isnan(nanmean([float('nan')]))
    assert math.isnan(nanmean([]))


def test_summary_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match=r'\(3,\)'):
        seen_unseen_summary(IOU, ACC, UNSEEN[:3])


def test_confusion_matrix_from_label_maps():
    label = np.array([[0, 0, 1, 255],
                      [2, 1, 1, 255],
                      [2, 2, 0, 1]])
    pred = np.array([[0, 1, 1, 2],
                     [2, 0, 1, 0],
                     [1, 2, 0, 7]])  # 7 is out of range: not counted
    expected = np.array([
        [2, 1, 0],  # gt 0 at (0,0)->0, (0,1)->1, (2,2)->0
        [1, 2, 0],  # gt 1 at (0,2)->1, (1,1)->0, (1,2)->1; (2,3) predicted 7
        [0, 1, 2],  # gt 2 at (1,0)->2, (2,0)->1, (2,1)->2
    ])
    out = confusion_matrix(torch.from_numpy(pred), label, num_classes=3)
    np.testing.assert_array_equal(out, expected)


def test_confusion_matrix_matches_mmseg_style_areas():
    # Same areas as histograms over a random 17x23 map (no out-of-range predictions).
    rng = np.random.default_rng(0)
    label = rng.integers(0, 5, size=(17, 23))
    label[rng.random((17, 23)) < 0.2] = 255
    pred = rng.integers(0, 5, size=(17, 23))
    intersect, union, area_pred, area_label = areas_from_confusion_matrix(
        confusion_matrix(pred, label, num_classes=5))
    valid = label != 255
    hist = [np.bincount(x, minlength=5) for x in
            (pred[valid & (pred == label)], pred[valid], label[valid])]
    np.testing.assert_array_equal(intersect, hist[0])
    np.testing.assert_array_equal(area_pred, hist[1])
    np.testing.assert_array_equal(area_label, hist[2])
    np.testing.assert_array_equal(union, hist[1] + hist[2] - hist[0])


def test_resize_label_nearest_samples_pixel_centres():
    label = torch.arange(24, dtype=torch.uint8).reshape(4, 6)
    # rows floor((2i + 1) * 4 / 4) = 1, 3; cols floor((2j + 1) * 6 / 6) = 1, 3, 5
    out = resize_label_nearest(label, (2, 3))
    assert out.dtype == torch.uint8
    torch.testing.assert_close(out, torch.tensor([[7, 9, 11], [19, 21, 23]],
                                                 dtype=torch.uint8))
    # Upsampling repeats; a leading channel dimension is kept.
    up = resize_label_nearest(torch.tensor([[[1, 2], [3, 4]]]), (4, 4))
    assert up.tolist() == [[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]


def test_resize_label_nearest_matches_torch_nearest_exact():
    label = torch.randint(0, 256, (17, 23), generator=torch.Generator().manual_seed(0))
    for size in ((5, 7), (9, 11), (34, 30)):
        expected = torch.nn.functional.interpolate(
            label[None, None].double(), size=size, mode='nearest-exact')[0, 0].long()
        torch.testing.assert_close(resize_label_nearest(label, size), expected)
    with pytest.raises(ValueError, match=r'\(0, 3\)'):
        resize_label_nearest(label, (0, 3))
