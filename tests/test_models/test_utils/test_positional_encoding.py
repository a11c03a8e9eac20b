"""Tests of the sinusoidal position codes (RPE / APE), their cache and the padded batch code."""
import math

import pytest
import torch

from mmseg_zs3.models.utils.positional_encoding import (batch_position_code,
                                                        cached_position_code,
                                                        clear_position_code_cache,
                                                        sinusoidal_position_code,
                                                        valid_feature_sizes)

# sin / cos of the positions used below, written out (math.sin(255.5) etc.)
S255, C255 = -0.8578108399216532, -0.5139655269693756
S511, C511 = 0.8817704007607503, -0.4716788741741842


def test_rpe_dim4_2x3_by_hand():
    # dim 4: D' = 2, one frequency w_0 = 1; W = 3 -> u_x = 511 * x / 2 = 0, 255.5, 511;
    # H = 2 -> u_y = 511 * y = 0, 511
    code = sinusoidal_position_code(2, 3, 4, mode='rpe', standard_length=512,
                                    dtype=torch.float64)
    expected = torch.tensor([
        [[0.0, S255, S511], [0.0, S255, S511]],  # sin(u_x)
        [[1.0, C255, C511], [1.0, C255, C511]],  # cos(u_x)
        [[0.0, 0.0, 0.0], [S511, S511, S511]],  # sin(u_y)
        [[1.0, 1.0, 1.0], [C511, C511, C511]],  # cos(u_y)
    ], dtype=torch.float64)
    assert code.shape == (4, 2, 3)
    assert torch.allclose(code, expected, atol=1e-12)


def test_ape_dim8_2x3_by_hand():
    # dim 8: D' = 4, frequencies w_0 = 1, w_1 = 10000 ** (-2 / 4) = 0.01; u_x = x, u_y = y
    code = sinusoidal_position_code(2, 3, 8, mode='ape', dtype=torch.float64)
    s1, c1, s2, c2 = 0.8414709848078965, 0.5403023058681398, 0.9092974268256817, \
        -0.4161468365471424
    s01, c01, s02, c02 = 0.009999833334166664, 0.9999500004166653, 0.01999866669333308, \
        0.9998000066665778
    row_x = [
        [0.0, s1, s2],  # sin(x)
        [1.0, c1, c2],  # cos(x)
        [0.0, s01, s02],  # sin(0.01 x)
        [1.0, c01, c02],  # cos(0.01 x)
    ]
    col_y = [
        [0.0, s1],  # sin(y)
        [1.0, c1],  # cos(y)
        [0.0, s01],  # sin(0.01 y)
        [1.0, c01],  # cos(0.01 y)
    ]
    expected = torch.empty(8, 2, 3, dtype=torch.float64)
    for c in range(4):
        expected[c] = torch.tensor(row_x[c], dtype=torch.float64)[None, :].expand(2, 3)
        expected[4 + c] = torch.tensor(col_y[c], dtype=torch.float64)[:, None].expand(2, 3)
    assert torch.allclose(code, expected, atol=1e-12)


def test_rpe_standard_length_and_frequencies():
    # dim 16: D' = 8, w_k = 10000 ** (-k / 4); W = 5 with L = 9 -> u_x = 2 x
    code = sinusoidal_position_code(1, 5, 16, mode='rpe', standard_length=9,
                                    dtype=torch.float64)
    x = 3
    for k in range(4):
        w = 10000 ** (-2 * k / 8)
        assert code[2 * k, 0, x].item() == pytest.approx(math.sin(2 * x * w), abs=1e-12)
        assert code[2 * k + 1, 0, x].item() == pytest.approx(math.cos(2 * x * w), abs=1e-12)
    # single row: the y half is the code of position 0
    assert torch.equal(code[8::2], torch.zeros(4, 1, 5, dtype=torch.float64))
    assert torch.equal(code[9::2], torch.ones(4, 1, 5, dtype=torch.float64))


