"""ZeroShotEncoderDecoder: which parameters each phase updates, the real/synthetic cycle,
phase validation, synthetic label sampling, the label/mask helpers and inference."""
import copy
import functools
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_zs3  # noqa: F401  (registers the segmentor, head, neck, constructor)
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.models.segmentors.zero_shot_encoder_decoder import (downsample_labels, frozen,
                                                                   validate_phases,
                                                                   valid_region_mask)

CONFIG = 'configs/sign/sign_r18-tiny_300it_toyshapes-64x64_4-1.py'
UNSEEN_ID = 4  # 'triangle' in the toy split; 4 seen classes


@functools.lru_cache()
def _config():
    init_default_scope('mmseg')
    return Config.fromfile(str(Path(__file__).resolve().parents[3] / CONFIG))


def _model_cfg(**test_cfg):
    """The toy SIGN config, shrunk: tiny ResNetV1c-18, 8-d features, small MLPs."""
    cfg = copy.deepcopy(_config().model)
    cfg.data_preprocessor.size = (32, 32)
    cfg.backbone.update(stem_channels=8, base_channels=4)
    cfg.neck.update(in_channels=[4, 8, 16, 32], code_dim=8,
                    fusion_cfg=dict(branch_channels=8, dilations=(1, 2, 5),
                                    input_act='sigmoid'))
    cfg.decode_head.update(in_channels=32, channels=8, contextual_cfg=dict(hidden_channels=8),
                           generator_cfg=dict(hidden_channels=(16, ), dropouts=(0.1, )),
                           discriminator_cfg=dict(hidden_channels=16, dropout=0.1))
    cfg.train_cfg.mmd.max_pixels_per_class = 32
    if test_cfg:
        cfg.test_cfg = ConfigDict(test_cfg)
    return cfg


def _build(cfg=None):
    init_default_scope('mmseg')
    return MODELS.build(cfg if cfg is not None else _model_cfg())


def _optim(model):
    return build_optim_wrapper(model, copy.deepcopy(_config().optim_wrapper))


def _batch(n=2, h=32, w=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        label = torch.randint(0, UNSEEN_ID, (h, w), generator=g)
        label[:4] = 255
        sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


# ---------------------------------------------------------------- optimizer per phase

GROUPS = {
    'backbone': 'backbone.',
    'neck': 'neck.',
    'feature_head': 'decode_head.feature_head.',
    'contextual': 'decode_head.contextual.',
    'discriminator': 'decode_head.discriminator.',
    'generator': 'decode_head.generator.',
}


def _group(name):
    groups = [g for g, prefix in GROUPS.items() if name.startswith(prefix)]
    assert len(groups) == 1, name
    return groups[0]


def _snapshot(model):
    return ({n: p.detach().clone() for n, p in model.named_parameters()},
            {n: b.detach().clone() for n, b in model.named_buffers()})


def _changed(model, snapshot):
    """Group -> names of the changed parameters; and the changed buffers."""
    params, buffers = snapshot
    changed = {g: [] for g in GROUPS}
    for n, p in model.named_parameters():
        if not torch.equal(params[n], p):
            changed[_group(n)].append(n)
    changed_buffers = [n for n, b in model.named_buffers()
                       if n in buffers and not torch.equal(buffers[n], b)]
    return changed, changed_buffers


def _bn_running_stats(names):
    return [n for n in names if n.endswith(('running_mean', 'running_var'))]


def test_each_optimizer_updates_only_its_parameters_in_each_phase():
    torch.manual_seed(0)
    model = _build()
    optim_wrapper = _optim(model)
    model.train()
    assert all(g in GROUPS for g in map(_group, dict(model.named_parameters())))

    # seen: every network trains
    model.set_phase('seen', 0)
    snap = _snapshot(model)
    logs = model.train_step(_batch(seed=0), optim_wrapper)
    assert {'loss_disc', 'loss_seg', 'loss_gen'} <= set(logs)
    changed, buffers = _changed(model, snap)
    for group, names in changed.items():
        assert names, f'no {group} parameter changed in phase seen'
    assert _bn_running_stats(buffers), 'BatchNorm statistics did not update in phase seen'

    # finetune, real iteration: segmentation network frozen (weights and BN statistics)
    model.set_phase('finetune', 0)
    assert not model.is_synthetic_iteration()
    snap = _snapshot(model)
    logs = model.train_step(_batch(seed=1), optim_wrapper)
    assert 'loss_seg' not in logs and {'loss_disc', 'loss_gen'} <= set(logs)
    changed, buffers = _changed(model, snap)
    for group in ('backbone', 'neck', 'feature_head', 'contextual'):
        assert not changed[group], f'{group} changed in a real finetune iteration'
    assert not _bn_running_stats(buffers), buffers
    assert changed['discriminator'] and changed['generator']

    # finetune, synthetic iteration: only the discriminator/classifier
    real_iters = model.phase_cfgs['finetune']['synthetic']['real_iters']
    model.set_phase('finetune', real_iters)
    assert model.is_synthetic_iteration()
    snap = _snapshot(model)
    logs = model.train_step(_batch(seed=2), optim_wrapper)
    assert set(logs) == {'loss_disc', 'disc_ce_synthetic'}
    changed, buffers = _changed(model, snap)
    assert changed['discriminator']
    for group in GROUPS:
        if group != 'discriminator':
            assert not changed[group], f'{group} changed in a synthetic iteration'
    assert not buffers, buffers
    # the synthetic step trains the classifier head, not the real/fake head
    assert any(n.startswith('decode_head.discriminator.cls_head') for n in
               changed['discriminator'])
    # requires_grad is restored after the frozen() blocks
    assert all(p.requires_grad for p in model.parameters())


def test_frozen_restores_only_what_it_froze():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 1))
    net[1].bias.requires_grad_(False)
    x = torch.randn(3, 2, requires_grad=True)
    with frozen(net):
        assert not any(p.requires_grad for p in net.parameters())
        net(x).sum().backward()
    assert x.grad is not None  # gradients still flow through
    assert all(p.grad is None for p in net.parameters())
    assert [p.requires_grad for p in net.parameters()] == [True, True, True, False]


