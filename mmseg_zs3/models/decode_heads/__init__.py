"""Components registered on import."""
from .deeplabv2_head import DeepLabV2Head  # noqa: F401
from .generative_zero_shot_head import GenerativeZeroShotHead  # noqa: F401
