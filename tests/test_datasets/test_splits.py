"""Named zero-shot splits against the published definitions and mmseg's class lists."""
import json
from typing import Dict, List

import pytest
from conftest import shared_path

from mmseg.datasets import COCOStuffDataset, PascalContextDataset, PascalVOCDataset
from mmseg_zs3.datasets import ZeroShotSplit, get_split, list_splits, register_split

# Spellings of the original repositories -> mmseg's class names.
CAGNET_ALIASES = {'potted_plant': 'pottedplant', 'tv': 'tvmonitor', 'unlabel': 'background'}
# CaGNet's Context-33 file says 'diningtable'; mmseg's Pascal Context calls it 'table'.
CAGNET_CONTEXT_ALIASES = dict(CAGNET_ALIASES, diningtable='table')
ZS3NET_ALIASES = {'airplane': 'aeroplane', 'tv': 'tvmonitor', 'potted plant': 'pottedplant'}
# COCO-Stuff 182 raw ids that COCO never annotated; mmseg's 171 classes leave them out.
COCO_UNUSED = {'street sign', 'hat', 'shoe', 'eye glasses', 'plate', 'mirror', 'window',
               'desk', 'door', 'blender', 'hair brush'}

PUBLISHED = ['voc12-15-5', 'context33-29-4', 'cocostuff171-156-15', 'camvid11-9-2',
             'camvid11-8-3'] + [f'{d}-zs3-{n}' for d in ('voc12', 'context60')
                                for n in (2, 4, 6, 8, 10)]


def _read_classes(name: str, aliases: Dict[str, str]) -> List[str]:
    path = shared_path('class_embeddings', f'cagnet_{name}_classes.txt')
    return [aliases.get(c, c) for c in path.read_text().splitlines() if c.strip()]


def _cagnet_splits() -> dict:
    return json.loads(shared_path('class_embeddings', 'cagnet_splits.json').read_text())


def _zs3net_unseen(dataset: str) -> Dict[int, List[str]]:
    path = shared_path('class_embeddings', f'zs3net_{dataset}_unseen_splits.txt')
    out = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        head, names = line.split(':')
        out[int(head.split()[0])] = [ZS3NET_ALIASES.get(n.strip(), n.strip())
                                     for n in names.split(',')]
    return out


# ----------------------------------------------------------------- no data needed


def test_every_published_split_is_registered():
    assert set(PUBLISHED) <= set(list_splits())
    assert list_splits() == sorted(list_splits())


@pytest.mark.parametrize('name, dataset, background', [
    ('voc12-zs3-2', PascalVOCDataset, 'class'),
    ('context60-zs3-2', PascalContextDataset, 'class'),
    ('cocostuff171-156-15', COCOStuffDataset, 'none'),
])
def test_classes_equal_mmseg_metainfo(name, dataset, background):
    split = get_split(name)
    assert split.classes == tuple(dataset.METAINFO['classes'])
    assert split.background == background


def test_voc20_is_mmseg_voc_without_background():
    split = get_split('voc12-15-5')
    assert split.classes == tuple(PascalVOCDataset.METAINFO['classes'][1:])
    assert split.background == 'ignored'


def test_context33_is_a_subset_of_mmseg_context():
    split = get_split('context33-29-4')
    assert set(split.classes) <= set(PascalContextDataset.METAINFO['classes'])
    assert len(split.classes) == 33 and 'background' not in split.classes


def test_hard_coded_published_unseen_sets():
    assert get_split('voc12-15-5').unseen_ids == (15, 16, 17, 18, 19)
    assert set(get_split('voc12-15-5').unseen) == {
        'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'}
    voc = ['cow', 'motorbike', 'aeroplane', 'sofa', 'cat', 'tvmonitor', 'train', 'bottle',
           'chair', 'pottedplant']
    ctx = ['cow', 'motorbike', 'sofa', 'cat', 'boat', 'fence', 'bird', 'tvmonitor',
           'aeroplane', 'keyboard']
    for n in (2, 4, 6, 8, 10):
        assert set(get_split(f'voc12-zs3-{n}').unseen) == set(voc[:n])
        assert set(get_split(f'context60-zs3-{n}').unseen) == set(ctx[:n])
        assert get_split(f'voc12-zs3-{n}').num_classes == 21
        assert get_split(f'context60-zs3-{n}').num_classes == 60
    assert set(get_split('context33-29-4').unseen) == {'cow', 'motorbike', 'sofa', 'cat'}
    coco = get_split('cocostuff171-156-15')
    assert len(coco.unseen) == 15 and len(coco.seen) == 156
    assert get_split('camvid11-9-2').unseen_ids == (8, 9)
    assert get_split('camvid11-8-3').unseen_ids == (8, 9, 10)
    assert get_split('camvid11-9-2').classes[:3] == ('sky', 'building', 'pole')


