"""Pseudo-labels: AST weights by hand, the ZS3Net / CaGNet baselines, masks, stats, errors."""
import math

import pytest
import torch

from mmseg_zs3.models.utils.pseudo_labels import (ast_weights, cagnet_selection,
                                                  make_pseudo_labels, unseen_candidates,
                                                  zs3net_selection)

IGNORE = 255
B, K, H, W = 2, 4, 3, 4
UNSEEN = [2, 3]


def logits_from(pred: torch.Tensor, conf: torch.Tensor, num_classes: int = K) -> torch.Tensor:
    """Logits whose softmax is ``conf`` on class ``pred`` and (1 - conf) / (K - 1) elsewhere."""
    rest = (1 - conf) / (num_classes - 1)
    probs = rest.unsqueeze(1).repeat(1, num_classes, 1, 1)
    probs.scatter_(1, pred.unsqueeze(1), conf.unsqueeze(1))
    return probs.log()


def full_valid() -> torch.Tensor:
    return torch.ones(B, H, W, dtype=torch.bool)


# ----------------------------------------------------------------- unseen_candidates


def test_confidence_is_softmax_over_all_classes():
    # One pixel with logits [2, 1, 0, 0]: overall argmax is the seen class 0, the best unseen
    # class among {1, 3} is 1, and its confidence is e^1 / (e^2 + e^1 + 1 + 1) = 0.2245152...
    logits = torch.tensor([2., 1., 0., 0.]).view(1, 4, 1, 1)
    labels = torch.full((1, 1, 1), IGNORE)
    cand, label, conf = unseen_candidates(logits, labels, torch.ones(1, 1, 1, dtype=torch.bool),
                                          [1, 3])
    assert cand.item() and label.item() == 1
    assert conf.item() == pytest.approx(0.22451523569930606, abs=1e-6)
    # not the softmax restricted to the unseen classes, e / (e + 1) = 0.731
    assert abs(conf.item() - math.e / (math.e + 1)) > 0.5
    # The order of unseen ids changes nothing; with only class 3 unseen, the label is 3.
    _, label, conf = unseen_candidates(logits, labels, torch.ones(1, 1, 1, dtype=torch.bool),
                                       torch.tensor([3]))
    assert label.item() == 3
    assert conf.item() == pytest.approx(1 / (math.e ** 2 + math.e + 2), abs=1e-6)


def test_candidates_exclude_padding_and_labelled_pixels():
    labels = torch.full((B, H, W), IGNORE)
    labels[0, 0, 0] = 1
    valid = full_valid()
    valid[1, :, 3] = False
    logits = torch.randn(B, K, H, W, requires_grad=True)
    cand, label, conf = unseen_candidates(logits, labels, valid, UNSEEN)
    expected = torch.ones(B, H, W, dtype=torch.bool)
    expected[0, 0, 0] = False
    expected[1, :, 3] = False
    assert torch.equal(cand, expected)
    assert set(label.unique().tolist()) <= set(UNSEEN)
    assert not conf.requires_grad  # teacher gives no gradient


# ----------------------------------------------------------------- ast_weights


