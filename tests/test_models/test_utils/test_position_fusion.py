"""Tests of the blocks that fuse a position code into features."""
import pytest
import torch
import torch.nn as nn

from mmseg_zs3.models.utils.position_fusion import (AddFusion, Conv1x1Fusion, SIGNFusion,
                                                    build_position_fusion)
from mmseg_zs3.models.utils.positional_encoding import batch_position_code

C, D, H, W = 6, 8, 17, 23


def _inputs(batch=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, C, H, W, generator=g)
    code = batch_position_code((H, W), [(H, W)] * batch, D)  # an expanded view
    return x, code


def _randomise(module, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)


@pytest.mark.parametrize('kind', ['sign', 'conv1x1', 'add'])
def test_shape_and_identity_at_init(kind):
    block = build_position_fusion(kind, C, D)
    x, code = _inputs()
    out = block(x, code)
    assert out.shape == x.shape
    assert torch.equal(out, x)  # zero-initialised output layer: the identity
    _randomise(block)
    out = block(x, code)
    assert out.shape == x.shape
    assert not torch.allclose(out, x)
    # the code matters: another code gives another output
    assert not torch.allclose(block(x, torch.zeros_like(code)), out)


@pytest.mark.parametrize('kind', ['sign', 'conv1x1', 'add'])
def test_one_by_one_and_batch_one(kind):
    block = build_position_fusion(kind, C, D)
    _randomise(block)
    x = torch.randn(1, C, 1, 1)
    code = batch_position_code((1, 1), [(1, 1)], D)
    assert block(x, code).shape == (1, C, 1, 1)


@pytest.mark.parametrize('kind', ['sign', 'conv1x1', 'add'])
def test_zero_init_survives_a_parent_init_cfg_and_can_be_turned_off(kind):
    block = build_position_fusion(kind, C, D, init_cfg=dict(type='Normal', layer='Conv2d',
                                                            std=1.0))
    block.init_weights()
    if kind == 'sign':  # the init_cfg did run (default conv init has std << 1 here)
        assert block.branches[0][0].weight.std() > 0.5
    x, code = _inputs()
    assert torch.equal(block(x, code), x)
    off = build_position_fusion(kind, C, D, zero_init=False)
    assert not torch.allclose(off(x, code), x)


def test_conv1x1_and_add_formulas():
    x, code = _inputs()
    conv = Conv1x1Fusion(C, D)
    _randomise(conv)
    expected = x + nn.functional.conv2d(torch.cat((x, code), 1), conv.project.weight,
                                        conv.project.bias)
    assert torch.allclose(conv(x, code), expected, atol=1e-5)
    add = AddFusion(C, D)
    _randomise(add)
    expected = x + nn.functional.conv2d(code, add.project.weight, add.project.bias)
    assert torch.allclose(add(x, code), expected, atol=1e-5)
    # add: the output depends on x only through the residual
    assert torch.allclose(add(x + 1, code) - add(x, code), torch.ones_like(x), atol=1e-5)


def test_sign_structure_gates_and_formula():
    block = SIGNFusion(C, D, branch_channels=4, dilations=(1, 2, 5))
    assert [b[0].dilation for b in block.branches] == [(1, 1), (2, 2), (5, 5)]
    assert [b[0].padding for b in block.branches] == [(1, 1), (2, 2), (5, 5)]
    assert all(b[0].bias is None and b[0].in_channels == C + D for b in block.branches)
    assert block.gate.out_channels == 3 and block.gate.in_channels == 12
    assert block.project.in_channels == 12 and block.project.out_channels == C
    _randomise(block)
    x, code = _inputs()
    branches = block.branch_outputs(x, code)
    assert branches.shape == (2, 3, 4, H, W) and (branches >= 0).all()
    gates = block.gates(branches)
    assert gates.shape == (2, 3, H, W)
    assert ((gates > 0) & (gates < 1)).all()
    # written out: sigmoid input, three dilated ReLU branches, gated sum through the 1x1 proj
    y = torch.cat((torch.sigmoid(x), code), 1)
    outs = [torch.relu(nn.functional.conv2d(y, b[0].weight, padding=d, dilation=d))
            for b, d in zip(block.branches, (1, 2, 5))]
    g = torch.sigmoid(nn.functional.conv2d(torch.cat(outs, 1), block.gate.weight,
                                           block.gate.bias))
    gated = torch.cat([g[:, i:i + 1] * o for i, o in enumerate(outs)], 1)
    expected = x + nn.functional.conv2d(gated, block.project.weight, block.project.bias)
    assert torch.allclose(block(x, code), expected, atol=1e-5)
    # the projection is linear in the gated branches: the output is the residual plus the
    # gate-weighted sum of each branch's own projection
    wp = block.project.weight.view(C, 3, 4)
    per_branch = sum(g[:, i:i + 1] * torch.einsum('oc,bchw->bohw', wp[:, i], outs[i])
                     for i in range(3))
    assert torch.allclose(block(x, code), x + per_branch + block.project.bias.view(1, C, 1, 1),
                          atol=1e-5)


def test_sign_input_activation_and_defaults():
    block = SIGNFusion(C, D)
    assert block.branch_channels == C and len(block.branches) == 3
    _randomise(block)
    x, code = _inputs()
    none_act = SIGNFusion(C, D, input_act='none')
    none_act.load_state_dict(block.state_dict())
    assert not torch.allclose(block(x, code), none_act(x, code))


def test_gradients_reach_the_block():
    block = SIGNFusion(C, D, branch_channels=4)
    x, code = _inputs()
    block(x, code).square().sum().backward()
    # at init only the zero projection gets gradient (its input is non-zero) ...
    assert block.project.weight.grad.abs().sum() > 0
    assert block.branches[0][0].weight.grad.abs().sum() == 0
    # ... and once it has moved, the branches and the gate learn too
    with torch.no_grad():
        block.project.weight.sub_(0.1 * block.project.weight.grad)
    block.zero_grad()
    block(x, code).square().sum().backward()
    assert all(b[0].weight.grad.abs().sum() > 0 for b in block.branches)
    assert block.gate.weight.grad.abs().sum() > 0


def test_build_errors():
    with pytest.raises(ValueError, match='nope'):
        build_position_fusion('nope', C, D)
    with pytest.raises(TypeError):
        build_position_fusion('add', C, D, dilations=(1, 2))  # not an AddFusion argument
    with pytest.raises(ValueError, match='dilations'):
        SIGNFusion(C, D, dilations=())
    with pytest.raises(ValueError, match='dilation'):
        SIGNFusion(C, D, dilations=(1, 0))
    with pytest.raises(ValueError, match='relu6'):
        SIGNFusion(C, D, input_act='relu6')
    with pytest.raises(ValueError, match='channels'):
        Conv1x1Fusion(0, D)
    block = build_position_fusion('sign', C, D, branch_channels=4, dilations=(1, 3))
    assert isinstance(block, SIGNFusion) and len(block.branches) == 2
    assert block.branches[1][0].dilation == (3, 3)


def test_forward_shape_errors():
    block = AddFusion(C, D)
    x, code = _inputs()
    with pytest.raises(ValueError, match='features'):
        block(x[:, :4], code)
    with pytest.raises(ValueError, match='code'):
        block(x, code[:, :4])
    with pytest.raises(ValueError, match='code'):
        block(x, code[:, :, :5])
