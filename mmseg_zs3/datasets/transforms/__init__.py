"""Components registered on import."""
from .mask_unseen import MaskUnseenClasses, resolve_unseen_ids

__all__ = ['MaskUnseenClasses', 'resolve_unseen_ids']
