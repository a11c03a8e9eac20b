"""Any size: the SIGN+AST CPU config trains through every phase on images of odd,
non-square sizes (some larger than the 32x32 crop in one side, some smaller than it), and
predicts, in whole and slide mode, a finite map of each image's own size; the run's losses
stay finite (the NaN guard of ZeroShotEncoderDecoder would stop it otherwise)."""
import numpy as np
import torch
from mmengine.config import ConfigDict
from mmengine.runner import Runner
from PIL import Image

from reliability_helpers import tiny_ast_config

TRAIN_SIZES = [(37, 53), (29, 61), (45, 33), (20, 27)]
VAL_SIZES = [(37, 53), (20, 27), (9, 70)]  # the last two: smaller than the crop in height


def write_odd_dataset(root):
    """Toy-shapes scenes cropped to odd sizes, in mmseg's folder layout."""
    from mmseg_zs3.datasets.toy_shapes import render_toy_scene
    rng = np.random.default_rng(5)
    for split, sizes in (('train', TRAIN_SIZES), ('val', VAL_SIZES)):
        (root / 'img_dir' / split).mkdir(parents=True)
        (root / 'ann_dir' / split).mkdir(parents=True)
        for i, (h, w) in enumerate(sizes):
            image, label = render_toy_scene(80, rng)
            Image.fromarray(image[:h, :w]).save(root / 'img_dir' / split / f'{i:03d}.png')
            Image.fromarray(label[:h, :w]).save(root / 'ann_dir' / split / f'{i:03d}.png')


def predict_all(model, dataloader):
    """(original shape, prediction shape, logits finite) of every validation image."""
    model.eval()
    out = []
    with torch.no_grad():
        for batch in dataloader:
            for sample in model.test_step(batch):
                out.append((tuple(sample.ori_shape), tuple(sample.pred_sem_seg.data.shape[-2:]),
                            bool(torch.isfinite(sample.seg_logits.data).all())))
    return out


def test_train_and_infer_on_odd_sizes(tmp_path):
    write_odd_dataset(tmp_path / 'data')
    phases = [('seen', 2), ('finetune', 4), ('self_training', 2)]
    cfg = tiny_ast_config(tmp_path / 'data', phases=phases)
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline][:3] == ['LoadImageFromFile', 'LoadAnnotations',
                                                 'MaskUnseenClasses']
    pipeline.insert(3, dict(type='RandomCrop', crop_size=(32, 32)))
    cfg.default_hooks.checkpoint.interval = 100
    cfg.work_dir = str(tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    for key in ('loss_disc', 'loss_seg', 'loss_gen', 'disc_ce_synthetic'):
        values = hub.get_scalar(f'train/{key}').data[0]
        assert len(values) and np.isfinite(values).all(), key

    model = runner.model
    expected = [(h, w) for h, w in VAL_SIZES]
    whole = predict_all(model, runner.val_dataloader)
    assert [o for o, _, _ in whole] == expected
    assert all(pred == ori and finite for ori, pred, finite in whole)

    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(21, 21))
    slide = predict_all(model, runner.val_dataloader)
    assert all(pred == ori and finite for ori, pred, finite in slide)
    metrics = runner.test()
    assert 0.0 <= metrics['aAcc'] <= 100.0 and 'mIoU_unseen' in metrics
    assert not any(np.isinf(v) for v in metrics.values())
