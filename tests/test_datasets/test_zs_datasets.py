"""The zero-shot base dataset configs: they parse, build on tiny generated layouts, and
yield the expected training / evaluation label ids."""
import copy
from pathlib import Path
from typing import Dict, List

import numpy as np
import pytest
from conftest import REPO, shared_path
from mmengine import Config
from mmengine.registry import init_default_scope
from PIL import Image

import mmseg_zs3  # noqa: F401  (registers datasets and transforms)
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import DATASETS, METRICS
from mmseg_zs3.datasets import CamVidDataset, get_split
from mmseg_zs3.datasets.splits import CONTEXT60_CLASSES, COCOSTUFF171_CLASSES

CFG_DIR = REPO / 'configs' / '_base_' / 'datasets'
CONFIGS = ['zs_voc12_aug_20cls.py', 'zs_voc12_aug_21cls.py', 'zs_pascal_context33.py',
           'zs_pascal_context60.py', 'zs_coco-stuff164k.py', 'zs_camvid.py']

init_default_scope('mmseg')  # pipelines name mmseg's transforms


def _write_pair(img_path: Path, seg_path: Path, label: np.ndarray) -> None:
    img_path.parent.mkdir(parents=True, exist_ok=True)
    seg_path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(label.shape + (3, ), 128, np.uint8)).save(img_path)
    Image.fromarray(label.astype(np.uint8)).save(seg_path)


