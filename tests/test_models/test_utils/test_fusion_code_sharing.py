"""The position code is built and convolved once per distinct code, not once per image.

The fusion blocks split ``conv(x ++ code)`` into ``conv_x(x) + conv_code(code)`` and
convolve a code shared by the batch once; these tests pin that this is the same function
(values and gradients) as the concatenation written out, and check
:func:`unique_position_codes`, the compact form of :func:`batch_position_code`.
"""
import pytest
import torch
import torch.nn.functional as F

from mmseg_zs3.models.utils.position_fusion import (AddFusion, Conv1x1Fusion, SIGNFusion,
                                                    build_position_fusion)
from mmseg_zs3.models.utils.positional_encoding import (batch_position_code,
                                                        cached_position_code,
                                                        clear_position_code_cache,
                                                        sinusoidal_position_code,
                                                        unique_position_codes)

C, D, H, W = 5, 8, 9, 11


def _randomise(module, seed=1):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=p.dtype) * 0.3)


def _reference(block, x, code):
    """The blocks written out with the concatenation, as the papers define them."""
    if isinstance(block, SIGNFusion):
        y = torch.cat((torch.sigmoid(x), code), 1)
        outs = [torch.relu(F.conv2d(y, b[0].weight, padding=d, dilation=d))
                for b, d in zip(block.branches, block.dilations)]
        branches = torch.cat(outs, 1)
        gates = torch.sigmoid(F.conv2d(branches, block.gate.weight, block.gate.bias))
        gated = torch.cat([gates[:, i:i + 1] * o for i, o in enumerate(outs)], 1)
        return x + F.conv2d(gated, block.project.weight, block.project.bias)
    if isinstance(block, Conv1x1Fusion):
        return x + F.conv2d(torch.cat((x, code), 1), block.project.weight, block.project.bias)
    return x + F.conv2d(code, block.project.weight, block.project.bias)


@pytest.mark.parametrize('kind', ['sign', 'conv1x1', 'add'])
@pytest.mark.parametrize('layout', ['expanded', 'single', 'per_image'])
def test_split_convolution_equals_the_concatenation(kind, layout):
    block = build_position_fusion(kind, C, D, **(dict(branch_channels=4) if kind == 'sign'
                                                  else {})).double()
    _randomise(block)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, C, H, W, generator=g, dtype=torch.float64)
    shared = sinusoidal_position_code(H, W, D, dtype=torch.float64)
    if layout == 'expanded':  # what the neck passes: a stride-0 view of one cached code
        code = shared.unsqueeze(0).expand(3, -1, -1, -1)
        full = code
    elif layout == 'single':
        code = shared.unsqueeze(0)
        full = code.expand(3, -1, -1, -1)
    else:  # a different code per image (padded batches)
        code = torch.randn(3, D, H, W, generator=g, dtype=torch.float64)
        full = code
    x_ref = x.clone().requires_grad_(True)
    expected = _reference(block, x_ref, full)
    x_new = x.clone().requires_grad_(True)
    got = block(x_new, code)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)
    # the same gradients, for the input and for every weight (incl. the code's half)
    upstream = torch.randn(got.shape, generator=g, dtype=torch.float64)
    params = [x_ref] + list(block.parameters())
    ref_grads = torch.autograd.grad(expected, params, upstream)
    new_grads = torch.autograd.grad(got, [x_new] + list(block.parameters()), upstream)
    for a, b in zip(new_grads, ref_grads):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_shared_code_is_convolved_once_per_call(monkeypatch):
    block = SIGNFusion(C, D, branch_channels=4)
    batches = []
    original = F.conv2d

    def spy(inp, *args, **kwargs):
        batches.append(inp.shape[:2])
        return original(inp, *args, **kwargs)

    code = batch_position_code((H, W), [(H, W)] * 6, D)
    x = torch.randn(6, C, H, W)
    monkeypatch.setattr(torch.nn.functional, 'conv2d', spy)
    block(x, code)
    # per branch: the features (6 images, C channels) and the code once (1 x D)
    assert batches.count((1, D)) == 3 and batches.count((6, C)) == 3
    assert (6, C + D) not in batches


def test_code_shape_errors_name_the_expected_shape():
    block = AddFusion(C, D)
    x = torch.randn(3, C, H, W)
    with pytest.raises(ValueError, match=r'\(3, 8, 9, 11\) or \(1, 8, 9, 11\)'):
        block(x, torch.zeros(2, D, H, W))


def test_unique_codes_of_a_uniform_batch_are_one_cached_code():
    clear_position_code_cache()
    codes, index = unique_position_codes((H, W), [(H, W)] * 4, D)
    assert index is None and codes.shape == (1, D, H, W)
    assert codes[0].data_ptr() == cached_position_code(H, W, D).data_ptr()
    batch = batch_position_code((H, W), [(H, W)] * 4, D)
    assert batch.shape == (4, D, H, W) and batch.stride(0) == 0
    # one padded size shared by all images: also a single code, zeros in the padding
    codes, index = unique_position_codes((H, W), [(6, 7)] * 3, D, mode='ape')
    assert index is None and codes.shape == (1, D, H, W)
    assert torch.equal(codes[0, :, :6, :7], sinusoidal_position_code(6, 7, D, mode='ape'))
    assert (codes[0, :, 6:] == 0).all() and (codes[0, :, :, 7:] == 0).all()


def test_unique_codes_of_a_mixed_batch_index_the_distinct_sizes():
    sizes = [(H, W), (5, 11), (H, W), (5, 11), (3, 2)]
    codes, index = unique_position_codes((H, W), sizes, D, dtype=torch.float64)
    assert codes.shape == (3, D, H, W) and codes.dtype == torch.float64
    assert index.tolist() == [0, 1, 0, 1, 2]
    batch = batch_position_code((H, W), sizes, D, dtype=torch.float64)
    assert torch.equal(codes[index], batch)
    for (h, w), code in zip([(H, W), (5, 11), (3, 2)], codes):
        assert torch.equal(code[:, :h, :w], sinusoidal_position_code(h, w, D,
                                                                     dtype=torch.float64))
        assert code[:, h:].abs().sum() == 0 and code[:, :, w:].abs().sum() == 0
    # the padded batch is a fresh tensor, not a view of the cache
    batch.zero_()
    assert unique_position_codes((H, W), sizes, D, dtype=torch.float64)[0].abs().sum() > 0


def test_unique_codes_errors():
    with pytest.raises(ValueError, match='empty'):
        unique_position_codes((H, W), [], D)
    with pytest.raises(ValueError, match=r'\[\(10, 2\)\]'):
        unique_position_codes((H, W), [(10, 2)], D)
    with pytest.raises(ValueError, match='divisible by 4'):
        unique_position_codes((H, W), [(H, W)], 6)
    with pytest.raises(ValueError, match='mode'):
        unique_position_codes((H, W), [(H, W)], D, mode='learned')
