"""Tests of RPENeck: shapes, the 'none' ablation, padding, and inside a real mmseg segmentor."""
import pytest
import torch
import torch.nn as nn
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.models.necks import RPENeck
from mmseg_zs3.models.utils import (Conv1x1Fusion, SIGNFusion, batch_position_code,
                                    sinusoidal_position_code)

IN_CHANNELS = [4, 6, 8]
SIZES = [(17, 23), (9, 12), (5, 6)]


def _inputs(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, c, h, w, generator=g)
                 for c, (h, w) in zip(IN_CHANNELS, SIZES))


def _randomise(module, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)


def _record_codes(neck):
    """Records the code each fusion block receives."""
    codes = []
    for fusion in neck.fusions:
        fusion.register_forward_pre_hook(lambda m, args: codes.append(args[1].clone()))
    return codes


@pytest.mark.parametrize('in_index', [0, 2, -1, [0, 2], [0, 1, 2]])
@pytest.mark.parametrize('fusion', ['sign', 'conv1x1', 'add'])
def test_shapes_and_pass_through(in_index, fusion):
    neck = RPENeck(IN_CHANNELS, in_index=in_index, fusion=fusion, code_dim=8,
                   fusion_cfg=dict(branch_channels=4) if fusion == 'sign' else None)
    levels = sorted({i % 3 for i in ([in_index] if isinstance(in_index, int) else in_index)})
    assert neck.in_index == ([in_index % 3] if isinstance(in_index, int) else in_index)
    assert len(neck.fusions) == len(levels)
    _randomise(neck)
    inputs = _inputs()
    outs = neck(inputs)
    assert isinstance(outs, tuple) and len(outs) == 3
    for level, (x, y) in enumerate(zip(inputs, outs)):
        assert y.shape == x.shape
        if level in levels:
            assert not torch.allclose(y, x), level
        else:
            assert y is x, level


def test_identity_at_init_and_after_a_neck_init_cfg():
    neck = RPENeck(IN_CHANNELS, in_index=[0, 2], code_dim=8,
                   fusion_cfg=dict(branch_channels=4),
                   init_cfg=dict(type='Kaiming', layer='Conv2d'))
    branch = neck.fusions[0].branches[0][0].weight.clone()
    neck.init_weights()
    assert not torch.equal(branch, neck.fusions[0].branches[0][0].weight)  # init ran
    inputs = _inputs()
    for x, y in zip(inputs, neck(inputs)):
        assert torch.equal(x, y)


def test_single_level_int_channels_1x1_and_non_square():
    neck = RPENeck(4, in_index=0, code_dim=4, fusion='sign',
                   fusion_cfg=dict(branch_channels=2))
    _randomise(neck)
    for size in [(1, 1), (1, 9), (7, 1), (3, 11)]:
        x = torch.randn(2, 4, *size)
        (y, ) = neck((x, ))
        assert y.shape == x.shape and torch.isfinite(y).all()


def test_none_returns_inputs_unchanged():
    neck = RPENeck(IN_CHANNELS, in_index=[0, 1, 2], encoding='none', fusion='sign',
                   code_dim=8)
    assert len(list(neck.parameters())) == 0
    inputs = _inputs()
    outs = neck(inputs, [dict(img_shape=(8, 8), pad_shape=(16, 16))] * 2)
    assert isinstance(outs, tuple)
    assert all(y is x for x, y in zip(inputs, outs))


def test_codes_per_level_rpe_vs_ape():
    inputs = _inputs()
    for encoding in ['rpe', 'ape']:
        neck = RPENeck(IN_CHANNELS, in_index=[0, 1], encoding=encoding, code_dim=8)
        codes = _record_codes(neck)
        neck(inputs)
        assert [tuple(c.shape) for c in codes] == [(2, 8, 17, 23), (2, 8, 9, 12)]
        for code, (h, w) in zip(codes, SIZES):
            expected = sinusoidal_position_code(h, w, 8, mode=encoding)
            assert torch.equal(code, expected.expand(2, -1, -1, -1))
        same_corner = torch.allclose(codes[0][0, :, -1, -1], codes[1][0, :, -1, -1])
        assert same_corner == (encoding == 'rpe')


