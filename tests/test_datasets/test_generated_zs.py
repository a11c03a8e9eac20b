"""The generated zero-shot benchmark: determinism, layout, labels, the default split, the
appearance function of the embeddings, the vertical prior, reading it through mmseg, and
the real-embedding path."""
import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
from conftest import REPO, run_tool, shared_path
from PIL import Image

from mmseg_zs3.datasets import get_split
from mmseg_zs3.datasets.generated_zs import (GZS_CLASSES, GZS_COLOURS, GZS_PATTERNS,
                                             GZS_UNSEEN, class_appearance,
                                             class_attributes, default_class_embeddings,
                                             generate_zs_benchmark)
from mmseg_zs3.utils.class_embeddings import load_class_embeddings

SMALL = dict(num_train=20, num_val=20, size=48)


@pytest.fixture(scope='module')
def gzs_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('gzs')
    generate_zs_benchmark(str(root), seed=0, **SMALL)
    return root


def _files(root: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob('*'))
            if p.is_file()}


def _pairs(root: Path, split: str) -> List[Tuple[np.ndarray, np.ndarray]]:
    names = sorted(p.name for p in (root / 'img_dir' / split).iterdir())
    return [(np.asarray(Image.open(root / 'img_dir' / split / n)),
             np.asarray(Image.open(root / 'ann_dir' / split / n))) for n in names]


def _class_pixel_stats(root: Path) -> Tuple[np.ndarray, np.ndarray]:
    """Per class: mean RGB (0..1) and mean relative y of its pixels, train + val."""
    num = len(GZS_CLASSES)
    rgb, ys, count = np.zeros((num, 3)), np.zeros(num), np.zeros(num)
    for split in ('train', 'val'):
        for image, label in _pairs(root, split):
            rows = np.broadcast_to(np.arange(label.shape[0])[:, None] / label.shape[0],
                                   label.shape)
            for c in range(num):
                mask = label == c
                rgb[c] += image[mask].sum(axis=0) / 255.0
                ys[c] += rows[mask].sum()
                count[c] += mask.sum()
    assert np.all(count > 0)
    return rgb / count[:, None], ys / count


def test_deterministic_and_seeded(gzs_root, tmp_path):
    again = tmp_path / 'again'
    generate_zs_benchmark(str(again), seed=0, **SMALL)
    first, second = _files(gzs_root), _files(again)
    assert first.keys() == second.keys()
    assert all(first[k] == second[k] for k in first)

    other = tmp_path / 'other'
    generate_zs_benchmark(str(other), seed=1, **SMALL)
    third = _files(other)
    images = [k for k in first if k.startswith('img_dir')]
    assert sum(first[k] != third[k] for k in images) == len(images)
    # The embeddings do not depend on the scene seed.
    assert first['class_embeddings.npy'] == third['class_embeddings.npy']


def test_layout_and_labels(gzs_root):
    for split, count in (('train', SMALL['num_train']), ('val', SMALL['num_val'])):
        names = sorted(p.name for p in (gzs_root / 'img_dir' / split).iterdir())
        assert names == [f'{i:05d}.png' for i in range(count)]
        assert names == sorted(p.name for p in (gzs_root / 'ann_dir' / split).iterdir())
        for image, label in _pairs(gzs_root, split):
            assert image.shape == (48, 48, 3) and image.dtype == np.uint8
            assert label.shape == (48, 48) and label.dtype == np.uint8
            values = set(np.unique(label).tolist())
            assert values <= set(range(len(GZS_CLASSES))) | {255}
            assert 255 in values, 'every scene has a void blob'
            assert len(values - {255}) >= 3

    emb = load_class_embeddings(str(gzs_root / 'class_embeddings.npy'), GZS_CLASSES)
    np.testing.assert_array_equal(emb, default_class_embeddings())
    meta = json.loads((gzs_root / 'meta.json').read_text())
    assert meta['classes'] == list(GZS_CLASSES)
    assert meta['unseen'] == list(GZS_UNSEEN)
    assert (meta['seed'], meta['size'], meta['num_train'], meta['num_val']) == (0, 48, 20, 20)
    assert meta['attributes']['blue-dots'] == dict(colour='blue', pattern='dots')
    assert set(meta['bands']) == set(GZS_CLASSES)
    assert meta['generator_version'] >= 1