@pytest.mark.parametrize('small,large,pairs', [
    ((5, 5), (9, 9), [((0, 0), (0, 0)), ((0, 4), (0, 8)), ((4, 0), (8, 0)),
                      ((4, 4), (8, 8)), ((2, 2), (4, 4))]),
    ((3, 5), (5, 9), [((0, 0), (0, 0)), ((2, 4), (4, 8)), ((0, 4), (0, 8)),
                      ((1, 2), (2, 4))]),
])
def test_rpe_same_relative_location_same_code(small, large, pairs):
    a = sinusoidal_position_code(*small, 32, mode='rpe', dtype=torch.float64)
    b = sinusoidal_position_code(*large, 32, mode='rpe', dtype=torch.float64)
    for (ya, xa), (yb, xb) in pairs:
        assert torch.allclose(a[:, ya, xa], b[:, yb, xb], atol=1e-9), (small, ya, xa)
    # ... and the code does distinguish locations
    assert not torch.allclose(a[:, 0, 0], a[:, -1, -1])
    # APE: the far corner of the small map is not the far corner of the large one
    a_ape = sinusoidal_position_code(*small, 32, mode='ape', dtype=torch.float64)
    b_ape = sinusoidal_position_code(*large, 32, mode='ape', dtype=torch.float64)
    assert not torch.allclose(a_ape[:, -1, -1], b_ape[:, -1, -1], atol=1e-3)
    # APE is the code of the cell index: the small map is the top-left crop of the large
    assert torch.allclose(a_ape, b_ape[:, :small[0], :small[1]], atol=1e-12)


@pytest.mark.parametrize('mode', ['rpe', 'ape'])
def test_one_by_one_single_row_and_column(mode):
    code = sinusoidal_position_code(1, 1, 8, mode=mode)
    assert code.shape == (8, 1, 1)
    assert torch.equal(code[0::2, 0, 0], torch.zeros(4))  # sin(0)
    assert torch.equal(code[1::2, 0, 0], torch.ones(4))  # cos(0)
    row = sinusoidal_position_code(1, 4, 8, mode=mode)
    assert row.shape == (8, 1, 4)
    assert torch.equal(row[4:], code[4:].expand(4, 1, 4))  # y half constant
    assert not torch.allclose(row[:4, 0, 0], row[:4, 0, 3])  # x half varies
    col = sinusoidal_position_code(4, 1, 8, mode=mode)
    assert col.shape == (8, 4, 1)
    assert torch.equal(col[:4], code[:4].expand(4, 4, 1))
    assert not torch.allclose(col[4:, 0, 0], col[4:, 3, 0])
    assert torch.isfinite(row).all() and torch.isfinite(col).all()


def test_dtype_device_and_float64_precision():
    ref = sinusoidal_position_code(17, 23, 16, dtype=torch.float64)
    half = sinusoidal_position_code(17, 23, 16, dtype=torch.float16, device='cpu')
    assert half.dtype == torch.float16 and half.device.type == 'cpu'
    assert torch.allclose(half.double(), ref, atol=1e-3)
    f32 = sinusoidal_position_code(17, 23, 16)
    assert f32.dtype == torch.float32
    assert torch.equal(f32, ref.float())  # computed in float64, cast at the end


@pytest.mark.parametrize('kwargs,match', [
    (dict(height=2, width=3, dim=6), 'dim=6'),
    (dict(height=2, width=3, dim=0), '0'),
    (dict(height=2, width=3, dim=8, mode='xyz'), 'xyz'),
    (dict(height=0, width=3, dim=8), 'height'),
    (dict(height=2, width=-1, dim=8), 'width'),
    (dict(height=2, width=3, dim=8, standard_length=0), 'standard_length'),
])
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sinusoidal_position_code(**kwargs)
    with pytest.raises(ValueError, match=match):
        cached_position_code(**kwargs)


def test_cache_returns_the_same_object_per_key():
    clear_position_code_cache()
    a = cached_position_code(6, 7, 8, 'rpe', 512, torch.float32, None)
    b = cached_position_code(6, 7, 8, 'rpe', 512, torch.float32, torch.device('cpu'))
    assert a is b
    assert not a.requires_grad and not a.is_inference()
    assert torch.equal(a, sinusoidal_position_code(6, 7, 8))
    c = cached_position_code(6, 7, 8, 'rpe', 512, torch.float64, None)
    assert c is not a and c.dtype == torch.float64
    assert cached_position_code(6, 7, 8, 'ape', 512, torch.float32, None) is not a
    assert cached_position_code(6, 7, 8, 'rpe', 256, torch.float32, None) is not a
    assert cached_position_code(7, 6, 8, 'rpe', 512, torch.float32, None) is not a
    clear_position_code_cache()
    assert cached_position_code(6, 7, 8, 'rpe', 512, torch.float32, None) is not a


