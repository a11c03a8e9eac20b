"""Components registered on import."""
from .mmd_loss import AdversarialL1Loss, GaussianKLLoss, MMDLoss  # noqa: F401
from .zero_shot_losses import (adversarial_l1_d_loss, adversarial_l1_g_loss,  # noqa: F401
                               class_grouped_mmd, gaussian_kl_divergence, masked_mean,
                               sample_pixels_per_class, weighted_cross_entropy)
