"""Optimizer-wrapper constructors."""
from .zero_shot_optim_constructor import ZeroShotOptimWrapperConstructor

__all__ = ['ZeroShotOptimWrapperConstructor']
