"""Plain helpers: checkpoint and distributed compatibility, class embeddings."""
from . import checkpoint, dist_compat  # noqa: F401
from . import class_embeddings  # noqa: F401
