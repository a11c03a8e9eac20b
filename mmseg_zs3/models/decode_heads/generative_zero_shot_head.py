"""The generative zero-shot decode head (ZS3Net / CaGNet / SIGN).

Parts, in the order the features flow (DESIGN.md section 4)::

    backbone (+ RPENeck) -> feature head (DeepLabV2Head or any mmseg decode head's features)
      -> [optional position fusion: SIGN's placement, off by default]
      -> latent prior:  'contextual': ContextualModule -> feature f, latent z, mu, logvar
                        'noise':      f = sigmoid(h), latent = noise supplied at generation
      -> discriminator/classifier over seen + unseen classes (logits at inference)
    generator: [class embedding ; latent] -> fake feature (trained on seen classes, then used
    to synthesise unseen-class features for the classifier)

The head computes; the phase-aware ``ZeroShotEncoderDecoder`` decides which losses train
which network. At inference only the feature path and the classifier run.
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from torch import Tensor

from ...datasets.splits import get_split
from ...utils.class_embeddings import load_class_embeddings
from ..utils import ContextualModule, FeatureGenerator, ZeroShotDiscriminator

LATENT_PRIORS = ('contextual', 'noise')
NOISE_DISTRIBUTIONS = ('uniform', 'normal')


def _embedding_matrix(class_embeddings: Union[dict, str, Sequence], classes: Sequence[str]
                      ) -> np.ndarray:
    """Reads the class-embedding matrix from a file description or an inline list."""
    if isinstance(class_embeddings, str):
        return load_class_embeddings(class_embeddings, list(classes))
    if isinstance(class_embeddings, dict):
        kwargs = dict(class_embeddings)
        path = kwargs.pop('path', None)
        if path is None:
            raise ValueError(f'class_embeddings dict needs a path, got {class_embeddings}')
        return load_class_embeddings(path, list(classes), **kwargs)
    matrix = np.asarray(class_embeddings, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(classes):
        raise ValueError(f'inline class_embeddings must be a ({len(classes)}, E) matrix (one '
                         f'row per class of the split), got shape {matrix.shape}')
    bad = [classes[i] for i in np.flatnonzero(~np.isfinite(matrix).all(1) |
                                              ~matrix.any(1))]
    if bad:
        raise ValueError(f'inline class_embeddings have NaN/inf or all-zero rows for {bad}')
    return matrix


@MODELS.register_module()
class GenerativeZeroShotHead(BaseDecodeHead):
    """Generative zero-shot segmentation head.

    Args:
        in_channels (int | list[int]): Input channels of the feature head.
        channels (int): Feature dimension C (600 in CaGNet/SIGN).
        num_classes (int): Number of classes, seen + unseen; must equal the split's.
        split (str | dict): Zero-shot split (name or inline definition).
        class_embeddings (str | dict | list): An embedding file (``.npy`` with manifest),
            a dict of :func:`load_class_embeddings` arguments (``path``, ``names_file``,
            ``normalize``, ...), or an inline (num_classes, E) matrix in split order.
        feature_head (dict): Config of the mmseg decode head whose features are used; its
            ``in_channels``, ``channels``, ``in_index`` and ``num_classes`` are filled in
            from this head. Its classifier (``conv_seg``) and dropout are removed, so any
            ``BaseDecodeHead`` works (its ``forward`` then returns features).
        latent_prior (str): ``'contextual'`` (CaGNet; SIGN when the backbone features carry
            the position code from ``RPENeck``) or ``'noise'`` (ZS3Net).
        contextual_cfg (dict): Keyword arguments of :class:`ContextualModule`.
        noise_dim (int): Noise channels for the ``'noise'`` prior.
        noise_dist (str): ``'uniform'`` ([0, 1)) or ``'normal'`` noise for that prior.
        generator_cfg (dict): Keyword arguments of :class:`FeatureGenerator` (hidden widths,
            dropouts, slope, output activation).
        discriminator_cfg (dict): Keyword arguments of :class:`ZeroShotDiscriminator`.
        feature_position (dict, optional): When given, an ``RPENeck`` config (without
            ``in_channels``/``in_index``) applied to the feature head's output: the paper's
            placement of the position fusion, for the ablation. Off by default.
        seen_logit_offset (float): Subtracted from the seen classes' logits at inference
            (calibration against the seen bias); 0 by default.
        **kwargs: Other ``BaseDecodeHead`` arguments (``in_index``, ``ignore_index``,
            ``align_corners``, ...). ``dropout_ratio`` is 0: the discriminator has its own.
    """

    def __init__(self,
                 in_channels: Union[int, List[int]],
                 channels: int,
                 *,
                 num_classes: int,
                 split: Union[str, dict],
                 class_embeddings: Union[str, dict, Sequence],
                 feature_head: dict = dict(type='DeepLabV2Head',
                                           dilations=(6, 12, 18, 24)),
                 latent_prior: str = 'contextual',
                 contextual_cfg: Optional[dict] = None,
                 noise_dim: int = 300,
                 noise_dist: str = 'uniform',
                 generator_cfg: Optional[dict] = None,
                 discriminator_cfg: Optional[dict] = None,
                 feature_position: Optional[dict] = None,
                 seen_logit_offset: float = 0.0,
                 init_cfg=None,
                 **kwargs):
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(in_channels, channels, num_classes=num_classes, init_cfg=init_cfg,
                         **kwargs)
        # the discriminator's classifier replaces BaseDecodeHead's conv_seg
        del self.conv_seg
        self.split = get_split(split)
        if num_classes != self.split.num_classes:
            raise ValueError(f'num_classes={num_classes} but split {self.split.name!r} has '
                             f'{self.split.num_classes} classes')
        if latent_prior not in LATENT_PRIORS:
            raise ValueError(f'latent_prior={latent_prior!r} is not one of {LATENT_PRIORS}')
        if noise_dist not in NOISE_DISTRIBUTIONS:
            raise ValueError(f'noise_dist={noise_dist!r} is not one of {NOISE_DISTRIBUTIONS}')
        if noise_dim <= 0:
            raise ValueError(f'noise_dim must be positive, got {noise_dim}')
        self.latent_prior = latent_prior
        self.noise_dim = noise_dim
        self.noise_dist = noise_dist
        self.seen_logit_offset = float(seen_logit_offset)

        matrix = _embedding_matrix(class_embeddings, self.split.classes)
        self.register_buffer('class_embedding', torch.as_tensor(matrix, dtype=torch.float32),
                             persistent=False)
        unseen = torch.zeros(num_classes, dtype=torch.bool)
        unseen[list(self.split.unseen_ids)] = True
        self.register_buffer('unseen_mask', unseen, persistent=False)

        head_cfg = dict(feature_head)
        head_cfg.update(in_channels=in_channels, channels=channels, in_index=self.in_index,
                        num_classes=num_classes, input_transform=self.input_transform)
        if head_cfg.get('input_transform') is None:
            head_cfg.pop('input_transform')
        try:
            self.feature_head = MODELS.build(head_cfg)
        except TypeError as err:
            # heads that fix their own input transform (e.g. SegformerHead passes
            # input_transform='multiple_select' itself) refuse a second one
            if 'input_transform' not in str(err) or 'input_transform' not in head_cfg:
                raise
            head_cfg.pop('input_transform')
            self.feature_head = MODELS.build(head_cfg)
        self.feature_head.conv_seg = nn.Identity()
        self.feature_head.dropout = None

        self.position_fusion = None
        if feature_position is not None:
            pos_cfg = dict(feature_position)
            pos_cfg.setdefault('type', 'RPENeck')
            pos_cfg.update(in_channels=[channels], in_index=[0])
            self.position_fusion = MODELS.build(pos_cfg)

        self.contextual = None
        latent_dim = noise_dim
        if latent_prior == 'contextual':
            self.contextual = ContextualModule(channels, **(contextual_cfg or {}))
            latent_dim = channels
        self.latent_dim = latent_dim
        self.generator = FeatureGenerator(matrix.shape[1], latent_dim, channels,
                                          **(generator_cfg or {}))
        self.discriminator = ZeroShotDiscriminator(channels, num_classes,
                                                   **(discriminator_cfg or {}))

    # ------------------------------------------------------------------ parts
    def segmentation_modules(self) -> nn.ModuleDict:
        """The head's part of the segmentation network (its own optimizer)."""
        parts = dict(feature_head=self.feature_head)
        if self.position_fusion is not None:
            parts['position_fusion'] = self.position_fusion
        if self.contextual is not None:
            parts['contextual'] = self.contextual
        return nn.ModuleDict(parts)

    # --------------------------------------------------------------- features
    def extract_features(self, inputs: Sequence[Tensor],
                         batch_img_metas: Optional[List[dict]] = None,
                         input_shape: Optional[Sequence[int]] = None) -> Dict[str, Tensor]:
        """Runs the feature path.

        Args:
            inputs (list[Tensor]): Multi-level features from the backbone/neck.
            batch_img_metas (list[dict], optional): Image metas (for the position fusion's
                valid regions).
            input_shape (tuple, optional): (H, W) of the network input the metas refer to.

        Returns:
            dict: ``feature`` (B, C, h, w) in (0, 1), the classifier's input; for the
            contextual prior also ``latent``, ``mu`` and ``logvar``.
        """
        h = self.feature_head(inputs)
        if self.position_fusion is not None:
            h = self.position_fusion((h, ), batch_img_metas, input_shape=input_shape)[0]
        if self.contextual is None:
            return dict(feature=torch.sigmoid(h))
        return self.contextual(h)

    def sample_latent(self, batch: int, height: int, width: int,
                      like: Tensor, generator: Optional[torch.Generator] = None) -> Tensor:
        """Samples a latent code map from the prior used when no image is involved.

        The contextual prior is N(0, I) (what CaGNet samples for synthetic features); the
        noise prior is the ZS3Net noise.
        """
        shape = (batch, self.latent_dim, height, width)
        if self.latent_prior == 'noise' and self.noise_dist == 'uniform':
            return torch.rand(shape, generator=generator, dtype=like.dtype, device=like.device)
        return torch.randn(shape, generator=generator, dtype=like.dtype, device=like.device)

    def generate(self, labels: Tensor, latent: Tensor) -> Tensor:
        """Generates pixel features for a label map.

        Args:
            labels (Tensor): (B, h, w) class ids; ignore pixels (outside 0..K-1) get a zero
                embedding and must be masked out of every loss by the caller.
            latent (Tensor): (B, latent_dim, h, w) latent code (detached by the caller).

        Returns:
            Tensor: (B, C, h, w) generated features.
        """
        valid = (labels >= 0) & (labels < self.num_classes)
        safe = torch.where(valid, labels, torch.zeros_like(labels))
        emb = self.class_embedding[safe] * valid.unsqueeze(-1).to(latent.dtype)
        return self.generator(emb.permute(0, 3, 1, 2).to(latent.dtype), latent)

    # --------------------------------------------------------------- inference
    def classify(self, feature: Tensor) -> Tensor:
        """Class logits of features, with the seen-class calibration offset applied."""
        logits = self.discriminator.classify(feature)
        if self.seen_logit_offset != 0.0:
            offset = (~self.unseen_mask).to(logits.dtype) * self.seen_logit_offset
            logits = logits - offset.view(1, -1, 1, 1)
        return logits

    def forward(self, inputs: Sequence[Tensor],
                batch_img_metas: Optional[List[dict]] = None,
                input_shape: Optional[Sequence[int]] = None) -> Tensor:
        """Segmentation logits at feature resolution (classifier path only)."""
        feature = self.extract_features(inputs, batch_img_metas, input_shape)['feature']
        return self.classify(feature)

    def predict(self, inputs: Tuple[Tensor], batch_img_metas: List[dict], test_cfg,
                input_shape: Optional[Sequence[int]] = None) -> Tensor:
        """Logits resized to the input size, as mmseg's heads return them."""
        logits = self.forward(inputs, batch_img_metas, input_shape)
        return self.predict_by_feat(logits, batch_img_metas)

    def loss(self, inputs, batch_data_samples, train_cfg) -> dict:
        """Not used: the losses of the generative head belong to several networks with
        their own optimizers, so ``ZeroShotEncoderDecoder.train_step`` computes them."""
        raise RuntimeError('GenerativeZeroShotHead is trained by ZeroShotEncoderDecoder '
                           '(one optimizer per network); use it as that segmentor\'s '
                           'decode_head')
