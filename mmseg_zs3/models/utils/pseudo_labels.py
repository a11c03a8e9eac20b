"""Pseudo-labels for unlabelled pixels: Annealed Self-Training (AST) and two baselines.

Everything here is a pure, vectorised function on a batch at feature resolution (DESIGN.md
section 6). Given the teacher's logits ``(B, K, h, w)``, the (seen-only) labels ``(B, h, w)``
and the valid (unpadded) region ``(B, h, w)``:

- the *candidates* are the ignored pixels inside the valid region (padding and ground-truth
  labelled pixels never get a pseudo-label);
- each candidate's pseudo-label is its highest-scoring **unseen** class ``u_i`` and its
  confidence ``c_i`` is the teacher's softmax probability of ``u_i`` over **all** ``K`` classes;
- a *strategy* decides which candidates are kept and how much they weigh:

  - ``'ast'`` (SIGN): every candidate, weight ``w_i = exp((c_i - max_{j in P} c_j) / tau)``
    over the image's candidates ``P`` (:func:`ast_weights`);
  - ``'zs3net'``: per image and per unseen class, the top ``percent`` % most confident
    candidates predicted as that class, weight 1 (:func:`zs3net_selection`);
  - ``'cagnet'``: candidates with an unseen class among their ``top_k`` predictions,
    weight 1 (:func:`cagnet_selection`).

:func:`make_pseudo_labels` ties these together and returns the new labels, the per-pixel loss
weights (1 on ground-truth labelled pixels) and a few detached statistics for logging.
"""
import numbers
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

#: Strategies understood by :func:`make_pseudo_labels`, with the parameter each one needs.
PSEUDO_LABEL_STRATEGIES = {'ast': 'tau', 'zs3net': 'percent', 'cagnet': 'top_k'}

UnseenIds = Union[Sequence[int], Tensor]


def _check_map(name: str, value: Tensor, shape: Tuple[int, ...]) -> None:
    """Raises a ValueError naming ``name`` when ``value`` is not a tensor of ``shape``."""
    if not isinstance(value, Tensor):
        raise ValueError(f'{name} must be a Tensor, got {type(value).__name__}')
    if tuple(value.shape) != tuple(shape):
        raise ValueError(f'{name} must have shape {tuple(shape)}, got {tuple(value.shape)}')


def _check_logits(logits: Tensor) -> None:
    """Raises a ValueError when ``logits`` is not a floating (B, K, h, w) tensor."""
    if not isinstance(logits, Tensor) or logits.dim() != 4:
        shape = tuple(logits.shape) if isinstance(logits, Tensor) else type(logits).__name__
        raise ValueError(f'logits must be a (B, K, h, w) Tensor, got {shape}')
    if not logits.is_floating_point():
        raise ValueError(f'logits must be floating point, got {logits.dtype}')


def _check_bool_map(name: str, value: Tensor, shape: Tuple[int, ...]) -> None:
    """Raises a ValueError unless ``value`` is a bool tensor of ``shape``."""
    _check_map(name, value, shape)
    if value.dtype != torch.bool:
        raise ValueError(f'{name} must be a bool Tensor, got {value.dtype}')


def _as_unseen_ids(unseen_ids: UnseenIds, num_classes: int, device: torch.device) -> Tensor:
    """Returns the unseen class ids as a 1-D long tensor on ``device``, validated.

    Raises:
        ValueError: When the ids are empty, not 1-D integers, repeated, or outside
            ``[0, num_classes)``.
    """
    if isinstance(unseen_ids, Tensor):
        if unseen_ids.dim() != 1 or unseen_ids.is_floating_point() or unseen_ids.is_complex() \
                or unseen_ids.dtype == torch.bool:
            raise ValueError(f'unseen_ids must be a 1-D integer Tensor, got dtype '
                             f'{unseen_ids.dtype} and shape {tuple(unseen_ids.shape)}')
        ids = unseen_ids.to(device=device, dtype=torch.long)
    else:
        values = list(unseen_ids)
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in values):
            raise ValueError(f'unseen_ids must be integers, got {unseen_ids!r}')
        ids = torch.tensor([int(v) for v in values], dtype=torch.long, device=device)
    if ids.numel() == 0:
        raise ValueError('unseen_ids must name at least one unseen class, got none')
    bad = (ids < 0) | (ids >= num_classes)
    if bad.any():
        raise ValueError(f'unseen_ids must lie in [0, {num_classes}) (K = number of logit '
                         f'channels), got {ids[bad].tolist()} in {ids.tolist()}')
    if torch.unique(ids).numel() != ids.numel():
        raise ValueError(f'unseen_ids must not repeat a class, got {ids.tolist()}')
    return ids