def test_seen_and_unseen_partition_the_classes():
    for name in list_splits():
        split = get_split(name)
        assert sorted(split.seen_ids + split.unseen_ids) == list(range(split.num_classes))
        assert set(split.seen).isdisjoint(split.unseen)


def test_inline_definition():
    split = get_split(dict(name='mine', classes=['a', 'b', 'c'], unseen=['c']))
    assert isinstance(split, ZeroShotSplit)
    assert split.unseen_ids == (2, ) and split.seen == ('a', 'b')
    assert split.background == 'none'
    assert get_split(split) is split
    assert get_split(split.to_dict()) == split


def test_register_split(monkeypatch):
    from mmseg_zs3.datasets import splits as splits_module
    # a private copy of the registry, so the test leaves the global one as it was
    monkeypatch.setattr(splits_module, 'SPLITS', dict(splits_module.SPLITS))
    split = ZeroShotSplit('test-register-xyz', ('a', 'b'), ('b', ))
    register_split(split)
    assert get_split('test-register-xyz') == split
    with pytest.raises(KeyError, match='test-register-xyz'):
        register_split(ZeroShotSplit('test-register-xyz', ('a', 'b'), ('a', )))


@pytest.mark.parametrize('definition, match', [
    (dict(classes=['a', 'b', 'a'], unseen=['b']), "duplicate classes \\['a'\\]"),
    (dict(classes=['a', 'b'], unseen=['zebra']), 'zebra'),
    (dict(classes=['a', 'b'], unseen=['b'], background='sometimes'), 'sometimes'),
    (dict(classes=['a', 'b'], unseen=['a'], background='class'), 'background'),
    (dict(classes=['a', 'b'], unseen=['a', 'b']), 'every class is unseen'),
    (dict(classes='ab', unseen=['a']), "'ab'"),
])
def test_invalid_inline_split_names_the_value(definition, match):
    with pytest.raises(ValueError, match=match):
        get_split(definition)


def test_unknown_name():
    with pytest.raises(KeyError, match='voc12-99-1'):
        get_split('voc12-99-1')


# ------------------------------------------------------ against the published files


def test_voc12_15_5_matches_cagnet():
    rows = _read_classes('voc12', CAGNET_ALIASES)
    published = _cagnet_splits()['cagnet_voc12']
    assert len(rows) == published['num_rows'] == 21 and rows[0] == 'background'
    split = get_split('voc12-15-5')
    assert split.classes == tuple(rows[1:])  # row 0 (background) is ignored
    assert [rows[i] for i in published['seen_ids']] == list(split.seen)
    assert [rows[i] for i in published['unseen_ids']] == list(split.unseen)
    names = [CAGNET_ALIASES.get(n, n) for n in published['unseen_names']]
    assert names == list(split.unseen)


def test_context33_matches_cagnet():
    rows = _read_classes('context33', CAGNET_CONTEXT_ALIASES)
    published = _cagnet_splits()['cagnet_context33']
    assert len(rows) == published['num_rows'] == 34 and rows[0] == 'background'
    split = get_split('context33-29-4')
    assert split.classes == tuple(rows[1:])  # row 0 ("unlabel") is ignored
    assert sorted(rows[i] for i in published['seen_ids']) == sorted(split.seen)
    assert sorted(rows[i] for i in published['unseen_ids']) == sorted(split.unseen)
    assert [rows[i] for i in published['unseen_ids']] == published['unseen_names']


def test_cocostuff_matches_cagnet():
    rows = _read_classes('cocostuff182', {})
    published = _cagnet_splits()['cagnet_cocostuff182']
    assert len(rows) == published['num_rows'] == 182
    split = get_split('cocostuff171-156-15')
    # mmseg's 171 classes are CaGNet's 182 raw ids without the 11 never-annotated ones
    assert tuple(c for c in rows if c not in COCO_UNUSED) == split.classes
    unseen = [rows[i] for i in published['unseen_ids']]
    assert unseen == published['unseen_names']
    assert sorted(unseen) == sorted(split.unseen)
    seen = {rows[i] for i in published['seen_ids']} - COCO_UNUSED
    assert seen == set(split.seen)


@pytest.mark.parametrize('dataset, prefix', [('voc', 'voc12'), ('context', 'context60')])
def test_zs3net_nested_splits_match_published(dataset, prefix):
    published = _zs3net_unseen(dataset)
    assert sorted(published) == [2, 4, 6, 8, 10]
    for n, unseen in published.items():
        split = get_split(f'{prefix}-zs3-{n}')
        assert sorted(split.unseen) == sorted(unseen), n
        assert split.background == 'class'