def test_ast_weights_by_hand_two_images():
    tau = 0.5
    conf = torch.zeros(B, H, W)
    cand = torch.zeros(B, H, W, dtype=torch.bool)
    # image 0: candidates 0.9, 0.5, 0.7; a non-candidate 0.99 must not act as the max
    conf[0, 0, 0], conf[0, 1, 1], conf[0, 2, 3], conf[0, 2, 2] = 0.9, 0.5, 0.7, 0.99
    cand[0, 0, 0] = cand[0, 1, 1] = cand[0, 2, 3] = True
    # image 1: candidates 0.3, 0.6 (its own max, 0.6, weighs 1 whatever image 0 holds)
    conf[1, 0, 1], conf[1, 2, 0] = 0.3, 0.6
    cand[1, 0, 1] = cand[1, 2, 0] = True
    w = ast_weights(conf, cand, tau)
    expected = torch.zeros(B, H, W)
    expected[0, 0, 0] = 1.0                      # exp((0.9 - 0.9) / 0.5)
    expected[0, 1, 1] = 0.44932896411722156      # exp((0.5 - 0.9) / 0.5) = exp(-0.8)
    expected[0, 2, 3] = 0.6703200460356393       # exp((0.7 - 0.9) / 0.5) = exp(-0.4)
    expected[1, 0, 1] = 0.5488116360940264       # exp((0.3 - 0.6) / 0.5) = exp(-0.6)
    expected[1, 2, 0] = 1.0                      # exp((0.6 - 0.6) / 0.5)
    torch.testing.assert_close(w, expected, atol=1e-6, rtol=0)
    # equals the per-image softmax over P divided by its max (DESIGN.md section 6)
    sm = torch.softmax(torch.tensor([0.9, 0.5, 0.7]) / tau, 0)
    torch.testing.assert_close(w[0][cand[0]], sm / sm.max())


def test_ast_large_tau_is_uniform_and_small_tau_keeps_the_max():
    torch.manual_seed(0)
    conf = torch.rand(B, H, W)
    cand = torch.rand(B, H, W) > 0.3
    cand[:, 0, 0] = True
    w = ast_weights(conf, cand, 1e9)
    torch.testing.assert_close(w, cand.float())
    w = ast_weights(conf, cand, 1e-4)
    for b in range(B):
        cb, wb = conf[b][cand[b]], w[b][cand[b]]
        top = cb.argmax()
        assert wb[top].item() == 1.0
        others = torch.cat([wb[:top], wb[top + 1:]])
        assert (others < 1e-6).all()
    assert (w[~cand] == 0).all()


def test_ast_image_without_candidates_is_zero_not_nan():
    conf = torch.rand(B, H, W)
    cand = torch.zeros(B, H, W, dtype=torch.bool)
    cand[1, 1, 1] = True
    w = ast_weights(conf, cand, 0.1)
    assert not torch.isnan(w).any()
    assert (w[0] == 0).all() and w[1, 1, 1].item() == 1.0 and w.sum().item() == 1.0
    assert (ast_weights(conf, torch.zeros_like(cand), 0.1) == 0).all()


# ----------------------------------------------------------------- ZS3Net


def zs3_example():
    """Image 0: class 2 at 0.9, 0.8, 0.7, 0.6; class 3 at 0.5, 0.95, 0.7; image 1: class 2 at 0.4.

    Distractors: a candidate predicted as seen class 0 (0.9), a seen-labelled pixel predicted
    2 at 0.99, a padded pixel predicted 3 at 0.99.
    """
    pred = torch.zeros(B, H, W, dtype=torch.long)
    conf = torch.full((B, H, W), 0.5)
    labels = torch.full((B, H, W), IGNORE)
    valid = full_valid()
    for (r, c), p in zip([(0, 0), (0, 1), (0, 2), (0, 3)], [0.9, 0.8, 0.7, 0.6]):
        pred[0, r, c], conf[0, r, c] = 2, p
    for (r, c), p in zip([(1, 0), (1, 1), (1, 2)], [0.5, 0.95, 0.7]):
        pred[0, r, c], conf[0, r, c] = 3, p
    pred[0, 1, 3], conf[0, 1, 3] = 0, 0.9                          # seen prediction
    pred[0, 2, 0], conf[0, 2, 0], labels[0, 2, 0] = 2, 0.99, 1     # labelled
    pred[0, 2, 1], conf[0, 2, 1], valid[0, 2, 1] = 3, 0.99, False  # padded
    pred[1, 0, 0], conf[1, 0, 0] = 2, 0.4
    return logits_from(pred, conf), labels, valid


