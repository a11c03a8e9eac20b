"""Pixel-wise feature generator: [class embedding ; latent code] -> pixel feature.

DESIGN.md section 4. The generator is a multi-layer perceptron applied independently at every
pixel, written with 1x1 convolutions so that it maps whole maps at once: the class embedding map
and the latent map are concatenated along channels, pass through hidden layers (1x1 conv,
LeakyReLU, dropout) and a final 1x1 conv to the feature channels, optionally squashed by a
sigmoid so that generated features live in the same (0, 1) range as the real, sigmoid-squashed
features (which also keeps them at the scale the MMD bandwidths assume; DESIGN.md section 10).

The methods differ only in their settings and in the latent code the caller supplies:

- CaGNet / SIGN: the defaults, ``hidden_channels=(1024, 960, 864, 784, 720)``,
  ``dropouts=(0.1, 0.1, 0.3, 0.5, 0.5)``, LeakyReLU 0.2, sigmoid output, with
  ``latent_dim = out_channels`` and the contextual module's (detached) latent code as latent
  (N(0, I) noise for pixels without one, e.g. during classifier fine-tuning).
- ZS3Net's GMMN: ``latent_dim=300``, ``hidden_channels=(256,)``, ``dropouts=(0.5,)``,
  ``out_channels=256`` and a uniform (or Gaussian) noise map drawn by the caller. ZS3Net's
  network ends with a plain linear layer (``out_act=None``); use ``out_act='sigmoid'`` when the
  real features are sigmoid-squashed.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

_OUT_ACTS = ('sigmoid', 'relu', None)


class FeatureGenerator(BaseModule):
    """Pixel-wise MLP generating features from class embeddings and latent codes.

    Inputs are 4-D maps, (B, embed_dim, H, W) and (B, latent_dim, H, W), and the output is
    (B, out_channels, H, W). Pixels given as rows, (N, embed_dim) and (N, latent_dim), are
    also accepted and give (N, out_channels): they are viewed as (N, C, 1, 1) maps, so the two
    conventions compute exactly the same function.

    Args:
        embed_dim (int): Channels E of the class embedding.
        latent_dim (int): Channels of the latent code.
        out_channels (int): Channels of the generated feature.
        hidden_channels (Sequence[int]): Width of each hidden layer. Defaults to CaGNet's
            ``(1024, 960, 864, 784, 720)``.
        dropouts (Sequence[float]): Dropout probability after each hidden layer, one per
            hidden layer. Defaults to ``(0.1, 0.1, 0.3, 0.5, 0.5)``.
        negative_slope (float): Slope of the LeakyReLU after each hidden layer.
            Defaults to 0.2.
        out_act (str | None): Output activation: ``'sigmoid'`` (CaGNet/SIGN), ``'relu'``, or
            None for a linear output (ZS3Net's GMMN). Defaults to ``'sigmoid'``.
        init_cfg (dict | list[dict] | None): mmengine weight initialisation. Defaults to None
            (PyTorch's default initialisation).

    Raises:
        ValueError: If a dimension is not a positive int, ``dropouts`` and ``hidden_channels``
            differ in length, a dropout is outside [0, 1), or ``out_act`` is unknown.
    """

    def __init__(self,
                 embed_dim: int,
                 latent_dim: int,
                 out_channels: int,
                 hidden_channels: Sequence[int] = (1024, 960, 864, 784, 720),
                 dropouts: Sequence[float] = (0.1, 0.1, 0.3, 0.5, 0.5),
                 negative_slope: float = 0.2,
                 out_act: Optional[str] = 'sigmoid',
                 init_cfg: Union[dict, list, None] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('embed_dim', embed_dim), ('latent_dim', latent_dim),
                            ('out_channels', out_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got {value!r}')
        hidden_channels = tuple(hidden_channels)
        dropouts = tuple(dropouts)
        if len(dropouts) != len(hidden_channels):
            raise ValueError(f'dropouts must have one value per hidden layer: got '
                             f'{len(dropouts)} dropouts {dropouts} for {len(hidden_channels)} '
                             f'hidden layers {hidden_channels}')
        for width in hidden_channels:
            if isinstance(width, bool) or not isinstance(width, int) or width < 1:
                raise ValueError(f'every hidden width must be a positive int, got {width!r} '
                                 f'in {hidden_channels}')
        for p in dropouts:
            if not 0.0 <= float(p) < 1.0:
                raise ValueError(f'every dropout must lie in [0, 1), got {p!r} in {dropouts}')
        if out_act not in _OUT_ACTS:
            raise ValueError(f'out_act must be one of {_OUT_ACTS}, got {out_act!r}')
        self.embed_dim = embed_dim
        self.latent_dim = latent_dim
        self.out_channels = out_channels
        self.hidden_channels = hidden_channels
        self.dropouts = dropouts
        self.negative_slope = negative_slope
        self.out_act = out_act

        layers = []
        in_ch = embed_dim + latent_dim
        for width, p in zip(hidden_channels, dropouts):
            layers += [nn.Conv2d(in_ch, width, 1), nn.LeakyReLU(negative_slope, inplace=True)]
            if p > 0:
                layers.append(nn.Dropout(p))
            in_ch = width
        layers.append(nn.Conv2d(in_ch, out_channels, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, embedding: Tensor, latent: Tensor) -> Tensor:
        """Generates one feature per pixel.

        Args:
            embedding (Tensor): Class embedding of each pixel, (B, embed_dim, H, W), or
                (N, embed_dim) with pixels as rows.
            latent (Tensor): Latent code of each pixel, (B, latent_dim, H, W), or
                (N, latent_dim); same layout and leading/spatial sizes as ``embedding``.

        Returns:
            Tensor: Generated features, (B, out_channels, H, W) or (N, out_channels).
        """
        if embedding.dim() != latent.dim() or embedding.dim() not in (2, 4):
            raise ValueError('embedding and latent must both be 4-D (B, C, H, W) or both 2-D '
                             f'(N, C); got shapes {tuple(embedding.shape)} and '
                             f'{tuple(latent.shape)}')
        if embedding.shape[1] != self.embed_dim or latent.shape[1] != self.latent_dim:
            raise ValueError(f'expected {self.embed_dim} embedding and {self.latent_dim} latent '
                             f'channels, got shapes {tuple(embedding.shape)} and '
                             f'{tuple(latent.shape)}')
        rows = embedding.dim() == 2
        if rows:
            embedding, latent = embedding[:, :, None, None], latent[:, :, None, None]
        out = self.mlp(torch.cat([embedding, latent], dim=1))
        if self.out_act == 'sigmoid':
            out = torch.sigmoid(out)
        elif self.out_act == 'relu':
            out = torch.relu(out)
        return out.flatten(1) if rows else out
