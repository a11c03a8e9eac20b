"""FeatureGenerator: CaGNet defaults, the ZS3Net GMMN configuration, layouts, validation."""
import pytest
import torch
import torch.nn as nn

from mmseg_zs3.models.utils import FeatureGenerator


def _linear_layers(gen):
    return [m for m in gen.mlp if isinstance(m, nn.Conv2d)]


def test_cagnet_defaults_shape_and_range():
    torch.manual_seed(0)
    gen = FeatureGenerator(embed_dim=5, latent_dim=6, out_channels=6)
    convs = _linear_layers(gen)
    assert [c.out_channels for c in convs] == [1024, 960, 864, 784, 720, 6]
    assert convs[0].in_channels == 11 and all(c.kernel_size == (1, 1) for c in convs)
    assert [m.p for m in gen.mlp if isinstance(m, nn.Dropout)] == [0.1, 0.1, 0.3, 0.5, 0.5]
    assert all(m.negative_slope == 0.2 for m in gen.mlp if isinstance(m, nn.LeakyReLU))
    out = gen(torch.randn(2, 5, 7, 9), torch.randn(2, 6, 7, 9) * 10)
    assert out.shape == (2, 6, 7, 9)
    assert (out > 0).all() and (out < 1).all()


def test_gmmn_configuration_is_linear_at_the_output():
    torch.manual_seed(0)
    gen = FeatureGenerator(embed_dim=300, latent_dim=300, out_channels=256,
                           hidden_channels=(256, ), dropouts=(0.5, ), out_act=None).eval()
    assert [c.out_channels for c in _linear_layers(gen)] == [256, 256]
    out = gen(torch.randn(3, 300, 2, 2), torch.rand(3, 300, 2, 2))
    assert out.shape == (3, 256, 2, 2)
    assert (out < 0).any()  # no squashing


def test_forward_is_the_pixelwise_mlp_computed_by_hand():
    torch.manual_seed(0)
    gen = FeatureGenerator(3, 2, 4, hidden_channels=(5, ), dropouts=(0.0, )).eval()
    emb, lat = torch.randn(2, 3, 4, 4), torch.randn(2, 2, 4, 4)
    hidden, last = _linear_layers(gen)
    x = torch.cat([emb, lat], 1).permute(0, 2, 3, 1)
    h = torch.nn.functional.leaky_relu(x @ hidden.weight[:, :, 0, 0].T + hidden.bias, 0.2)
    expected = torch.sigmoid(h @ last.weight[:, :, 0, 0].T + last.bias).permute(0, 3, 1, 2)
    torch.testing.assert_close(gen(emb, lat), expected)


def test_rows_layout_matches_map_layout():
    torch.manual_seed(0)
    gen = FeatureGenerator(3, 2, 4, hidden_channels=(8, 8), dropouts=(0.1, 0.1)).eval()
    emb, lat = torch.randn(2, 3, 4, 5), torch.randn(2, 2, 4, 5)
    maps = gen(emb, lat)
    rows = gen(emb.permute(0, 2, 3, 1).reshape(-1, 3), lat.permute(0, 2, 3, 1).reshape(-1, 2))
    assert rows.shape == (40, 4)
    torch.testing.assert_close(rows, maps.permute(0, 2, 3, 1).reshape(-1, 4))


def test_dropout_active_in_training_only():
    torch.manual_seed(0)
    gen = FeatureGenerator(3, 2, 4, hidden_channels=(64, ), dropouts=(0.5, ))
    emb, lat = torch.randn(1, 3, 4, 4), torch.randn(1, 2, 4, 4)
    assert not torch.allclose(gen.train()(emb, lat), gen(emb, lat))
    torch.testing.assert_close(gen.eval()(emb, lat), gen(emb, lat))


def test_dropout_count_validation():
    with pytest.raises(ValueError, match='one value per hidden layer'):
        FeatureGenerator(3, 2, 4, hidden_channels=(8, 8, 8), dropouts=(0.1, 0.1))


@pytest.mark.parametrize('kwargs', [dict(embed_dim=0), dict(out_act='tanh'),
                                    dict(dropouts=(1.0, ), hidden_channels=(4, )),
                                    dict(hidden_channels=(0, ), dropouts=(0.1, ))])
def test_bad_arguments_raise(kwargs):
    cfg = dict(embed_dim=3, latent_dim=2, out_channels=4)
    cfg.update(kwargs)
    with pytest.raises(ValueError):
        FeatureGenerator(**cfg)


def test_wrong_channels_raise():
    gen = FeatureGenerator(3, 2, 4, hidden_channels=(4, ), dropouts=(0.0, ))
    with pytest.raises(ValueError, match='embedding'):
        gen(torch.randn(1, 4, 2, 2), torch.randn(1, 2, 2, 2))
    with pytest.raises(ValueError, match='4-D'):
        gen(torch.randn(1, 3, 2, 2), torch.randn(4, 2))
