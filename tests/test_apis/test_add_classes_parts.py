"""The pieces of adding classes (split extension, classifier state, enlarged config, the
classifier refit) and the prediction overlay."""
import copy

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO
from mmseg.registry import MODELS
from mmseg_zs3.apis import (enlarged_config, expand_classifier_state, extend_split,
                            overlay_prediction, refit_classifier)
from mmseg_zs3.datasets.splits import get_split
from mmseg_zs3.utils.visualization import UNSEEN_OUTLINE

TOY_CONFIG = REPO / 'configs/sign/sign_r18-tiny_300it_toyshapes-64x64_4-1.py'


def _tiny(cfg, num_classes, split, embeddings):
    init_default_scope('mmseg')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.update(stem_channels=8, base_channels=4)
    model_cfg.neck.update(in_channels=[4, 8, 16, 32], code_dim=8,
                          fusion_cfg=dict(branch_channels=8, dilations=(1, 2, 5),
                                          input_act='sigmoid'))
    model_cfg.decode_head.update(
        in_channels=32, channels=8, num_classes=num_classes, split=split,
        class_embeddings=embeddings, contextual_cfg=dict(hidden_channels=8),
        generator_cfg=dict(hidden_channels=(16, ), dropouts=(0.1, )),
        discriminator_cfg=dict(hidden_channels=16, dropout=0.1))
    return MODELS.build(model_cfg)


def test_extend_split_appends_unseen_classes():
    split = get_split('gzs20-15-5')
    with pytest.raises(ValueError, match=r"\['red-dots'\] are already in split"):
        extend_split(split, ['red-dots'])
    with pytest.raises(ValueError, match='empty'):
        extend_split(split, [])
    big = extend_split(split, ['pink-dots', 'pink-waves'])
    assert big.name == 'gzs20-15-5+2' and big.num_classes == 22
    assert big.classes[:20] == split.classes and big.unseen_ids[-2:] == (20, 21)
    assert big.seen == split.seen


def test_expand_state_and_refit_only_new_rows():
    cfg = Config.fromfile(str(TOY_CONFIG))
    split = get_split(cfg.model.decode_head.split)
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((split.num_classes + 1, 6)).astype(np.float32)
    old = _tiny(cfg, split.num_classes, split.to_dict(), emb[:-1].tolist())
    big_split = extend_split(split, ['hexagon'])
    new = _tiny(cfg, big_split.num_classes, big_split.to_dict(), emb.tolist())
    merged = expand_classifier_state(old.state_dict(), new.state_dict())
    new.load_state_dict(merged)
    w_old = old.decode_head.discriminator.cls_head.weight.detach()
    w_new = new.decode_head.discriminator.cls_head.weight.detach().clone()
    assert w_new.shape[0] == w_old.shape[0] + 1 and torch.equal(w_new[:-1], w_old)
    gen_before = copy.deepcopy(new.decode_head.generator.state_dict())
    shared_before = copy.deepcopy(new.decode_head.discriminator.shared.state_dict())

    syn = dict(batch_size=2, size=(4, 4), seen_weight=1.0, unseen_weight=5.0, ce=1.0)
    losses = refit_classifier(new, 30, syn, dict(type='Adam', lr=1e-2), trainable='new_rows',
                              num_new=1)
    assert len(losses) == 30 and all(np.isfinite(losses))
    w_after = new.decode_head.discriminator.cls_head.weight.detach()
    assert torch.equal(w_after[:-1], w_old)  # trained classes untouched
    assert not torch.equal(w_after[-1], w_new[-1])  # the new row learned
    for key, value in new.decode_head.generator.state_dict().items():
        assert torch.equal(value, gen_before[key]), key
    for key, value in new.decode_head.discriminator.shared.state_dict().items():
        assert torch.equal(value, shared_before[key]), key
    refit_classifier(new, 2, syn, dict(type='Adam', lr=1e-2), trainable='discriminator')
    assert not torch.equal(new.decode_head.discriminator.shared[0].weight,
                           shared_before['0.weight'])
    with pytest.raises(ValueError, match='num_new'):
        refit_classifier(new, 1, syn, dict(type='Adam', lr=1e-2), trainable='new_rows')
    with pytest.raises(ValueError, match="trainable='all'"):
        refit_classifier(new, 1, syn, dict(type='Adam', lr=1e-2), trainable='all')

    bad = dict(merged)
    bad['decode_head.discriminator.cls_head.bias'] = torch.zeros(2)
    with pytest.raises(ValueError, match='does not fit'):
        expand_classifier_state(bad, new.state_dict())


def test_enlarged_config_replaces_every_use_of_the_split():
    cfg = Config.fromfile(str(REPO / 'configs/sign/sign_r18_1k_gzs19-96x96_14-5.py'))
    old = get_split(cfg.model.decode_head.split)
    big = extend_split(old, ['purple-waves'])
    new = enlarged_config(cfg, big, 'out/class_embeddings.npy')
    inline = dict(name=big.name, classes=list(big.classes), unseen=list(big.unseen),
                  background='none')
    assert new.model.decode_head.split == inline and new.model.decode_head.num_classes == 20
    assert new.model.decode_head.class_embeddings == dict(path='out/class_embeddings.npy')
    assert new.train_pipeline[2].split == inline
    assert new.train_dataloader.dataset.pipeline[2].split == inline
    assert new.test_evaluator.split == inline and new.val_evaluator.split == inline
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert new[loader].dataset.metainfo.classes == list(big.classes)
    assert cfg.model.decode_head.num_classes == 19  # the input config is unchanged


def test_overlay_outlines_unseen_and_lists_classes():
    image = np.full((12, 10, 3), 100, dtype=np.uint8)
    pred = np.zeros((12, 10), dtype=np.int64)
    pred[3:9, 2:8] = 2  # an unseen block
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
    out = overlay_prediction(image, pred, palette, [2], opacity=0.5, legend=False)
    assert out.shape == (12, 10, 3)
    assert tuple(out[3, 4]) == UNSEEN_OUTLINE and tuple(out[5, 4]) == (50, 50, 178)
    assert tuple(out[0, 0]) == (178, 50, 50)
    with_legend = overlay_prediction(image, pred, palette, [2], classes=['a', 'b', 'c'])
    assert with_legend.shape[0] == 12 + 2 * 14 + 4 and with_legend.shape[1] > 10
    with pytest.raises(ValueError, match='same size'):
        overlay_prediction(image, pred[:5], palette, [2])
    with pytest.raises(ValueError, match='opacity'):
        overlay_prediction(image, pred, palette, [2], opacity=1.5)


def test_inference_only_model_predicts_but_cannot_train():
    """mmseg's init_model builds models with train_cfg=None."""
    cfg = Config.fromfile(str(TOY_CONFIG))
    cfg.model.train_cfg = None
    split = get_split(cfg.model.decode_head.split)
    model = _tiny(cfg, split.num_classes, split.to_dict(), cfg.class_embeddings)
    assert model.phase is None and model.phase_names == ()
    model.eval()
    with torch.no_grad():
        logits = model(torch.rand(1, 3, 32, 32), mode='tensor')
    assert logits.shape[1] == split.num_classes
    with pytest.raises(RuntimeError, match='inference only'):
        model.train_step(dict(inputs=[], data_samples=[]), None)
