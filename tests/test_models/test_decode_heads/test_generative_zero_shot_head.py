"""GenerativeZeroShotHead: shapes, generation, calibration, priors, embeddings, errors, and
one training step + prediction inside a ZeroShotEncoderDecoder on a SegFormer backbone."""
import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

import mmseg_zs3  # noqa: F401  (registers the head and the segmentor)
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.models.decode_heads.generative_zero_shot_head import GenerativeZeroShotHead
from mmseg_zs3.utils.class_embeddings import save_class_embeddings

# the toy-shapes split: 4 seen classes (background is one) and 1 unseen (triangle, id 4)
CLASSES = ['background', 'disc', 'box', 'bar', 'triangle']
SPLIT = dict(name='toyshapes-4-1', classes=CLASSES, unseen=['triangle'], background='class')
UNSEEN_ID = 4
BASE_MODEL = (Path(__file__).resolve().parents[3] / 'configs' / '_base_' / 'models' /
              'zs_deeplabv2_r101-d8.py')
EMBED_DIM = 3


def _embeddings(num=len(CLASSES), dim=EMBED_DIM, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(num, dim, generator=g) + 0.1).tolist()


def _head(**kwargs):
    cfg = dict(in_channels=4, channels=6, num_classes=5, split=SPLIT,
               class_embeddings=_embeddings(),
               feature_head=dict(type='DeepLabV2Head', dilations=(1, 2)),
               contextual_cfg=dict(hidden_channels=4),
               generator_cfg=dict(hidden_channels=(8, ), dropouts=(0.5, )),
               discriminator_cfg=dict(hidden_channels=8, dropout=0.5))
    cfg.update(kwargs)
    return GenerativeZeroShotHead(**cfg)


def _inputs(batch=2, channels=4, h=17, w=23):
    return [torch.randn(batch, channels, h, w)]


def test_forward_logits_shape():
    torch.manual_seed(0)
    for prior in ('contextual', 'noise'):
        head = _head(latent_prior=prior)
        logits = head(_inputs())
        assert logits.shape == (2, 5, 17, 23)
        assert torch.isfinite(logits).all()


def test_in_index_selects_the_level():
    torch.manual_seed(0)
    head = _head(in_channels=4, in_index=1).eval()
    x = torch.randn(1, 4, 17, 23)
    # level 0 has the wrong channel count: it must not be read
    out = head([torch.randn(1, 7, 5, 5), x])
    assert out.shape == (1, 5, 17, 23)
    torch.testing.assert_close(out, head([torch.randn(1, 9, 3, 3), x]))


def test_generate_shape_range_and_ignore_pixels_get_zero_embedding():
    torch.manual_seed(0)
    head = _head().eval()  # eval: no dropout, the generator is deterministic
    labels = torch.randint(0, 5, (2, 17, 23))
    labels[0, :3] = 255
    labels[1, 5, 7] = 255
    latent = torch.randn(2, head.latent_dim, 17, 23)
    fake = head.generate(labels, latent)
    assert fake.shape == (2, 6, 17, 23)
    assert (fake > 0).all() and (fake < 1).all()

    ignore = labels == 255
    emb = torch.zeros(2, EMBED_DIM, 17, 23)
    table = torch.tensor(_embeddings())
    emb.permute(0, 2, 3, 1)[~ignore] = table[labels[~ignore]]
    expected = head.generator(emb, latent)
    torch.testing.assert_close(fake, expected)
    # an ignore pixel is generated from a zero embedding row, not from class 0's
    zero_rows = head.generator(torch.zeros(2, EMBED_DIM, 17, 23), latent)
    torch.testing.assert_close(fake.permute(0, 2, 3, 1)[ignore],
                               zero_rows.permute(0, 2, 3, 1)[ignore])
    class0 = head.generator(table[0].view(1, -1, 1, 1).expand(2, -1, 17, 23), latent)
    assert not torch.allclose(fake.permute(0, 2, 3, 1)[ignore],
                              class0.permute(0, 2, 3, 1)[ignore])


def test_seen_logit_offset_subtracts_exactly_from_seen_classes():
    torch.manual_seed(0)
    plain = _head().eval()
    shifted = _head(seen_logit_offset=2.5).eval()
    shifted.load_state_dict(plain.state_dict())
    inputs = _inputs()
    a, b = plain(inputs), shifted(inputs)
    seen = [i for i in range(5) if i != UNSEEN_ID]
    torch.testing.assert_close(b[:, seen], a[:, seen] - 2.5)
    torch.testing.assert_close(b[:, UNSEEN_ID], a[:, UNSEEN_ID])
    # classify() carries the offset too (it is what inference calls)
    feature = torch.rand(1, 6, 4, 5)
    torch.testing.assert_close(shifted.classify(feature)[:, seen],
                               plain.classify(feature)[:, seen] - 2.5)


