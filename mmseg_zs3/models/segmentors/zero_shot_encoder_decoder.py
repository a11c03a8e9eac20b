"""A phase-aware encoder-decoder for generative zero-shot segmentation.

``ZeroShotEncoderDecoder`` is mmseg's ``EncoderDecoder`` (inference, whole and slide modes,
``predict`` and ``extract_feat`` reused) with a ``train_step`` that updates three networks,
each with its own optimizer, in CaGNet's order (DESIGN.md sections 4-5):

1. the discriminator/classifier (on real features and on generated ones);
2. the segmentation network (backbone, neck, feature head, contextual module), unless the
   phase freezes it;
3. the feature generator.

A phase is data, not code: ``train_cfg.phases`` maps each phase name to its loss weights,
whether the segmentation network trains, and whether synthetic iterations (generated
features only, no image) alternate with real ones. ``ZeroShotPhaseHook`` selects the phase by
iteration.
"""
import contextlib
import inspect
from typing import Dict, List, Optional, Sequence

import torch
import torch.distributed as torch_dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_world_size
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from torch import Tensor

from ..losses import (adversarial_l1_d_loss, adversarial_l1_g_loss, class_grouped_mmd,
                      gaussian_kl_divergence, weighted_cross_entropy)
from ..utils import make_pseudo_labels, valid_feature_sizes
from ..utils.pseudo_labels import PSEUDO_LABEL_STRATEGIES

# The keys each phase config must give (every weight lives in the config).
PHASE_KEYS = {'train_segmentor', 'segmentor_losses', 'discriminator_losses',
              'generator_losses', 'synthetic', 'pseudo_labels'}
LOSS_KEYS = {
    'segmentor_losses': {'ce', 'kl'},
    'discriminator_losses': {'adv', 'ce_real', 'ce_fake'},
    'generator_losses': {'adv', 'mmd', 'ce'},
}
SYNTHETIC_KEYS = {'real_iters', 'synthetic_iters', 'batch_size', 'size', 'seen_weight',
                  'unseen_weight', 'ce'}
MMD_KEYS = {'bandwidths', 'max_pixels_per_class'}
PSEUDO_LABEL_KEYS = {'strategy', 'percent', 'top_k'}


