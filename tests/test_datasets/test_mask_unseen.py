"""MaskUnseenClasses: alone on a hand case, and inside a real mmseg pipeline."""
from pathlib import Path

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from PIL import Image

import mmseg_zs3  # noqa: F401  (registers the transform)
from mmseg.datasets import PascalVOCDataset
from mmseg.registry import TRANSFORMS
from mmseg_zs3.datasets import MaskUnseenClasses

init_default_scope('mmseg')  # pipelines name mmseg's transforms


def test_hand_case_with_unseen_ids():
    seg = np.array([[0, 1, 2], [3, 255, 1], [2, 2, 4]], dtype=np.uint8)
    out = MaskUnseenClasses(unseen_ids=[1, 4])(dict(gt_seg_map=seg.copy()))['gt_seg_map']
    expected = np.array([[0, 255, 2], [3, 255, 255], [2, 2, 255]], dtype=np.uint8)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.uint8 and out.shape == seg.shape


def test_hand_case_with_split_and_custom_ignore_index():
    # camvid11-9-2: unseen car (8), pedestrian (9)
    seg = np.arange(12, dtype=np.uint8).reshape(3, 4)
    seg[2, 3] = 200  # not 11: a value outside the split's classes is refused (issue 8)
    out = MaskUnseenClasses(split='camvid11-9-2', ignore_index=200)(
        dict(gt_seg_map=seg))['gt_seg_map']
    expected = seg.copy()
    expected[seg == 8] = 200
    expected[seg == 9] = 200
    np.testing.assert_array_equal(out, expected)


def test_non_uint8_labels():
    seg = np.array([[0, 300, 5], [5, 7, 255]], dtype=np.int64)
    out = MaskUnseenClasses(unseen_ids=[5])(dict(gt_seg_map=seg))['gt_seg_map']
    np.testing.assert_array_equal(out, [[0, 300, 255], [255, 7, 255]])
    assert out.dtype == np.int64


def test_inline_split_and_repr():
    inline = dict(name='abc', classes=['a', 'b', 'c'], unseen=['b'])
    t = TRANSFORMS.build(dict(type='MaskUnseenClasses', split=inline))
    assert t.unseen_ids == (1, )
    assert repr(t) == "MaskUnseenClasses(split='abc', unseen_ids=[1], ignore_index=255)"
    assert 'unseen_ids=[15, 16, 17, 18, 19]' in repr(MaskUnseenClasses(split='voc12-15-5'))


@pytest.mark.parametrize('kwargs, match', [
    (dict(), 'exactly one'),
    (dict(split='voc12-15-5', unseen_ids=[1]), 'exactly one'),
    (dict(unseen_ids=[3, 3]), 'duplicates'),
    (dict(unseen_ids=[-1]), r'\[-1\]'),
    (dict(unseen_ids=[256]), r'\[256\]'),
    (dict(unseen_ids=[1.5]), '1.5'),
    (dict(unseen_ids=[]), 'empty'),
    (dict(unseen_ids=[255]), 'ignore_index=255'),
    (dict(unseen_ids=[1], ignore_index=300), '300'),
    (dict(split=dict(classes=['a', 'b'], unseen=['zebra'])), 'zebra'),
])
def test_bad_arguments_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MaskUnseenClasses(**kwargs)


def test_unknown_split_name():
    with pytest.raises(KeyError, match='no-such-split'):
        MaskUnseenClasses(split='no-such-split')


def test_missing_gt_seg_map():
    with pytest.raises(KeyError, match='LoadAnnotations'):
        MaskUnseenClasses(unseen_ids=[1])(dict(img=np.zeros((2, 2, 3))))


def _write_voc(root: Path) -> np.ndarray:
    """A one-image dataset in the VOC layout; returns the raw label."""
    (root / 'JPEGImages').mkdir(parents=True)
    (root / 'SegmentationClass').mkdir()
    rng = np.random.default_rng(0)
    label = rng.integers(0, 21, size=(12, 16)).astype(np.uint8)
    label[0, :] = 255  # border
    Image.fromarray(rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)).save(
        root / 'JPEGImages' / 'a.jpg')
    Image.fromarray(label).save(root / 'SegmentationClass' / 'a.png')
    (root / 'train.txt').write_text('a\n')
    return label


def test_inside_mmseg_pipeline(tmp_path):
    raw = _write_voc(tmp_path)
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='MaskUnseenClasses', split='voc12-zs3-4'),
        dict(type='PackSegInputs'),
    ]
    dataset = PascalVOCDataset(
        data_root=str(tmp_path), ann_file='train.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
        pipeline=pipeline)
    seg = dataset[0]['data_samples'].gt_sem_seg.data.numpy()[0]
    unseen = np.isin(raw, [10, 14, 1, 18])  # cow, motorbike, aeroplane, sofa
    assert unseen.any()
    assert (seg[unseen] == 255).all()
    np.testing.assert_array_equal(seg[~unseen], raw[~unseen])

    # the same with mmcv's Compose on a hand-made results dict
    compose = Compose([TRANSFORMS.build(t) for t in pipeline])
    out = compose(dict(img_path=str(tmp_path / 'JPEGImages' / 'a.jpg'),
                       seg_map_path=str(tmp_path / 'SegmentationClass' / 'a.png'),
                       reduce_zero_label=False, seg_fields=[]))
    np.testing.assert_array_equal(out['data_samples'].gt_sem_seg.data.numpy()[0], seg)
