"""The CamVid configs (EfficientNet-Lite0, GloVe embeddings) parse, build and predict.

Runs without ../shared: the embeddings are a random stand-in with the right classes and
dimension, and the backbone skips its ImageNet weights (they are tested with the backbone).
"""
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO

pytest.importorskip('efficientnet_lite_pytorch', reason='optional extra mmseg_zs3[efficientnet]')

CONFIGS = {
    'baseline': 'configs/baseline/fcn_effnetlite0_800it_camvid-240x320_9-2.py',
    'cagnet': 'configs/cagnet/cagnet_effnetlite0_800-200_camvid-240x320_9-2.py',
    'sign': 'configs/sign/sign_effnetlite0_800-200_camvid-240x320_9-2.py',
    'sign-ast': 'configs/sign/sign-ast_effnetlite0_800-200-400-200_camvid-240x320_9-2.py',
}


@pytest.fixture(scope='module')
def embeddings(tmp_path_factory):
    from mmseg_zs3.datasets.splits import get_split
    from mmseg_zs3.utils.class_embeddings import save_class_embeddings
    out = tmp_path_factory.mktemp('emb') / 'camvid11.npy'
    classes = list(get_split('camvid11-9-2').classes)
    matrix = np.random.default_rng(0).normal(size=(len(classes), 50))
    save_class_embeddings(str(out), matrix, dict(classes=classes))
    return str(out)


@pytest.mark.parametrize('name', sorted(CONFIGS))
def test_camvid_config_builds_and_predicts(name, embeddings):
    import mmseg_zs3  # noqa: F401
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / CONFIGS[name]))
    assert cfg.train_dataloader.dataset.type == 'CamVidDataset'
    assert cfg.test_evaluator.type == 'ZeroShotIoUMetric'
    assert cfg.test_evaluator.split == 'camvid11-9-2'
    masks = [t for t in cfg.train_dataloader.dataset.pipeline if t.type == 'MaskUnseenClasses']
    assert len(masks) == 1 and masks[0].split == 'camvid11-9-2'
    cfg.model.backbone.pretrained = None
    zero_shot = cfg.model.type == 'ZeroShotEncoderDecoder'
    if zero_shot:
        assert Path(cfg.model.decode_head.class_embeddings.path).name == \
            'camvid11_glove6B50d.npy'
        cfg.model.decode_head.class_embeddings.path = embeddings
        phases = [h for h in cfg.custom_hooks if h.type == 'ZeroShotPhaseHook'][0].phases
        assert sum(p['iters'] for p in phases) == cfg.train_cfg.max_iters
        names = [p['name'] for p in phases]
        assert ('self_training' in names) == (name == 'sign-ast')
    model = MODELS.build(cfg.model).eval()
    assert not any(p.requires_grad for p in model.backbone.parameters())  # frozen
    if zero_shot:
        has_rpe = model.with_neck and model.neck.encoding == 'rpe'
        assert has_rpe == name.startswith('sign')
        assert model.decode_head.class_embedding.shape == (11, 50)
    inputs = torch.rand(1, 3, 61, 83) * 255
    sample = SegDataSample(metainfo=dict(img_shape=(61, 83), ori_shape=(61, 83),
                                         pad_shape=(61, 83), scale_factor=(1.0, 1.0)))
    with torch.no_grad():
        out = model.test_step(dict(inputs=[inputs[0]], data_samples=[sample]))
    pred = out[0].pred_sem_seg.data
    assert pred.shape == (1, 61, 83) and int(pred.max()) < 11