def unseen_candidates(logits: Tensor,
                      labels: Tensor,
                      valid_region: Tensor,
                      unseen_ids: UnseenIds,
                      ignore_index: int = 255) -> Tuple[Tensor, Tensor, Tensor]:
    """Finds the pixels that may get a pseudo-label, their unseen class and its confidence.

    The logits are detached: the teacher gives no gradient.

    Args:
        logits (Tensor): Teacher logits, shape (B, K, h, w).
        labels (Tensor): Integer labels, shape (B, h, w), ``ignore_index`` on unlabelled pixels.
        valid_region (Tensor): Bool mask, shape (B, h, w), False on padding.
        unseen_ids (Sequence[int] | Tensor): Ids of the unseen classes, in ``[0, K)``, no
            repeats.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.

    Returns:
        Tuple[Tensor, Tensor, Tensor]:

        - candidates (Tensor): Bool, (B, h, w): ``(labels == ignore_index) & valid_region``.
        - unseen_label (Tensor): Long, (B, h, w): the highest-scoring unseen class of every
          pixel (argmax of the logits restricted to ``unseen_ids``; ties go to the id listed
          first), defined on every pixel, candidate or not.
        - confidence (Tensor): Float, (B, h, w): the softmax probability over **all** K classes
          of ``unseen_label``. Computed in at least float32.

    Raises:
        ValueError: On shape or dtype mismatches, or unseen ids outside ``[0, K)``.
    """
    _check_logits(logits)
    batch, num_classes, height, width = logits.shape
    _check_map('labels', labels, (batch, height, width))
    if labels.is_floating_point() or labels.dtype == torch.bool:
        raise ValueError(f'labels must be an integer Tensor, got {labels.dtype}')
    _check_bool_map('valid_region', valid_region, (batch, height, width))
    ids = _as_unseen_ids(unseen_ids, num_classes, logits.device)

    logits = logits.detach()
    logits = logits.to(torch.promote_types(logits.dtype, torch.float32))
    candidates = (labels == ignore_index) & valid_region
    best = logits.index_select(1, ids).argmax(dim=1)  # index into ids, (B, h, w)
    unseen_label = ids[best]
    confidence = F.softmax(logits, dim=1).gather(1, unseen_label.unsqueeze(1)).squeeze(1)
    return candidates, unseen_label, confidence


def _check_tau(tau) -> float:
    """Returns ``tau`` as a float, raising a ValueError naming it unless it is > 0."""
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not tau > 0:
        raise ValueError(f'tau (the AST temperature) must be a number > 0, got {tau!r}')
    return float(tau)