def validate_phases(phases: dict) -> Dict[str, dict]:
    """Checks ``train_cfg.phases`` and returns it as plain dicts.

    Raises:
        ValueError: Naming the phase and the missing, unknown or bad key.
    """
    if not isinstance(phases, dict) or not phases:
        raise ValueError(f'train_cfg.phases must map phase names to configs, got {phases!r}')
    out = {}
    for name, cfg in phases.items():
        cfg = dict(cfg)
        missing, unknown = PHASE_KEYS - set(cfg), set(cfg) - PHASE_KEYS
        if missing or unknown:
            raise ValueError(f'phase {name!r}: missing keys {sorted(missing)}, unknown keys '
                             f'{sorted(unknown)}')
        for key, expected in LOSS_KEYS.items():
            weights = dict(cfg[key])
            if set(weights) != expected:
                raise ValueError(f'phase {name!r}: {key} needs exactly {sorted(expected)}, '
                                 f'got {sorted(weights)}')
            bad = {k: v for k, v in weights.items() if not isinstance(v, (int, float)) or v < 0}
            if bad:
                raise ValueError(f'phase {name!r}: {key} weights must be >= 0, got {bad}')
            cfg[key] = weights
        if cfg['synthetic'] is not None:
            syn = dict(cfg['synthetic'])
            if set(syn) != SYNTHETIC_KEYS:
                raise ValueError(f'phase {name!r}: synthetic needs exactly '
                                 f'{sorted(SYNTHETIC_KEYS)}, got {sorted(syn)}')
            for key in ('real_iters', 'synthetic_iters', 'batch_size'):
                low = 0 if key == 'real_iters' else 1
                if isinstance(syn[key], bool) or not isinstance(syn[key], int) or \
                        syn[key] < low:
                    raise ValueError(f'phase {name!r}: synthetic.{key} must be an integer '
                                     f'>= {low}, got {syn[key]!r}')
            size = syn['size']
            if not isinstance(size, (list, tuple)) or len(size) != 2 or not all(
                    isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in size):
                raise ValueError(f'phase {name!r}: synthetic.size must be (h, w) of positive '
                                 f'integers, got {size!r}')
            if syn['seen_weight'] < 0 or syn['unseen_weight'] < 0 or \
                    syn['seen_weight'] + syn['unseen_weight'] <= 0:
                raise ValueError(f'phase {name!r}: synthetic class weights must be >= 0 and '
                                 'not both 0')
            cfg['synthetic'] = syn
        if cfg['pseudo_labels'] is not None:
            pl = dict(cfg['pseudo_labels'])
            if set(pl) != PSEUDO_LABEL_KEYS:
                raise ValueError(f'phase {name!r}: pseudo_labels needs exactly '
                                 f'{sorted(PSEUDO_LABEL_KEYS)}, got {sorted(pl)}')
            if pl['strategy'] not in PSEUDO_LABEL_STRATEGIES:
                raise ValueError(f'phase {name!r}: pseudo_labels.strategy={pl["strategy"]!r} '
                                 f'is not one of {tuple(PSEUDO_LABEL_STRATEGIES)}')
            if pl['strategy'] == 'zs3net' and not (pl['percent'] and 0 < pl['percent'] <= 100):
                raise ValueError(f'phase {name!r}: the zs3net strategy needs 0 < percent <= '
                                 f'100, got {pl["percent"]!r}')
            if pl['strategy'] == 'cagnet' and not (isinstance(pl['top_k'], int)
                                                   and pl['top_k'] >= 1):
                raise ValueError(f'phase {name!r}: the cagnet strategy needs an integer '
                                 f'top_k >= 1, got {pl["top_k"]!r}')
            if cfg['synthetic'] is not None:
                raise ValueError(f'phase {name!r}: pseudo_labels and synthetic iterations '
                                 'cannot be combined')
            cfg['pseudo_labels'] = pl
        if cfg['train_segmentor'] and cfg['synthetic'] is not None:
            raise ValueError(f'phase {name!r}: synthetic iterations need a frozen segmentation '
                             'network (train_segmentor=False)')
        out[name] = cfg
    return out


def check_finite_loss(name: str, loss: Tensor, parts: Dict[str, Tensor], where: str) -> None:
    """Raises when a loss about to be back-propagated is NaN or inf.

    Args:
        name (str): The loss's logged name (``loss_disc``, ``loss_seg``, ``loss_gen``).
        loss (Tensor): The weighted sum that is back-propagated.
        parts (dict[str, Tensor]): Its unweighted terms, to name the culprit.
        where (str): The phase and iteration, for the message.

    Raises:
        FloatingPointError: Naming the loss, its value and its non-finite terms.
    """
    if bool(torch.isfinite(loss).all()):
        return
    bad = {k: float(v.detach()) for k, v in parts.items() if not bool(torch.isfinite(v).all())}
    raise FloatingPointError(f'{name} is {float(loss.detach())} ({where}); non-finite terms: '
                             f'{bad or "none (the weighted sum overflowed)"}')


def check_finite_grads(name: str, module: nn.Module, where: str) -> None:
    """Raises when back-propagating a loss left a NaN or inf gradient in ``module``.

    Args:
        name (str): The loss that was back-propagated.
        module (nn.Module): The network it updates.
        where (str): The phase and iteration, for the message.

    Raises:
        FloatingPointError: Naming the loss and the first parameters with a bad gradient.
    """
    named = [(n, p.grad) for n, p in module.named_parameters() if p.grad is not None]
    if not named or bool(torch.stack([torch.isfinite(g).all() for _, g in named]).all()):
        return
    bad = [n for n, g in named if not bool(torch.isfinite(g).all())]
    raise FloatingPointError(f'the gradient of {name} is NaN or inf ({where}) in parameters '
                             f'{bad[:5]}{" ..." if len(bad) > 5 else ""}')


