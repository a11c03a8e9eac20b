"""Using a trained model, end to end on one tiny trained SIGN model (trained once per module).

The model is trained on a small generated benchmark with 'purple-waves' left out of the split
entirely (configs/sign/sign_r18_1k_gzs19-96x96_14-5.py, shrunk): mmseg's init_model /
inference_model and MMSegInferencer work with its config and checkpoint, tools/infer.py writes
overlays, tools/add_classes.py adds purple-waves from its embedding (no image) and the
enlarged model predicts it where it is, and tools/test.py with ZeroShotReportHook writes the
IoU chart and confusion matrix.
"""
import json

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, run_tool

pytestmark = pytest.mark.slow  # end-to-end: real Runners, minutes in all

BASE_CONFIG = REPO / 'configs/sign/sign_r18_1k_gzs19-96x96_14-5.py'
NEW_CLASS = 'purple-waves'
NEW_ID = 19  # label id of purple-waves in the generated benchmark (the last class)
UNSEEN_IDS = {2, 7, 8, 13, 18}  # red-dots, green-waves, blue-stripes, yellow-checks, purple-dots


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """A SIGN model trained 300 seen + 100 finetune iterations on 64x64 generated images."""
    from mmseg_zs3.datasets.generated_zs import generate_zs_benchmark
    root = tmp_path_factory.mktemp('usage')
    data = root / 'gzs'
    generate_zs_benchmark(str(data), num_train=64, num_val=20, size=64, seed=1)
    cfg = root / 'sign_gzs19_tiny.py'
    cfg.write_text(f"""_base_ = [r'{BASE_CONFIG}']
data_root = r'{data}'
crop_size = (64, 64)
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(class_embeddings=dict(path=data_root + '/class_embeddings.npy')),
    train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
        real_iters=20, synthetic_iters=20, size=(8, 8))))))
max_iters = 400
param_scheduler = dict(
    segmentor=[dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
                    by_epoch=False)],
    discriminator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters,
                        by_epoch=False)],
    generator=[dict(type='ConstantLR', factor=1.0, begin=0, end=max_iters, by_epoch=False)])
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
custom_hooks = [dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=300),
                                                       dict(name='finetune', iters=100)])]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=max_iters))
""")
    work = root / 'work'
    proc = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work])
    assert proc.returncode == 0
    images = sorted(str(p) for p in (data / 'img_dir' / 'val').glob('*.png'))
    return dict(root=root, data=data, config=cfg, checkpoint=work / 'iter_400.pth',
                work=work, images=images)


def _labels(data, images):
    return [np.array(Image.open(str(p).replace('img_dir', 'ann_dir'))) for p in images]


def test_training_scalars_reach_the_visualizer_backends(trained):
    scalars = list(trained['work'].glob('*/vis_data/scalars.json'))
    assert len(scalars) == 1
    keys = set()
    for line in scalars[0].read_text().splitlines():
        keys.update(json.loads(line))
    assert {'loss_seg', 'loss_disc', 'loss_gen', 'gen_mmd', 'disc_ce_real', 'phase'} <= keys


def test_mmseg_init_model_and_inference_model(trained):
    from mmseg.apis import inference_model, init_model

    from mmseg_zs3.apis import init_zero_shot_model
    model = init_model(str(trained['config']), str(trained['checkpoint']), device='cpu')
    classes = model.dataset_meta['classes']
    assert len(classes) == 19 and NEW_CLASS not in classes
    results = inference_model(model, trained['images'])
    assert len(results) == len(trained['images'])
    predicted = set()
    for result in results:
        pred = result.pred_sem_seg.data[0].numpy()
        assert pred.shape == (64, 64)
        predicted |= set(np.unique(pred).tolist())
    assert predicted <= set(range(19))
    assert predicted & UNSEEN_IDS, 'no unseen class predicted on the validation images'

    zs_model = init_zero_shot_model(str(trained['config']), str(trained['checkpoint']))
    meta = zs_model.dataset_meta
    assert meta['classes'] == classes
    assert meta['unseen_ids'] == sorted(UNSEEN_IDS)
    assert meta['unseen_classes'] == [classes[i] for i in sorted(UNSEEN_IDS)]
    assert len(meta['palette']) == 19


