"""Sinusoidal 2D position codes: relative (RPE, SIGN's spatial prior) and absolute (APE).

For a map of ``H x W`` cells and a code of ``D`` channels (``D`` divisible by 4), each axis
gets ``D' = D / 2`` channels and the frequencies ``w_k = 10000 ** (-2k / D')`` for
``k = 0 .. D'/2 - 1``. The position of a cell along an axis is

- ``'rpe'`` (relative): stretched onto the fixed range ``[0, L - 1]`` (``L`` is the
  *standard length*, 512 in SIGN): ``u_x = (L - 1) * x / (W - 1)``,
  ``u_y = (L - 1) * y / (H - 1)``; a single column or row maps to 0. The same relative
  location gets the same code whatever the map size.
- ``'ape'`` (absolute): the cell index, ``u_x = x``, ``u_y = y``.

Channels ``0 .. D'-1`` encode x, ``sin(u_x w_k)`` at channel ``2k`` and ``cos(u_x w_k)`` at
channel ``2k + 1``; channels ``D' .. D-1`` encode y the same way.

The code is not learned. :func:`cached_position_code` memoises it per
``(H, W, D, mode, L, dtype, device)``; :func:`batch_position_code` builds the per-image code
of a padded batch, in which each image's relative frame is its valid (unpadded) region, and
:func:`unique_position_codes` returns the same as its distinct codes plus an index.
"""
import functools
import math
import operator
from typing import Mapping, Optional, Sequence, Tuple, Union

import torch
from torch import Tensor

POSITION_MODES = ('rpe', 'ape')
#: Number of codes :func:`cached_position_code` keeps (least recently used are dropped).
POSITION_CODE_CACHE_SIZE = 64

DeviceLike = Union[str, torch.device, None]


def _check_int(name: str, value, minimum: int) -> int:
    """Returns ``value`` as an int, raising a ValueError naming it when invalid."""
    if isinstance(value, bool) or not hasattr(value, '__index__') \
            or operator.index(value) < minimum:
        raise ValueError(f'{name} must be an int >= {minimum}, got {value!r}')
    return operator.index(value)


def check_code_dim(dim) -> int:
    """Validates the number of code channels.

    Args:
        dim (int): Channels of the position code.

    Returns:
        int: ``dim``.

    Raises:
        ValueError: When ``dim`` is not a positive int divisible by 4 (two axes, each with
            sin/cos pairs).
    """
    dim = _check_int('dim', dim, 1)
    if dim % 4 != 0:
        raise ValueError(f'the position code dim must be divisible by 4 (2 axes x sin/cos '
                         f'pairs), got dim={dim}')
    return dim


def check_position_mode(mode: str) -> str:
    """Validates an encoding mode.

    Args:
        mode (str): ``'rpe'`` or ``'ape'``.

    Returns:
        str: ``mode``.

    Raises:
        ValueError: For any other value.
    """
    if mode not in POSITION_MODES:
        raise ValueError(f'mode must be one of {POSITION_MODES}, got {mode!r}')
    return mode


def _check_standard_length(standard_length) -> float:
    if isinstance(standard_length, bool) or not isinstance(standard_length, (int, float)) \
            or not math.isfinite(standard_length) or standard_length < 1:
        raise ValueError(f'standard_length must be a finite number >= 1, got '
                         f'{standard_length!r}')
    return standard_length


def _axis_positions(size: int, mode: str, standard_length: float) -> Tensor:
    """Positions ``u`` of the ``size`` cells of one axis, float64."""
    index = torch.arange(size, dtype=torch.float64)
    if mode == 'ape':
        return index
    if size == 1:
        return torch.zeros(1, dtype=torch.float64)
    return index * ((standard_length - 1) / (size - 1))