def test_every_class_in_val_and_unseen_in_train(gzs_root):
    val = set()
    for _, label in _pairs(gzs_root, 'val'):
        val |= set(np.unique(label).tolist())
    assert set(range(len(GZS_CLASSES))) <= val

    unseen_ids = get_split('gzs20-15-5').unseen_ids
    images_with = {u: 0 for u in unseen_ids}
    for _, label in _pairs(gzs_root, 'train'):
        for u in unseen_ids:
            images_with[u] += bool(np.any(label == u))
    # Unlabelled-in-training (MaskUnseenClasses) but present with their true labels.
    assert all(n >= 2 for n in images_with.values()), images_with


def test_default_split_is_compositional():
    split = get_split('gzs20-15-5')
    assert split.classes == GZS_CLASSES and split.unseen == GZS_UNSEEN
    assert (len(split.seen), len(split.unseen), split.background) == (15, 5, 'none')
    seen_attrs = [class_attributes(c) for c in split.seen]
    assert {a['colour'] for a in seen_attrs} == set(GZS_COLOURS)
    assert {a['pattern'] for a in seen_attrs} == set(GZS_PATTERNS)
    # Every unseen class recombines a seen colour and a seen pattern.
    for name in GZS_UNSEEN:
        attrs = class_attributes(name)
        assert any(a['colour'] == attrs['colour'] for a in seen_attrs)
        assert any(a['pattern'] == attrs['pattern'] for a in seen_attrs)


def test_default_embeddings():
    emb = default_class_embeddings()
    assert emb.shape == (20, 16) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-6)
    # Compositional: cosine 1/2 when one attribute is shared, 0 when none is.
    cos = emb @ emb.T
    i, j, k = (GZS_CLASSES.index(n) for n in ('red-stripes', 'red-dots', 'blue-dots'))
    assert cos[i, j] == pytest.approx(0.5, abs=1e-5)
    assert cos[i, k] == pytest.approx(0.0, abs=1e-5)
    assert default_class_embeddings(dim=9).shape == (20, 9)
    with pytest.raises(ValueError, match='8'):
        default_class_embeddings(dim=8)


def test_appearance_is_a_function_of_the_embedding():
    emb = default_class_embeddings()
    app = class_appearance(emb)
    again = class_appearance(emb.copy())
    for key in app:
        np.testing.assert_array_equal(app[key], again[key])
    # Two classes with equal embeddings look alike, whatever their name or position.
    doubled = np.concatenate([emb, emb[[3]] * 2.5])  # row scale does not matter
    app2 = class_appearance(doubled)
    for key, value in app2.items():
        np.testing.assert_allclose(value[3], value[-1], atol=1e-9, err_msg=key)

    colours = [class_attributes(c)['colour'] for c in GZS_CLASSES]
    same = np.array([[a == b for b in colours] for a in colours]) & ~np.eye(20, dtype=bool)
    diff = np.array([[a != b for b in colours] for a in colours])
    dist = np.linalg.norm(app['colour'][:, None] - app['colour'][None], axis=-1)
    assert dist[same].max() < 0.05 < 0.3 < dist[diff].min()
    patterns = [class_attributes(c)['pattern'] for c in GZS_CLASSES]
    for k, p in enumerate(patterns):
        assert int(np.argmax(app['pattern_weights'][k])) == GZS_PATTERNS.index(p)
    assert np.all((app['band_centre'] > 0) & (app['band_centre'] < 1))
    assert np.all(app['band_spread'] > 0)
    with pytest.raises(ValueError, match=r'\[1\]'):
        class_appearance(np.stack([emb[0], np.zeros(16)]))


def test_rendered_colours_and_vertical_prior(gzs_root):
    mean_rgb, mean_y = _class_pixel_stats(gzs_root)
    colours = [class_attributes(c)['colour'] for c in GZS_CLASSES]
    dist = np.linalg.norm(mean_rgb[:, None] - mean_rgb[None], axis=-1)
    for k, colour in enumerate(colours):
        same = [j for j, c in enumerate(colours) if c == colour and j != k]
        other = [j for j, c in enumerate(colours) if c != colour]
        assert dist[k, same].mean() < dist[k, other].min(), GZS_CLASSES[k]

    meta = json.loads((gzs_root / 'meta.json').read_text())
    bands = np.array([meta['bands'][c]['centre'] for c in GZS_CLASSES])
    assert np.corrcoef(mean_y, bands)[0, 1] > 0.9


