"""Necks registered on import."""
from .rpe_neck import RPENeck

__all__ = ['RPENeck']
