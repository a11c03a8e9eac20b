"""Model wrappers for distributed training."""
from .zero_shot_distributed_wrapper import ZeroShotDistributedWrapper

__all__ = ['ZeroShotDistributedWrapper']