def ast_weights(confidence: Tensor, candidates: Tensor, tau: float) -> Tensor:
    """Annealed Self-Training weights of the pseudo-labelled pixels (SIGN, DESIGN.md sec. 6).

    Per image, over its candidate pixels ``P``::

        w_i = softmax_{j in P}(c_j / tau)_i / max_{j in P} softmax_{j in P}(c_j / tau)_j
            = exp((c_i - max_{j in P} c_j) / tau)

    so the most confident candidate of each image weighs exactly 1 (like a labelled pixel),
    a large ``tau`` gives every candidate a weight close to 1 (plain self-training) and a small
    ``tau`` keeps essentially only the most confident candidates. Pixels outside ``P`` weigh 0;
    an image with no candidate gets all zeros (no NaN).

    Note:
        The authors' released code multiplies the confidences by the temperature instead of
        dividing, zeroes the confidences before the softmax (so every weight becomes ~1) and
        then casts the weights to integers (so every weight becomes 0). None of that is
        reproduced here: these are the intended float weights.

    Args:
        confidence (Tensor): Confidence ``c`` of each pixel's pseudo-label, (B, h, w).
        candidates (Tensor): Bool mask of the pseudo-labelled pixels ``P``, (B, h, w).
        tau (float): Temperature, > 0 (``float('inf')`` gives uniform weights 1).

    Returns:
        Tensor: Weights in ``[0, 1]``, (B, h, w), dtype of ``confidence`` (at least float32).

    Raises:
        ValueError: When ``tau <= 0`` or the shapes differ.
    """
    tau = _check_tau(tau)
    if not isinstance(confidence, Tensor) or confidence.dim() != 3:
        shape = tuple(confidence.shape) if isinstance(confidence, Tensor) else confidence
        raise ValueError(f'confidence must be a (B, h, w) Tensor, got {shape}')
    _check_bool_map('candidates', candidates, tuple(confidence.shape))

    conf = confidence.detach()
    conf = conf.to(torch.promote_types(conf.dtype, torch.float32)).flatten(1)
    mask = candidates.flatten(1)
    masked = conf.masked_fill(~mask, float('-inf'))
    peak = masked.amax(dim=1, keepdim=True)
    # An image without candidates has peak -inf; any finite stand-in keeps exp() finite.
    peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
    gap = torch.where(mask, conf - peak, torch.zeros_like(conf))  # <= 0 on P
    weights = torch.where(mask, torch.exp(gap / tau), torch.zeros_like(conf))
    return weights.view_as(candidates)


def _check_percent(percent) -> float:
    """Returns ``percent`` as a float, raising a ValueError naming it unless in (0, 100]."""
    if isinstance(percent, bool) or not isinstance(percent, numbers.Real) \
            or not 0 < percent <= 100:
        raise ValueError(f'percent must be a number in (0, 100], got {percent!r}')
    return float(percent)


def zs3net_selection(confidence: Tensor, unseen_label: Tensor, candidates: Tensor,
                     predicted: Tensor, percent: float) -> Tensor:
    """ZS3Net's rule: per image and unseen class, the top ``percent`` % most confident pixels.

    For each image and each unseen class ``u``, consider the candidate pixels whose teacher
    prediction over all classes is ``u`` (``predicted == unseen_label``, which only holds where
    the overall argmax is an unseen class). Rank them by ``confidence``, highest first, and keep
    the first ``ceil(percent / 100 * n)`` of the ``n`` pixels; so one pixel at least is kept
    from any non-empty group, and ``percent = 100`` keeps them all. Pixels of equal confidence
    are ranked in row-major pixel order. The comparison ``rank * 100 < percent * n`` is done in
    float64.

    The top ``percent`` % is taken **per image** rather than over the whole batch: the
    selection of an image then does not depend on which other images share its batch (nor on
    the batch size, nor on the number of GPUs), and it is vectorised without a loop, by
    grouping pixels on ``(image, class)`` with two stable sorts.

    Args:
        confidence (Tensor): Confidence of each pixel's unseen label, (B, h, w).
        unseen_label (Tensor): Highest-scoring unseen class of each pixel, (B, h, w).
        candidates (Tensor): Bool mask of the pixels that may be pseudo-labelled, (B, h, w).
        predicted (Tensor): Teacher argmax over all K classes, (B, h, w).
        percent (float): Share of each group to keep, in (0, 100] (75 in ZS3Net).

    Returns:
        Tensor: Bool (B, h, w), True on the selected pixels.

    Raises:
        ValueError: When ``percent`` is outside (0, 100] or the shapes differ.
    """
    percent = _check_percent(percent)
    if not isinstance(confidence, Tensor) or confidence.dim() != 3:
        shape = tuple(confidence.shape) if isinstance(confidence, Tensor) else confidence
        raise ValueError(f'confidence must be a (B, h, w) Tensor, got {shape}')
    shape = tuple(confidence.shape)
    _check_map('unseen_label', unseen_label, shape)
    _check_bool_map('candidates', candidates, shape)
    _check_map('predicted', predicted, shape)

    batch = shape[0]
    eligible = (candidates & (predicted == unseen_label)).flatten()
    selected = torch.zeros_like(eligible)
    index = eligible.nonzero().squeeze(1)
    if index.numel() == 0:
        return selected.view(shape)
    conf = confidence.detach().flatten()[index]
    label = unseen_label.flatten()[index].long()
    image = index // (eligible.numel() // batch)
    group = image * (int(label.max()) + 1) + label
    # Most confident first, then (stably) grouped: each group ends up in descending confidence.
    order = torch.sort(conf, descending=True, stable=True).indices
    order = order[torch.sort(group[order], stable=True).indices]
    sorted_group = group[order]
    counts = torch.bincount(sorted_group)
    starts = torch.cumsum(counts, 0) - counts
    rank = torch.arange(order.numel(), device=order.device) - starts[sorted_group]
    keep = rank.double() * 100 < percent * counts[sorted_group].double()
    selected[index[order[keep]]] = True
    return selected.view(shape)