def test_reads_through_mmseg(gzs_root):
    from mmengine.registry import init_default_scope
    from mmseg.datasets import BaseSegDataset
    init_default_scope('mmseg')
    dataset = BaseSegDataset(
        data_root=str(gzs_root),
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        img_suffix='.png', seg_map_suffix='.png', metainfo=dict(classes=GZS_CLASSES),
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')])
    assert len(dataset) == SMALL['num_train']
    item = dataset[0]
    assert item['img'].shape == (48, 48, 3)
    assert item['gt_seg_map'].shape == (48, 48)
    label = np.asarray(Image.open(gzs_root / 'ann_dir' / 'train' / '00000.png'))
    np.testing.assert_array_equal(item['gt_seg_map'], label)


def _write_glove(path: Path, words: Dict[str, List[float]]) -> None:
    path.write_text(''.join(f'{w} ' + ' '.join(f'{x:.4f}' for x in v) + '\n'
                            for w, v in words.items()))


def test_real_embedding_file(tmp_path):
    rng = np.random.default_rng(0)
    words = ['cat', 'dog', 'car', 'bus', 'sky', 'road', 'tree']
    glove = tmp_path / 'tiny_glove.txt'
    _write_glove(glove, {w: rng.standard_normal(12).tolist() for w in words})
    classes = ['cat', 'dog', 'car', 'bus', 'sky', 'road']
    out = tmp_path / 'real'
    info = generate_zs_benchmark(str(out), num_train=8, num_val=6, size=32, seed=3,
                                 embedding_file=str(glove), class_names=classes,
                                 unseen=['dog', 'bus'])
    assert (info['train'], info['val']) == (8, 6)
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['classes'] == classes and meta['unseen'] == ['dog', 'bus']
    assert meta['attributes'] is None and meta['embedding_dim'] == 12
    emb = load_class_embeddings(str(out / 'class_embeddings.npy'), classes)
    assert emb.shape == (6, 12)
    val = set()
    for _, label in _pairs(out, 'val'):
        assert set(np.unique(label).tolist()) <= set(range(6)) | {255}
        val |= set(np.unique(label).tolist())
    assert set(range(6)) <= val

    # The written .npy + manifest poses the same task again, byte for byte.
    again = tmp_path / 'again'
    generate_zs_benchmark(str(again), num_train=8, num_val=6, size=32, seed=3,
                          embedding_file=str(out / 'class_embeddings.npy'),
                          unseen=['dog', 'bus'])
    first, second = _files(out), _files(again)
    images = [k for k in first if k.endswith('.png')]
    assert all(first[k] == second[k] for k in images)

    with pytest.raises(ValueError, match='unseen'):
        generate_zs_benchmark(str(tmp_path / 'x'), embedding_file=str(glove),
                              class_names=classes)
    with pytest.raises(ValueError, match='horse'):
        generate_zs_benchmark(str(tmp_path / 'x'), embedding_file=str(glove),
                              class_names=classes, unseen=['horse'])
    with pytest.raises(ValueError, match='class_names'):
        generate_zs_benchmark(str(tmp_path / 'x'), class_names=classes)


def test_real_glove_words(tmp_path):
    glove = shared_path('class_embeddings', 'glove6B50d_class_words.txt')
    classes = ['sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol', 'fence',
               'car', 'pedestrian', 'bicyclist']
    out = tmp_path / 'camvid_like'
    generate_zs_benchmark(str(out), num_train=6, num_val=11, size=32, seed=0,
                          embedding_file=str(glove), class_names=classes,
                          unseen=['car', 'pedestrian'])
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['embedding_dim'] == 50 and meta['seen'][0] == 'sky'
    val = set()
    for _, label in _pairs(out, 'val'):
        val |= set(np.unique(label).tolist())
    assert set(range(len(classes))) <= val


def test_cli(tmp_path):
    out = tmp_path / 'cli'
    proc = run_tool([REPO / 'tools' / 'generate_zs_benchmark.py', out, '--num-train', '3',
                     '--num-val', '2', '--size', '24', '--seed', '5'])
    assert proc.returncode == 0
    assert 'wrote 3 train + 2 val images' in proc.stdout
    assert len(list((out / 'ann_dir' / 'train').iterdir())) == 3
    assert json.loads((out / 'meta.json').read_text())['seed'] == 5
