"""ExcludeUnseenImages: ZS3Net's strict training set (no image with an unseen pixel)."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.dataset import ConcatDataset
from mmengine.registry import init_default_scope
from PIL import Image

import mmseg_zs3  # noqa: F401  (registers the wrapper)
from mmseg.datasets import PascalVOCDataset
from mmseg.registry import DATASETS
from mmseg_zs3.datasets import ExcludeUnseenImages, exclude_unseen

VOC20 = PascalVOCDataset.METAINFO['classes'][1:]

init_default_scope('mmseg')  # pipelines name mmseg's transforms


def _write_voc(root: Path, labels: dict) -> None:
    """Writes images and labels named by ``labels`` (name -> uint8 array) in VOC layout."""
    (root / 'JPEGImages').mkdir(parents=True, exist_ok=True)
    (root / 'SegmentationClass').mkdir(exist_ok=True)
    for name, label in labels.items():
        Image.fromarray(np.zeros(label.shape + (3, ), np.uint8)).save(
            root / 'JPEGImages' / f'{name}.jpg')
        Image.fromarray(label.astype(np.uint8)).save(
            root / 'SegmentationClass' / f'{name}.png')
    (root / 'train.txt').write_text(''.join(f'{n}\n' for n in labels))


def _voc_cfg(root: Path, **kwargs) -> dict:
    return dict(type='PascalVOCDataset', data_root=str(root), ann_file='train.txt',
                data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
                pipeline=[dict(type='LoadAnnotations')], **kwargs)


def _label(*values):
    # two identical rows: LoadAnnotations squeezes a one-row label to 1-D
    return np.array([list(values)] * 2, dtype=np.uint8)


@pytest.fixture
def voc_root(tmp_path):
    # raw VOC ids: 0 background, 10 cow, 14 motorbike, 16 pottedplant, 15 person, 255 border
    _write_voc(tmp_path, {
        'a_clean': _label(0, 15, 255, 15),
        'b_cow': _label(0, 10, 15, 15),
        'c_potted': _label(16, 0, 0, 255),
        'd_clean': _label(3, 3, 0, 0),
    })
    return tmp_path


def test_drops_images_with_unseen_pixels(voc_root):
    wrapped = DATASETS.build(dict(type='ExcludeUnseenImages', dataset=_voc_cfg(voc_root),
                                  split='voc12-zs3-2'))
    assert len(wrapped) == 3  # only the cow image goes
    names = [Path(wrapped.get_data_info(i)['img_path']).stem for i in range(len(wrapped))]
    assert names == ['a_clean', 'c_potted', 'd_clean']
    seg = wrapped[2]['gt_seg_map']
    np.testing.assert_array_equal(seg, _label(3, 3, 0, 0))
    assert wrapped.metainfo['classes'] == PascalVOCDataset.METAINFO['classes']
    assert 'kept=3' in repr(wrapped)


def test_ids_are_read_after_the_label_map(voc_root):
    # 20-class view: raw 16 (pottedplant) becomes 15, which is unseen in voc12-15-5;
    # raw 15 (person) becomes 14, which is seen. Raw ids would give the wrong answer.
    cfg = _voc_cfg(voc_root, metainfo=dict(classes=VOC20))
    wrapped = ExcludeUnseenImages(cfg, split='voc12-15-5')
    names = [Path(wrapped.get_data_info(i)['img_path']).stem for i in range(len(wrapped))]
    assert names == ['a_clean', 'b_cow', 'd_clean']
    wrapped = ExcludeUnseenImages(cfg, unseen_ids=[4])  # bottle: absent everywhere
    assert len(wrapped) == 4


def test_concat_dataset_and_logging(voc_root, monkeypatch):
    messages = []
    monkeypatch.setattr(exclude_unseen, 'print_log', lambda msg, **kw: messages.append(msg))
    concat = ConcatDataset([DATASETS.build(_voc_cfg(voc_root)),
                            DATASETS.build(_voc_cfg(voc_root))])
    wrapped = ExcludeUnseenImages(concat, unseen_ids=[10, 16])
    assert len(wrapped) == 4
    names = [Path(wrapped.get_data_info(i)['img_path']).stem for i in range(4)]
    assert names == ['a_clean', 'd_clean'] * 2
    assert len(messages) == 1 and 'dropped 4 of 8' in messages[0]


def test_nothing_left(voc_root):
    with pytest.raises(ValueError, match='all 4 images'):
        ExcludeUnseenImages(_voc_cfg(voc_root), unseen_ids=[0])


def test_lazy_init(voc_root):
    wrapped = ExcludeUnseenImages(_voc_cfg(voc_root), split='voc12-zs3-2', lazy_init=True)
    assert 'not scanned' in repr(wrapped)
    assert len(wrapped) == 3


def test_split_must_match_dataset_classes(voc_root):
    with pytest.raises(ValueError, match='context33-29-4'):
        ExcludeUnseenImages(_voc_cfg(voc_root), split='context33-29-4')


def test_bad_dataset_argument():
    with pytest.raises(TypeError, match='list'):
        ExcludeUnseenImages([1, 2], unseen_ids=[1])
