"""pairwise_kernel_mean: the MMD's kernel means with a hand-written backward pass.

It must be the same function as plain autograd through the formula (values and gradients),
whatever the blocking of classes, and keep one (K, M, M) matrix for the backward pass.
"""
import pytest
import torch

from mmseg_zs3.models.losses import zero_shot_losses
from mmseg_zs3.models.losses.zero_shot_losses import (class_grouped_mmd,
                                                      pairwise_kernel_mean)

BANDWIDTHS = (2.0, 5.0, 10.0, 20.0, 40.0, 60.0)


def reference(x, y, a, b, bandwidths=BANDWIDTHS):
    """The formula through plain autograd (the implementation before the custom backward)."""
    sq = (x.pow(2).sum(-1).unsqueeze(2) + y.pow(2).sum(-1).unsqueeze(1) -
          2.0 * torch.bmm(x, y.transpose(1, 2))).clamp_min(0.0)
    kernel = sum(torch.exp(sq * (-0.5 / v)) for v in bandwidths)
    return (kernel * a.unsqueeze(2) * b.unsqueeze(1)).sum((1, 2))


def _sets(k=4, m=7, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(k, m, c, generator=g, dtype=torch.float64) * 3
    y = torch.rand(k, m, c, generator=g, dtype=torch.float64) * 3
    a = torch.rand(k, m, generator=g, dtype=torch.float64)
    a[1, 4:] = 0  # padding of a smaller class
    a = a / a.sum(1, keepdim=True)
    b = torch.rand(k, m, generator=g, dtype=torch.float64)
    return x, y, a, b / b.sum(1, keepdim=True)


@pytest.mark.parametrize('same', [False, True])
def test_values_and_gradients_match_plain_autograd(same):
    x, y, a, b = _sets()
    if same:  # the fake-fake / real-real terms pass one tensor twice
        y, b = x, a
    xr = x.clone().requires_grad_(True)
    yr = xr if same else y.clone().requires_grad_(True)
    xn = x.clone().requires_grad_(True)
    yn = xn if same else y.clone().requires_grad_(True)
    expected = reference(xr, yr, a, b)
    got = pairwise_kernel_mean(xn, yn, a, b, BANDWIDTHS)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    upstream = torch.tensor([1.0, -2.0, 0.5, 3.0], dtype=torch.float64)
    inputs_r = [xr] if same else [xr, yr]
    inputs_n = [xn] if same else [xn, yn]
    for gn, gr in zip(torch.autograd.grad(got, inputs_n, upstream),
                      torch.autograd.grad(expected, inputs_r, upstream)):
        torch.testing.assert_close(gn, gr, rtol=1e-10, atol=1e-12)


def test_gradcheck():
    x, y, a, b = _sets(k=2, m=3, c=2)
    x.requires_grad_(True)
    y.requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda p, q: pairwise_kernel_mean(p, q, a, b, (2.0, 5.0)), (x, y))


def test_blocks_of_classes_give_the_same_result(monkeypatch):
    x, y, a, b = _sets(k=5, m=6, c=2)
    x.requires_grad_(True)
    whole = pairwise_kernel_mean(x, y, a, b, BANDWIDTHS)
    (grad_whole, ) = torch.autograd.grad(whole.sum(), x)
    shapes = []
    original = zero_shot_losses._gaussian_kernel_terms

    def spy(p, q, bandwidths, with_derivative):
        shapes.append(tuple(p.shape))
        return original(p, q, bandwidths, with_derivative)

    monkeypatch.setattr(zero_shot_losses, '_gaussian_kernel_terms', spy)
    monkeypatch.setattr(zero_shot_losses, 'KERNEL_BLOCK_ELEMENTS', 2 * 6 * 6)
    # budget max(72, K*M*C = 60) elements: 2 classes of 6 x 6 per block
    blocked = pairwise_kernel_mean(x, y, a, b, BANDWIDTHS)
    assert shapes == [(2, 6, 2), (2, 6, 2), (1, 6, 2)]
    (grad_blocked, ) = torch.autograd.grad(blocked.sum(), x)
    torch.testing.assert_close(blocked, whole, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_blocked, grad_whole, rtol=1e-12, atol=1e-12)


def test_class_block_bounds_the_transient_matrices():
    block = zero_shot_losses._class_block
    budget = zero_shot_losses.KERNEL_BLOCK_ELEMENTS
    # small problems: every class at once
    assert block(20, 128, 64) == 20
    # many classes with few channels: the (block, M, M) matrix stays within the budget or
    # the size of the sampled sets (K * M * C), whichever is larger
    k, m, c = 500, 128, 16
    step = block(k, m, c)
    assert step < k and step * m * m <= max(budget, k * m * c)
    assert block(1, 5000, 1) == 1  # at least one class per block


def test_no_kernel_matrix_per_bandwidth_is_kept_for_backward():
    x, y, a, b = _sets(k=3, m=5, c=2)
    x.requires_grad_(True)
    out = pairwise_kernel_mean(x, y, a, b, BANDWIDTHS)
    saved = out.grad_fn.saved_tensors
    matrices = [t for t in saved if t.shape == (3, 5, 5)]
    assert len(matrices) == 1  # the pair-weighted derivative only, not 6 + 2 matrices


def test_shape_errors():
    x, y, a, b = _sets()
    with pytest.raises(ValueError, match='same shape'):
        pairwise_kernel_mean(x, y[:, :3], a, b, BANDWIDTHS)
    with pytest.raises(ValueError, match='a and b'):
        pairwise_kernel_mean(x, y, a[:, :3], b, BANDWIDTHS)


def test_mmd_gradient_unchanged_against_plain_autograd():
    """class_grouped_mmd through the custom backward equals the plain-autograd MMD."""
    g = torch.Generator().manual_seed(2)
    fake = torch.rand(60, 4, generator=g, dtype=torch.float64, requires_grad=True)
    real = torch.rand(60, 4, generator=g, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 3, (60, ), generator=g)
    labels[::5] = 255
    value = class_grouped_mmd(fake, real, labels, max_pixels_per_class=128, eps=1e-8)
    got = torch.autograd.grad(value, (fake, real))
    expected_terms = []
    for cls in range(3):
        rows = labels == cls
        f, r = fake[rows].unsqueeze(0), real[rows].unsqueeze(0)
        share = torch.full((1, int(rows.sum())), 1.0 / int(rows.sum()), dtype=torch.float64)
        mmd2 = (reference(f, f, share, share) + reference(r, r, share, share) -
                2 * reference(f, r, share, share))
        expected_terms.append(torch.sqrt(mmd2.clamp_min(0) + 1e-8))
    expected = torch.cat(expected_terms).mean()
    torch.testing.assert_close(value, expected, rtol=1e-10, atol=1e-12)
    for a, b in zip(got, torch.autograd.grad(expected, (fake, real))):
        torch.testing.assert_close(a, b, rtol=1e-8, atol=1e-12)
