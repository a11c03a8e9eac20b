"""ZeroShotDiscriminator: shared trunk, GAN head in [0, 1], classifier head, by-hand check."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_zs3.models.utils import ZeroShotDiscriminator


def test_shapes_ranges_and_layers():
    torch.manual_seed(0)
    disc = ZeroShotDiscriminator(in_channels=6, num_classes=5, hidden_channels=8)
    assert disc.shared[0].kernel_size == (1, 1) and disc.shared[0].out_channels == 8
    assert disc.shared[2].p == 0.5
    prob, logits = disc(torch.randn(2, 6, 7, 9) * 10)
    assert prob.shape == (2, 1, 7, 9) and logits.shape == (2, 5, 7, 9)
    assert (prob >= 0).all() and (prob <= 1).all()
    assert (logits < 0).any() and (logits > 1).any()  # raw logits, not squashed


def test_heads_computed_by_hand_and_classify_matches():
    torch.manual_seed(0)
    disc = ZeroShotDiscriminator(in_channels=6, num_classes=5, hidden_channels=8).eval()
    x = torch.randn(2, 6, 3, 4)
    hidden = F.relu(F.conv2d(x, disc.shared[0].weight, disc.shared[0].bias))
    expected_prob = torch.sigmoid(F.conv2d(hidden, disc.gan_head.weight, disc.gan_head.bias))
    expected_logits = F.conv2d(hidden, disc.cls_head.weight, disc.cls_head.bias)
    prob, logits = disc(x)
    torch.testing.assert_close(prob, expected_prob)
    torch.testing.assert_close(logits, expected_logits)
    torch.testing.assert_close(disc.classify(x), expected_logits)
    torch.testing.assert_close(disc.discriminate(x), expected_prob)


def test_dropout_only_in_training():
    torch.manual_seed(0)
    disc = ZeroShotDiscriminator(6, 5, hidden_channels=64)
    x = torch.randn(1, 6, 4, 4)
    assert not torch.allclose(disc.train().classify(x), disc.classify(x))
    torch.testing.assert_close(disc.eval().classify(x), disc.classify(x))


@pytest.mark.parametrize('kwargs', [dict(in_channels=0), dict(num_classes=-1),
                                    dict(hidden_channels=0), dict(dropout=1.0)])
def test_bad_arguments_raise(kwargs):
    cfg = dict(in_channels=6, num_classes=5)
    cfg.update(kwargs)
    with pytest.raises(ValueError):
        ZeroShotDiscriminator(**cfg)
