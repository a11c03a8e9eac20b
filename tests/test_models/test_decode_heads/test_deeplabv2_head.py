"""DeepLabV2Head: summed dilated branches, checked against F.conv2d by hand, and end to end."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_zs3  # noqa: F401  (registers the head)
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.models.decode_heads import DeepLabV2Head


def _head(**kwargs):
    cfg = dict(in_channels=4, channels=2, num_classes=19)
    cfg.update(kwargs)
    return DeepLabV2Head(**cfg)


def test_shapes_and_branches():
    head = _head()
    assert head.dilations == (6, 12, 18, 24)
    assert len(head.aspp_convs) == 4
    for conv, d in zip(head.aspp_convs, (6, 12, 18, 24)):
        assert conv.kernel_size == (3, 3)
        assert conv.dilation == (d, d) and conv.padding == (d, d)
        assert conv.bias is not None
    inputs = [torch.randn(1, 4, 23, 23)]
    assert head._forward_feature(inputs).shape == (1, 2, 23, 23)
    assert head(inputs).shape == (1, 19, 23, 23)


def test_feature_is_sum_of_branches_computed_by_hand():
    torch.manual_seed(0)
    head = _head(dilations=(1, 3, 6), in_index=1)
    head.eval()
    x = torch.randn(2, 4, 23, 23)
    inputs = [torch.randn(2, 7, 5, 5), x]  # level 1 is selected
    expected = sum(
        F.conv2d(x, conv.weight, conv.bias, padding=d, dilation=d)
        for conv, d in zip(head.aspp_convs, (1, 3, 6)))
    feature = head._forward_feature(inputs)
    torch.testing.assert_close(feature, expected)
    # No activation: negative values survive.
    assert (feature < 0).any()
    torch.testing.assert_close(head(inputs), head.conv_seg(expected))


@pytest.mark.parametrize('dilations, error', [
    ((), ValueError),
    ((6, 0), ValueError),
    ((6, -2), ValueError),
    ((6, 1.5), TypeError),
    ((True, 2), TypeError),
    (6, TypeError),
])
def test_bad_dilations_raise(dilations, error):
    with pytest.raises(error, match='dilation'):
        _head(dilations=dilations)


def test_multiple_inputs_rejected():
    with pytest.raises(ValueError, match='input_transform'):
        _head(in_channels=[4, 4], in_index=[0, 1], input_transform='multiple_select')


def test_inside_encoder_decoder_loss_and_predict():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    cfg = dict(
        type='EncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.],
                               size=(32, 32), pad_val=0, seg_pad_val=255),
        backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=4,
                      num_stages=4, out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
                      strides=(1, 2, 1, 1), norm_cfg=dict(type='BN')),
        decode_head=dict(type='DeepLabV2Head', in_channels=32, in_index=3, channels=6,
                         dilations=(1, 2, 3, 4), num_classes=3, dropout_ratio=0.0,
                         loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
        train_cfg=dict(),
        test_cfg=dict(mode='whole'))
    model = MODELS.build(ConfigDict(cfg))  # mmseg reads test_cfg.mode as an attribute
    model.init_weights()
    # DeepLabv2's initialisation: N(0, 0.01) weights and zero bias on every branch.
    for conv in model.decode_head.aspp_convs:
        assert conv.bias.abs().max() == 0
        assert 0.005 < conv.weight.std() < 0.02
    inputs = torch.rand(2, 3, 32, 32)
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(32, 32), pad_shape=(32, 32),
                                             ori_shape=(32, 32)))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 32, 32)))
        samples.append(sample)
    model.train()
    losses = model.loss(inputs, samples)
    assert torch.isfinite(losses['decode.loss_ce'])
    losses['decode.loss_ce'].backward()
    assert model.decode_head.aspp_convs[2].weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        results = model.predict(inputs, samples)
    assert results[0].pred_sem_seg.data.shape == (1, 32, 32)
    assert results[0].seg_logits.data.shape == (3, 32, 32)
