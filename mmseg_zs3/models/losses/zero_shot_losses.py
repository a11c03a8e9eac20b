"""Losses of generative zero-shot segmentation as pure, vectorised functions.

DESIGN.md section 4:

- :func:`class_grouped_mmd`: maximum mean discrepancy between generated and real features of
  the same class, with a sum of Gaussian kernels, square-rooted, averaged over classes;
- :func:`adversarial_l1_d_loss` / :func:`adversarial_l1_g_loss`: CaGNet's "lsgan" losses, which
  are L1 distances between sigmoid outputs and the 0/1 targets;
- :func:`gaussian_kl_divergence`: KL term of the contextual module's latent code;
- :func:`weighted_cross_entropy`: per-pixel CE with per-pixel weights (the AST loss).

Every function masks ignored pixels and returns a 0 that stays in the autograd graph (not NaN)
when nothing is left to average over.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor


def _check_positive_int(name: str, value: int) -> int:
    """Returns ``value`` after checking it is an int >= 1; the error names ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{name} must be a positive int, got {value!r}')
    return value


def _expand_mask(mask: Tensor, values: Tensor) -> Tensor:
    """Returns the boolean ``mask`` broadcast to ``values``'s shape.

    A mask with one dimension fewer than ``values`` is a per-pixel mask (B, H, W) for
    per-pixel, per-channel values (B, C, H, W): it is unsqueezed at dimension 1 first.
    """
    mask = mask.to(device=values.device, dtype=torch.bool)
    if mask.dim() == values.dim() - 1:
        mask = mask.unsqueeze(1)
    try:
        return mask.expand_as(values)
    except RuntimeError as err:
        raise ValueError(f'mask of shape {tuple(mask.shape)} does not fit values of shape '
                         f'{tuple(values.shape)}') from err


