"""DeepLabv2 head: parallel dilated 3x3 convolutions whose outputs are summed.

mmseg ships DeepLabv3's :class:`~mmseg.models.decode_heads.ASPPHead` (branches concatenated,
image pooling, normalisation and a bottleneck) but not DeepLabv2's ASPP, which the CaGNet and
SIGN reference models use as their feature head (DESIGN.md section 4): four plain 3x3
convolutions with dilation 6, 12, 18 and 24 from the backbone's last stage, with bias and no
normalisation or activation, **summed** into the ``channels``-dimensional pixel feature.
"""
from typing import List, Sequence, Tuple, Union

import torch.nn as nn
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS


def _check_dilations(dilations: Sequence[int]) -> Tuple[int, ...]:
    """Returns ``dilations`` as a tuple after checking it is a non-empty sequence of ints >= 1.

    Args:
        dilations (Sequence[int]): Dilation of each branch.

    Returns:
        tuple[int, ...]: The same dilations.

    Raises:
        TypeError: If ``dilations`` is not a list or tuple, or holds a non-integer.
        ValueError: If it is empty or holds a value < 1.
    """
    if not isinstance(dilations, (list, tuple)):
        raise TypeError(f'dilations must be a list or tuple of ints, got {dilations!r}')
    if len(dilations) == 0:
        raise ValueError(f'dilations must not be empty, got {dilations!r}')
    for dilation in dilations:
        if isinstance(dilation, bool) or not isinstance(dilation, int):
            raise TypeError(f'every dilation must be an int, got {dilation!r} in {dilations!r}')
        if dilation < 1:
            raise ValueError(f'every dilation must be >= 1, got {dilation} in {dilations!r}')
    return tuple(dilations)


@MODELS.register_module()
class DeepLabV2Head(BaseDecodeHead):
    """DeepLabv2 ASPP head (summed dilated 3x3 branches).

    This head is the feature head of `DeepLabv2 <https://arxiv.org/abs/1606.00915>`_ as used
    by CaGNet and SIGN: branch ``i`` is a 3x3 convolution with dilation ``dilations[i]``,
    padding equal to the dilation (so the spatial size is kept), bias, and no normalisation or
    activation; the branch outputs are added. :meth:`_forward_feature` returns that sum (the
    pixel feature a generative zero-shot head builds on) and :meth:`forward` classifies it with
    :meth:`cls_seg`, so the head also works alone as an ordinary mmseg decode head.

    ``conv_cfg``, ``norm_cfg`` and ``act_cfg`` of :class:`BaseDecodeHead` are accepted but not
    used: DeepLabv2's branches have none of them. Only a single input level is supported
    (``input_transform=None``, ``in_channels`` and ``in_index`` ints).

    Args:
        dilations (Sequence[int]): Dilation (and padding) of each branch; a non-empty sequence
            of ints >= 1. Defaults to ``(6, 12, 18, 24)``.
        init_cfg (dict | list[dict] | None): Weight initialisation. Defaults to a normal
            distribution with std 0.01 and zero bias for every ``Conv2d`` (branches and
            ``conv_seg``), as DeepLabv2's reference implementation does.
        **kwargs: Arguments of :class:`BaseDecodeHead` (``in_channels``, ``channels``,
            ``num_classes``, ``in_index``, ``dropout_ratio``, ``loss_decode``, ...).
    """

    def __init__(self,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 init_cfg: Union[dict, List[dict], None] = dict(
                     type='Normal', std=0.01, bias=0, layer='Conv2d'),
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg, **kwargs)
        if self.input_transform is not None:
            raise ValueError('DeepLabV2Head reads a single feature level; got '
                             f'input_transform={self.input_transform!r}')
        self.dilations = _check_dilations(dilations)
        self.aspp_convs = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.channels, kernel_size=3, padding=dilation,
                      dilation=dilation, bias=True) for dilation in self.dilations)

    def _forward_feature(self, inputs: Sequence[Tensor]) -> Tensor:
        """Computes the summed ASPP feature of the selected input level.

        Args:
            inputs (Sequence[Tensor]): Multi-level feature maps; level ``in_index`` has shape
                (B, in_channels, H, W).

        Returns:
            Tensor: The sum of the branch outputs, shape (B, channels, H, W).
        """
        x = self._transform_inputs(inputs)
        feature = self.aspp_convs[0](x)
        for conv in self.aspp_convs[1:]:
            feature = feature + conv(x)
        return feature

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Computes per-pixel class logits.

        Args:
            inputs (Sequence[Tensor]): Multi-level feature maps (see :meth:`_forward_feature`).

        Returns:
            Tensor: Logits of shape (B, out_channels, H, W).
        """
        return self.cls_seg(self._forward_feature(inputs))