def _check_top_k(top_k, num_classes: int) -> int:
    """Returns ``top_k`` as an int, raising a ValueError naming it unless in [1, K]."""
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) \
            or not 1 <= top_k <= num_classes:
        raise ValueError(f'top_k must be an int in [1, {num_classes}] (K = number of logit '
                         f'channels), got {top_k!r}')
    return int(top_k)


def cagnet_selection(logits: Tensor, candidates: Tensor, unseen_ids: UnseenIds,
                     top_k: int) -> Tensor:
    """CaGNet's rule: keep a candidate when an unseen class is among its top-k predictions.

    The kept pixel gets its best-ranked unseen class, i.e. the ``unseen_label`` of
    :func:`unseen_candidates` (that choice is made by :func:`make_pseudo_labels`; this function
    only selects). CaGNet uses ``top_k = 1`` on VOC and COCO and 16 on Pascal-Context. Among
    logits that tie at the k-th place, which ones count as top-k is up to :func:`torch.topk`.

    Args:
        logits (Tensor): Teacher logits, (B, K, h, w).
        candidates (Tensor): Bool mask of the pixels that may be pseudo-labelled, (B, h, w).
        unseen_ids (Sequence[int] | Tensor): Ids of the unseen classes, in ``[0, K)``.
        top_k (int): Number of top predictions (over all K classes) searched, in [1, K].

    Returns:
        Tensor: Bool (B, h, w), True on the selected pixels.

    Raises:
        ValueError: When ``top_k`` is not in [1, K], on shape mismatches, or unseen ids
            outside ``[0, K)``.
    """
    _check_logits(logits)
    batch, num_classes, height, width = logits.shape
    top_k = _check_top_k(top_k, num_classes)
    _check_bool_map('candidates', candidates, (batch, height, width))
    ids = _as_unseen_ids(unseen_ids, num_classes, logits.device)

    is_unseen = torch.zeros(num_classes, dtype=torch.bool, device=logits.device)
    is_unseen[ids] = True
    top = logits.detach().topk(top_k, dim=1).indices  # (B, k, h, w)
    return candidates & is_unseen[top].any(dim=1)


