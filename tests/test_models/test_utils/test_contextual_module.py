"""ContextualModule: shapes, the reparameterisation, the logvar ReLU option, the feature formula."""
import pytest
import torch

from mmseg_zs3.models.utils import ContextualModule


def _module(**kwargs):
    torch.manual_seed(0)
    cfg = dict(channels=6, hidden_channels=4)
    cfg.update(kwargs)
    return ContextualModule(**cfg)


def test_shapes_and_keys():
    module = _module()
    out = module(torch.randn(2, 6, 9, 11))
    assert set(out) == {'feature', 'latent', 'mu', 'logvar'}
    for value in out.values():
        assert value.shape == (2, 6, 9, 11)
    assert module.gate.out_channels == 3
    assert [b[0].dilation for b in module.branches] == [(1, 1), (2, 2), (5, 5)]
    assert all(b[0].bias is None for b in module.branches)


def test_eval_mode_latent_is_mu_and_deterministic():
    module = _module().eval()
    h = torch.randn(2, 6, 9, 11)
    out1, out2 = module(h), module(h)
    torch.testing.assert_close(out1['latent'], out1['mu'])
    torch.testing.assert_close(out1['feature'], out2['feature'])
    # f = sigmoid(h + h * sigmoid(z)), z = mu in eval mode.
    expected = torch.sigmoid(h + h * torch.sigmoid(out1['mu']))
    torch.testing.assert_close(out1['feature'], expected)
    assert (out1['feature'] > 0).all() and (out1['feature'] < 1).all()


def test_train_mode_samples_with_the_predicted_variance():
    module = _module().train()
    h = torch.randn(2, 6, 9, 11)
    out1, out2 = module(h), module(h)
    assert not torch.allclose(out1['latent'], out2['latent'])
    torch.testing.assert_close(out1['mu'], out2['mu'])
    # z = mu + exp(logvar / 2) * eps with the same eps as a seeded generator gives.
    gen = torch.Generator().manual_seed(3)
    out = module(h, generator=gen)
    eps = torch.randn(out['mu'].shape, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(out['latent'], out['mu'] + torch.exp(0.5 * out['logvar']) * eps)
    torch.testing.assert_close(out['feature'], torch.sigmoid(h + h * torch.sigmoid(out['latent'])))


def test_logvar_relu_option():
    h = torch.randn(2, 6, 9, 11)
    plain = _module().eval()
    with torch.no_grad():  # make the raw log-variance clearly negative
        plain.conv_logvar.bias.fill_(-5.0)
    assert (plain(h)['logvar'] < 0).any()
    buggy = _module(logvar_relu=True).eval()
    buggy.load_state_dict(plain.state_dict())
    logvar = buggy(h)['logvar']
    assert (logvar >= 0).all()
    torch.testing.assert_close(logvar, plain(h)['logvar'].clamp_min(0))


def test_cascade_and_parallel_branches_differ():
    cascade = _module()
    parallel = _module(cascade=False)
    assert cascade.branches[1][0].in_channels == 4  # reads the previous branch
    assert parallel.branches[1][0].in_channels == 6  # reads sigmoid(h)
    out = parallel.eval()(torch.randn(1, 6, 7, 7))
    assert out['feature'].shape == (1, 6, 7, 7)


def test_gradient_reaches_every_layer():
    module = _module().train()
    out = module(torch.randn(2, 6, 9, 11))
    (out['feature'].sum() + out['logvar'].sum()).backward()
    for name, param in module.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.parametrize('kwargs', [dict(channels=0), dict(hidden_channels=-1),
                                    dict(dilations=()), dict(dilations=(1, 0))])
def test_bad_arguments_raise(kwargs):
    with pytest.raises(ValueError):
        _module(**kwargs)


def test_wrong_input_channels_raise():
    with pytest.raises(ValueError, match='6'):
        _module()(torch.randn(1, 5, 4, 4))


@pytest.mark.parametrize('cascade', [True, False])
def test_forward_computed_by_hand(cascade):
    import torch.nn.functional as F
    module = _module(cascade=cascade).eval()
    h = torch.randn(2, 6, 8, 8)
    x = torch.sigmoid(h)
    branches, inp = [], x
    for branch, d in zip(module.branches, (1, 2, 5)):
        y = F.relu(F.conv2d(inp, branch[0].weight, None, padding=d, dilation=d))
        branches.append(y)
        inp = y if cascade else x
    cat = torch.cat(branches, 1)
    gate = torch.sigmoid(F.conv2d(cat, module.gate.weight, module.gate.bias))
    gated = torch.cat([b * gate[:, i:i + 1] for i, b in enumerate(branches)], 1)
    context = F.relu(F.conv2d(gated, module.project[0].weight, module.project[0].bias))
    mu = F.conv2d(context, module.conv_mu.weight, module.conv_mu.bias, padding=1)
    logvar = F.conv2d(context, module.conv_logvar.weight, module.conv_logvar.bias, padding=1)
    out = module(h)
    torch.testing.assert_close(out['mu'], mu)
    torch.testing.assert_close(out['logvar'], logvar)
    torch.testing.assert_close(out['feature'], torch.sigmoid(h + h * torch.sigmoid(mu)))


def test_gate_relu_option_keeps_gates_at_least_one_half():
    module = _module(gate_relu=True).eval()
    with torch.no_grad():
        module.gate.bias.fill_(-10.0)  # all gate logits negative -> ReLU -> 0 -> gate 0.5
    plain = _module().eval()
    plain.load_state_dict(module.state_dict())
    h = torch.randn(1, 6, 5, 5)
    assert not torch.allclose(module(h)['mu'], plain(h)['mu'])
