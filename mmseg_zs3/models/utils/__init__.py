"""Components registered on import."""
from .contextual_module import ContextualModule  # noqa: F401
from .discriminator import ZeroShotDiscriminator  # noqa: F401
from .feature_generator import FeatureGenerator  # noqa: F401
from .position_fusion import (AddFusion, Conv1x1Fusion, SIGNFusion,  # noqa: F401
                              build_position_fusion)
from .positional_encoding import (batch_position_code, cached_position_code,  # noqa: F401
                                  clear_position_code_cache, sinusoidal_position_code,
                                  valid_feature_sizes)
from .pseudo_labels import (ast_weights, cagnet_selection, make_pseudo_labels,  # noqa: F401
                            unseen_candidates, zs3net_selection)
