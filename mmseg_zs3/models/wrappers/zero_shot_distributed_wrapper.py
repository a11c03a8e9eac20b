"""Distributed wrapper for models that average their own gradients per optimizer step."""
import torch.distributed as torch_dist
import torch.nn as nn
from mmengine.dist import get_world_size
# mmengine's Runner looks wrappers up in mmengine's root registry (MODEL_WRAPPERS.get),
# which does not search mmseg's child registry: register there.
from mmengine.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class ZeroShotDistributedWrapper(nn.Module):
    """Distributed wrapper of ``ZeroShotEncoderDecoder``.

    A generative zero-shot iteration runs several forward passes through the same networks
    and steps three optimizers in turn (discriminator, segmentation network, generator).
    ``DistributedDataParallel`` and mmengine's ``MMSeparateDistributedDataParallel`` assume
    one forward and one backward per wrapped module and an ordinary ``forward``; the head's
    sub-networks are called through methods (``generate``, ``classify``) several times per
    iteration, which their reducers do not support. This wrapper therefore only makes every
    process start from the same weights (parameters and buffers broadcast from rank 0) and
    delegates the steps; the model averages the gradients of each network over the
    processes right before that network's optimizer step (``_update``), which is what DDP
    would compute. It is not a ``DistributedDataParallel`` subclass, so mmengine passes it no
    CUDA ``device_ids`` and it runs on the CPU (gloo) and GPU (nccl) alike.

    Args:
        module (nn.Module): The model.
        **kwargs: Ignored DDP options (``broadcast_buffers``, ``find_unused_parameters``), so
            the usual ``model_wrapper_cfg`` keys can stay in a config.
    """

    def __init__(self, module: nn.Module, **kwargs):
        super().__init__()
        self.module = module
        if get_world_size() > 1:
            for tensor in list(module.parameters()) + list(module.buffers()):
                torch_dist.broadcast(tensor.data, src=0)

    def train_step(self, data, optim_wrapper):
        return self.module.train_step(data, optim_wrapper)

    def val_step(self, data):
        return self.module.val_step(data)

    def test_step(self, data):
        return self.module.test_step(data)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)