def _write_list(path: Path, names: List[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(''.join(f'{n}\n' for n in names))


def _with_root(dataset_cfg: dict, root: Path) -> dict:
    cfg = copy.deepcopy(dataset_cfg)
    for sub in cfg.get('datasets', [cfg]):
        sub['data_root'] = str(root)
    return cfg


def _train_labels(cfg: Config, root: Path) -> List[np.ndarray]:
    """Training labels through the config's pipeline up to MaskUnseenClasses."""
    ds_cfg = _with_root(cfg.train_dataloader.dataset, root)
    for sub in ds_cfg.get('datasets', [ds_cfg]):
        types = [t['type'] for t in sub['pipeline']]
        mask = types.index('MaskUnseenClasses')
        assert types[:mask] == ['LoadImageFromFile', 'LoadAnnotations']
        assert sub['pipeline'][mask]['split'] == cfg.split
        sub['pipeline'] = sub['pipeline'][:mask + 1]
    dataset = DATASETS.build(ds_cfg)
    assert tuple(dataset.metainfo['classes']) == get_split(cfg.split).classes
    return [dataset[i]['gt_seg_map'] for i in range(len(dataset))]


def _eval_labels(cfg: Config, root: Path, which: str = 'val') -> List[np.ndarray]:
    """Evaluation labels through the config's full test pipeline (full label resolution).

    The config's evaluator scores a perfect prediction of them: it accepts the dataset.
    """
    dataset = DATASETS.build(_with_root(cfg[f'{which}_dataloader'].dataset, root))
    assert tuple(dataset.metainfo['classes']) == get_split(cfg.split).classes
    metric = METRICS.build(cfg[f'{which}_evaluator'])
    metric.dataset_meta = dataset.metainfo
    out = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        seg = sample.gt_sem_seg.data.numpy()[0]
        assert seg.shape == tuple(sample.ori_shape)
        sample.pred_sem_seg = sample.gt_sem_seg
        metric.process({}, [sample])
        out.append(seg)
    scores = metric.compute_metrics(metric.results)
    assert scores['mIoU'] == 100.0
    return out


def _lut(mapping: Dict[int, int], default: int = 255) -> np.ndarray:
    lut = np.full(256, default, np.uint8)
    for old, new in mapping.items():
        lut[old] = new
    return lut


@pytest.mark.parametrize('name', CONFIGS)
def test_config_parses(name):
    cfg = Config.fromfile(str(CFG_DIR / name))
    split = get_split(cfg.split)
    pipeline = cfg.train_dataloader.dataset.get('datasets', [cfg.train_dataloader.dataset])
    for sub in pipeline:
        masks = [t for t in sub['pipeline'] if t['type'] == 'MaskUnseenClasses']
        assert masks == [dict(type='MaskUnseenClasses', split=split.name)]
    assert cfg.val_evaluator == dict(type='ZeroShotIoUMetric', split=split.name)
    assert cfg.test_evaluator == cfg.val_evaluator
    # evaluation at full label resolution: labels are loaded after any image Resize
    types = [t['type'] for t in cfg.test_dataloader.dataset.pipeline]
    assert types[-2:] == ['LoadAnnotations', 'PackSegInputs']
    first_line = (CFG_DIR / name).read_text().splitlines()[0]
    assert first_line.startswith('# Zero-shot')


# raw VOC ids: 0 bg, 1 aeroplane, 9 chair, 10 cow, 14 motorbike, 15 person,
# 16 pottedplant, 18 sofa, 20 tvmonitor, 255 border
VOC_RAW = np.array([[0, 1, 9, 10], [14, 15, 16, 18], [20, 255, 0, 15]], np.uint8)


@pytest.fixture
def voc_root(tmp_path):
    root = tmp_path / 'VOC2012'
    for folder, name, label in [('SegmentationClass', 'tr', VOC_RAW),
                                ('SegmentationClassAug', 'au', VOC_RAW[::-1].copy()),
                                ('SegmentationClass', 'va', VOC_RAW)]:
        _write_pair(root / 'JPEGImages' / f'{name}.jpg', root / folder / f'{name}.png',
                    label)
    _write_list(root / 'ImageSets/Segmentation/train.txt', ['tr'])
    _write_list(root / 'ImageSets/Segmentation/aug.txt', ['au'])
    _write_list(root / 'ImageSets/Segmentation/val.txt', ['va'])
    return root


def test_voc_20cls(voc_root):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_voc12_aug_20cls.py'))
    to20 = _lut({k: k - 1 for k in range(1, 21)})  # background and border -> 255
    expected_eval = to20[VOC_RAW]
    assert expected_eval[0, 0] == 255 and expected_eval[0, 1] == 0  # bg ignored
    assert expected_eval[1, 2] == 15  # pottedplant
    (val, ) = _eval_labels(cfg, voc_root)
    np.testing.assert_array_equal(val, expected_eval)
    unseen = np.isin(VOC_RAW, [16, 17, 18, 19, 20])  # pottedplant sheep sofa train tv
    train, aug = _train_labels(cfg, voc_root)
    np.testing.assert_array_equal(train, np.where(unseen, 255, expected_eval))
    np.testing.assert_array_equal(aug, np.where(unseen, 255, expected_eval)[::-1])


def test_voc_21cls(voc_root):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_voc12_aug_21cls.py'))
    assert cfg.split == 'voc12-zs3-2'
    (val, ) = _eval_labels(cfg, voc_root)
    np.testing.assert_array_equal(val, VOC_RAW)  # ids unchanged, background is class 0
    train, _ = _train_labels(cfg, voc_root)
    np.testing.assert_array_equal(train, np.where(np.isin(VOC_RAW, [10, 14]), 255, VOC_RAW))


def _context_id(name: str) -> int:
    return CONTEXT60_CLASSES.index(name)


CONTEXT_RAW = np.array(
    [[_context_id(c) for c in ('background', 'table', 'bag', 'cow')],
     [_context_id(c) for c in ('sky', 'motorbike', 'fence', 'ceiling')]], np.uint8)


@pytest.fixture
def context_root(tmp_path):
    root = tmp_path / 'VOC2010'
    for name in ('tr', 'va'):
        _write_pair(root / 'JPEGImages' / f'{name}.jpg',
                    root / 'SegmentationClassContext' / f'{name}.png', CONTEXT_RAW)
    _write_list(root / 'ImageSets/SegmentationContext/train.txt', ['tr'])
    _write_list(root / 'ImageSets/SegmentationContext/val.txt', ['va'])
    return root


def test_context33(context_root):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_pascal_context33.py'))
    c33 = get_split('context33-29-4').classes
    expected = np.array([[255, c33.index('table'), 255, c33.index('cow')],
                         [c33.index('sky'), c33.index('motorbike'), 255,
                          c33.index('ceiling')]], np.uint8)
    assert expected[0, 1] == 10 and expected[1, 0] == 20
    (val, ) = _eval_labels(cfg, context_root)
    np.testing.assert_array_equal(val, expected)
    (train, ) = _train_labels(cfg, context_root)
    expected[0, 3] = expected[1, 1] = 255  # cow, motorbike unseen
    np.testing.assert_array_equal(train, expected)


def test_context60(context_root):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_pascal_context60.py'))
    (val, ) = _eval_labels(cfg, context_root)
    np.testing.assert_array_equal(val, CONTEXT_RAW)  # background is class 0
    (train, ) = _train_labels(cfg, context_root)
    unseen = np.isin(CONTEXT_RAW, [_context_id('cow'), _context_id('motorbike')])
    np.testing.assert_array_equal(train, np.where(unseen, 255, CONTEXT_RAW))


def test_cocostuff(tmp_path):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_coco-stuff164k.py'))
    raw = np.array([[COCOSTUFF171_CLASSES.index(c) for c in
                     ('person', 'cow', 'grass', 'wall-concrete', 'sky-other')] + [255]] * 2,
                   np.uint8)
    for split in ('train2017', 'val2017'):
        _write_pair(tmp_path / 'images' / split / 'x.jpg',
                    tmp_path / 'annotations' / split / 'x_labelTrainIds.png', raw)
    (val, ) = _eval_labels(cfg, tmp_path)
    np.testing.assert_array_equal(val, raw)
    (train, ) = _train_labels(cfg, tmp_path)
    np.testing.assert_array_equal(train, [[0, 255, 255, 255, raw[0, 4], 255]] * 2)


CAMVID_RAW = np.array([[0, 1, 8, 9], [10, 11, 3, 11]], np.uint8)


def test_camvid(tmp_path):
    cfg = Config.fromfile(str(CFG_DIR / 'zs_camvid.py'))
    assert cfg.train_dataloader.dataset.data_root == 'data/camvid'
    for split in ('train', 'val', 'test'):
        _write_pair(tmp_path / 'img_dir' / split / 'x.jpg',
                    tmp_path / 'ann_dir' / split / 'x.png', CAMVID_RAW)
    expected = np.where(CAMVID_RAW == 11, 255, CAMVID_RAW)  # void -> ignore
    for which in ('val', 'test'):
        (seg, ) = _eval_labels(cfg, tmp_path, which)
        np.testing.assert_array_equal(seg, expected)
    (train, ) = _train_labels(cfg, tmp_path)
    unseen = np.isin(CAMVID_RAW, [8, 9])  # car, pedestrian
    np.testing.assert_array_equal(train, np.where(unseen, 255, expected))


def test_camvid_class_subset_keeps_void_ignored(tmp_path):
    _write_pair(tmp_path / 'img' / 'x.jpg', tmp_path / 'ann' / 'x.png', CAMVID_RAW)
    dataset = CamVidDataset(
        data_root=str(tmp_path), data_prefix=dict(img_path='img', seg_map_path='ann'),
        metainfo=dict(classes=('road', 'car')), pipeline=[dict(type='LoadAnnotations')])
    np.testing.assert_array_equal(dataset[0]['gt_seg_map'],
                                  [[255, 255, 1, 255], [255, 255, 0, 255]])
    assert dataset.metainfo['palette'] == [[128, 64, 128], [64, 0, 128]]


def test_real_camvid_train_split():
    root = shared_path('camvid')
    cfg = Config.fromfile(str(CFG_DIR / 'zs_camvid.py'))
    ds_cfg = _with_root(cfg.train_dataloader.dataset, root)
    ds_cfg['pipeline'] = []
    dataset = DATASETS.build(ds_cfg)
    assert len(dataset) == 367
    load = LoadAnnotations()
    values = set()
    for i in range(0, len(dataset), 4):  # every 4th label keeps the test fast
        info = dataset.get_data_info(i)
        values |= set(np.unique(load(dict(info, seg_fields=[]))['gt_seg_map']).tolist())
    assert values <= set(range(11)) | {255}
    assert 255 in values and len(values) == 12