def make_pseudo_labels(logits: Tensor,
                       labels: Tensor,
                       valid_region: Tensor,
                       unseen_ids: UnseenIds,
                       strategy: str,
                       tau: Optional[float] = None,
                       percent: Optional[float] = None,
                       top_k: Optional[int] = None,
                       ignore_index: int = 255) -> Tuple[Tensor, Tensor, Dict]:
    """Pseudo-labels unlabelled pixels with unseen classes and returns per-pixel loss weights.

    The loss that consumes them is ``sum_i w_i CE_i / sum_i w_i`` over the pixels with
    ``w_i > 0`` (DESIGN.md section 6).

    Args:
        logits (Tensor): Teacher logits, (B, K, h, w); detached here.
        labels (Tensor): Integer labels, (B, h, w), ``ignore_index`` on unlabelled pixels.
        valid_region (Tensor): Bool mask, (B, h, w), False on padding.
        unseen_ids (Sequence[int] | Tensor): Ids of the unseen classes, in ``[0, K)``.
        strategy (str): ``'ast'`` (every candidate, annealed weight, needs ``tau``),
            ``'zs3net'`` (needs ``percent``) or ``'cagnet'`` (needs ``top_k``); the baselines
            give their selected pixels weight 1.
        tau (float, optional): AST temperature, > 0. See :func:`ast_weights`.
        percent (float, optional): ZS3Net share kept, in (0, 100]. See
            :func:`zs3net_selection`.
        top_k (int, optional): CaGNet top-k, in [1, K]. See :func:`cagnet_selection`.
        ignore_index (int): Label of unlabelled pixels. Defaults to 255.

    Returns:
        Tuple[Tensor, Tensor, dict]:

        - new_labels (Tensor): ``labels`` (same dtype) with the selected candidates set to
          their unseen class; ground-truth labels, padding and unselected candidates unchanged.
        - weights (Tensor): Float, (B, h, w): 1 on ground-truth labelled pixels inside the
          valid region, the strategy's weight on selected pixels, 0 elsewhere (padding,
          unselected ignored pixels).
        - stats (dict): Detached plain Python values: ``pseudo_fraction`` (selected pixels /
          valid-region pixels, 0.0 when there is no valid pixel), ``mean_weight`` (mean weight
          of the selected pixels, 0.0 when none) and ``class_counts`` (list of ints: selected
          pixels per unseen class, in the order of ``unseen_ids``).

    Raises:
        ValueError: For an unknown strategy, a missing or invalid parameter, mismatched
            shapes, or unseen ids outside ``[0, K)``.
    """
    if strategy not in PSEUDO_LABEL_STRATEGIES:
        raise ValueError(f'strategy must be one of {tuple(PSEUDO_LABEL_STRATEGIES)}, '
                         f'got {strategy!r}')
    needed = PSEUDO_LABEL_STRATEGIES[strategy]
    given = dict(tau=tau, percent=percent, top_k=top_k)
    if given[needed] is None:
        raise ValueError(f'strategy {strategy!r} needs the parameter {needed!r}, got None')

    candidates, unseen_label, confidence = unseen_candidates(
        logits, labels, valid_region, unseen_ids, ignore_index=ignore_index)
    if strategy == 'ast':
        selected = candidates
        pseudo_weight = ast_weights(confidence, candidates, tau)
    else:
        if strategy == 'zs3net':
            predicted = logits.detach().argmax(dim=1)
            selected = zs3net_selection(confidence, unseen_label, candidates, predicted, percent)
        else:
            selected = cagnet_selection(logits, candidates, unseen_ids, top_k)
        pseudo_weight = selected.to(confidence.dtype)

    labelled = (labels != ignore_index) & valid_region
    new_labels = torch.where(selected, unseen_label.to(labels.dtype), labels)
    weights = torch.where(selected, pseudo_weight, labelled.to(confidence.dtype))

    ids = _as_unseen_ids(unseen_ids, logits.shape[1], logits.device)
    num_selected = int(selected.sum())
    num_valid = int(valid_region.sum())
    counts = torch.bincount(unseen_label[selected], minlength=logits.shape[1])[ids]
    stats = dict(
        pseudo_fraction=num_selected / num_valid if num_valid else 0.0,
        mean_weight=float(weights[selected].mean()) if num_selected else 0.0,
        class_counts=[int(c) for c in counts.tolist()],
    )
    return new_labels, weights.detach(), stats


__all__ = ['PSEUDO_LABEL_STRATEGIES', 'unseen_candidates', 'ast_weights', 'zs3net_selection',
           'cagnet_selection', 'make_pseudo_labels']
