"""RPENeck: SIGN's spatial prior (a relative positional encoding) fused into backbone features."""
from typing import List, Optional, Sequence, Tuple, Union

from mmengine.model import BaseModule, ModuleList
from torch import Tensor

from mmseg.registry import MODELS
from ..utils.position_fusion import POSITION_FUSIONS, build_position_fusion
from ..utils.positional_encoding import (_check_standard_length, batch_position_code,
                                         check_code_dim, valid_feature_sizes)

ENCODINGS = ('rpe', 'ape', 'none')


@MODELS.register_module()
class RPENeck(BaseModule):
    """Adds a sinusoidal position code to chosen backbone levels, for any feature size.

    For each level in ``in_index`` the neck computes the position code of the level's
    ``H x W`` map (see :mod:`mmseg_zs3.models.utils.positional_encoding`; cached per size,
    dtype and device; an expanded view, not a copy, when the images share one valid size)
    and merges it into the features with a fusion block (see
    :mod:`mmseg_zs3.models.utils.position_fusion`, which then convolves the code once, not
    once per image); the other levels pass through untouched.
    Every output keeps the shape of its input, so the neck fits in front of any head.

    With ``encoding='rpe'`` positions are relative to the image: with ``batch_img_metas``
    the frame of each image is its valid (unpadded) region (mmseg pads bottom/right), with
    zeros in the padding; without them (mmseg's plain ``EncoderDecoder.extract_feat`` calls
    ``neck(x)``) the whole map. ``encoding='none'`` returns the inputs unchanged and builds no
    weights: the no-prior ablation with the same config layout.

    The fusion blocks start as the identity (their last layer is zero-initialised), so the
    neck can be inserted into a pretrained model without changing its outputs at step 0.

    Args:
        in_channels (int | Sequence[int]): Channels of each input level (an int for a single
            level).
        in_index (int | Sequence[int]): Levels the prior is applied to; negative values count
            from the end. Defaults to -1 (the last level, the one DeepLab-style heads read).
        encoding (str): ``'rpe'`` (relative), ``'ape'`` (absolute) or ``'none'``. Defaults
            to ``'rpe'``.
        fusion (str): ``'sign'``, ``'conv1x1'`` or ``'add'``. Defaults to ``'sign'``.
        code_dim (int): Channels of the position code, divisible by 4. Defaults to 256:
            64 frequencies per axis, from 1 down to ~1e-4 rad per unit, already cover the
            standard length of 512 from a full period per cell to a fraction of one period
            across the image; more channels only add frequencies in between, while the cost
            of the fusion grows with ``code_dim``. It is independent of the backbone width,
            so one value serves every backbone. (SIGN used the feature width, 600.)
        standard_length (int): The length RPE stretches each axis onto. Defaults to 512.
        fusion_cfg (dict, optional): Extra keyword arguments of the fusion block, e.g.
            ``dict(branch_channels=256, dilations=(1, 2, 5))`` for ``'sign'``.
        init_cfg (dict | list[dict], optional): Initialisation config. The fusion blocks
            re-apply their zero init after it.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 in_index: Union[int, Sequence[int]] = -1,
                 encoding: str = 'rpe',
                 fusion: str = 'sign',
                 code_dim: int = 256,
                 standard_length: int = 512,
                 fusion_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = self._parse_channels(in_channels)
        self.in_index = self._parse_index(in_index, len(self.in_channels))
        if encoding not in ENCODINGS:
            raise ValueError(f'encoding must be one of {ENCODINGS}, got {encoding!r}')
        if fusion not in POSITION_FUSIONS:
            raise ValueError(f'fusion must be one of {tuple(POSITION_FUSIONS)}, got '
                             f'{fusion!r}')
        self.encoding = encoding
        self.fusion = fusion
        self.code_dim = check_code_dim(code_dim)
        self.standard_length = _check_standard_length(standard_length)
        if fusion_cfg is not None and not isinstance(fusion_cfg, dict):
            raise ValueError(f'fusion_cfg must be a dict or None, got {fusion_cfg!r}')
        self.fusion_cfg = dict(fusion_cfg or {})
        # one block per fused level, in the order of `in_index`; none for 'none'
        self.fusions = ModuleList()
        if encoding != 'none':
            for level in self.in_index:
                self.fusions.append(
                    build_position_fusion(fusion, self.in_channels[level], self.code_dim,
                                          **self.fusion_cfg))

    @staticmethod
    def _parse_channels(in_channels) -> List[int]:
        if isinstance(in_channels, int) and not isinstance(in_channels, bool):
            in_channels = [in_channels]
        if isinstance(in_channels, (str, bytes)) or not isinstance(in_channels, Sequence) \
                or len(in_channels) == 0:
            raise ValueError(f'in_channels must be an int or a non-empty sequence of ints, '
                             f'got {in_channels!r}')
        bad = [c for c in in_channels
               if isinstance(c, bool) or not isinstance(c, int) or c < 1]
        if bad:
            raise ValueError(f'in_channels must be positive ints, got {bad} in '
                             f'{list(in_channels)}')
        return list(in_channels)

    @staticmethod
    def _parse_index(in_index, num_levels: int) -> List[int]:
        indices = [in_index] if isinstance(in_index, int) else in_index
        if isinstance(indices, (str, bytes)) or not isinstance(indices, Sequence) \
                or len(indices) == 0 \
                or any(isinstance(i, bool) or not isinstance(i, int) for i in indices):
            raise ValueError(f'in_index must be an int or a non-empty sequence of ints, got '
                             f'{in_index!r}')
        bad = [i for i in indices if not -num_levels <= i < num_levels]
        if bad:
            raise ValueError(f'in_index {bad} out of range for {num_levels} input level(s) '
                             f'(in_channels has {num_levels} entries)')
        levels = [i % num_levels for i in indices]
        if len(set(levels)) != len(levels):
            raise ValueError(f'in_index names a level twice: {in_index!r}')
        return levels

    def forward(self,
                inputs: Sequence[Tensor],
                batch_img_metas: Optional[List[dict]] = None,
                input_shape: Optional[Tuple[int, int]] = None) -> Tuple[Tensor, ...]:
        """Fuses the position code into the selected levels.

        Args:
            inputs (Sequence[Tensor]): One ``(B, C_l, H_l, W_l)`` map per level.
            batch_img_metas (list[dict], optional): Metainfo per image (``img_shape``,
                ``pad_shape``); when given, each image's relative frame is its valid
                region (see :func:`~mmseg_zs3.models.utils.valid_feature_sizes`), else the
                whole map.
            input_shape (tuple[int, int], optional): ``(h, w)`` of the network input; the
                reference for the valid regions instead of ``pad_shape`` (pass it under
                slide inference, whose crops keep the whole image's ``pad_shape``).

        Returns:
            tuple[Tensor]: One map per level, shaped like the inputs; levels outside
            ``in_index`` (all levels with ``encoding='none'``) are the input tensors.
        """
        if isinstance(inputs, Tensor) or not isinstance(inputs, Sequence):
            raise TypeError(f'RPENeck expects a tuple/list of feature maps, got '
                            f'{type(inputs).__name__}')
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'RPENeck was built for {len(self.in_channels)} level(s) '
                             f'(in_channels={self.in_channels}), got {len(inputs)}')
        if self.encoding == 'none':
            return tuple(inputs)
        outs = list(inputs)
        for level, fusion in zip(self.in_index, self.fusions):
            x = inputs[level]
            if x.dim() != 4 or x.shape[1] != self.in_channels[level]:
                raise ValueError(f'level {level}: expected (B, {self.in_channels[level]}, H, '
                                 f'W) features, got {tuple(x.shape)}')
            feat_size = (int(x.shape[2]), int(x.shape[3]))
            if batch_img_metas is None:
                valid = [feat_size] * x.shape[0]
            else:
                if len(batch_img_metas) != x.shape[0]:
                    raise ValueError(f'got {len(batch_img_metas)} image metas for a batch '
                                     f'of {x.shape[0]}')
                valid = valid_feature_sizes(batch_img_metas, feat_size, input_shape)
            code = batch_position_code(feat_size, valid, self.code_dim, self.encoding,
                                       self.standard_length, dtype=x.dtype, device=x.device)
            outs[level] = fusion(x, code)
        return tuple(outs)
