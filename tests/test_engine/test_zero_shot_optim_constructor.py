"""ZeroShotOptimWrapperConstructor: one optimizer per sub-network, disjoint and complete
parameter sets, paramwise_cfg confined to its sub-network, and its errors."""
import copy
import functools
from pathlib import Path

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import OptimWrapperDict, build_optim_wrapper
from mmengine.registry import init_default_scope

import mmseg_zs3  # noqa: F401  (registers the constructor and the models)
from mmseg.registry import MODELS
from mmseg_zs3.engine.optimizers.zero_shot_optim_constructor import \
    ZeroShotOptimWrapperConstructor
from mmseg_zs3.models.wrappers.zero_shot_distributed_wrapper import ZeroShotDistributedWrapper

CONFIG = (Path(__file__).resolve().parents[2] / 'configs' / 'sign' /
          'sign_r18-tiny_300it_toyshapes-64x64_4-1.py')
SEG_LR = 0.01  # the toy config's segmentor lr
ADAM_LR = 1e-3


@functools.lru_cache()
def _config():
    init_default_scope('mmseg')
    return Config.fromfile(str(CONFIG))


def _model(neck=True, latent_prior='contextual'):
    init_default_scope('mmseg')
    cfg = copy.deepcopy(_config().model)
    cfg.backbone.update(stem_channels=8, base_channels=4)
    if neck:
        cfg.neck.update(in_channels=[4, 8, 16, 32], code_dim=8,
                        fusion_cfg=dict(branch_channels=8, dilations=(1, 2, 5),
                                        input_act='sigmoid'))
    else:
        cfg.pop('neck')
    cfg.decode_head.update(in_channels=32, channels=8, contextual_cfg=dict(hidden_channels=8),
                           latent_prior=latent_prior, noise_dim=5,
                           generator_cfg=dict(hidden_channels=(16, ), dropouts=(0.1, )),
                           discriminator_cfg=dict(hidden_channels=16, dropout=0.1))
    return MODELS.build(cfg)


def _optim_cfg():
    return copy.deepcopy(_config().optim_wrapper).to_dict()


def _param_ids(optim_wrapper):
    ids = [id(p) for group in optim_wrapper.optimizer.param_groups for p in group['params']]
    assert len(ids) == len(set(ids)), 'a parameter appears twice in one optimizer'
    return set(ids)


def _lr_of(optim_wrapper):
    """id(param) -> lr of its group."""
    return {id(p): group['lr'] for group in optim_wrapper.optimizer.param_groups
            for p in group['params']}


@pytest.mark.parametrize('neck, latent_prior', [(True, 'contextual'), (False, 'noise')])
def test_three_disjoint_optimizers_cover_every_trainable_parameter(neck, latent_prior):
    torch.manual_seed(0)
    model = _model(neck=neck, latent_prior=latent_prior)
    optim_wrapper = build_optim_wrapper(model, _optim_cfg())
    assert isinstance(optim_wrapper, OptimWrapperDict)
    assert set(optim_wrapper.keys()) == {'segmentor', 'discriminator', 'generator'}
    assert isinstance(optim_wrapper['segmentor'].optimizer, torch.optim.SGD)
    assert isinstance(optim_wrapper['discriminator'].optimizer, torch.optim.Adam)
    assert isinstance(optim_wrapper['generator'].optimizer, torch.optim.Adam)

    sets = {k: _param_ids(optim_wrapper[k]) for k in optim_wrapper.keys()}
    assert not sets['segmentor'] & sets['discriminator']
    assert not sets['segmentor'] & sets['generator']
    assert not sets['discriminator'] & sets['generator']
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    assert set.union(*sets.values()) == trainable

    names = {id(p): n for n, p in model.named_parameters()}
    for key, prefixes in (('discriminator', ('decode_head.discriminator.', )),
                          ('generator', ('decode_head.generator.', ))):
        assert all(names[i].startswith(prefixes) for i in sets[key]), key
    seg_names = {names[i] for i in sets['segmentor']}
    assert any(n.startswith('backbone.') for n in seg_names)
    assert any(n.startswith('decode_head.feature_head.') for n in seg_names)
    assert any(n.startswith('neck.') for n in seg_names) == neck
    assert any(n.startswith('decode_head.contextual.') for n in seg_names) == \
        (latent_prior == 'contextual')


