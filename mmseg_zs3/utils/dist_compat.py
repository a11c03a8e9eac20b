"""Two narrow fixes that let mmengine 0.10.7 train distributed on a CPU-only torch.

As shipped, mmengine cannot run ``torchrun --nproc_per_node=N tools/train.py CFG
--launcher pytorch`` without CUDA:

1. ``mmengine.dist.utils._init_dist_pytorch`` calls ``torch.cuda.set_device`` before
   ``init_process_group``, which raises on a CPU build; and mmseg's default runtime asks for
   the ``nccl`` backend, which needs CUDA.
2. ``Runner.wrap_model`` (and ``MMSeparateDistributedDataParallel`` for each sub-module)
   passes ``device_ids=[LOCAL_RANK]`` to ``DistributedDataParallel``, which torch rejects for
   modules that live on the CPU.

:func:`install_cpu_dist_fixes` applies both, and only when CUDA is unavailable, so that GPU
runs go through mmengine's code untouched. Both fixes are logged when they act.
"""
import functools
import os

import torch
import torch.distributed as torch_dist
from mmengine.logging import print_log

_INSTALLED = False


def _init_dist_pytorch_cpu(backend: str = 'gloo', init_backend: str = 'torch',
                           **kwargs) -> None:
    """CPU replacement of mmengine's ``_init_dist_pytorch``: no ``cuda.set_device``.

    Args:
        backend (str): Requested backend; ``nccl`` (mmseg's default) is replaced by
            ``gloo``, the only backend a CPU build of torch offers, with a warning.
        init_backend (str): Only ``'torch'`` is supported on the CPU.
        **kwargs: Passed to ``torch.distributed.init_process_group``.
    """
    if init_backend != 'torch':
        raise ValueError(f'init_backend={init_backend!r} is not supported without CUDA; '
                         "use init_backend='torch'")
    if backend == 'nccl':
        print_log('CUDA is unavailable: using the gloo backend instead of nccl '
                  "(set env_cfg.dist_cfg.backend='gloo' to silence this).",
                  logger='current', level=30)
        backend = 'gloo'
    torch_dist.init_process_group(
        backend=backend,
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)


def _drop_device_ids_for_cpu(init):
    """Wraps ``MMDistributedDataParallel.__init__`` to drop CUDA device ids on the CPU."""

    @functools.wraps(init)
    def wrapped(self, module, *args, **kwargs):
        first = next(module.parameters(), None)
        if first is not None and first.device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        return init(self, module, *args, **kwargs)

    return wrapped


def install_cpu_dist_fixes() -> bool:
    """Applies the CPU distributed fixes once, when CUDA is unavailable.

    Returns:
        bool: Whether the fixes are active.
    """
    global _INSTALLED
    if _INSTALLED:
        return True
    if torch.cuda.is_available():
        return False
    import mmengine.dist.utils as dist_utils
    from mmengine.model.wrappers import MMDistributedDataParallel
    dist_utils._init_dist_pytorch = _init_dist_pytorch_cpu
    MMDistributedDataParallel.__init__ = _drop_device_ids_for_cpu(
        MMDistributedDataParallel.__init__)
    _INSTALLED = True
    return True
