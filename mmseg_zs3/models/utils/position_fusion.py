"""Blocks that merge a position code into a feature map.

Every block has ``forward(x, code) -> Tensor`` with ``x`` of shape ``(B, C, H, W)``, ``code``
of shape ``(B, D, H, W)`` (an expanded view is fine: it is only read), and returns a tensor
shaped like ``x``. Each is a residual ``x + f(x, code)`` whose last layer starts at zero
(``zero_init=True``, the default), so a block starts as the identity: inserting it into a
pretrained network does not change that network's outputs at step 0, and the spatial prior is
learned from there. Learning is not blocked: the gradient reaching the zero layer is its
(non-zero) input times the incoming gradient, so it moves at the first step and the layers
before it receive gradient from then on. ``zero_init`` is re-applied by ``init_weights``
after any ``init_cfg`` of a parent (e.g. a Kaiming init of every conv of the neck).

The code is usually the same for every image of a batch (an expanded view of one cached
code, or a ``(1, D, H, W)`` code), and then no block convolves it once per image: a
convolution of ``x ++ code`` is split, by linearity, into the convolution of ``x`` plus that
of the one code, broadcast over the batch (the weights and the state dict are those of the
single convolution; the result equals the convolution of the concatenation up to float
rounding).
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from .positional_encoding import _check_int

INPUT_ACTIVATIONS = ('sigmoid', 'tanh', 'none')


def _input_activation(name: Optional[str]) -> nn.Module:
    """The activation applied to the features before concatenation with the code."""
    if name is None or name == 'none':
        return nn.Identity()
    if name == 'sigmoid':
        return nn.Sigmoid()
    if name == 'tanh':
        return nn.Tanh()
    raise ValueError(f'input_act must be one of {INPUT_ACTIVATIONS} or None, got {name!r}')


class _ZeroInitResidualFusion(BaseModule):
    """Shared behaviour: a residual block whose output layer ``self.project`` starts at zero.

    Args:
        zero_init (bool): Start ``self.project`` at zero (weight and bias), so the block
            is the identity. Defaults to True.
        init_cfg (dict | list[dict], optional): Initialisation config of the block.
    """

    project: nn.Conv2d

    def __init__(self, zero_init: bool = True, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.zero_init = bool(zero_init)

    def _zero_project(self) -> None:
        if self.zero_init:
            nn.init.zeros_(self.project.weight)
            if self.project.bias is not None:
                nn.init.zeros_(self.project.bias)

    def init_weights(self) -> None:
        """Applies ``init_cfg``, then (re)sets the output layer to zero if ``zero_init``."""
        was_init = self._is_init
        super().init_weights()
        if not was_init:
            self._zero_project()

    @staticmethod
    def _check_inputs(x: Tensor, code: Tensor, channels: int, code_dim: int) -> Tensor:
        """Validates the inputs and returns the code to convolve.

        Returns:
            Tensor: ``code`` itself, or ``code[:1]`` when it is one code for the whole batch
            (``(1, D, H, W)``, or a stride-0 expanded ``(B, D, H, W)`` view); the terms
            computed from it broadcast over the batch.
        """
        if x.dim() != 4 or x.shape[1] != channels:
            raise ValueError(f'expected features of shape (B, {channels}, H, W), got '
                             f'{tuple(x.shape)}')
        batch = x.shape[0]
        if code.dim() != 4 or code.shape[1] != code_dim \
                or code.shape[0] not in (1, batch) or code.shape[2:] != x.shape[2:]:
            raise ValueError(f'expected a code of shape ({batch}, {code_dim}, '
                             f'{x.shape[2]}, {x.shape[3]}) or (1, {code_dim}, '
                             f'{x.shape[2]}, {x.shape[3]}), got {tuple(code.shape)}')
        if code.shape[0] > 1 and code.stride(0) == 0:  # an expanded view of one code
            code = code[:1]
        return code

    @staticmethod
    def _split_conv(feats: Tensor, code: Tensor, conv: nn.Conv2d) -> Tensor:
        """``conv(feats ++ code)``, with the code's half computed once per distinct code.

        By linearity (zero padding included) ``conv(cat(f, c)) = conv_f(f) + conv_c(c)``
        where ``conv_f`` / ``conv_c`` use the input channels of ``f`` / ``c``; ``code``
        may be ``(1, D, H, W)`` (one code, broadcast over the batch).
        """
        channels = feats.shape[1]
        weight = conv.weight
        out = F.conv2d(feats, weight[:, :channels], conv.bias, conv.stride, conv.padding,
                       conv.dilation)
        # in place: `out` is a fresh tensor the convolution's backward does not need
        return out.add_(F.conv2d(code.to(feats.dtype), weight[:, channels:], None,
                                 conv.stride, conv.padding, conv.dilation))


class SIGNFusion(_ZeroInitResidualFusion):
    """SIGN's gated multi-dilation fusion of a position code into features.

    ``y = act(x) ++ code`` (channel concatenation); three (by default) branches
    ``b_i = ReLU(conv3x3_{d_i}(y))`` (bias-free, dilation ``d_i``, padding ``d_i``); a per-pixel
    gate ``g = sigmoid(conv1x1(b_1 ++ ... ++ b_n))`` with one channel per branch, each in
    (0, 1) and independent (not a softmax); output ``x + conv1x1(g_1 b_1 ++ ... ++ g_n b_n)``.

    Args:
        channels (int): Channels ``C`` of the features.
        code_dim (int): Channels ``D`` of the position code.
        branch_channels (int, optional): Channels of each dilated branch. Defaults to
            ``channels`` (SIGN's setting). On wide backbone stages (e.g. 2048) this is
            ~``3 * 9 * (C + D) * C`` weights: set it lower (e.g. 256) there.
        dilations (Sequence[int]): Dilation of each branch. Defaults to ``(1, 2, 5)``.
        input_act (str, optional): Activation of ``x`` before the concatenation:
            ``'sigmoid'`` (SIGN: bounds unbounded features to the range of the code),
            ``'tanh'`` or ``'none'``. Defaults to ``'sigmoid'``.
        gate_bias (bool): Whether the gate's 1x1 conv has a bias. Defaults to True.
        zero_init (bool): Start the output projection at zero (identity block). Defaults
            to True.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 channels: int,
                 code_dim: int,
                 branch_channels: Optional[int] = None,
                 dilations: Sequence[int] = (1, 2, 5),
                 input_act: Optional[str] = 'sigmoid',
                 gate_bias: bool = True,
                 zero_init: bool = True,
                 init_cfg=None) -> None:
        super().__init__(zero_init=zero_init, init_cfg=init_cfg)
        self.channels = _check_int('channels', channels, 1)
        self.code_dim = _check_int('code_dim', code_dim, 1)
        self.branch_channels = (self.channels if branch_channels is None else
                                _check_int('branch_channels', branch_channels, 1))
        if isinstance(dilations, (str, bytes)) or not isinstance(dilations, Sequence) \
                or len(dilations) == 0:
            raise ValueError(f'dilations must be a non-empty sequence of ints >= 1, got '
                             f'{dilations!r}')
        self.dilations = tuple(_check_int('dilation', d, 1) for d in dilations)
        self.input_act = _input_activation(input_act)
        in_channels = self.channels + self.code_dim
        self.branches = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(in_channels, self.branch_channels, 3, padding=d, dilation=d,
                          bias=False),
                nn.ReLU(inplace=True)) for d in self.dilations)
        num_branches = len(self.dilations)
        self.gate = nn.Conv2d(num_branches * self.branch_channels, num_branches, 1,
                              bias=gate_bias)
        self.project = nn.Conv2d(num_branches * self.branch_channels, self.channels, 1)
        self._zero_project()

    def branch_outputs(self, x: Tensor, code: Tensor) -> Tensor:
        """The branch outputs, stacked: ``(B, n, branch_channels, H, W)``.

        Args:
            x (Tensor): Features, ``(B, channels, H, W)``.
            code (Tensor): Position code, ``(B, code_dim, H, W)`` (an expanded view is
                fine) or ``(1, code_dim, H, W)`` (the same for every image).

        Returns:
            Tensor: ``ReLU(conv3x3_{d_i}(act(x) ++ code))`` per branch, a view of one
            ``(B, n * branch_channels, H, W)`` tensor.
        """
        code = self._check_inputs(x, code, self.channels, self.code_dim)
        feats = self.input_act(x)
        outs = [F.relu(self._split_conv(feats, code, branch[0]), inplace=True)
                for branch in self.branches]
        out = torch.cat(outs, dim=1)
        return out.view(out.shape[0], len(outs), self.branch_channels, *out.shape[2:])

    def gates(self, branches: Tensor) -> Tensor:
        """The per-pixel gate of each branch, ``(B, n, H, W)`` in (0, 1).

        Args:
            branches (Tensor): Output of :meth:`branch_outputs`.

        Returns:
            Tensor: Sigmoid gates, one channel per branch.
        """
        return torch.sigmoid(self.gate(branches.flatten(1, 2)))

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        """Fuses ``code`` into ``x``.

        Args:
            x (Tensor): Features, ``(B, channels, H, W)``.
            code (Tensor): Position code, ``(B, code_dim, H, W)`` (an expanded view is
                fine) or ``(1, code_dim, H, W)`` (the same for every image).

        Returns:
            Tensor: Fused features, shaped like ``x``.
        """
        branches = self.branch_outputs(x, code)  # (B, n, Cb, H, W)
        gated = branches * self.gates(branches).unsqueeze(2)
        return x + self.project(gated.flatten(1, 2))