def test_zs3net_top_percent_per_image_and_class():
    logits, labels, valid = zs3_example()
    new, weights, stats = make_pseudo_labels(logits, labels, valid, UNSEEN, 'zs3net', percent=50)
    expected = torch.zeros(B, H, W, dtype=torch.bool)
    expected[0, 0, 0] = expected[0, 0, 1] = True   # class 2: ceil(0.5 * 4) = 2 -> 0.9, 0.8
    expected[0, 1, 1] = expected[0, 1, 2] = True   # class 3: ceil(0.5 * 3) = 2 -> 0.95, 0.7
    expected[1, 0, 0] = True                       # per image: ceil(0.5 * 1) = 1, kept
    selected = new != labels
    assert torch.equal(selected, expected)
    assert new[0, 0, 0] == 2 and new[0, 1, 1] == 3 and new[1, 0, 0] == 2
    assert new[0, 2, 0] == 1 and new[0, 2, 1] == IGNORE and new[0, 1, 3] == IGNORE
    expected_w = expected.float()
    expected_w[0, 2, 0] = 1.0
    torch.testing.assert_close(weights, expected_w)
    assert stats['class_counts'] == [3, 2]
    assert stats['mean_weight'] == 1.0
    assert stats['pseudo_fraction'] == pytest.approx(5 / 23)


@pytest.mark.parametrize('percent, kept', [(100, 8), (75, 7), (1, 3), (74.9, 7), (40, 5)])
def test_zs3net_rounding_is_ceil(percent, kept):
    # groups of 4, 3 and 1 pixels: kept = ceil(p * 4 / 100) + ceil(p * 3 / 100) + 1;
    # at p = 40, floor would keep 2 and round 3
    logits, labels, valid = zs3_example()
    cand, label, conf = unseen_candidates(logits, labels, valid, UNSEEN)
    sel = zs3net_selection(conf, label, cand, logits.argmax(1), percent)
    assert int(sel.sum()) == kept


def test_zs3net_ignores_pixels_predicted_seen():
    logits, labels, valid = zs3_example()
    cand, label, conf = unseen_candidates(logits, labels, valid, UNSEEN)
    sel = zs3net_selection(conf, label, cand, logits.argmax(1), 100)
    assert not sel[0, 1, 3] and cand[0, 1, 3]


# ----------------------------------------------------------------- CaGNet


def test_cagnet_top_k_rule():
    logits = torch.zeros(1, K, 1, 4)
    logits[0, :, 0, 0] = torch.tensor([4., 3., 2., 1.])  # class 2 rank 3, class 3 rank 4
    logits[0, :, 0, 1] = torch.tensor([4., 1., 3., 2.])  # class 2 rank 2
    logits[0, :, 0, 2] = torch.tensor([1., 2., 3., 4.])  # class 3 rank 1
    logits[0, :, 0, 3] = torch.tensor([1., 2., 3., 4.])  # same, but labelled (not candidate)
    cand = torch.tensor([[[True, True, True, False]]])
    expected = {1: [False, False, True, False], 2: [False, True, True, False],
                3: [True, True, True, False], 4: [True, True, True, False]}
    for k, exp in expected.items():
        assert cagnet_selection(logits, cand, UNSEEN, k)[0, 0].tolist() == exp
    # with only class 3 unseen, pixel 0 needs k = 4 and pixel 1 needs k = 3
    assert cagnet_selection(logits, cand, [3], 3)[0, 0].tolist() == [False, True, True, False]

    labels = torch.tensor([[[IGNORE, IGNORE, IGNORE, 0]]])
    valid = torch.ones(1, 1, 4, dtype=torch.bool)
    new, weights, stats = make_pseudo_labels(logits, labels, valid, UNSEEN, 'cagnet', top_k=3)
    assert new[0, 0].tolist() == [2, 2, 3, 0]  # best-ranked unseen class, label kept
    assert weights[0, 0].tolist() == [1., 1., 1., 1.]
    assert stats['class_counts'] == [2, 1] and stats['pseudo_fraction'] == 0.75
    new, weights, _ = make_pseudo_labels(logits, labels, valid, UNSEEN, 'cagnet', top_k=1)
    assert new[0, 0].tolist() == [IGNORE, IGNORE, 3, 0]
    assert weights[0, 0].tolist() == [0., 0., 1., 1.]