@contextlib.contextmanager
def frozen(module: nn.Module):
    """Temporarily stops gradients into a module's parameters (they still flow through)."""
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)


def downsample_labels(labels: Tensor, size: Sequence[int]) -> Tensor:
    """Nearest-neighbour resize of a (B, 1, H, W) label map to (B, h, w) (long)."""
    return F.interpolate(labels.float(), size=tuple(size), mode='nearest')[:, 0].long()


def valid_region_mask(batch_img_metas: List[dict], size: Sequence[int],
                      input_shape: Sequence[int], device: torch.device) -> Tensor:
    """(B, h, w) bool mask of each image's unpadded region at feature resolution."""
    h, w = size
    sizes = torch.as_tensor(
        valid_feature_sizes(batch_img_metas, (h, w), input_shape=input_shape), device=device)
    rows = torch.arange(h, device=device).view(1, h, 1) < sizes[:, 0].view(-1, 1, 1)
    cols = torch.arange(w, device=device).view(1, 1, w) < sizes[:, 1].view(-1, 1, 1)
    return rows & cols


@MODELS.register_module()
class ZeroShotEncoderDecoder(EncoderDecoder):
    """Encoder-decoder with a generative zero-shot head and phased, multi-optimizer training.

    Args:
        train_cfg (dict): ``phases`` (a dict phase name -> phase config, see
            :func:`validate_phases` and ``configs/_base_/models/``), ``mmd``
            (``bandwidths``, ``max_pixels_per_class``) and ``initial_phase`` (the phase used
            when no ``ZeroShotPhaseHook`` sets one). None builds an inference-only model
            (what ``mmseg.apis.init_model`` does); it cannot ``train_step``.
        **kwargs: ``EncoderDecoder`` arguments; ``decode_head`` must be a
            ``GenerativeZeroShotHead``.
    """

    def __init__(self, *args, train_cfg: Optional[dict] = None, **kwargs):
        super().__init__(*args, train_cfg=train_cfg, **kwargs)
        if not hasattr(self.decode_head, 'generate'):
            raise TypeError('ZeroShotEncoderDecoder needs a GenerativeZeroShotHead as '
                            f'decode_head, got {type(self.decode_head).__name__}')
        if self.with_auxiliary_head:
            raise ValueError('auxiliary heads are not supported by ZeroShotEncoderDecoder')
        if train_cfg is None:
            # inference only (mmseg's init_model sets model.train_cfg=None): no phases
            self.phase_cfgs: Dict[str, dict] = {}
            self.mmd_cfg = None
            self.phase, self.iter_in_phase, self.phase_iters = None, 0, None
        else:
            train_cfg = dict(train_cfg)
            if 'phases' not in train_cfg or 'mmd' not in train_cfg:
                raise ValueError('ZeroShotEncoderDecoder needs train_cfg.phases and '
                                 'train_cfg.mmd (or train_cfg=None for inference only)')
            self.phase_cfgs = validate_phases(train_cfg['phases'])
            self.mmd_cfg = dict(train_cfg['mmd'])
            if set(self.mmd_cfg) != MMD_KEYS:
                raise ValueError(f'train_cfg.mmd needs exactly {sorted(MMD_KEYS)}, got '
                                 f'{sorted(self.mmd_cfg)}')
            initial = train_cfg.get('initial_phase', next(iter(self.phase_cfgs)))
            self.set_phase(initial, 0)
        # set by SelfTrainingHook; the teacher is deliberately not a sub-module (it is not
        # part of the model's state_dict nor of any optimizer)
        object.__setattr__(self, 'teacher', None)
        self.pseudo_label_tau: Optional[float] = None
        self.pseudo_label_stats: Dict[str, object] = {}
        self._neck_takes_metas = self.with_neck and \
            'batch_img_metas' in inspect.signature(self.neck.forward).parameters

    # ----------------------------------------------------------------- phases
    @property
    def phase_names(self) -> tuple:
        """Names of the phases this model can train."""
        return tuple(self.phase_cfgs)

    def set_phase(self, name: str, iter_in_phase: int = 0,
                  phase_iters: Optional[int] = None) -> None:
        """Selects the training phase (called by ``ZeroShotPhaseHook`` every iteration).

        Args:
            name (str): Phase name (a key of ``train_cfg.phases``).
            iter_in_phase (int): 0-based iteration inside the phase.
            phase_iters (int, optional): Length of the phase (for schedules inside it).
        """
        if name not in self.phase_cfgs:
            raise ValueError(f'unknown phase {name!r}; this model knows {self.phase_names}')
        self.phase = name
        self.iter_in_phase = int(iter_in_phase)
        self.phase_iters = phase_iters

    def set_teacher(self, teacher: Optional[nn.Module]) -> None:
        """Sets the frozen teacher used for pseudo-labels (None: the model itself, online)."""
        object.__setattr__(self, 'teacher', teacher)

    def _pseudo_labels(self, cfg: dict, inputs: Tensor, metas: List[dict], labels: Tensor,
                       online_logits: Tensor) -> tuple:
        """Fills ignored pixels with unseen pseudo-labels; returns (labels, weights)."""
        head = self.decode_head
        if self.teacher is None:
            logits = online_logits.detach()
        else:
            teacher = self.teacher
            with torch.no_grad():
                feats = teacher.extract_feat(inputs, metas)
                logits = teacher.decode_head.forward(feats, metas, inputs.shape[-2:])
        if cfg['strategy'] == 'ast' and self.pseudo_label_tau is None:
            raise RuntimeError('the ast strategy needs a temperature: add SelfTrainingHook '
                               'to custom_hooks')
        region = valid_region_mask(metas, labels.shape[-2:], inputs.shape[-2:], labels.device)
        new_labels, weights, stats = make_pseudo_labels(
            logits, labels, region, head.split.unseen_ids, cfg['strategy'],
            tau=self.pseudo_label_tau, percent=cfg['percent'], top_k=cfg['top_k'],
            ignore_index=head.ignore_index)
        self.pseudo_label_stats = stats
        return new_labels, weights

    def is_synthetic_iteration(self) -> bool:
        """Whether the current iteration of the phase trains on generated features only."""
        syn = self.phase_cfgs[self.phase]['synthetic']
        if syn is None:
            return False
        cycle = syn['real_iters'] + syn['synthetic_iters']
        return self.iter_in_phase % cycle >= syn['real_iters']

    def optim_param_modules(self) -> Dict[str, nn.Module]:
        """The sub-networks that get an optimizer each (see the optimizer constructor)."""
        seg = dict(backbone=self.backbone, decode_head=self.decode_head.segmentation_modules())
        if self.with_neck:
            seg['neck'] = self.neck
        return dict(segmentor=nn.ModuleDict(seg), discriminator=self.decode_head.discriminator,
                    generator=self.decode_head.generator)

    # --------------------------------------------------------------- features
    def extract_feat(self, inputs: Tensor,
                     batch_img_metas: Optional[List[dict]] = None) -> List[Tensor]:
        """Backbone (+ neck, which gets the image metas when it takes them)."""
        x = self.backbone(inputs)
        if self.with_neck:
            if self._neck_takes_metas:
                # input_shape: the padded size the metas refer to (also right for the
                # crops of slide inference, whose img_shape is the crop's)
                x = self.neck(x, batch_img_metas, input_shape=inputs.shape[-2:])
            else:
                x = self.neck(x)
        return x

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        x = self.extract_feat(inputs, batch_img_metas)
        return self.decode_head.predict(x, batch_img_metas, self.test_cfg,
                                        input_shape=inputs.shape[-2:])

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        metas = None if data_samples is None else [s.metainfo for s in data_samples]
        return self.decode_head.forward(self.extract_feat(inputs, metas), metas,
                                        inputs.shape[-2:])

    def loss(self, inputs: Tensor, data_samples) -> dict:
        raise RuntimeError('ZeroShotEncoderDecoder trains through train_step (one optimizer '
                           'per network); forward(mode="loss") is not defined for it')

    # --------------------------------------------------------------- training
    def _update(self, optim_wrapper, loss: Tensor, module: nn.Module, name: str,
                parts: Optional[Dict[str, Tensor]] = None) -> None:
        """One optimizer step of one network; gradients averaged over processes.

        The loss and, after the averaging, the gradients are checked first: a NaN or inf
        stops the run with a ``FloatingPointError`` that names the loss (see
        :func:`check_finite_loss` and :func:`check_finite_grads`) instead of writing it
        into the weights.
        """
        where = f'phase {self.phase!r}, iteration {self.iter_in_phase + 1} of the phase'
        check_finite_loss(name, loss, parts or {}, where)
        optim_wrapper.zero_grad()
        optim_wrapper.backward(loss)
        world_size = get_world_size()
        if world_size > 1:
            for p in module.parameters():
                if p.grad is not None:
                    torch_dist.all_reduce(p.grad)
                    p.grad.div_(world_size)
        if not isinstance(optim_wrapper, AmpOptimWrapper):  # its loss scaler skips inf steps
            check_finite_grads(name, module, where)
        optim_wrapper.step()
        optim_wrapper.zero_grad()

    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One iteration of the current phase.

        Args:
            data (dict): A batch from the dataloader.
            optim_wrapper (OptimWrapperDict): ``segmentor``, ``discriminator`` and
                ``generator`` wrappers.

        Returns:
            dict: Logged values (losses per network and their components).
        """
        if not self.phase_cfgs:
            raise RuntimeError('this ZeroShotEncoderDecoder was built with train_cfg=None '
                               '(inference only); build it with train_cfg.phases to train')
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise TypeError('ZeroShotEncoderDecoder needs one optimizer per network: use '
                            "optim_wrapper=dict(constructor='ZeroShotOptimWrapperConstructor', "
                            '...)')
        if self.is_synthetic_iteration():
            return self._synthetic_step(optim_wrapper)
        data = self.data_preprocessor(data, True)
        return self._real_step(data['inputs'], data['data_samples'], optim_wrapper)

    def _set_segmentor_mode(self, train: bool) -> None:
        for module in self.optim_param_modules()['segmentor'].values():
            module.train(train)

    def _real_step(self, inputs: Tensor, data_samples, optim_wrapper) -> Dict[str, Tensor]:
        cfg = self.phase_cfgs[self.phase]
        head = self.decode_head
        ignore = head.ignore_index
        metas = [s.metainfo for s in data_samples]
        train_seg = cfg['train_segmentor']
        self._set_segmentor_mode(train_seg)
        with torch.set_grad_enabled(train_seg):
            out = head.extract_features(self.extract_feat(inputs, metas), metas,
                                        inputs.shape[-2:])
        feature = out['feature']
        size = feature.shape[-2:]
        gt = torch.stack([s.gt_sem_seg.data for s in data_samples])
        labels = downsample_labels(gt, size)
        if head.latent_prior == 'contextual':
            latent = out['latent'].detach()
        else:
            latent = head.sample_latent(labels.shape[0], size[0], size[1], feature)
        logs: Dict[str, Tensor] = {}

        # the classifier on real features (also the online teacher's prediction)
        d_real, logit_real = head.discriminator(feature.detach())
        weights = None
        if cfg['pseudo_labels'] is not None:
            labels, weights = self._pseudo_labels(cfg['pseudo_labels'], inputs, metas, labels,
                                                  logit_real)
            valid = weights > 0
        else:
            valid = labels != ignore

        def ce(logits: Tensor) -> Tensor:
            return weighted_cross_entropy(logits, labels, weights=weights, ignore_index=ignore)

        # 1. discriminator / classifier
        w = cfg['discriminator_losses']
        with torch.no_grad():
            fake = head.generate(labels, latent)
        d_fake, logit_fake = head.discriminator(fake)
        parts = dict(adv=adversarial_l1_d_loss(d_fake[:, 0], d_real[:, 0], valid, valid),
                     ce_real=ce(logit_real))
        if w['ce_fake'] > 0:
            parts['ce_fake'] = ce(logit_fake)
        loss_d = sum(w[k] * v for k, v in parts.items())
        self._update(optim_wrapper['discriminator'], loss_d, head.discriminator, 'loss_disc',
                     parts)
        logs['loss_disc'] = loss_d.detach()
        logs.update({f'disc_{k}': v.detach() for k, v in parts.items()})

        # 2. segmentation network
        if train_seg:
            w = cfg['segmentor_losses']
            with frozen(head.discriminator):
                _, logit = head.discriminator(feature)
            parts = dict(ce=ce(logit))
            if 'mu' in out:
                region = valid_region_mask(metas, size, inputs.shape[-2:], feature.device)
                parts['kl'] = gaussian_kl_divergence(out['mu'], out['logvar'], region)
            loss_s = sum(w[k] * v for k, v in parts.items())
            self._update(optim_wrapper['segmentor'], loss_s,
                         self.optim_param_modules()['segmentor'], 'loss_seg', parts)
            logs['loss_seg'] = loss_s.detach()
            logs.update({f'seg_{k}': v.detach() for k, v in parts.items()})

        # 3. generator (pseudo-labelled unseen pixels condition it on their unseen class)
        w = cfg['generator_losses']
        if any(v > 0 for v in w.values()):
            fake = head.generate(labels, latent)
            with frozen(head.discriminator):
                d_fake, logit_fake = head.discriminator(fake)
            # pixels as rows; the MMD drops ignored pixels and gathers only its samples
            fake_px = fake.permute(0, 2, 3, 1).reshape(-1, fake.shape[1])
            real_px = feature.detach().permute(0, 2, 3, 1).reshape(-1, fake.shape[1])
            parts = dict(
                adv=adversarial_l1_g_loss(d_fake[:, 0], valid),
                mmd=class_grouped_mmd(
                    fake_px, real_px, labels.flatten(),
                    bandwidths=tuple(self.mmd_cfg['bandwidths']),
                    max_pixels_per_class=self.mmd_cfg['max_pixels_per_class'],
                    ignore_index=ignore,
                    weights=None if weights is None else weights.flatten()))
            if w['ce'] > 0:
                parts['ce'] = ce(logit_fake)
            loss_g = sum(w[k] * v for k, v in parts.items())
            self._update(optim_wrapper['generator'], loss_g, head.generator, 'loss_gen', parts)
            logs['loss_gen'] = loss_g.detach()
            logs.update({f'gen_{k}': v.detach() for k, v in parts.items()})
        return logs

    def sample_synthetic_labels(self, batch: int, size: Sequence[int], seen_weight: float,
                                unseen_weight: float) -> Tensor:
        """A (batch, h, w) label map drawn pixel-wise over all classes, unseen up-weighted."""
        head = self.decode_head
        probs = torch.where(head.unseen_mask, float(unseen_weight), float(seen_weight))
        draws = torch.multinomial(probs, batch * size[0] * size[1], replacement=True)
        return draws.view(batch, size[0], size[1])

    def _synthetic_step(self, optim_wrapper) -> Dict[str, Tensor]:
        """Trains the classifier on generated features of seen and unseen classes."""
        syn = self.phase_cfgs[self.phase]['synthetic']
        head = self.decode_head
        self._set_segmentor_mode(False)
        labels = self.sample_synthetic_labels(syn['batch_size'], syn['size'],
                                              syn['seen_weight'], syn['unseen_weight'])
        labels = labels.to(head.class_embedding.device)
        with torch.no_grad():
            latent = head.sample_latent(labels.shape[0], labels.shape[1], labels.shape[2],
                                        head.class_embedding)
            fake = head.generate(labels, latent)
        logits = head.discriminator.classify(fake)
        ce = weighted_cross_entropy(logits, labels, ignore_index=head.ignore_index)
        loss = syn['ce'] * ce
        self._update(optim_wrapper['discriminator'], loss, head.discriminator, 'loss_disc',
                     dict(ce_synthetic=ce))
        return dict(loss_disc=loss.detach(), disc_ce_synthetic=ce.detach())
