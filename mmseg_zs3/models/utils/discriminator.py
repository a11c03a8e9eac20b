"""CaGNet's discriminator, whose shared trunk also carries the pixel classifier.

DESIGN.md section 4: a shared 1x1 convolution (C -> 1024), ReLU and dropout 0.5, then two 1x1
heads: a GAN head (1024 -> 1, sigmoid) telling real features from generated ones, and a
classifier head (1024 -> seen + unseen classes) used for segmentation at inference.
"""
from typing import Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor


class ZeroShotDiscriminator(BaseModule):
    """Real/fake discriminator and pixel classifier over seen + unseen classes.

    All layers are 1x1 convolutions, so every pixel is judged and classified independently.

    Args:
        in_channels (int): Channels C of the (real or generated) feature.
        num_classes (int): Classes of the classifier head (seen + unseen).
        hidden_channels (int): Width of the shared layer. Defaults to 1024.
        dropout (float): Dropout probability after the shared layer, in [0, 1).
            Defaults to 0.5.
        init_cfg (dict | list[dict] | None): mmengine weight initialisation. Defaults to None
            (PyTorch's default initialisation).

    Raises:
        ValueError: If a channel count is not a positive int or ``dropout`` is outside [0, 1).
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 hidden_channels: int = 1024,
                 dropout: float = 0.5,
                 init_cfg: Union[dict, list, None] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels), ('num_classes', num_classes),
                            ('hidden_channels', hidden_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f'{name} must be a positive int, got {value!r}')
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f'dropout must lie in [0, 1), got {dropout!r}')
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.hidden_channels = hidden_channels
        self.dropout = dropout
        self.shared = nn.Sequential(
            nn.Conv2d(in_channels, hidden_channels, 1), nn.ReLU(inplace=True),
            nn.Dropout(dropout))
        self.gan_head = nn.Conv2d(hidden_channels, 1, 1)
        self.cls_head = nn.Conv2d(hidden_channels, num_classes, 1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Judges and classifies every pixel.

        Args:
            x (Tensor): Features of shape (B, in_channels, H, W).

        Returns:
            tuple[Tensor, Tensor]: The probability that each pixel's feature is real,
            (B, 1, H, W) in [0, 1], and class logits (B, num_classes, H, W).
        """
        hidden = self.shared(x)
        return torch.sigmoid(self.gan_head(hidden)), self.cls_head(hidden)

    def classify(self, x: Tensor) -> Tensor:
        """Class logits only (inference; skips the GAN head).

        Args:
            x (Tensor): Features of shape (B, in_channels, H, W).

        Returns:
            Tensor: Class logits of shape (B, num_classes, H, W).
        """
        return self.cls_head(self.shared(x))

    def discriminate(self, x: Tensor) -> Tensor:
        """Real/fake probability only (skips the classifier head).

        Args:
            x (Tensor): Features of shape (B, in_channels, H, W).

        Returns:
            Tensor: Probability that each pixel's feature is real, (B, 1, H, W) in [0, 1].
        """
        return torch.sigmoid(self.gan_head(self.shared(x)))