# ----------------------------------------------------------------- make_pseudo_labels


def test_ast_end_to_end_masks_and_weights():
    torch.manual_seed(0)
    logits = torch.randn(B, K, H, W, requires_grad=True)
    labels = torch.full((B, H, W), IGNORE)
    labels[0, 0, :2] = 0
    labels[1, 2, 2] = 1
    valid = full_valid()
    valid[1, :, 3] = False
    labels[1, 0, 3] = 0  # a label in the padding still gets no weight
    new, weights, stats = make_pseudo_labels(logits, labels, valid, UNSEEN, 'ast', tau=0.1)
    cand, label, conf = unseen_candidates(logits, labels, valid, UNSEEN)
    seen = (labels != IGNORE) & valid
    assert torch.equal(new[cand], label[cand])
    assert torch.equal(new[~cand], labels[~cand])
    assert (weights[seen] == 1).all()
    assert (weights[~valid] == 0).all()
    torch.testing.assert_close(weights[cand], ast_weights(conf, cand, 0.1)[cand])
    assert not weights.requires_grad
    assert stats['pseudo_fraction'] == pytest.approx(int(cand.sum()) / int(valid.sum()))
    assert stats['mean_weight'] == pytest.approx(float(weights[cand].mean()))
    assert sum(stats['class_counts']) == int(cand.sum())
    assert stats['class_counts'] == [int((label[cand] == u).sum()) for u in UNSEEN]
    assert isinstance(stats['pseudo_fraction'], float)


@pytest.mark.parametrize('strategy, kwargs', [('ast', dict(tau=0.1)),
                                              ('zs3net', dict(percent=75)),
                                              ('cagnet', dict(top_k=1))])
def test_no_ignored_pixel_changes_nothing(strategy, kwargs):
    torch.manual_seed(0)
    logits = torch.randn(B, K, H, W)
    labels = torch.randint(0, 2, (B, H, W))
    new, weights, stats = make_pseudo_labels(logits, labels, full_valid(), UNSEEN, strategy,
                                             **kwargs)
    assert torch.equal(new, labels) and new.dtype == labels.dtype
    assert (weights == 1).all()
    assert stats == dict(pseudo_fraction=0.0, mean_weight=0.0, class_counts=[0, 0])


def test_image_without_candidates_gives_no_nan():
    torch.manual_seed(0)
    logits = torch.randn(B, K, H, W)
    labels = torch.full((B, H, W), IGNORE)
    labels[0] = 1
    new, weights, stats = make_pseudo_labels(logits, labels, full_valid(), UNSEEN, 'ast', tau=0.05)
    assert not torch.isnan(weights).any()
    assert (weights[0] == 1).all() and torch.equal(new[0], labels[0])
    assert weights[1].max().item() == 1.0 and (new[1] != IGNORE).all()
    assert stats['pseudo_fraction'] == 0.5 and not math.isnan(stats['mean_weight'])


# ----------------------------------------------------------------- errors


def _inputs():
    return torch.randn(B, K, H, W), torch.full((B, H, W), IGNORE), full_valid()


@pytest.mark.parametrize('tau', [0, -1.0, float('nan')])
def test_bad_tau(tau):
    with pytest.raises(ValueError, match='tau'):
        ast_weights(torch.rand(B, H, W), full_valid(), tau)
    with pytest.raises(ValueError, match='tau'):
        make_pseudo_labels(*_inputs(), UNSEEN, 'ast', tau=tau)