def test_padded_metas_change_the_code_only_as_expected():
    stride = 8
    (feat_h, feat_w), (h, w) = SIZES[0], (10, 7)
    metas = [
        dict(img_shape=(feat_h * stride, feat_w * stride),
             pad_shape=(feat_h * stride, feat_w * stride)),
        dict(img_shape=(h * stride - 3, w * stride - 5),  # ceil -> (h, w)
             pad_shape=(feat_h * stride, feat_w * stride)),
    ]
    neck = RPENeck(IN_CHANNELS, in_index=0, fusion='conv1x1', code_dim=8)
    _randomise(neck)
    codes = _record_codes(neck)
    inputs = _inputs()
    plain = neck(inputs)[0]
    padded = neck(inputs, metas)[0]
    full_code, pad_code = codes
    # the unpadded image: same code, same output as without metas
    assert torch.equal(pad_code[0], full_code[0])
    assert torch.allclose(padded[0], plain[0])
    # the padded image: the code of its own (h, w) frame at the top-left, zeros outside
    assert torch.equal(pad_code[1, :, :h, :w], sinusoidal_position_code(h, w, 8))
    assert (pad_code[1, :, h:] == 0).all() and (pad_code[1, :, :, w:] == 0).all()
    assert not torch.allclose(padded[1], plain[1])
    # a per-pixel fusion gives the valid region exactly what the unpadded image gets alone
    x = inputs[0]
    alone = neck((x[1:, :, :h, :w], inputs[1][1:], inputs[2][1:]))[0]
    assert torch.allclose(padded[1, :, :h, :w], alone[0], atol=1e-6)
    # and outside it the fusion sees a zero code
    fusion = neck.fusions[0]
    zero_code = fusion(x[1:], torch.zeros(1, 8, feat_h, feat_w))
    assert torch.allclose(padded[1, :, h:], zero_code[0, :, h:], atol=1e-6)
    # input_shape overrides pad_shape as the reference frame
    again = neck(inputs, metas, input_shape=(h * stride - 3, w * stride - 5))[0]
    assert torch.allclose(again[1], plain[1])


def test_forward_errors():
    neck = RPENeck(IN_CHANNELS, in_index=0, code_dim=8)
    inputs = _inputs()
    with pytest.raises(ValueError, match='3 level'):
        neck(inputs[:2])
    with pytest.raises(ValueError, match=r'\(B, 4, H, W\)'):
        neck((inputs[1], inputs[1], inputs[2]))
    with pytest.raises(ValueError, match='1 image metas for a batch of 2'):
        neck(inputs, [dict(img_shape=(8, 8), pad_shape=(8, 8))])
    with pytest.raises(TypeError, match='tuple/list'):
        neck(inputs[0])


@pytest.mark.parametrize('kwargs,error,match', [
    (dict(in_channels=[4, 8], in_index=2), ValueError, r'in_index \[2\]'),
    (dict(in_channels=[4, 8], in_index=[0, -3]), ValueError, r'\[-3\]'),
    (dict(in_channels=[4, 8], in_index=[1, -1]), ValueError, 'twice'),
    (dict(in_channels=[4, 8], code_dim=10), ValueError, 'dim=10'),
    (dict(in_channels=[4, 8], encoding='learned'), ValueError, 'learned'),
    (dict(in_channels=[4, 8], fusion='attention'), ValueError, 'attention'),
    (dict(in_channels=[], in_index=0), ValueError, 'in_channels'),
    (dict(in_channels=[4, 0]), ValueError, r'\[0\]'),
    (dict(in_channels=[4, 8], standard_length=0), ValueError, 'standard_length'),
    (dict(in_channels=[4, 8], fusion_cfg=dict(not_an_arg=1)), TypeError, 'not_an_arg'),
])
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        RPENeck(**kwargs)