# ------------------------------------------------------------------------- phases

def test_is_synthetic_iteration_cycles():
    cfg = _model_cfg()
    syn = cfg.train_cfg.phases.finetune.synthetic
    syn.update(real_iters=3, synthetic_iters=2)
    model = _build(cfg)
    pattern = []
    for i in range(12):
        model.set_phase('finetune', i)
        pattern.append(model.is_synthetic_iteration())
    assert pattern == [False] * 3 + [True] * 2 + [False] * 3 + [True] * 2 + [False] * 2
    for i in (0, 7, 1000):
        model.set_phase('seen', i)
        assert not model.is_synthetic_iteration()

    syn.update(real_iters=0, synthetic_iters=1)  # classifier on generated features only
    model = _build(cfg)
    for i in range(3):
        model.set_phase('finetune', i)
        assert model.is_synthetic_iteration()


def test_initial_phase_and_unknown_phase():
    cfg = _model_cfg()
    model = _build(cfg)
    assert model.phase == 'seen' and model.iter_in_phase == 0
    assert model.phase_names == tuple(cfg.train_cfg.phases)
    assert model.phase_names[:2] == ('seen', 'finetune')
    cfg.train_cfg.initial_phase = 'finetune'
    assert _build(cfg).phase == 'finetune'
    with pytest.raises(ValueError, match='warmup'):
        model.set_phase('warmup', 0)
    assert model.phase == 'seen'


def test_train_step_needs_an_optim_wrapper_dict():
    model = _build()
    plain = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(TypeError, match='ZeroShotOptimWrapperConstructor'):
        model.train_step(_batch(), plain)


def test_forward_loss_mode_is_refused():
    model = _build()
    with pytest.raises(RuntimeError, match='train_step'):
        model.loss(torch.zeros(1, 3, 32, 32), [])


def _phases():
    return copy.deepcopy(_config().model.train_cfg.phases).to_dict()


def _bad(edit):
    phases = _phases()
    edit(phases)
    return phases