class Conv1x1Fusion(_ZeroInitResidualFusion):
    """``x + conv1x1(x ++ code)``: a learned per-pixel linear mix of features and code.

    Args:
        channels (int): Channels ``C`` of the features.
        code_dim (int): Channels ``D`` of the position code.
        zero_init (bool): Start the 1x1 conv at zero (identity block). Defaults to True.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 channels: int,
                 code_dim: int,
                 zero_init: bool = True,
                 init_cfg=None) -> None:
        super().__init__(zero_init=zero_init, init_cfg=init_cfg)
        self.channels = _check_int('channels', channels, 1)
        self.code_dim = _check_int('code_dim', code_dim, 1)
        self.project = nn.Conv2d(self.channels + self.code_dim, self.channels, 1)
        self._zero_project()

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        """Fuses ``code`` into ``x``.

        Args:
            x (Tensor): Features, ``(B, channels, H, W)``.
            code (Tensor): Position code, ``(B, code_dim, H, W)`` (an expanded view is
                fine) or ``(1, code_dim, H, W)`` (the same for every image).

        Returns:
            Tensor: Fused features, shaped like ``x``.
        """
        code = self._check_inputs(x, code, self.channels, self.code_dim)
        return x + self._split_conv(x, code, self.project)


class AddFusion(_ZeroInitResidualFusion):
    """``x + conv1x1(code)``: adds a learned projection of the code (as in ViT/DETR).

    Args:
        channels (int): Channels ``C`` of the features.
        code_dim (int): Channels ``D`` of the position code.
        zero_init (bool): Start the projection at zero (identity block). Defaults to True.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 channels: int,
                 code_dim: int,
                 zero_init: bool = True,
                 init_cfg=None) -> None:
        super().__init__(zero_init=zero_init, init_cfg=init_cfg)
        self.channels = _check_int('channels', channels, 1)
        self.code_dim = _check_int('code_dim', code_dim, 1)
        self.project = nn.Conv2d(self.code_dim, self.channels, 1)
        self._zero_project()

    def forward(self, x: Tensor, code: Tensor) -> Tensor:
        """Fuses ``code`` into ``x``.

        Args:
            x (Tensor): Features, ``(B, channels, H, W)``.
            code (Tensor): Position code, ``(B, code_dim, H, W)`` (an expanded view is
                fine) or ``(1, code_dim, H, W)`` (the same for every image).

        Returns:
            Tensor: Fused features, shaped like ``x``.
        """
        code = self._check_inputs(x, code, self.channels, self.code_dim)
        return x + self.project(code.to(x.dtype))


POSITION_FUSIONS = {'sign': SIGNFusion, 'conv1x1': Conv1x1Fusion, 'add': AddFusion}


def build_position_fusion(kind: str, channels: int, code_dim: int, **kwargs) -> nn.Module:
    """Builds a fusion block by name.

    Args:
        kind (str): ``'sign'`` (:class:`SIGNFusion`), ``'conv1x1'`` (:class:`Conv1x1Fusion`)
            or ``'add'`` (:class:`AddFusion`).
        channels (int): Channels of the features.
        code_dim (int): Channels of the position code.
        **kwargs: Further constructor arguments of the block.

    Returns:
        nn.Module: The block.

    Raises:
        ValueError: For an unknown ``kind``.
    """
    if kind not in POSITION_FUSIONS:
        raise ValueError(f'unknown position fusion {kind!r}; expected one of '
                         f'{tuple(POSITION_FUSIONS)}')
    return POSITION_FUSIONS[kind](channels, code_dim, **kwargs)
