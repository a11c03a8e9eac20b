"""Registered loss modules wrapping :mod:`.zero_shot_losses` for use from configs.

Like mmseg's losses, each module has a ``loss_weight`` that scales its value and a
``loss_name`` property (prefix ``loss_`` so that mmengine adds it to the total loss). The
formulas live only in :mod:`.zero_shot_losses`.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .zero_shot_losses import masked_mean, class_grouped_mmd, gaussian_kl_divergence


@MODELS.register_module()
class MMDLoss(nn.Module):
    """Class-grouped, square-rooted MMD between generated and real features.

    See :func:`~mmseg_zs3.models.losses.zero_shot_losses.class_grouped_mmd`.

    Args:
        bandwidths (Sequence[float]): Kernel variances. Defaults to ``(2, 5, 10, 20, 40, 60)``.
        max_pixels_per_class (int): Pixels drawn per class. Defaults to 128.
        eps (float): Added under the square root. Defaults to 1e-8.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to ``'loss_mmd'``.
    """

    def __init__(self,
                 bandwidths: Sequence[float] = (2, 5, 10, 20, 40, 60),
                 max_pixels_per_class: int = 128,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_mmd') -> None:
        super().__init__()
        self.bandwidths = tuple(bandwidths)
        self.max_pixels_per_class = max_pixels_per_class
        self.eps = eps
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                fake: Tensor,
                real: Tensor,
                labels: Tensor,
                ignore_index: int = 255,
                generator: Optional[torch.Generator] = None) -> Tensor:
        """Computes the weighted loss.

        Args:
            fake (Tensor): Generated features (N, C).
            real (Tensor): Real features (N, C), paired row by row with ``fake``.
            labels (Tensor): Class of each row (N,).
            ignore_index (int): Label of rows left out. Defaults to 255.
            generator (torch.Generator, optional): Random generator of the sampling.

        Returns:
            Tensor: ``loss_weight`` times the MMD.
        """
        return self.loss_weight * class_grouped_mmd(
            fake, real, labels, bandwidths=self.bandwidths,
            max_pixels_per_class=self.max_pixels_per_class, ignore_index=ignore_index,
            generator=generator, eps=self.eps)

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item (``loss_`` prefix: part of the total loss)."""
        return self._loss_name


@MODELS.register_module()
class GaussianKLLoss(nn.Module):
    """KL divergence of the contextual latent code from N(0, I), per pixel and channel.

    See :func:`~mmseg_zs3.models.losses.zero_shot_losses.gaussian_kl_divergence`.

    Args:
        loss_weight (float): Multiplier of the loss (CaGNet: 100). Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to ``'loss_kl'``.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_kl') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, mu: Tensor, logvar: Tensor, valid_mask: Optional[Tensor] = None) -> Tensor:
        """Computes the weighted loss.

        Args:
            mu (Tensor): Means (B, C, H, W).
            logvar (Tensor): Log-variances (B, C, H, W).
            valid_mask (Tensor, optional): Boolean (B, H, W) mask of the pixels to average.

        Returns:
            Tensor: ``loss_weight`` times the KL term.
        """
        return self.loss_weight * gaussian_kl_divergence(mu, logvar, valid_mask)

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item (``loss_`` prefix: part of the total loss)."""
        return self._loss_name


@MODELS.register_module()
class AdversarialL1Loss(nn.Module):
    """L1 distance of discriminator probabilities to the real (1) or fake (0) target.

    CaGNet's "lsgan" loss. The discriminator loss is ``loss(d_fake, False) + loss(d_real,
    True)`` and the generator loss ``loss(d_fake, True)``, which is what
    :func:`~mmseg_zs3.models.losses.zero_shot_losses.adversarial_l1_d_loss` and
    :func:`~mmseg_zs3.models.losses.zero_shot_losses.adversarial_l1_g_loss` compute.

    Args:
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to ``'loss_adv'``.
    """

    def __init__(self, loss_weight: float = 1.0, loss_name: str = 'loss_adv') -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, pred: Tensor, target_is_real: bool, mask: Optional[Tensor] = None) -> Tensor:
        """Computes the weighted loss.

        Args:
            pred (Tensor): Discriminator probabilities, e.g. (B, 1, H, W).
            target_is_real (bool): Target 1 (real) when True, 0 (fake) when False.
            mask (Tensor, optional): Boolean mask of the pixels to average, same shape as
                ``pred`` or (B, H, W). Defaults to None (all).

        Returns:
            Tensor: ``loss_weight`` times ``mean|pred - target|`` (0 for an empty mask).
        """
        target = 1.0 if target_is_real else 0.0
        return self.loss_weight * masked_mean((pred - target).abs(), mask)

    @property
    def loss_name(self) -> str:
        """str: Name of the loss item (``loss_`` prefix: part of the total loss)."""
        return self._loss_name
