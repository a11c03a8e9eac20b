"""Zero-shot models: necks, heads, segmentors, losses and their pure building blocks."""
from . import decode_heads, losses, necks, segmentors, utils  # noqa: F401