def masked_mean(values: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Mean of ``values`` over the entries selected by ``mask``; 0 when none is selected.

    Args:
        values (Tensor): Values of any shape.
        mask (Tensor, optional): Boolean mask of ``values``'s shape, or per pixel with one
            dimension fewer (see :func:`_expand_mask`). None selects everything.

    Returns:
        Tensor: A scalar; masked-out entries (even NaN or inf ones) get no gradient.
    """
    if mask is None:
        return values.mean() if values.numel() > 0 else values.sum()
    mask = _expand_mask(mask, values)
    total = torch.where(mask, values, torch.zeros_like(values)).sum()
    return total / mask.sum().clamp_min(1).to(values.dtype)


# --------------------------------------------------------------------------------------------
# Class-grouped MMD
# --------------------------------------------------------------------------------------------


def sample_pixels_per_class(labels: Tensor,
                            max_pixels_per_class: int = 128,
                            ignore_index: int = 255,
                            generator: Optional[torch.Generator] = None
                            ) -> Tuple[Tensor, Tensor, Tensor]:
    """Draws up to ``max_pixels_per_class`` pixels of every present class, as a padded batch.

    Sampling is uniform without replacement and fully vectorised: every labelled pixel gets a
    random key, pixels are sorted by (class, key), and a pixel is kept when its rank within
    its class is below the cap. Classes with fewer pixels keep all of them.

    Args:
        labels (Tensor): Integer labels of shape (N,).
        max_pixels_per_class (int): Cap M on the pixels drawn per class. Defaults to 128.
        ignore_index (int): Label of pixels never drawn. Defaults to 255.
        generator (torch.Generator, optional): Random generator for the keys (on any device;
            the keys are moved to ``labels``'s device). Defaults to None (global RNG).

    Returns:
        tuple[Tensor, Tensor, Tensor]:

        - ``classes`` (K,): the present classes, ascending;
        - ``index`` (K, M'): pixel indices into ``labels``, row k drawn from class
          ``classes[k]``, with M' = min(M, largest class count); padding entries are 0;
        - ``valid`` (K, M') bool: which entries of ``index`` are real draws.
    """
    _check_positive_int('max_pixels_per_class', max_pixels_per_class)
    if labels.dim() != 1:
        raise ValueError(f'labels must be 1-D (N,), got shape {tuple(labels.shape)}')
    device = labels.device
    pixel_ids = torch.nonzero(labels != ignore_index, as_tuple=True)[0]
    num = pixel_ids.numel()
    if num == 0:
        empty = torch.zeros(0, 0, dtype=torch.long, device=device)
        return labels.new_zeros(0), empty, empty.bool()
    key_device = generator.device if generator is not None else device
    keys = torch.rand(num, generator=generator, device=key_device).to(device)
    order = torch.argsort(keys)
    valid_labels = labels[pixel_ids]
    order = order[torch.argsort(valid_labels[order], stable=True)]
    sorted_labels = valid_labels[order]
    classes, counts = torch.unique_consecutive(sorted_labels, return_counts=True)
    class_slot = torch.repeat_interleave(torch.arange(classes.numel(), device=device), counts)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(num, device=device) - starts[class_slot]
    keep = rank < max_pixels_per_class
    width = int(min(max_pixels_per_class, int(counts.max())))
    index = torch.zeros(classes.numel(), width, dtype=torch.long, device=device)
    valid = torch.zeros(classes.numel(), width, dtype=torch.bool, device=device)
    rows, cols = class_slot[keep], rank[keep]
    index[rows, cols] = pixel_ids[order[keep]]
    valid[rows, cols] = True
    return classes, index, valid


#: Elements of the largest transient kernel matrix block of :func:`pairwise_kernel_mean` is
#: at most ``max(KERNEL_BLOCK_ELEMENTS, K * M * C)`` (the size of a sampled feature set).
KERNEL_BLOCK_ELEMENTS = 1 << 20


def _squared_distances(x: Tensor, y: Tensor) -> Tensor:
    """Batched squared distances ``|x_i - y_j|^2`` (K, M, M), before clamping at 0."""
    return (x.pow(2).sum(-1).unsqueeze(2) + y.pow(2).sum(-1).unsqueeze(1) -
            2.0 * torch.bmm(x, y.transpose(1, 2)))


def _gaussian_kernel_terms(x: Tensor, y: Tensor, bandwidths: Sequence[float],
                           with_derivative: bool) -> Tuple[Tensor, Optional[Tensor]]:
    """Batched sum of Gaussian kernels ``k_ij = sum_v exp(-d_ij / (2 v))`` and its derivative.

    ``d_ij = max(|x_i - y_j|^2, 0)``; the derivative ``dk_ij / dd_ij = sum_v -exp(-d_ij /
    (2 v)) / (2 v)`` is 0 where the unclamped distance is negative (as the gradient of
    ``clamp_min`` is).

    Args:
        x (Tensor): (K, M, C).
        y (Tensor): (K, M, C).
        bandwidths (Sequence[float]): Kernel variances v.
        with_derivative (bool): Also return the derivative.

    Returns:
        tuple[Tensor, Tensor | None]: Kernel sums (K, M, M) and derivatives (K, M, M) or
        None.
    """
    raw = _squared_distances(x, y)
    dist = raw.clamp_min(0.0)
    kernel = torch.zeros_like(dist)
    derivative = torch.zeros_like(dist) if with_derivative else None
    for bandwidth in bandwidths:
        scale = -0.5 / bandwidth
        term = torch.exp(dist * scale)
        kernel.add_(term)
        if derivative is not None:
            derivative.add_(term, alpha=scale)
    if derivative is not None:
        derivative.masked_fill_(raw < 0, 0.0)
    return kernel, derivative


def _class_block(num_classes: int, set_size: int, channels: int) -> int:
    """Classes per block so that a (block, M, M) matrix stays within the memory bound."""
    budget = max(KERNEL_BLOCK_ELEMENTS, num_classes * set_size * channels)
    return max(1, min(num_classes, budget // max(set_size * set_size, 1)))


class _PairwiseKernelMean(torch.autograd.Function):
    """``sum_ij a_ki b_kj k(x_ki, y_kj)`` per class k, computed block by block of classes.

    Plain autograd would keep every ``exp`` of every bandwidth (6 + 2 matrices of K x M x M
    per call); this keeps one: the pair-weighted kernel derivative, from which the gradient
    is two batched matrix products.
    """

    @staticmethod
    def forward(ctx, x: Tensor, y: Tensor, a: Tensor, b: Tensor,
                bandwidths: Tuple[float, ...]) -> Tensor:
        need_grad = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
        num_classes, set_size, channels = x.shape
        step = _class_block(num_classes, set_size, channels)
        values, slopes = [], []
        for start in range(0, num_classes, step):
            block = slice(start, start + step)
            kernel, derivative = _gaussian_kernel_terms(x[block], y[block], bandwidths,
                                                        need_grad)
            pair = a[block].unsqueeze(2) * b[block].unsqueeze(1)
            values.append((kernel * pair).sum((1, 2)))
            if need_grad:
                slopes.append(derivative.mul_(pair))
        if need_grad:
            ctx.save_for_backward(x, y, torch.cat(slopes) if len(slopes) > 1 else slopes[0])
        return torch.cat(values)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        x, y, slope = ctx.saved_tensors
        # d value_k / d d_ij = grad_k * a_i b_j * dk/dd; d d_ij / d x_i = 2 (x_i - y_j)
        g = slope * grad_out.view(-1, 1, 1)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = 2.0 * (x * g.sum(2, keepdim=True) - torch.bmm(g, y))
        if ctx.needs_input_grad[1]:
            grad_y = 2.0 * (y * g.sum(1).unsqueeze(2) - torch.bmm(g.transpose(1, 2), x))
        return grad_x, grad_y, None, None, None


def pairwise_kernel_mean(x: Tensor, y: Tensor, a: Tensor, b: Tensor,
                         bandwidths: Sequence[float]) -> Tensor:
    """Pair-weighted mean of a sum of Gaussian kernels, per class (batched).

    ``out_k = sum_ij a_ki b_kj sum_v exp(-max(|x_ki - y_kj|^2, 0) / (2 v))``. Differentiable
    in ``x`` and ``y`` (not in the weights), with the same gradient as plain autograd through
    that formula, but holding one ``(K, M, M)`` matrix for the backward pass instead of one
    per bandwidth, and computing the kernels in blocks of classes whose transient matrices
    have at most ``max(KERNEL_BLOCK_ELEMENTS, K * M * C)`` elements.

    Args:
        x (Tensor): (K, M, C) sets.
        y (Tensor): (K, M, C) sets.
        a (Tensor): (K, M) weights of the rows of ``x`` (e.g. normalised to sum to 1).
        b (Tensor): (K, M) weights of the rows of ``y``.
        bandwidths (Sequence[float]): Kernel variances v, all > 0.

    Returns:
        Tensor: (K,).
    """
    if x.dim() != 3 or x.shape != y.shape:
        raise ValueError(f'x and y must be (K, M, C) of the same shape, got {tuple(x.shape)} '
                         f'and {tuple(y.shape)}')
    if a.shape != x.shape[:2] or b.shape != x.shape[:2]:
        raise ValueError(f'a and b must have shape {tuple(x.shape[:2])}, got '
                         f'{tuple(a.shape)} and {tuple(b.shape)}')
    return _PairwiseKernelMean.apply(x, y, a.detach().to(x.dtype), b.detach().to(x.dtype),
                                     tuple(float(v) for v in bandwidths))


def class_grouped_mmd(fake: Tensor,
                      real: Tensor,
                      labels: Tensor,
                      bandwidths: Sequence[float] = (2, 5, 10, 20, 40, 60),
                      max_pixels_per_class: int = 128,
                      ignore_index: int = 255,
                      generator: Optional[torch.Generator] = None,
                      eps: float = 1e-8,
                      weights: Optional[Tensor] = None) -> Tensor:
    """Square-rooted MMD between generated and real features, per class, averaged over classes.

    ``fake[i]`` is the feature generated for pixel ``i`` from the embedding of ``labels[i]``
    and ``real[i]`` is that pixel's real feature, so the two sets of a class are the pixels of
    that class. For each class k present (ignore excluded), with the kernel
    ``k(a, b) = sum_v exp(-|a - b|^2 / (2 v))``::

        MMD_k^2 = mean k(f, f') + mean k(r, r') - 2 mean k(f, r)

    over all pairs (diagonal included) of the class's sampled fake features f and real features
    r; the loss is the mean over present classes of ``sqrt(max(MMD_k^2, 0) + eps)``.

    Why sampling: the kernel matrix of a class is quadratic in its pixel count (a class
    covering a whole 8 x 47 x 47 batch would need a 17672^2 matrix per kernel), so at most
    ``max_pixels_per_class`` pixels of each class are drawn uniformly without replacement
    (ZS3Net drew 128 per class) and all classes are processed in one padded batch: memory and
    time are O(K M^2 + K M C) for K classes, not O(N^2). The kernels run in blocks of classes
    and keep one (K, M, M) matrix per pair of sets for the backward pass (see
    :func:`pairwise_kernel_mean`), not one per bandwidth. Classes are grouped over the whole
    input (all images of the batch together), not by runs of equal labels as in CaGNet's code.

    Args:
        fake (Tensor): Generated features of shape (N, C).
        real (Tensor): Real features of shape (N, C), paired row by row with ``fake``.
        labels (Tensor): Integer class of each row, shape (N,).
        bandwidths (Sequence[float]): Kernel variances v, all > 0.
            Defaults to ``(2, 5, 10, 20, 40, 60)`` (CaGNet; ZS3Net ends with 80).
        max_pixels_per_class (int): Cap M on the pixels drawn per class. Defaults to 128.
        ignore_index (int): Label of rows left out. Defaults to 255.
        generator (torch.Generator, optional): Random generator of the sampling, for
            reproducible draws. Defaults to None (global RNG).
        eps (float): Added under the square root so its gradient stays finite. Defaults to 1e-8.
        weights (Tensor, optional): Non-negative weight of each row, shape (N,) (e.g. the
            AST weights of pseudo-labelled pixels). Rows of weight 0 are left out; the kernel
            means of a class become weighted means, sum_ij w_i w_j k_ij / (sum_i w_i)^2.
            Defaults to None (all rows weigh 1).

    Returns:
        Tensor: A scalar. When no class is present it is 0, still attached to the graph of
        ``fake`` and ``real``.
    """
    if fake.dim() != 2 or fake.shape != real.shape:
        raise ValueError('fake and real must have the same shape (N, C); got '
                         f'{tuple(fake.shape)} and {tuple(real.shape)}')
    if labels.shape != fake.shape[:1]:
        raise ValueError(f'labels must have shape ({fake.shape[0]},) to match fake, '
                         f'got {tuple(labels.shape)}')
    bandwidths = tuple(float(v) for v in bandwidths)
    if len(bandwidths) == 0 or any(not v > 0 for v in bandwidths):
        raise ValueError(f'bandwidths must be a non-empty sequence of positive numbers, '
                         f'got {bandwidths}')
    if weights is not None:
        if weights.shape != labels.shape:
            raise ValueError(f'weights must have shape {tuple(labels.shape)}, got '
                             f'{tuple(weights.shape)}')
        labels = torch.where(weights > 0, labels, torch.full_like(labels, ignore_index))
    classes, index, valid = sample_pixels_per_class(labels, max_pixels_per_class, ignore_index,
                                                    generator)
    if classes.numel() == 0:
        return (fake.sum() + real.sum()) * 0.0

    dtype = torch.promote_types(fake.dtype, torch.float32)
    fake_sets = fake[index].to(dtype)  # (K, M, C)
    real_sets = real[index].to(dtype)
    weight = valid.to(dtype)
    if weights is not None:
        weight = weight * weights.detach()[index].to(dtype)
    # the masked mean over pairs: pair weight w_i w_j / (sum_i w_i)^2 = a_i a_j
    share = weight / weight.sum(1, keepdim=True)

    def pair_mean(x: Tensor, y: Tensor) -> Tensor:
        return pairwise_kernel_mean(x, y, share, share, bandwidths)

    mmd2 = (pair_mean(fake_sets, fake_sets) + pair_mean(real_sets, real_sets) -
            2.0 * pair_mean(fake_sets, real_sets))
    return torch.sqrt(mmd2.clamp_min(0.0) + eps).mean()


# --------------------------------------------------------------------------------------------
# Adversarial, KL and weighted cross-entropy
# --------------------------------------------------------------------------------------------


def adversarial_l1_d_loss(d_fake: Tensor,
                          d_real: Tensor,
                          mask_fake: Optional[Tensor] = None,
                          mask_real: Optional[Tensor] = None) -> Tensor:
    """Discriminator loss ``mean|D(fake)| + mean|D(real) - 1|`` (CaGNet's "lsgan").

    Args:
        d_fake (Tensor): Discriminator outputs (probabilities) on generated features,
            e.g. (B, 1, H, W).
        d_real (Tensor): Discriminator outputs on real features.
        mask_fake (Tensor, optional): Boolean mask of the pixels of ``d_fake`` to average
            over, same shape or (B, H, W). Defaults to None (all).
        mask_real (Tensor, optional): Same for ``d_real``. Defaults to None (all).

    Returns:
        Tensor: A scalar; each term is 0 when its mask selects nothing.
    """
    return (masked_mean(d_fake.abs(), mask_fake) +
            masked_mean((d_real - 1.0).abs(), mask_real))


def adversarial_l1_g_loss(d_fake: Tensor, mask: Optional[Tensor] = None) -> Tensor:
    """Generator loss ``mean|D(fake) - 1|`` (CaGNet's "lsgan").

    Args:
        d_fake (Tensor): Discriminator outputs on generated features, e.g. (B, 1, H, W).
        mask (Tensor, optional): Boolean mask of the pixels to average over, same shape or
            (B, H, W). Defaults to None (all).

    Returns:
        Tensor: A scalar; 0 when the mask selects nothing.
    """
    return masked_mean((d_fake - 1.0).abs(), mask)


def gaussian_kl_divergence(mu: Tensor, logvar: Tensor,
                           valid_mask: Optional[Tensor] = None) -> Tensor:
    """KL divergence of N(mu, exp(logvar)) from N(0, I), averaged per pixel and channel.

    ``-1/2 * mean(1 + logvar - mu^2 - exp(logvar))`` over the valid pixels and all channels.

    Args:
        mu (Tensor): Means of shape (B, C, H, W).
        logvar (Tensor): Log-variances of shape (B, C, H, W).
        valid_mask (Tensor, optional): Boolean (B, H, W) mask of the pixels to average over
            (e.g. labelled pixels). Defaults to None (all).

    Returns:
        Tensor: A scalar >= 0; 0 when the mask selects nothing.
    """
    if mu.shape != logvar.shape:
        raise ValueError(f'mu and logvar must have the same shape, got {tuple(mu.shape)} '
                         f'and {tuple(logvar.shape)}')
    return -0.5 * masked_mean(1.0 + logvar - mu.pow(2) - logvar.exp(), valid_mask)


def weighted_cross_entropy(logits: Tensor,
                           labels: Tensor,
                           weights: Optional[Tensor] = None,
                           class_weight: Union[Sequence[float], Tensor, None] = None,
                           ignore_index: int = 255) -> Tensor:
    """Per-pixel cross-entropy weighted per pixel, normalised by the total weight.

    ``sum_i w_i * CE_i / sum_i w_i`` over the non-ignored pixels i, with
    ``w_i = weights_i * class_weight[labels_i]`` (each factor 1 when not given). Without
    ``weights`` this equals ``F.cross_entropy(logits, labels, weight=class_weight,
    ignore_index=ignore_index)``; with AST's confidence weights it is DESIGN.md section 6's
    loss. ``weights`` are used as given: detach them when they come from the model.

    Args:
        logits (Tensor): Class scores of shape (B, K, H, W) (or (N, K)).
        labels (Tensor): Integer labels of shape (B, H, W) (or (N,)).
        weights (Tensor, optional): Non-negative float weights, same shape as ``labels``.
            Defaults to None (all 1).
        class_weight (Sequence[float] | Tensor, optional): One weight per class.
            Defaults to None.
        ignore_index (int): Label of pixels left out. Defaults to 255.

    Returns:
        Tensor: A scalar; 0 (attached to the graph of ``logits``) when no pixel is valid or
        the total weight is 0.
    """
    expected = logits.shape[:1] + logits.shape[2:]
    if labels.shape != expected:
        raise ValueError(f'labels must have shape {tuple(expected)} for logits of shape '
                         f'{tuple(logits.shape)}, got {tuple(labels.shape)}')
    labels = labels.long()
    valid = labels != ignore_index
    loss = F.cross_entropy(logits, labels, reduction='none', ignore_index=ignore_index)
    pixel_weight = valid.to(loss.dtype)
    if weights is not None:
        if weights.shape != labels.shape:
            raise ValueError(f'weights must have the shape of labels {tuple(labels.shape)}, '
                             f'got {tuple(weights.shape)}')
        pixel_weight = pixel_weight * weights.to(loss.dtype)
    if class_weight is not None:
        class_weight = torch.as_tensor(class_weight, dtype=loss.dtype, device=loss.device)
        if class_weight.shape != (logits.shape[1], ):
            raise ValueError(f'class_weight must have one value per class ({logits.shape[1]}), '
                             f'got shape {tuple(class_weight.shape)}')
        pixel_weight = pixel_weight * class_weight[torch.where(valid, labels, 0)]
    # where() keeps ignored pixels (weight 0) from turning a non-finite CE into NaN.
    total = torch.where(pixel_weight != 0, loss * pixel_weight, torch.zeros_like(loss)).sum()
    denominator = pixel_weight.sum()
    safe_denominator = torch.where(denominator > 0, denominator, torch.ones_like(denominator))
    return total / safe_denominator