def test_mmseg_inferencer_and_zero_shot_inferencer(trained, tmp_path):
    from mmseg.apis import MMSegInferencer

    from mmseg_zs3.apis import ZeroShotSegInferencer
    plain = MMSegInferencer(str(trained['config']), str(trained['checkpoint']), device='cpu')
    out = plain(trained['images'])
    preds = out['predictions']
    assert len(preds) == len(trained['images'])
    assert set(np.unique(np.stack(preds)).tolist()) & UNSEEN_IDS

    zs = ZeroShotSegInferencer(str(trained['config']), str(trained['checkpoint']),
                               device='cpu')
    assert zs.model.dataset_meta['unseen_ids'] == sorted(UNSEEN_IDS)
    out = zs(trained['images'][:3], out_dir=str(tmp_path))
    for pred, path in zip(out['predictions'], trained['images'][:3]):
        name = path.rsplit('/', 1)[-1]
        vis = np.array(Image.open(tmp_path / 'vis' / name))
        # the image on top, the legend of the predicted classes below
        assert vis.shape[0] >= 64 + 14 * len(np.unique(pred)) and vis.shape[2] == 3
    assert np.array_equal(out['predictions'][0], preds[0])


def test_infer_tool_writes_overlays_and_labels(trained, tmp_path):
    folder = trained['data'] / 'img_dir' / 'val'
    extra = trained['data'] / 'img_dir' / 'train' / '00000.png'  # same stem as val/00000
    proc = run_tool([REPO / 'tools/infer.py', trained['config'], trained['checkpoint'], folder,
                     extra, '--out-dir', tmp_path / 'out'])
    assert proc.returncode == 0
    assert 'unseen classes predicted:' in proc.stdout
    vis = sorted((tmp_path / 'out' / 'vis').glob('*.png'))
    preds = sorted((tmp_path / 'out' / 'pred').glob('*.png'))
    assert len(vis) == len(preds) == len(trained['images']) + 1
    names = {p.name for p in preds}
    assert {'val_00000.png', 'train_00000.png', '00001.png'} <= names
    label = np.array(Image.open(tmp_path / 'out' / 'pred' / '00001.png'))
    assert label.shape == (64, 64) and label.max() < 19
    assert np.array(Image.open(vis[0])).shape[1] >= 64


def test_add_classes_tool_new_class_gets_its_pixels(trained, tmp_path):
    out = tmp_path / 'added'
    proc = run_tool([REPO / 'tools/add_classes.py', trained['config'], trained['checkpoint'],
                     trained['data'] / 'class_embeddings.npy', '--classes', NEW_CLASS,
                     '--out-dir', out, '--iters', 200])
    assert proc.returncode == 0
    assert f"added ['{NEW_CLASS}']: the model now predicts 20 classes (6 unseen)" in proc.stdout

    from mmseg.apis import inference_model

    from mmseg_zs3.apis import init_zero_shot_model
    model = init_zero_shot_model(str(out / 'config.py'), str(out / 'model.pth'))
    meta = model.dataset_meta
    assert len(meta['classes']) == 20 and meta['classes'][NEW_ID] == NEW_CLASS
    assert NEW_CLASS in meta['unseen_classes'] and len(meta['palette']) == 20

    labels = _labels(trained['data'], trained['images'])
    hit = miss_elsewhere = new_px = other_px = 0
    for path, label in zip(trained['images'], labels):
        pred = inference_model(model, path).pred_sem_seg.data[0].numpy()
        is_new = label == NEW_ID
        valid = label != 255
        hit += int((pred[is_new] == NEW_ID).sum())
        new_px += int(is_new.sum())
        miss_elsewhere += int((pred[valid & ~is_new] == NEW_ID).sum())
        other_px += int((valid & ~is_new).sum())
    assert new_px > 500  # the validation images do contain the new class
    recall, elsewhere = hit / new_px, miss_elsewhere / other_px
    # the new class is predicted where its appearance is, far more than elsewhere
    assert recall > 0.3 and recall > 2.5 * elsewhere, (recall, elsewhere)

    # the enlarged config evaluates the 20 classes; the report hook writes its pictures
    report_cfg = tmp_path / 'report.py'
    report_cfg.write_text(f"""_base_ = [r'{out / 'config.py'}']
custom_hooks = [dict(type='ZeroShotReportHook')]
""")
    proc = run_tool([REPO / 'tools/test.py', report_cfg, out / 'model.pth', '--work-dir',
                     tmp_path / 'eval'])
    assert proc.returncode == 0
    log = proc.stdout + proc.stderr
    assert NEW_CLASS in log.split('per class results (unseen classes)')[1]
    reports = tmp_path / 'eval' / 'reports'
    for name in ('test_iou.png', 'test_confusion.png'):
        image = np.array(Image.open(reports / name))
        assert image.ndim == 3 and image.shape[0] > 200 and image.std() > 0
    conf = np.load(reports / 'test_confusion.npy')
    assert conf.shape == (20, 20) and conf[NEW_ID, NEW_ID] == hit