def test_contextual_prior_latent():
    torch.manual_seed(0)
    head = _head(latent_prior='contextual')
    assert head.latent_dim == 6 and head.generator.latent_dim == 6
    assert head.contextual is not None
    assert set(head.segmentation_modules()) == {'feature_head', 'contextual'}
    out = head.extract_features(_inputs())
    assert set(out) == {'feature', 'latent', 'mu', 'logvar'}
    for v in out.values():
        assert v.shape == (2, 6, 17, 23)
    # its prior without an image is N(0, I)
    z = head.sample_latent(4, 32, 32, torch.empty(0), torch.Generator().manual_seed(0))
    assert z.shape == (4, 6, 32, 32)
    assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05
    assert (z < 0).any()


@pytest.mark.parametrize('dist', ['uniform', 'normal'])
def test_noise_prior_latent(dist):
    torch.manual_seed(0)
    head = _head(latent_prior='noise', noise_dim=5, noise_dist=dist)
    assert head.latent_dim == 5 and head.generator.latent_dim == 5
    assert head.contextual is None
    assert set(head.segmentation_modules()) == {'feature_head'}
    out = head.extract_features(_inputs())
    assert set(out) == {'feature'}
    assert (out['feature'] > 0).all() and (out['feature'] < 1).all()
    like = torch.empty(0, dtype=torch.float64)
    z = head.sample_latent(3, 40, 40, like, torch.Generator().manual_seed(1))
    assert z.shape == (3, 5, 40, 40) and z.dtype == torch.float64
    again = head.sample_latent(3, 40, 40, like, torch.Generator().manual_seed(1))
    torch.testing.assert_close(z, again)
    if dist == 'uniform':
        assert z.min() >= 0 and z.max() < 1
        assert abs(z.mean().item() - 0.5) < 0.02
        assert abs(z.var().item() - 1 / 12) < 0.01
    else:
        assert abs(z.mean().item()) < 0.05 and abs(z.std().item() - 1) < 0.05
        assert (z < 0).any()
    # the generator takes that latent
    labels = torch.randint(0, 5, (3, 40, 40))
    assert head.generate(labels, z.float()).shape == (3, 6, 40, 40)


def test_num_classes_must_match_split():
    with pytest.raises(ValueError, match=r'num_classes=4.*5 classes'):
        _head(num_classes=4, class_embeddings=_embeddings())


def test_unknown_latent_prior_and_noise_dist():
    with pytest.raises(ValueError, match='gaussian'):
        _head(latent_prior='gaussian')
    with pytest.raises(ValueError, match='beta'):
        _head(latent_prior='noise', noise_dist='beta')
    with pytest.raises(ValueError, match='noise_dim'):
        _head(latent_prior='noise', noise_dim=0)


def test_inline_embeddings_of_wrong_shape():
    with pytest.raises(ValueError, match=r'\(4, 3\)'):
        _head(class_embeddings=_embeddings(num=4))
    with pytest.raises(ValueError, match=r'\(5,\)'):
        _head(class_embeddings=[1.0] * 5)


def test_inline_embeddings_with_nan_or_zero_row():
    emb = _embeddings()
    emb[2][1] = float('nan')
    with pytest.raises(ValueError, match='box'):
        _head(class_embeddings=emb)
    emb = _embeddings()
    emb[3] = [0.0] * EMBED_DIM
    with pytest.raises(ValueError, match='bar'):
        _head(class_embeddings=emb)


def test_class_embeddings_from_a_saved_file(tmp_path):
    # the file has another row order and an extra class: rows are found by name
    rng = np.random.default_rng(0)
    file_classes = ['triangle', 'sky', 'bar', 'background', 'box', 'disc']
    matrix = rng.uniform(0.5, 2.0, (len(file_classes), 4)).astype(np.float32)
    out = str(tmp_path / 'emb' / 'toy.npy')
    save_class_embeddings(out, matrix, dict(classes=file_classes))
    expected = np.stack([matrix[file_classes.index(c)] for c in CLASSES])

    head = _head(class_embeddings=out)
    assert head.class_embedding.shape == (5, 4)
    np.testing.assert_allclose(head.class_embedding.numpy(), expected)
    assert head.generator.embed_dim == 4

    head = _head(class_embeddings=dict(path=out, normalize=True))
    np.testing.assert_allclose(head.class_embedding.numpy(),
                               expected / np.linalg.norm(expected, axis=1, keepdims=True),
                               rtol=1e-5)
    with pytest.raises(ValueError, match='path'):
        _head(class_embeddings=dict(normalize=True))


