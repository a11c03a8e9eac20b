"""Zero-shot losses against naive loops and hand-computed values."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmseg.registry import MODELS
from mmseg_zs3.models.losses import (AdversarialL1Loss, GaussianKLLoss, MMDLoss,
                                     adversarial_l1_d_loss, adversarial_l1_g_loss,
                                     class_grouped_mmd, gaussian_kl_divergence,
                                     sample_pixels_per_class, weighted_cross_entropy)
from mmseg_zs3.models.losses import zero_shot_losses

BANDWIDTHS = (2, 5, 10, 20, 40, 60)


def naive_mmd(fake, real, labels, bandwidths=BANDWIDTHS, ignore_index=255, eps=1e-8):
    """Per-class MMD with every pixel of the class, by a double Python loop, in float64."""
    fake, real = fake.double(), real.double()

    def k(a, b):
        d2 = float(((a - b)**2).sum())
        return sum(math.exp(-d2 / (2 * v)) for v in bandwidths)

    values = []
    for c in sorted(set(labels.tolist()) - {ignore_index}):
        idx = [i for i in range(len(labels)) if labels[i] == c]
        n = len(idx)
        kff = sum(k(fake[i], fake[j]) for i in idx for j in idx) / n**2
        krr = sum(k(real[i], real[j]) for i in idx for j in idx) / n**2
        kfr = sum(k(fake[i], real[j]) for i in idx for j in idx) / n**2
        values.append(math.sqrt(max(kff + krr - 2 * kfr, 0.0) + eps))
    return sum(values) / len(values)


def _features(n=40, c=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    fake = torch.rand(n, c, generator=gen) * 3
    real = torch.rand(n, c, generator=gen) * 3 + 0.5
    labels = torch.randint(0, 4, (n, ), generator=gen)
    labels[::7] = 255
    return fake, real, labels


# ------------------------------------------------------------------------------ MMD


def test_mmd_matches_naive_loop_without_sampling():
    fake, real, labels = _features()
    assert torch.bincount(labels[labels != 255]).max() <= 128  # no sampling happens
    assert len(set(labels.tolist()) - {255}) == 4
    value = class_grouped_mmd(fake, real, labels)
    assert value.item() == pytest.approx(naive_mmd(fake, real, labels), rel=1e-4)
    # Other bandwidths (ZS3Net's) and a single class.
    zs3 = (2, 5, 10, 20, 40, 80)
    assert class_grouped_mmd(fake, real, labels, bandwidths=zs3).item() == pytest.approx(
        naive_mmd(fake, real, labels, bandwidths=zs3), rel=1e-4)
    one = torch.zeros_like(labels)
    assert class_grouped_mmd(fake, real, one).item() == pytest.approx(
        naive_mmd(fake, real, one), rel=1e-4)


def test_mmd_of_identical_features_is_zero():
    fake, _, labels = _features()
    value = class_grouped_mmd(fake, fake.clone(), labels, eps=0.0)
    assert value.item() == pytest.approx(0.0, abs=1e-3)
    # and a shifted copy is far from zero
    assert class_grouped_mmd(fake, fake + 2.0, labels).item() > 0.5


def test_mmd_excludes_ignored_pixels():
    fake, real, labels = _features()
    keep = labels != 255
    wild = fake.clone()
    wild[~keep] = 1e4  # ignored rows must not matter
    torch.testing.assert_close(
        class_grouped_mmd(wild, real, labels),
        class_grouped_mmd(fake[keep], real[keep], labels[keep]))
    # ignore_index is honoured: with ignore_index=0, class 0 drops out and 255 is a class.
    assert class_grouped_mmd(fake, real, labels, ignore_index=0).item() == pytest.approx(
        naive_mmd(fake, real, labels, ignore_index=0), rel=1e-4)
    assert class_grouped_mmd(fake, real, labels, ignore_index=0).item() != pytest.approx(
        class_grouped_mmd(fake, real, labels).item(), rel=1e-3)


def test_mmd_gradient_flows_to_fake_and_real():
    fake, real, labels = _features()
    fake.requires_grad_(True)
    real.requires_grad_(True)
    class_grouped_mmd(fake, real, labels).backward()
    assert torch.isfinite(fake.grad).all() and fake.grad.abs().sum() > 0
    assert torch.isfinite(real.grad).all() and real.grad.abs().sum() > 0
    assert fake.grad[labels == 255].abs().sum() == 0
    # gradient check in float64 on a tiny input
    f = torch.rand(12, 3, dtype=torch.float64, requires_grad=True)
    r = torch.rand(12, 3, dtype=torch.float64)
    lab = torch.tensor([0, 0, 1, 1, 1, 2, 2, 255, 0, 1, 2, 2])
    assert torch.autograd.gradcheck(lambda x: class_grouped_mmd(x, r, lab), (f, ))


def test_mmd_without_any_class_is_zero_and_keeps_the_graph():
    fake = torch.rand(6, 3, requires_grad=True)
    real = torch.rand(6, 3)
    value = class_grouped_mmd(fake, real, torch.full((6, ), 255))
    assert value.item() == 0.0 and value.requires_grad
    value.backward()
    assert (fake.grad == 0).all()
    empty = class_grouped_mmd(torch.zeros(0, 3), torch.zeros(0, 3), torch.zeros(0).long())
    assert empty.item() == 0.0


def test_sampling_caps_each_class_and_is_uniform_without_replacement():
    labels = torch.cat([torch.zeros(50), torch.ones(3), torch.full((4, ), 255.),
                        torch.full((20, ), 7.)]).long()[torch.randperm(77)]
    classes, index, valid = sample_pixels_per_class(labels, max_pixels_per_class=8)
    assert classes.tolist() == [0, 1, 7]
    assert index.shape == (3, 8) and valid.shape == (3, 8)
    assert valid.sum(1).tolist() == [8, 3, 8]
    for row, c in enumerate(classes.tolist()):
        drawn = index[row][valid[row]]
        assert (labels[drawn] == c).all()
        assert drawn.unique().numel() == drawn.numel()  # without replacement
    # The width is the largest count when every class is under the cap.
    assert sample_pixels_per_class(labels, max_pixels_per_class=500)[1].shape == (3, 50)
    # Uniform: each of the 3 + 5 pixels of a class is drawn with probability 3/8.
    small = torch.tensor([4] * 8)
    gen = torch.Generator().manual_seed(0)
    hits = torch.zeros(8)
    for _ in range(800):
        _, idx, _ = sample_pixels_per_class(small, 3, generator=gen)
        hits[idx[0]] += 1
    assert hits.sum() == 2400
    assert torch.allclose(hits / 800, torch.full((8, ), 3 / 8), atol=0.07)


def test_sampled_mmd_is_the_mmd_of_the_drawn_pixels_and_reproducible(monkeypatch):
    gen = torch.Generator().manual_seed(1)
    fake = torch.rand(300, 4, generator=gen)
    real = torch.rand(300, 4, generator=gen)
    labels = torch.randint(0, 3, (300, ), generator=gen)
    cap = 10
    _, index, valid = sample_pixels_per_class(labels, cap,
                                              generator=torch.Generator().manual_seed(5))
    drawn = index[valid]
    expected = naive_mmd(fake[drawn], real[drawn], labels[drawn])
    value = class_grouped_mmd(fake, real, labels, max_pixels_per_class=cap,
                              generator=torch.Generator().manual_seed(5))
    assert value.item() == pytest.approx(expected, rel=1e-4)
    again = class_grouped_mmd(fake, real, labels, max_pixels_per_class=cap,
                              generator=torch.Generator().manual_seed(5))
    assert again.item() == value.item()
    other = class_grouped_mmd(fake, real, labels, max_pixels_per_class=cap,
                              generator=torch.Generator().manual_seed(6))
    assert other.item() != value.item()
    # Memory: every kernel matrix is (classes, cap, cap), never (N, N).
    shapes = []
    original = zero_shot_losses._gaussian_kernel_terms

    def spy(x, y, bandwidths, with_derivative):
        out = original(x, y, bandwidths, with_derivative)
        shapes.append(tuple(out[0].shape))
        return out

    monkeypatch.setattr(zero_shot_losses, '_gaussian_kernel_terms', spy)
    class_grouped_mmd(fake, real, labels, max_pixels_per_class=cap)
    assert shapes == [(3, cap, cap)] * 3


def test_mmd_bad_arguments_raise():
    fake, real, labels = _features()
    with pytest.raises(ValueError, match='same shape'):
        class_grouped_mmd(fake, real[:, :2], labels)
    with pytest.raises(ValueError, match='labels'):
        class_grouped_mmd(fake, real, labels[:5])
    with pytest.raises(ValueError, match='bandwidths'):
        class_grouped_mmd(fake, real, labels, bandwidths=(2, 0))
    with pytest.raises(ValueError, match='max_pixels_per_class'):
        class_grouped_mmd(fake, real, labels, max_pixels_per_class=0)


def test_mmd_loss_module():
    fake, real, labels = _features()
    loss = MODELS.build(dict(type='MMDLoss', loss_weight=50.0))
    assert isinstance(loss, MMDLoss) and loss.loss_name == 'loss_mmd'
    assert loss(fake, real, labels).item() == pytest.approx(
        50 * naive_mmd(fake, real, labels), rel=1e-4)


# ------------------------------------------------------------------------------ adversarial


def test_adversarial_losses_on_hand_values():
    d_fake = torch.tensor([0.2, 0.6]).view(1, 1, 1, 2)
    d_real = torch.tensor([0.9, 0.5]).view(1, 1, 1, 2)
    # D: mean(0.2, 0.6) + mean(0.1, 0.5) = 0.4 + 0.3
    assert adversarial_l1_d_loss(d_fake, d_real).item() == pytest.approx(0.7)
    # G: mean(0.8, 0.4)
    assert adversarial_l1_g_loss(d_fake).item() == pytest.approx(0.6)
    first = torch.tensor([[[True, False]]])  # (B, H, W) masks
    second = torch.tensor([[[False, True]]])
    assert adversarial_l1_d_loss(d_fake, d_real, first, second).item() == pytest.approx(0.7)
    assert adversarial_l1_d_loss(d_fake, d_real, second, first).item() == pytest.approx(0.7)
    assert adversarial_l1_d_loss(d_fake, d_real, first, first).item() == pytest.approx(0.3)
    assert adversarial_l1_g_loss(d_fake, second).item() == pytest.approx(0.4)
    none = torch.zeros(1, 1, 2, dtype=torch.bool)
    assert adversarial_l1_g_loss(d_fake, none).item() == 0.0
    assert adversarial_l1_d_loss(d_fake, d_real, none, first).item() == pytest.approx(0.1)
    module = AdversarialL1Loss(loss_weight=2.0)
    assert module(d_fake, True).item() == pytest.approx(1.2)
    assert module(d_fake, False, first).item() == pytest.approx(0.4)


def test_adversarial_empty_mask_has_no_nan_gradient():
    d_fake = torch.tensor([[[[0.3, float('nan')]]]], requires_grad=True)
    mask = torch.tensor([[[True, False]]])
    loss = adversarial_l1_g_loss(d_fake, mask)
    assert loss.item() == pytest.approx(0.7)
    loss.backward()
    assert torch.isfinite(d_fake.grad).all()


# ------------------------------------------------------------------------------ KL


def test_kl_against_closed_form():
    # Pixels: (mu=1, logvar=0) -> 0.5;  (mu=0, logvar=ln 2) -> (1 - ln 2) / 2;
    # (mu=2, logvar=-1) -> -(1 - 1 - 4 - e^-1) / 2 = (4 + e^-1) / 2 (masked out below).
    mu = torch.tensor([1.0, 0.0, 2.0]).view(1, 1, 1, 3)
    logvar = torch.tensor([0.0, math.log(2.0), -1.0]).view(1, 1, 1, 3)
    kl = [0.5, (1 - math.log(2.0)) / 2, (4 + math.exp(-1)) / 2]
    assert gaussian_kl_divergence(mu, logvar).item() == pytest.approx(sum(kl) / 3)
    mask = torch.tensor([[[True, True, False]]])
    assert gaussian_kl_divergence(mu, logvar, mask).item() == pytest.approx((kl[0] + kl[1]) / 2)
    # Channels are averaged too: a second channel of zeros halves the value.
    mu2 = torch.cat([mu, torch.zeros_like(mu)], 1)
    logvar2 = torch.cat([logvar, torch.zeros_like(logvar)], 1)
    assert gaussian_kl_divergence(mu2, logvar2, mask).item() == pytest.approx(
        (kl[0] + kl[1]) / 4)
    assert GaussianKLLoss(loss_weight=100.0)(mu, logvar, mask).item() == pytest.approx(
        100 * (kl[0] + kl[1]) / 2)


def test_kl_is_zero_for_the_standard_normal_and_for_an_empty_mask():
    zeros = torch.zeros(2, 3, 4, 4)
    assert gaussian_kl_divergence(zeros, zeros).item() == 0.0
    mu = torch.randn(2, 3, 4, 4, requires_grad=True)
    value = gaussian_kl_divergence(mu, zeros, torch.zeros(2, 4, 4, dtype=torch.bool))
    assert value.item() == 0.0
    value.backward()
    assert torch.isfinite(mu.grad).all()


# ------------------------------------------------------------------------------ weighted CE


def _ce_by_hand(scores, label):
    return math.log(sum(math.exp(s) for s in scores)) - scores[label]


def test_weighted_ce_against_hand_computation():
    # One image, 3 classes, 1 x 3 pixels; the last pixel is ignored.
    pixel_scores = [[2.0, 0.5, -1.0], [0.0, 1.0, 3.0], [5.0, 5.0, 5.0]]
    logits = torch.tensor(pixel_scores).T.reshape(1, 3, 1, 3)
    labels = torch.tensor([[[0, 1, 255]]])
    weights = torch.tensor([[[1.0, 3.0, 100.0]]])
    ce0, ce1 = _ce_by_hand(pixel_scores[0], 0), _ce_by_hand(pixel_scores[1], 1)
    assert weighted_cross_entropy(logits, labels, weights).item() == pytest.approx(
        (ce0 + 3 * ce1) / 4)
    assert weighted_cross_entropy(logits, labels).item() == pytest.approx((ce0 + ce1) / 2)
    # class weights multiply both the terms and the normaliser
    cw = [2.0, 0.5, 1.0]
    assert weighted_cross_entropy(logits, labels, weights, class_weight=cw).item() == \
        pytest.approx((2 * ce0 + 1.5 * ce1) / 3.5)


def test_weighted_ce_with_unit_weights_is_plain_mean_ce():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 5, 6, 7, generator=gen)
    labels = torch.randint(0, 5, (2, 6, 7), generator=gen)
    labels[:, :2] = 255
    expected = F.cross_entropy(logits, labels, ignore_index=255)
    torch.testing.assert_close(
        weighted_cross_entropy(logits, labels, torch.ones(2, 6, 7)), expected)
    torch.testing.assert_close(weighted_cross_entropy(logits, labels), expected)
    cw = torch.tensor([1.0, 2.0, 0.5, 3.0, 1.0])
    torch.testing.assert_close(
        weighted_cross_entropy(logits, labels, class_weight=cw),
        F.cross_entropy(logits, labels, weight=cw, ignore_index=255))
    # weights scale-invariant (normalised by their sum)
    w = torch.rand(2, 6, 7, generator=gen)
    torch.testing.assert_close(weighted_cross_entropy(logits, labels, w),
                               weighted_cross_entropy(logits, labels, 7 * w))


def test_weighted_ce_all_ignored_or_zero_weight_is_finite_zero():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    labels = torch.full((1, 2, 2), 255)
    value = weighted_cross_entropy(logits, labels)
    assert value.item() == 0.0
    value.backward()
    assert torch.isfinite(logits.grad).all() and (logits.grad == 0).all()
    zero_w = weighted_cross_entropy(logits, torch.zeros(1, 2, 2).long(), torch.zeros(1, 2, 2))
    assert zero_w.item() == 0.0


def test_weighted_ce_bad_shapes_raise():
    logits = torch.randn(1, 3, 2, 2)
    with pytest.raises(ValueError, match='labels'):
        weighted_cross_entropy(logits, torch.zeros(1, 2, 3).long())
    with pytest.raises(ValueError, match='weights'):
        weighted_cross_entropy(logits, torch.zeros(1, 2, 2).long(), torch.ones(2, 2))
    with pytest.raises(ValueError, match='class_weight'):
        weighted_cross_entropy(logits, torch.zeros(1, 2, 2).long(), class_weight=[1.0, 2.0])


def test_weighted_mmd_matches_replicated_rows():
    """Integer weights act like repeating rows; weight 0 removes a row."""
    torch.manual_seed(3)
    fake = torch.rand(5, 3)
    real = torch.rand(5, 3)
    labels = torch.tensor([0, 0, 0, 1, 1])
    weights = torch.tensor([2.0, 1.0, 0.0, 1.0, 1.0])
    got = class_grouped_mmd(fake, real, labels, max_pixels_per_class=16, weights=weights)
    rows = torch.tensor([0, 0, 1, 3, 4])
    expected = class_grouped_mmd(fake[rows], real[rows], labels[rows], max_pixels_per_class=16)
    assert torch.allclose(got, expected, atol=1e-6)
    unweighted = class_grouped_mmd(fake, real, labels, max_pixels_per_class=16)
    assert not torch.allclose(got, unweighted)
    with pytest.raises(ValueError, match='weights must have shape'):
        class_grouped_mmd(fake, real, labels, weights=torch.ones(4))
