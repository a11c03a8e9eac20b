"""The README's "Add a zero-shot head to your own model" config: mmseg's SegFormer-B0 config
plus the generative zero-shot head builds, predicts over seen + unseen classes and trains one
iteration of each phase; the README shows its model and schedule part verbatim."""
import copy
import re

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from conftest import REPO
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg_zs3.datasets.generated_zs import default_class_embeddings

CONFIG = REPO / 'configs/sign/sign_segformer-mit-b0_1k_gzs-96x96_15-5.py'


def test_readme_shows_the_config_file():
    readme = (REPO / 'README.md').read_text()
    section = readme.split('## Add a zero-shot head to your own model')[1].split('\n## ')[0]
    blocks = re.findall(r'```python\n(.*?)```', section, flags=re.S)
    shown = [b for b in blocks if "type='ZeroShotEncoderDecoder'" in b]
    assert len(shown) == 1 and shown[0] in CONFIG.read_text()  # the config, verbatim


def test_segformer_with_zero_shot_head_predicts_and_trains():
    cfg = Config.fromfile(str(CONFIG))
    assert cfg.model.backbone.type == 'MixVisionTransformer'
    assert cfg.model.decode_head.feature_head.type == 'SegformerHead'
    init_default_scope('mmseg')
    model_cfg = copy.deepcopy(cfg.model)
    # inline embeddings instead of data/gzs/class_embeddings.npy (same matrix)
    model_cfg.decode_head.class_embeddings = default_class_embeddings().tolist()
    model_cfg.train_cfg.phases.finetune.synthetic.update(real_iters=1, synthetic_iters=1,
                                                         size=(8, 8))
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper))
    g = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 255, (3, 32, 32), generator=g, dtype=torch.uint8)
              for _ in range(2)]
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(32, 32), ori_shape=(32, 32),
                                        pad_shape=(32, 32)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 20, (1, 32, 32), generator=g))
        samples.append(s)
    data = dict(inputs=inputs, data_samples=samples)
    logs = {}
    for phase, it in (('seen', 0), ('finetune', 0), ('finetune', 1)):
        model.train()
        model.set_phase(phase, it)
        logs[phase, it] = model.train_step(copy.deepcopy(data), optim)
        assert all(torch.isfinite(v) for v in logs[phase, it].values()), logs
    assert 'loss_seg' in logs['seen', 0] and 'loss_seg' not in logs['finetune', 0]
    assert set(logs['finetune', 1]) == {'loss_disc', 'disc_ce_synthetic'}
    model.eval()
    with torch.no_grad():
        out = model.test_step(copy.deepcopy(data))
    assert out[0].seg_logits.data.shape == (20, 32, 32)
    assert out[0].pred_sem_seg.data.max() < 20