@pytest.mark.parametrize('edit, pattern', [
    (lambda p: p['seen'].pop('generator_losses'), r"phase 'seen'.*missing.*generator_losses"),
    (lambda p: p['finetune'].update(lr=0.1), r"phase 'finetune'.*unknown.*'lr'"),
    (lambda p: p['seen']['segmentor_losses'].pop('kl'), r"phase 'seen'.*segmentor_losses"),
    (lambda p: p['seen']['discriminator_losses'].update(gp=1.0),
     r"phase 'seen'.*discriminator_losses.*gp"),
    (lambda p: p['finetune']['generator_losses'].update(mmd=-1.0),
     r"phase 'finetune'.*generator_losses.*mmd"),
    (lambda p: p['seen']['segmentor_losses'].update(ce='1'), r"phase 'seen'.*segmentor_losses"),
    (lambda p: p['seen'].update(synthetic=copy.deepcopy(p['finetune']['synthetic'])),
     r"phase 'seen'.*synthetic.*train_segmentor"),
    (lambda p: p['finetune']['synthetic'].update(size=(0, 8)),
     r"phase 'finetune'.*synthetic\.size"),
    (lambda p: p['finetune']['synthetic'].update(size=(8, )),
     r"phase 'finetune'.*synthetic\.size"),
    (lambda p: p['finetune']['synthetic'].update(size=8), r"phase 'finetune'.*synthetic\.size"),
    (lambda p: p['finetune']['synthetic'].pop('ce'), r"phase 'finetune'.*synthetic.*ce"),
    (lambda p: p['finetune']['synthetic'].update(batch_size=0),
     r"phase 'finetune'.*synthetic\.batch_size"),
    (lambda p: p['finetune']['synthetic'].update(synthetic_iters=0),
     r"phase 'finetune'.*synthetic\.synthetic_iters"),
    (lambda p: p['finetune']['synthetic'].update(real_iters=-1),
     r"phase 'finetune'.*synthetic\.real_iters"),
    (lambda p: p['finetune']['synthetic'].update(seen_weight=-1.0),
     r"phase 'finetune'.*synthetic class weights"),
    (lambda p: p['finetune']['synthetic'].update(seen_weight=0.0, unseen_weight=0.0),
     r"phase 'finetune'.*synthetic class weights"),
], ids=['missing-key', 'unknown-key', 'missing-loss', 'unknown-loss', 'negative-weight',
        'non-numeric-weight', 'synthetic-with-train-segmentor', 'size-zero', 'size-1d',
        'size-int', 'synthetic-missing-ce', 'batch-size-0', 'synthetic-iters-0',
        'real-iters-negative', 'negative-class-weight', 'zero-class-weights'])
def test_validate_phases_errors(edit, pattern):
    with pytest.raises(ValueError, match=pattern):
        validate_phases(_bad(edit))


def test_validate_phases_accepts_the_reference_and_returns_plain_dicts():
    out = validate_phases(_phases())
    assert list(out) == list(_phases())
    assert list(out)[:2] == ['seen', 'finetune']
    assert all(type(cfg) is dict for cfg in out.values())
    assert out['seen']['synthetic'] is None
    assert out['finetune']['synthetic']['unseen_weight'] == 10.0
    with pytest.raises(ValueError):
        validate_phases({})


def test_model_rejects_bad_train_cfg():
    cfg = _model_cfg()
    cfg.train_cfg.phases.seen.generator_losses.mmd = -2.0
    with pytest.raises(ValueError, match=r"phase 'seen'"):
        _build(cfg)
    cfg = _model_cfg()
    cfg.train_cfg.mmd.pop('max_pixels_per_class')
    with pytest.raises(ValueError, match='max_pixels_per_class'):
        _build(cfg)


# ------------------------------------------------------------- synthetic label maps

def test_sample_synthetic_labels_follows_class_weights():
    model = _build()
    torch.manual_seed(0)
    labels = model.sample_synthetic_labels(4, (64, 64), seen_weight=1.0, unseen_weight=10.0)
    assert labels.shape == (4, 64, 64) and labels.dtype == torch.long
    freq = torch.bincount(labels.flatten(), minlength=5).float() / labels.numel()
    assert freq.shape == (5, )  # no id outside the classes
    assert abs(freq[UNSEEN_ID].item() - 10 / 14) < 0.02
    for c in range(4):
        assert abs(freq[c].item() - 1 / 14) < 0.015, (c, freq)

    labels = model.sample_synthetic_labels(2, (16, 16), seen_weight=0.0, unseen_weight=1.0)
    assert (labels == UNSEEN_ID).all()
    labels = model.sample_synthetic_labels(2, (16, 16), seen_weight=1.0, unseen_weight=0.0)
    assert not (labels == UNSEEN_ID).any()
    assert set(labels.unique().tolist()) == {0, 1, 2, 3}