def _axis_code(positions: Tensor, axis_dim: int) -> Tensor:
    """Interleaved sin/cos code of one axis: (axis_dim, N), float64."""
    k = torch.arange(axis_dim // 2, dtype=torch.float64)
    freqs = torch.pow(10000.0, -2.0 * k / axis_dim)
    angles = freqs[:, None] * positions[None, :]  # (D'/2, N)
    # (D'/2, 2, N) -> (D', N): channel 2k is sin, channel 2k + 1 is cos.
    return torch.stack((angles.sin(), angles.cos()), dim=1).reshape(axis_dim, -1)


def sinusoidal_position_code(height: int,
                             width: int,
                             dim: int,
                             mode: str = 'rpe',
                             standard_length: int = 512,
                             dtype: torch.dtype = torch.float32,
                             device: DeviceLike = None) -> Tensor:
    """Computes the sinusoidal position code of a ``height x width`` map.

    Computed in float64 and cast to ``dtype`` at the end.

    Args:
        height (int): Rows of the map, >= 1.
        width (int): Columns of the map, >= 1.
        dim (int): Channels of the code, divisible by 4.
        mode (str): ``'rpe'`` (relative positions stretched onto ``[0, standard_length -
            1]``) or ``'ape'`` (cell indices). Defaults to ``'rpe'``.
        standard_length (int): The length ``L`` that RPE stretches each axis onto; unused
            by APE. Defaults to 512.
        dtype (torch.dtype): Output dtype. Defaults to ``torch.float32``.
        device (str | torch.device, optional): Output device. Defaults to the CPU.

    Returns:
        Tensor: The code, shape ``(dim, height, width)``.

    Raises:
        ValueError: When ``dim`` is not divisible by 4, ``mode`` is unknown, a size is
            below 1 or ``standard_length`` below 1.
    """
    height = _check_int('height', height, 1)
    width = _check_int('width', width, 1)
    dim = check_code_dim(dim)
    mode = check_position_mode(mode)
    standard_length = _check_standard_length(standard_length)
    axis_dim = dim // 2
    code_x = _axis_code(_axis_positions(width, mode, standard_length), axis_dim)  # (D', W)
    code_y = _axis_code(_axis_positions(height, mode, standard_length), axis_dim)  # (D', H)
    code = torch.cat((code_x[:, None, :].expand(axis_dim, height, width),
                      code_y[:, :, None].expand(axis_dim, height, width)), dim=0)
    return code.to(dtype=dtype, device=device)


@functools.lru_cache(maxsize=POSITION_CODE_CACHE_SIZE)
def _cached_code(height: int, width: int, dim: int, mode: str, standard_length: float,
                 dtype: torch.dtype, device: torch.device) -> Tensor:
    # A code first requested inside `torch.inference_mode()` must still be usable by
    # training code later, so it is never created as an inference tensor.
    with torch.inference_mode(False), torch.no_grad():
        return sinusoidal_position_code(height, width, dim, mode, standard_length, dtype,
                                        device)


def cached_position_code(height: int,
                         width: int,
                         dim: int,
                         mode: str = 'rpe',
                         standard_length: int = 512,
                         dtype: torch.dtype = torch.float32,
                         device: DeviceLike = None) -> Tensor:
    """Returns :func:`sinusoidal_position_code`, memoised.

    One tensor is kept per ``(height, width, dim, mode, standard_length, dtype, device)``
    (the :data:`POSITION_CODE_CACHE_SIZE` most recently used; ``device=None`` means the
    CPU), and the same object is returned for the same key. It does not require grad.

    Warning:
        The returned tensor is shared by every caller: never modify it in place (build a
        new tensor from it, e.g. with ``torch.cat`` or ``code.clone()``).

    Args:
        height (int): Rows of the map, >= 1.
        width (int): Columns of the map, >= 1.
        dim (int): Channels of the code, divisible by 4.
        mode (str): ``'rpe'`` or ``'ape'``. Defaults to ``'rpe'``.
        standard_length (int): RPE's standard length. Defaults to 512.
        dtype (torch.dtype): Output dtype. Defaults to ``torch.float32``.
        device (str | torch.device, optional): Output device. Defaults to the CPU.

    Returns:
        Tensor: The shared code, shape ``(dim, height, width)``.
    """
    device = torch.device('cpu') if device is None else torch.device(device)
    return _cached_code(_check_int('height', height, 1), _check_int('width', width, 1),
                        check_code_dim(dim), check_position_mode(mode),
                        _check_standard_length(standard_length), dtype, device)


def clear_position_code_cache() -> None:
    """Drops every code held by :func:`cached_position_code` and :func:`unique_position_codes`
    (e.g. to free GPU memory)."""
    _cached_code.cache_clear()
    _cached_padded_code.cache_clear()


@functools.lru_cache(maxsize=POSITION_CODE_CACHE_SIZE)
def _cached_padded_code(feat_size: Tuple[int, int], size: Tuple[int, int], dim: int, mode: str,
                        standard_length: float, dtype: torch.dtype,
                        device: torch.device) -> Tensor:
    """The code of a ``size`` region at the top-left of a ``feat_size`` map, zeros elsewhere."""
    code = cached_position_code(size[0], size[1], dim, mode, standard_length, dtype, device)
    if size == feat_size:
        return code
    with torch.inference_mode(False), torch.no_grad():
        out = torch.zeros((dim, ) + tuple(feat_size), dtype=dtype, device=device)
        out[:, :size[0], :size[1]] = code
    return out


def unique_position_codes(feat_size: Tuple[int, int],
                          valid_sizes: Sequence[Tuple[int, int]],
                          dim: int,
                          mode: str = 'rpe',
                          standard_length: int = 512,
                          dtype: torch.dtype = torch.float32,
                          device: DeviceLike = None) -> Tuple[Tensor, Optional[Tensor]]:
    """The distinct position codes of a padded batch and the code of each image.

    The compact form of :func:`batch_position_code`: images with the same valid size share
    one code, so the codes are returned once each, ``(G, dim, H, W)`` for ``G`` distinct
    valid sizes (in order of first appearance), with ``index`` ``(B,)`` giving each image's
    code; ``batch_position_code(...) == codes[index]``. When every image has the same valid
    size (the usual case) ``G = 1`` and ``index`` is None. The codes are cached (see
    :func:`cached_position_code`): read them, never write into them.

    Args:
        feat_size (tuple[int, int]): ``(H, W)`` of the feature map.
        valid_sizes (Sequence[tuple[int, int]]): ``(h_i, w_i)`` per image, with
            ``1 <= h_i <= H`` and ``1 <= w_i <= W`` (see :func:`valid_feature_sizes`).
        dim (int): Channels of the code, divisible by 4.
        mode (str): ``'rpe'`` or ``'ape'``. Defaults to ``'rpe'``.
        standard_length (int): RPE's standard length. Defaults to 512.
        dtype (torch.dtype): Output dtype. Defaults to ``torch.float32``.
        device (str | torch.device, optional): Output device. Defaults to the CPU.

    Returns:
        tuple[Tensor, Tensor | None]: ``codes`` ``(G, dim, H, W)`` (each code at the
        top-left of the map, zeros in the padding) and ``index`` (``(B,)`` long on
        ``device``, or None when ``G = 1``).

    Raises:
        ValueError: When ``valid_sizes`` is empty or a valid size lies outside
            ``[1, H] x [1, W]``.
    """
    height = _check_int('feat_size[0]', feat_size[0], 1)
    width = _check_int('feat_size[1]', feat_size[1], 1)
    sizes = [(int(h), int(w)) for h, w in valid_sizes]
    if not sizes:
        raise ValueError('valid_sizes is empty: need one (h, w) per image')
    bad = [s for s in sizes if not (1 <= s[0] <= height and 1 <= s[1] <= width)]
    if bad:
        raise ValueError(f'valid sizes {bad} lie outside [1, {height}] x [1, {width}] '
                         f'(the feature size)')
    device = torch.device('cpu') if device is None else torch.device(device)
    slots = {}
    index = [slots.setdefault(size, len(slots)) for size in sizes]
    dim = check_code_dim(dim)
    mode = check_position_mode(mode)
    standard_length = _check_standard_length(standard_length)
    codes = [_cached_padded_code((height, width), size, dim, mode, standard_length, dtype,
                                 device) for size in slots]
    if len(codes) == 1:
        return codes[0].unsqueeze(0), None
    return torch.stack(codes), torch.tensor(index, dtype=torch.long, device=device)


def batch_position_code(feat_size: Tuple[int, int],
                        valid_sizes: Sequence[Tuple[int, int]],
                        dim: int,
                        mode: str = 'rpe',
                        standard_length: int = 512,
                        dtype: torch.dtype = torch.float32,
                        device: DeviceLike = None) -> Tensor:
    """Builds the position code of a batch whose images may be padded bottom/right.

    Image ``i`` gets the code of its valid region ``valid_sizes[i] = (h_i, w_i)`` (so the
    relative frame is the image, not the padded canvas) at the top-left of the
    ``feat_size`` map, and zeros in the padding. Images with the same valid size share
    one cached code (:func:`unique_position_codes` returns them once each).

    Args:
        feat_size (tuple[int, int]): ``(H, W)`` of the feature map.
        valid_sizes (Sequence[tuple[int, int]]): ``(h_i, w_i)`` per image, with
            ``1 <= h_i <= H`` and ``1 <= w_i <= W`` (see :func:`valid_feature_sizes`).
        dim (int): Channels of the code, divisible by 4.
        mode (str): ``'rpe'`` or ``'ape'``. Defaults to ``'rpe'``.
        standard_length (int): RPE's standard length. Defaults to 512.
        dtype (torch.dtype): Output dtype. Defaults to ``torch.float32``.
        device (str | torch.device, optional): Output device. Defaults to the CPU.

    Returns:
        Tensor: Shape ``(B, dim, H, W)`` with ``B = len(valid_sizes)``. When every image
        has the same valid size it is an expanded (stride-0) view of one cached code:
        read it, never write into it.

    Raises:
        ValueError: When ``valid_sizes`` is empty or a valid size lies outside
            ``[1, H] x [1, W]``.
    """
    codes, index = unique_position_codes(feat_size, valid_sizes, dim, mode, standard_length,
                                         dtype, device)
    if index is None:
        return codes.expand(len(valid_sizes), -1, -1, -1)
    return codes.index_select(0, index)


def _spatial(shape) -> Optional[Tuple[int, int]]:
    """The ``(h, w)`` of a metainfo shape (tuple/list/torch.Size, maybe with channels)."""
    if shape is None:
        return None
    return int(shape[0]), int(shape[1])


def valid_feature_sizes(batch_img_metas: Sequence[Mapping],
                        feat_size: Tuple[int, int],
                        input_shape: Optional[Tuple[int, int]] = None
                        ) -> list:
    """Converts each image's valid (unpadded) region into feature-map cells.

    mmseg pads images bottom/right to the batch shape; each sample's metainfo holds the
    image size ``img_shape`` and the padded size ``pad_shape``. The valid feature size is
    ``ceil(h_img * H / h_ref)`` (likewise for the width), clamped to ``[1, H]``, where the
    reference ``h_ref`` is, by priority: ``input_shape`` (the spatial size of the tensor
    the backbone saw), the sample's ``pad_shape``, its ``batch_input_shape``. Without
    ``img_shape`` or any reference the full map is valid.

    Note:
        mmseg's slide inference overwrites ``img_shape`` with the crop size but leaves
        ``pad_shape`` alone; a caller running it should pass the crop's ``input_shape``.

    Args:
        batch_img_metas (Sequence[Mapping]): Metainfo per image.
        feat_size (tuple[int, int]): ``(H, W)`` of the feature map.
        input_shape (tuple[int, int], optional): ``(h, w)`` of the network input, used as
            the reference for every image when given.

    Returns:
        list[tuple[int, int]]: ``(h_i, w_i)`` per image.
    """
    height, width = int(feat_size[0]), int(feat_size[1])
    sizes = []
    for meta in batch_img_metas:
        img = _spatial(meta.get('img_shape'))
        ref = _spatial(input_shape)
        if ref is None:
            ref = _spatial(meta.get('pad_shape'))
        if ref is None:
            ref = _spatial(meta.get('batch_input_shape'))
        if img is None or ref is None:
            sizes.append((height, width))
            continue
        # exact integer ceil(img * feat / ref)
        h = -(-img[0] * height // ref[0])
        w = -(-img[1] * width // ref[1])
        sizes.append((min(max(h, 1), height), min(max(w, 1), width)))
    return sizes
