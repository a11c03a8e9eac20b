"""Side-by-side prediction pictures."""
import numpy as np
import pytest

from mmseg_zs3.utils.visualization import colourise, outline, side_by_side

PALETTE = [[10, 20, 30], [200, 0, 0], [0, 200, 0]]


def test_colourise_and_ignore():
    label = np.array([[0, 1], [2, 255]])
    rgb = colourise(label, PALETTE)
    assert rgb[0, 0].tolist() == [10, 20, 30] and rgb[1, 0].tolist() == [0, 200, 0]
    assert rgb[1, 1].tolist() == [0, 0, 0]


def test_outline_of_a_square():
    mask = np.zeros((5, 5), bool)
    mask[1:4, 1:4] = True
    edge = outline(mask)
    assert edge.sum() == 8 and not edge[2, 2] and edge[1, 1]


def test_side_by_side_marks_unseen_pixels():
    image = np.full((6, 7, 3), 50, np.uint8)
    gt = np.zeros((6, 7), np.int64)
    gt[1:5, 1:5] = 2  # unseen class 2
    pred = np.zeros((6, 7), np.int64)
    pred[0:3, 3:7] = 2
    out = side_by_side(image, gt, pred, PALETTE, unseen_ids=[2], scale=2, gap=1)
    assert out.shape == (12, (7 * 3 + 2) * 2, 3)
    gt_panel = out[::2, ::2][:, 8:15]
    pred_panel = out[::2, ::2][:, 16:23]
    assert gt_panel[1, 1].tolist() == [255, 255, 255]  # unseen outline
    assert gt_panel[2, 2].tolist() == [0, 200, 0]  # inside: class colour
    assert pred_panel[0, 3].tolist() == [255, 255, 255]
    assert pred_panel[5, 0].tolist() == [10, 20, 30]
    with pytest.raises(ValueError, match='same size'):
        side_by_side(image, gt[:5], pred, PALETTE, [2])


def test_prediction_hidden_outside_the_scored_region():
    image = np.zeros((3, 3, 3), np.uint8)
    gt = np.ones((3, 3), np.int64)
    valid = np.ones((3, 3), bool)
    valid[0, 0] = False
    out = side_by_side(image, gt, gt, PALETTE, [2], gap=0, gt_valid=valid)
    assert out[0, 6].tolist() == [0, 0, 0] and out[1, 6].tolist() == [200, 0, 0]
