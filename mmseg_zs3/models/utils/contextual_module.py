"""CaGNet's contextual module: a context-aware latent code and the feature it modulates.

DESIGN.md section 4. From the head's feature ``h`` the module computes, on ``sigmoid(h)``:

1. three bias-free 3x3 convolutions with dilations 1, 2, 5 (each followed by ReLU), applied in
   cascade by default as in CaGNet's released code (branch ``i`` reads branch ``i - 1``, so
   the receptive field grows with each branch), or in parallel on ``sigmoid(h)``;
2. a per-pixel gate with one channel per branch, ``sigmoid(conv1x1(cat(branches)))``, that
   weights each branch;
3. a 1x1 projection of the gated concatenation back to ``channels`` (ReLU);
4. two 3x3 convolutions giving ``mu`` and ``logvar`` of a diagonal Gaussian per pixel;
5. the latent code ``z = mu + exp(logvar / 2) * eps`` (``eps ~ N(0, I)``) in training mode and
   ``z = mu`` in evaluation mode;
6. the contextual feature ``f = sigmoid(h + h * sigmoid(z))``.

CaGNet's code also applies a ReLU to the log-variance, which forces sigma >= 1 and makes the
KL term unable to reach 0; this is treated as a bug and available only as ``logvar_relu=True``.
It further applies a ReLU to the gate logits before their sigmoid (gates then lie in
[0.5, 1)); that quirk is ``gate_relu=True``, off by default.
"""
from typing import Dict, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor


def _check_positive_int(name: str, value: int) -> int:
    """Returns ``value`` after checking it is an int >= 1; the error names ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f'{name} must be a positive int, got {value!r}')
    return value


class ContextualModule(BaseModule):
    """Context-aware latent code and contextual feature (CaGNet / SIGN).

    Args:
        channels (int): Channels C of the input feature ``h`` (and of ``mu``, ``logvar``, the
            latent ``z`` and the output feature).
        hidden_channels (int): Channels of each dilated branch. Defaults to 256.
        dilations (Sequence[int]): Dilation (and padding) of each 3x3 branch; the gate has one
            channel per branch. Defaults to ``(1, 2, 5)``.
        logvar_relu (bool): Apply a ReLU to the log-variance, as CaGNet's released code does
            (forces sigma >= 1). Defaults to False.
        cascade (bool): Feed each branch the previous branch's output (CaGNet's code) instead of
            ``sigmoid(h)`` for every branch (parallel). Defaults to True.
        gate_relu (bool): Apply a ReLU to the gate logits before their sigmoid (CaGNet's code).
            Defaults to False.
        init_cfg (dict | list[dict] | None): mmengine weight initialisation. Defaults to None
            (PyTorch's default initialisation).

    Raises:
        ValueError: If ``channels``, ``hidden_channels`` or a dilation is not a positive int,
            or ``dilations`` is empty.
    """

    def __init__(self,
                 channels: int,
                 hidden_channels: int = 256,
                 dilations: Sequence[int] = (1, 2, 5),
                 logvar_relu: bool = False,
                 cascade: bool = True,
                 gate_relu: bool = False,
                 init_cfg: Union[dict, list, None] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.channels = _check_positive_int('channels', channels)
        self.hidden_channels = _check_positive_int('hidden_channels', hidden_channels)
        if not isinstance(dilations, (list, tuple)) or len(dilations) == 0:
            raise ValueError(f'dilations must be a non-empty list or tuple, got {dilations!r}')
        self.dilations = tuple(_check_positive_int('every dilation', d) for d in dilations)
        self.logvar_relu = logvar_relu
        self.cascade = cascade
        self.gate_relu = gate_relu

        num_branches = len(self.dilations)
        branches = []
        for i, dilation in enumerate(self.dilations):
            in_ch = hidden_channels if (cascade and i > 0) else channels
            branches.append(
                nn.Sequential(
                    nn.Conv2d(in_ch, hidden_channels, 3, padding=dilation, dilation=dilation,
                              bias=False), nn.ReLU(inplace=True)))
        self.branches = nn.ModuleList(branches)
        self.gate = nn.Conv2d(num_branches * hidden_channels, num_branches, 1)
        self.project = nn.Sequential(
            nn.Conv2d(num_branches * hidden_channels, channels, 1), nn.ReLU(inplace=True))
        self.conv_mu = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv_logvar = nn.Conv2d(channels, channels, 3, padding=1)

    def reparameterize(self, mu: Tensor, logvar: Tensor,
                       generator: Optional[torch.Generator] = None) -> Tensor:
        """Samples ``z = mu + exp(logvar / 2) * eps`` in training mode; returns ``mu`` in eval.

        Args:
            mu (Tensor): Mean, any shape.
            logvar (Tensor): Log-variance, same shape as ``mu``.
            generator (torch.Generator, optional): Random generator for ``eps`` (on the
                tensors' device). Defaults to None (global RNG).

        Returns:
            Tensor: The latent code, same shape as ``mu``.
        """
        if not self.training:
            return mu
        eps = torch.randn(mu.shape, dtype=mu.dtype, device=mu.device, generator=generator)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(self, h: Tensor, generator: Optional[torch.Generator] = None) -> Dict[str, Tensor]:
        """Computes the latent code and the contextual feature.

        Args:
            h (Tensor): Head feature of shape (B, channels, H, W) (before any sigmoid).
            generator (torch.Generator, optional): Random generator for the reparameterisation
                noise. Defaults to None (global RNG).

        Returns:
            dict[str, Tensor]: Each of shape (B, channels, H, W):

            - ``feature``: ``sigmoid(h + h * sigmoid(z))``, in (0, 1);
            - ``latent``: ``z`` (a sample in training mode, ``mu`` in eval mode);
            - ``mu`` and ``logvar``: the Gaussian's parameters (for the KL term).
        """
        if h.dim() != 4 or h.shape[1] != self.channels:
            raise ValueError(f'expected h of shape (B, {self.channels}, H, W), '
                             f'got {tuple(h.shape)}')
        x = torch.sigmoid(h)
        outs = []
        for branch in self.branches:
            y = branch(outs[-1] if (self.cascade and outs) else x)
            outs.append(y)
        stacked = torch.cat(outs, dim=1)
        gate_logits = self.gate(stacked)
        if self.gate_relu:
            gate_logits = torch.relu(gate_logits)
        gate = torch.sigmoid(gate_logits)  # (B, num_branches, H, W)
        gated = torch.cat([out * gate[:, i:i + 1] for i, out in enumerate(outs)], dim=1)
        context = self.project(gated)
        mu = self.conv_mu(context)
        logvar = self.conv_logvar(context)
        if self.logvar_relu:
            logvar = torch.relu(logvar)
        latent = self.reparameterize(mu, logvar, generator=generator)
        feature = torch.sigmoid(h + h * torch.sigmoid(latent))
        return dict(feature=feature, latent=latent, mu=mu, logvar=logvar)