def test_code_cached_in_inference_mode_trains_later():
    clear_position_code_cache()
    with torch.inference_mode():
        cached_position_code(3, 4, 8)
    code = batch_position_code((3, 4), [(3, 4)], 8)
    weight = torch.ones(1, 8, 1, 1, requires_grad=True)
    torch.nn.functional.conv2d(code, weight).sum().backward()
    assert weight.grad is not None


def test_batch_code_with_padding():
    feat = (6, 7)
    valid = [(6, 7), (4, 5), (6, 3), (4, 5), (1, 1)]
    out = batch_position_code(feat, valid, 8, 'rpe', 512, torch.float32, None)
    assert out.shape == (5, 8, 6, 7)
    for i, (h, w) in enumerate(valid):
        assert torch.equal(out[i, :, :h, :w], sinusoidal_position_code(h, w, 8)), i
        outside = torch.ones(6, 7, dtype=torch.bool)
        outside[:h, :w] = False
        assert (out[i][:, outside] == 0).all(), i
    # the padded image's code is not the code of the full map
    assert not torch.allclose(out[1, :, :4, :5], out[0, :, :4, :5])
    out[1].add_(1)  # a fresh tensor: writing into it leaves the cache intact
    assert torch.equal(cached_position_code(4, 5, 8), sinusoidal_position_code(4, 5, 8))


def test_batch_code_unpadded_is_an_expanded_view():
    out = batch_position_code((5, 4), [(5, 4)] * 3, 8, 'ape', 512, torch.float64, None)
    cached = cached_position_code(5, 4, 8, 'ape', 512, torch.float64, None)
    assert out.shape == (3, 8, 5, 4)
    assert out.stride(0) == 0 and out.data_ptr() == cached.data_ptr()
    assert torch.equal(out[2], cached)


@pytest.mark.parametrize('valid', [[(7, 3)], [(2, 0)], []])
def test_batch_code_errors(valid):
    with pytest.raises(ValueError, match='valid'):
        batch_position_code((6, 7), valid, 8)


def test_valid_feature_sizes():
    metas = [
        dict(img_shape=(512, 512), pad_shape=(512, 512)),
        dict(img_shape=(300, 500), pad_shape=(512, 512)),  # ceil(37.5), ceil(62.5)
        dict(img_shape=(300, 500, 3), batch_input_shape=(512, 512)),  # fallback
        dict(img_shape=(300, 500), pad_shape=None, batch_input_shape=(512, 512)),
        dict(img_shape=(300, 500)),  # no reference: full map
        dict(pad_shape=(512, 512)),  # no img_shape: full map
        dict(img_shape=(1, 1), pad_shape=(512, 512)),  # at least one cell
        dict(img_shape=(256, 128), pad_shape=(512, 512)),  # exact: 32, 16
    ]
    assert valid_feature_sizes(metas, (64, 64)) == [
        (64, 64), (38, 63), (38, 63), (38, 63), (64, 64), (64, 64), (1, 1), (32, 16)]
    # non-square feature map, torch.Size shapes
    meta = dict(img_shape=torch.Size([100, 40]), pad_shape=torch.Size([128, 64]))
    assert valid_feature_sizes([meta], (16, 8)) == [(13, 5)]
    # input_shape takes precedence over pad_shape (slide inference) and clamps
    meta = dict(img_shape=(256, 256), pad_shape=(512, 1024))
    assert valid_feature_sizes([meta], (32, 32)) == [(16, 8)]
    assert valid_feature_sizes([meta], (32, 32), input_shape=(256, 256)) == [(32, 32)]
    assert valid_feature_sizes([dict(img_shape=(600, 600), pad_shape=(512, 512))],
                               (8, 8)) == [(8, 8)]
