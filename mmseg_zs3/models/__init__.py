"""Zero-shot models: necks, heads, segmentors, losses, wrappers and their pure building blocks."""
from . import backbones, decode_heads, losses, necks, segmentors, utils, wrappers  # noqa: F401