@pytest.mark.parametrize('percent', [0, -5, 100.5, 200])
def test_bad_percent(percent):
    logits, labels, valid = _inputs()
    with pytest.raises(ValueError, match='percent'):
        make_pseudo_labels(logits, labels, valid, UNSEEN, 'zs3net', percent=percent)
    with pytest.raises(ValueError, match=str(percent)):
        zs3net_selection(torch.rand(B, H, W), torch.zeros(B, H, W, dtype=torch.long), valid,
                         torch.zeros(B, H, W, dtype=torch.long), percent)


@pytest.mark.parametrize('top_k', [0, -1, K + 1])
def test_bad_top_k(top_k):
    logits, labels, valid = _inputs()
    with pytest.raises(ValueError, match='top_k'):
        cagnet_selection(logits, valid, UNSEEN, top_k)
    with pytest.raises(ValueError, match='top_k'):
        make_pseudo_labels(logits, labels, valid, UNSEEN, 'cagnet', top_k=top_k)


@pytest.mark.parametrize('strategy, missing', [('ast', 'tau'), ('zs3net', 'percent'),
                                               ('cagnet', 'top_k')])
def test_missing_parameter(strategy, missing):
    with pytest.raises(ValueError, match=missing):
        make_pseudo_labels(*_inputs(), UNSEEN, strategy, tau=None, percent=None, top_k=None)


def test_unknown_strategy():
    with pytest.raises(ValueError, match='softmax'):
        make_pseudo_labels(*_inputs(), UNSEEN, 'softmax', tau=1.0)


def test_shape_mismatch():
    logits, labels, valid = _inputs()
    with pytest.raises(ValueError, match=r'\(2, 3, 4\).*\(2, 3, 5\)'):
        make_pseudo_labels(logits, torch.full((B, H, W + 1), IGNORE), valid, UNSEEN, 'ast',
                           tau=1.0)
    with pytest.raises(ValueError, match='valid_region'):
        make_pseudo_labels(logits, labels, valid[:1], UNSEEN, 'ast', tau=1.0)
    with pytest.raises(ValueError, match='logits'):
        make_pseudo_labels(logits[0], labels, valid, UNSEEN, 'ast', tau=1.0)
    with pytest.raises(ValueError, match='candidates'):
        ast_weights(torch.rand(B, H, W), valid[:, :2], 1.0)
    with pytest.raises(ValueError, match='predicted'):
        zs3net_selection(torch.rand(B, H, W), labels, valid, labels[:1], 50)


@pytest.mark.parametrize('ids', [[2, 4], [-1], [], [2, 2]])
def test_bad_unseen_ids(ids):
    with pytest.raises(ValueError, match='unseen_ids'):
        make_pseudo_labels(*_inputs(), ids, 'ast', tau=1.0)
    with pytest.raises(ValueError, match='unseen_ids'):
        unseen_candidates(*_inputs(), torch.tensor(ids, dtype=torch.long))


@pytest.mark.parametrize('percent', [10, 50, 75, 100])
def test_zs3net_matches_a_per_image_per_class_loop(percent):
    torch.manual_seed(1)
    batch, classes, unseen = 3, 6, [1, 4, 5]
    logits = torch.randn(batch, classes, 9, 11) * 2
    labels = torch.full((batch, 9, 11), IGNORE)
    labels[torch.rand(batch, 9, 11) < 0.3] = 0
    valid = torch.rand(batch, 9, 11) < 0.9
    cand, label, conf = unseen_candidates(logits, labels, valid, unseen)
    pred = logits.argmax(1)
    sel = zs3net_selection(conf, label, cand, pred, percent)
    expected = torch.zeros_like(sel)
    for b in range(batch):
        for u in unseen:
            idx = (cand[b] & (pred[b] == u)).flatten().nonzero().squeeze(1)
            n_keep = math.ceil(percent * idx.numel() / 100)
            top = conf[b].flatten()[idx].argsort(descending=True)[:n_keep]
            expected[b].view(-1)[idx[top]] = True
    assert expected.sum() > 10
    assert torch.equal(sel, expected)
