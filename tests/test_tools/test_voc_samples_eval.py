"""tools/test.py with ZeroShotIoUMetric on the real Pascal VOC val samples of ../shared."""
import re

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO, run_tool, shared_path

CONFIG = REPO / 'configs/baseline/fcn_r18-tiny_20k_voc12aug-512x512_15-5.py'


def test_voc_samples_print_seen_and_unseen_tables(tmp_path):
    root = shared_path('voc12_val_samples')
    import mmseg_zs3  # noqa: F401
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(CONFIG))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)  # untrained: any model that predicts the 20 classes
    ckpt = tmp_path / 'random.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)

    proc = run_tool([REPO / 'tools/test.py', CONFIG, ckpt, '--work-dir', tmp_path / 'w',
                     '--cfg-options', f'test_dataloader.dataset.data_root={root}',
                     'test_dataloader.dataset.ann_file=val.txt',
                     'test_dataloader.dataset.data_prefix.seg_map_path=SegmentationClass'])
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    assert 'seen classes' in out.lower() and 'unseen classes' in out.lower()
    unseen_table = out[out.lower().index('unseen classes'):]
    for name in ('pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'):
        assert name in unseen_table
    metrics = re.search(r'Iter\(test\).*hIoU: ([0-9.]+)', out)
    assert metrics, 'no hIoU in the test output'
    assert re.search(r'Iter\(test\) \[14/14\]', out)