# --------------------------------------------------------------------- label helpers

def test_downsample_labels_nearest():
    labels = torch.arange(16).view(1, 1, 4, 4)
    out = downsample_labels(labels, (2, 2))
    assert out.shape == (1, 2, 2) and out.dtype == torch.long
    assert out.tolist() == [[[0, 2], [8, 10]]]

    labels = torch.arange(35).view(1, 1, 5, 7)
    labels[0, 0, 2, 4] = 255
    out = downsample_labels(labels, (2, 3))
    # nearest: source index floor(i * in / out): rows 0, 2; columns 0, 2, 4
    assert out.tolist() == [[[0, 2, 4], [14, 16, 255]]]

    batch = torch.stack([torch.full((1, 8, 6), 3), torch.full((1, 8, 6), 255)])
    out = downsample_labels(batch, (4, 3))
    assert out.shape == (2, 4, 3)
    assert (out[0] == 3).all() and (out[1] == 255).all()


def test_valid_region_mask_on_padded_images():
    metas = [
        dict(img_shape=(20, 12), pad_shape=(32, 32)),  # padded bottom and right
        dict(img_shape=(32, 32), pad_shape=(32, 32)),  # not padded
        dict(img_shape=(17, 32), pad_shape=(32, 32)),  # 17 * 8 / 32 = 4.25 -> 5 rows
    ]
    mask = valid_region_mask(metas, (8, 8), (32, 32), torch.device('cpu'))
    assert mask.shape == (3, 8, 8) and mask.dtype == torch.bool
    expected = torch.zeros(3, 8, 8, dtype=torch.bool)
    expected[0, :5, :3] = True  # ceil(20 / 4) = 5 rows, ceil(12 / 4) = 3 columns
    expected[1] = True
    expected[2, :5, :] = True
    assert torch.equal(mask, expected)


def test_valid_region_mask_uses_the_input_shape():
    # slide inference: img_shape is the crop, the input the crop too; pad_shape is stale
    metas = [dict(img_shape=(24, 24), pad_shape=(64, 64))]
    mask = valid_region_mask(metas, (3, 3), (24, 24), torch.device('cpu'))
    assert mask.all()


# ------------------------------------------------------------------------- inference

def _odd_image(h=37, w=45):
    g = torch.Generator().manual_seed(3)
    img = torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
    return dict(inputs=[img], data_samples=[sample])


def _predict(model, data):
    model.eval()
    with torch.no_grad():
        return model.test_step(copy.deepcopy(data))[0]


def test_predict_whole_and_slide_keep_the_original_size():
    torch.manual_seed(0)
    data = _odd_image()
    whole = _build(_model_cfg(mode='whole'))
    state = whole.state_dict()
    out = _predict(whole, data)
    assert out.pred_sem_seg.data.shape == (1, 37, 45)
    assert out.seg_logits.data.shape == (5, 37, 45)
    assert torch.equal(out.pred_sem_seg.data[0], out.seg_logits.data.argmax(0))

    slide = _build(_model_cfg(mode='slide', crop_size=(24, 24), stride=(16, 16)))
    slide.load_state_dict(state)
    out_slide = _predict(slide, data)
    assert out_slide.pred_sem_seg.data.shape == (1, 37, 45)
    assert out_slide.seg_logits.data.shape == (5, 37, 45)
    assert torch.isfinite(out_slide.seg_logits.data).all()
    # overlapping windows of another context: not the whole-image logits
    assert not torch.allclose(out_slide.seg_logits.data, out.seg_logits.data)

    # one window covering the image: slide inference is whole inference
    big = _build(_model_cfg(mode='slide', crop_size=(64, 64), stride=(48, 48)))
    big.load_state_dict(state)
    torch.testing.assert_close(_predict(big, data).seg_logits.data, out.seg_logits.data)
