"""Visualizer backends."""
from .vis_backend import OptionalTensorboardVisBackend

__all__ = ['OptionalTensorboardVisBackend']