def test_frozen_parameters_are_left_out():
    model = _model()
    for p in model.backbone.stem.parameters():
        p.requires_grad_(False)
    optim_wrapper = build_optim_wrapper(model, _optim_cfg())
    ids = set.union(*(_param_ids(optim_wrapper[k]) for k in optim_wrapper.keys()))
    assert ids == {id(p) for p in model.parameters() if p.requires_grad}
    assert not ids & {id(p) for p in model.backbone.stem.parameters()}


def test_paramwise_cfg_applies_only_inside_its_sub_network():
    model = _model()
    cfg = _optim_cfg()
    # the toy config: decode_head and neck x10 in the segmentor optimizer
    cfg['discriminator']['paramwise_cfg'] = dict(custom_keys={'cls_head': dict(lr_mult=2.0)})
    optim_wrapper = build_optim_wrapper(model, cfg)
    seg = _lr_of(optim_wrapper['segmentor'])
    names = {id(p): n for n, p in model.named_parameters()}
    for pid, lr in seg.items():
        name = names[pid]
        if name.startswith(('decode_head.', 'neck.')):
            assert lr == pytest.approx(10 * SEG_LR), name
        else:
            assert name.startswith('backbone.') and lr == pytest.approx(SEG_LR), name
    # the segmentor's 'decode_head' key does not reach the discriminator and generator,
    # whose parameters live under decode_head in the full model
    disc = _lr_of(optim_wrapper['discriminator'])
    for pid, lr in disc.items():
        expected = 2 * ADAM_LR if names[pid].startswith('decode_head.discriminator.cls_head') \
            else ADAM_LR
        assert lr == pytest.approx(expected), names[pid]
    assert any(lr == pytest.approx(ADAM_LR) for lr in disc.values())
    for pid, lr in _lr_of(optim_wrapper['generator']).items():
        assert lr == pytest.approx(ADAM_LR), names[pid]


def test_unwraps_the_distributed_wrapper():
    model = _model()
    cfg = _optim_cfg()
    assert cfg.pop('constructor') == 'ZeroShotOptimWrapperConstructor'
    optim_wrapper = ZeroShotOptimWrapperConstructor(cfg)(ZeroShotDistributedWrapper(model))
    ids = set.union(*(_param_ids(optim_wrapper[k]) for k in optim_wrapper.keys()))
    assert ids == {id(p) for p in model.parameters()}


def test_top_level_paramwise_cfg_is_refused():
    model = _model()
    cfg = _optim_cfg()
    cfg['paramwise_cfg'] = dict(custom_keys={'backbone': dict(lr_mult=0.1)})
    with pytest.raises(ValueError, match='paramwise_cfg'):
        build_optim_wrapper(model, cfg)


def test_missing_and_unknown_sub_networks():
    model = _model()
    cfg = _optim_cfg()
    del cfg['generator']
    with pytest.raises(ValueError, match=r"missing \['generator'\]"):
        build_optim_wrapper(model, cfg)
    cfg = _optim_cfg()
    cfg['classifier'] = copy.deepcopy(cfg['discriminator'])
    with pytest.raises(ValueError, match=r"unknown \['classifier'\]"):
        build_optim_wrapper(model, cfg)
    with pytest.raises(ValueError):
        ZeroShotOptimWrapperConstructor({})


def test_model_without_optim_param_modules():
    init_default_scope('mmseg')
    with pytest.raises(TypeError, match='optim_param_modules'):
        build_optim_wrapper(nn.Conv2d(3, 4, 1), _optim_cfg())
    encoder_decoder = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=4,
                      norm_cfg=dict(type='BN')),
        decode_head=dict(type='FCNHead', in_channels=32, in_index=3, channels=4, num_convs=1,
                         num_classes=3)))
    with pytest.raises(TypeError, match='EncoderDecoder'):
        build_optim_wrapper(encoder_decoder, _optim_cfg())