def _segmentor_cfg(neck):
    init_default_scope('mmseg')  # the config names mmseg's modules
    norm_cfg = dict(type='BN', requires_grad=True)
    return ConfigDict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0.0] * 3, std=[1.0] * 3,
                               size=(40, 48), pad_val=0, seg_pad_val=255),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=4,
                      num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
                      strides=(1, 2, 1, 1), norm_cfg=norm_cfg, contract_dilation=True),
        neck=neck,
        decode_head=dict(type='FCNHead', in_channels=32, in_index=3, channels=8,
                         num_convs=1, concat_input=False, dropout_ratio=0.0, num_classes=3,
                         norm_cfg=norm_cfg, align_corners=False,
                         loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))


def _data(sizes=((40, 48), (33, 29))):
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for h, w in sizes:
        inputs.append(torch.randint(0, 255, (3, h, w), generator=g).to(torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=(h, w), ori_shape=(h, w)))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, h, w), generator=g))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_inside_a_real_encoder_decoder():
    neck_cfg = dict(type='RPENeck', in_channels=[4, 8, 16, 32], in_index=[2, 3],
                    fusion='sign', code_dim=8, fusion_cfg=dict(branch_channels=4))
    model = MODELS.build(_segmentor_cfg(neck_cfg))
    model.init_weights()
    assert isinstance(model.neck, RPENeck)
    assert isinstance(model.neck.fusions[1], SIGNFusion)
    data = model.data_preprocessor(_data(), training=True)
    inputs, samples = data['inputs'], data['data_samples']
    assert inputs.shape == (2, 3, 40, 48)

    model.train()
    logits = model(inputs, samples, mode='tensor')
    assert logits.shape == (2, 3, 5, 6)  # output stride 8
    losses = model(inputs, samples, mode='loss')
    loss = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(loss)
    loss.backward()
    # FCNHead reads level 3 only: its fusion learns, level 2's is not in the graph
    assert model.neck.fusions[1].project.weight.grad.abs().sum() > 0
    assert model.neck.fusions[0].project.weight.grad is None

    # mmseg's own metainfo (img_shape / pad_shape from stack_batch) gives the valid frame
    codes = _record_codes(model.neck)
    feats = model.backbone(inputs)
    model.neck(feats, [s.metainfo for s in samples])
    # level 2 is 5x6 for the padded 40x48 batch; the 33x29 image covers ceil(4.125) x
    # ceil(3.625) = 5 x 4 cells
    code = codes[0]
    assert code.shape == (2, 8, 5, 6)
    assert torch.equal(code[0], sinusoidal_position_code(5, 6, 8))
    assert torch.equal(code[1, :, :5, :4], sinusoidal_position_code(5, 4, 8))
    assert (code[1, :, :, 4:] == 0).all()

    model.eval()
    with torch.no_grad():
        preds = model(inputs, samples, mode='predict')
    assert preds[0].pred_sem_seg.shape == (40, 48)
    assert preds[1].pred_sem_seg.shape == (33, 29)


def test_gradient_reaches_every_fusion_weight_after_a_step():
    neck_cfg = dict(type='RPENeck', in_channels=[4, 8, 16, 32], in_index=3,
                    fusion='conv1x1', code_dim=4)
    model = MODELS.build(_segmentor_cfg(neck_cfg))
    model.init_weights()
    assert isinstance(model.neck.fusions[0], Conv1x1Fusion)
    data = model.data_preprocessor(_data(), training=True)
    optim = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        optim.zero_grad()
        losses = model(data['inputs'], data['data_samples'], mode='loss')
        sum(v for k, v in losses.items() if 'loss' in k).backward()
        optim.step()
    weight = model.neck.fusions[0].project.weight
    assert weight.grad.abs().sum() > 0
    # the weights that read the position code have moved off zero
    assert weight[:, 32:].abs().sum() > 0


def test_dtype_follows_the_features():
    neck = RPENeck([4], in_index=0, fusion='add', code_dim=4).double()
    codes = _record_codes(neck)
    x = torch.randn(1, 4, 3, 5, dtype=torch.float64)
    (y, ) = neck([x])
    assert y.dtype == torch.float64 and codes[0].dtype == torch.float64
    assert torch.equal(codes[0], batch_position_code((3, 5), [(3, 5)], 4,
                                                     dtype=torch.float64))
    assert isinstance(neck.fusions[0].project, nn.Conv2d)