def test_class_embeddings_file_missing_a_class(tmp_path):
    out = str(tmp_path / 'toy.npy')
    save_class_embeddings(out, np.ones((4, 3), np.float32), dict(classes=CLASSES[:4]))
    with pytest.raises(ValueError, match='triangle'):
        _head(class_embeddings=out)


@pytest.mark.parametrize('feature_head', [
    dict(type='FCNHead', num_convs=1, concat_input=False, kernel_size=3),
    dict(type='ASPPHead', dilations=(1, 2)),
])
def test_other_mmseg_heads_as_feature_head(feature_head):
    torch.manual_seed(0)
    head = _head(feature_head=feature_head)
    assert type(head.feature_head).__name__ == feature_head['type']
    assert isinstance(head.feature_head.conv_seg, nn.Identity)
    assert head.feature_head.channels == 6 and head.feature_head.in_channels == 4
    h = head.feature_head(_inputs())
    assert h.shape == (2, 6, 17, 23)  # features, not class logits
    assert head(_inputs()).shape == (2, 5, 17, 23)


def test_loss_raises():
    head = _head()
    with pytest.raises(RuntimeError, match='ZeroShotEncoderDecoder'):
        head.loss(_inputs(), [], dict())


# --------------------------------------------------------------- inside the segmentor

MIT_STAGE_CHANNELS = [8 * h for h in (1, 1, 2, 2)]  # embed_dims * num_heads per stage


def _mit_segmentor():
    cfg = dict(
        type='ZeroShotEncoderDecoder',
        data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                               seg_pad_val=255, size=(64, 64)),
        backbone=dict(type='MixVisionTransformer', in_channels=3, embed_dims=8,
                      num_stages=4, num_layers=[1, 1, 1, 1], num_heads=[1, 1, 2, 2],
                      patch_sizes=[7, 3, 3, 3], sr_ratios=[8, 4, 2, 1],
                      out_indices=(0, 1, 2, 3), mlp_ratio=2),
        decode_head=dict(
            type='GenerativeZeroShotHead', in_channels=MIT_STAGE_CHANNELS[3], in_index=3,
            channels=6, num_classes=5, split=SPLIT, class_embeddings=_embeddings(),
            feature_head=dict(type='FCNHead', num_convs=1, concat_input=False),
            contextual_cfg=dict(hidden_channels=4),
            generator_cfg=dict(hidden_channels=(8, ), dropouts=(0.1, )),
            discriminator_cfg=dict(hidden_channels=8, dropout=0.1)),
        # the reference phases and MMD settings (so this test follows the config schema)
        train_cfg=copy.deepcopy(Config.fromfile(str(BASE_MODEL)).model.train_cfg),
        test_cfg=dict(mode='whole'))
    cfg['train_cfg'].mmd.max_pixels_per_class = 16
    return cfg


def _sample(h, w, seed):
    g = torch.Generator().manual_seed(seed)
    img = torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g)
    label = torch.randint(0, 4, (h, w), generator=g)
    label[:5] = 255
    sample = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
    sample.set_metainfo(dict(img_shape=(h, w), pad_shape=(h, w), ori_shape=(h, w)))
    return img, sample


def test_in_segmentor_on_mix_vision_transformer():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(ConfigDict(_mit_segmentor()))  # ConfigDict, as from a config file
    assert not model.with_neck
    optim_wrapper = build_optim_wrapper(model, dict(
        constructor='ZeroShotOptimWrapperConstructor',
        segmentor=dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3)),
        generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))))
    before = {n: p.detach().clone() for n, p in model.backbone.named_parameters()}
    batch = [_sample(64, 64, 0), _sample(64, 64, 1)]
    model.train()
    model.set_phase('seen')
    logs = model.train_step(
        dict(inputs=[b[0] for b in batch], data_samples=[b[1] for b in batch]), optim_wrapper)
    for key in ('loss_disc', 'loss_seg', 'loss_gen'):
        assert torch.isfinite(logs[key]), key
    assert any(not torch.equal(before[n], p) for n, p in model.backbone.named_parameters())

    model.eval()
    img, sample = _sample(45, 59, 2)
    with torch.no_grad():
        results = model.test_step(dict(inputs=[img], data_samples=[sample]))
    assert results[0].pred_sem_seg.data.shape == (1, 45, 59)
    assert results[0].seg_logits.data.shape == (5, 45, 59)
    assert 0 <= results[0].pred_sem_seg.data.min() and results[0].pred_sem_seg.data.max() < 5
