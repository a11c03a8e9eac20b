"""Class embeddings: names -> words, the builder against hand computations, every loader
refusal, the legacy CaGNet files, and real GloVe / CaGNet vectors (skipped when absent)."""
import json

import numpy as np
import pytest

from conftest import shared_path
from mmseg_zs3.datasets.splits import get_split
from mmseg_zs3.utils import class_embeddings as ce
from mmseg_zs3.utils.class_embeddings import (VectorSource, build_class_embeddings,
                                              class_words, load_class_embeddings,
                                              manifest_path, save_class_embeddings)

# Tiny vocabulary: 3-d vectors for the first source, 2-d for the second.
VEC_A = {
    'cat': [1.0, 0.0, 0.0],
    'dog': [0.0, 2.0, 0.0],
    'potted': [1.0, 1.0, 0.0],
    'plant': [0.0, 1.0, 3.0],
    'tv': [2.0, 0.0, 2.0],
    'monitor': [0.0, 4.0, 0.0],
}
VEC_B = {
    'cat': [3.0, 4.0],
    'dog': [0.0, 1.0],
    'potted': [1.0, 0.0],
    'plant': [1.0, 2.0],
    'tv': [5.0, 0.0],
}


def _write_txt(path, vectors, header=True):
    dim = len(next(iter(vectors.values())))
    with open(path, 'w') as f:
        if header:
            f.write(f'{len(vectors)} {dim}\n')
        for word, vec in vectors.items():
            f.write(word + ' ' + ' '.join(f'{v:.6f}' for v in vec) + '\n')
    return str(path)


@pytest.fixture
def w2v_txt(tmp_path):
    return _write_txt(tmp_path / 'a.txt', VEC_A)


@pytest.fixture
def glove_txt(tmp_path):
    return _write_txt(tmp_path / 'b_glove.txt', VEC_B, header=False)


@pytest.fixture
def w2v_bin(tmp_path):
    from gensim.models import KeyedVectors
    kv = KeyedVectors(vector_size=3)
    kv.add_vectors(list(VEC_A), np.array(list(VEC_A.values()), dtype=np.float32))
    path = str(tmp_path / 'a.bin')
    kv.save_word2vec_format(path, binary=True)
    return path


def _unit(x):
    x = np.asarray(x, dtype=np.float64)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


# ---------------------------------------------------------------------------- words


def test_class_words_rule_and_aliases():
    assert class_words('cat') == ['cat']
    assert class_words('pottedplant') == ['potted', 'plant']
    assert class_words('tvmonitor') == ['tv', 'monitor']
    assert class_words('diningtable') == ['dining', 'table']
    assert class_words('signsymbol') == ['sign', 'symbol']
    assert class_words('potted plant') == ['potted', 'plant']
    assert class_words('potted_plant') == ['potted', 'plant']
    assert class_words('wall-concrete') == ['wall', 'concrete']
    assert class_words('building-other') == ['building']
    assert class_words('desk-stuff') == ['desk', 'stuff']
    # the caller's aliases win over the built-in table; a list is taken word for word
    assert class_words('pottedplant', {'pottedplant': 'houseplant'}) == ['houseplant']
    assert class_words('x', {'x': ['new york', 'city']}) == ['new york', 'city']
    with pytest.raises(ValueError, match="'x'"):
        class_words('x', {'x': '  '})
    with pytest.raises(ValueError, match="'-_'"):
        class_words('-_')
    with pytest.raises(ValueError):
        class_words('')


def test_vector_source_parse():
    assert VectorSource.parse('/a/b:c.txt:glove') == VectorSource('/a/b:c.txt', 'glove')
    assert VectorSource.parse(('p', 'word2vec-bin')).format == 'word2vec-bin'
    assert VectorSource.parse(dict(path='p', format='fasttext-bin')).path == 'p'
    with pytest.raises(ValueError, match="'word2vec'"):
        VectorSource.parse('p:word2vec')
    with pytest.raises(ValueError, match='PATH:FORMAT'):
        VectorSource.parse('p')


# ---------------------------------------------------------------------------- builder


def test_multi_word_name_is_the_mean_of_its_words(w2v_txt):
    classes = ['cat', 'pottedplant', 'tvmonitor']
    mat, manifest = build_class_embeddings(classes, [(w2v_txt, 'word2vec-txt')],
                                           progress=False)
    assert mat.dtype == np.float32 and mat.shape == (3, 3)
    expected = _unit([
        VEC_A['cat'],
        (np.add(VEC_A['potted'], VEC_A['plant'])) / 2,  # (0.5, 1.0, 1.5)
        (np.add(VEC_A['tv'], VEC_A['monitor'])) / 2,  # (1.0, 2.0, 1.0)
    ])
    np.testing.assert_allclose(mat, expected, atol=1e-6)
    assert manifest['classes'] == classes
    assert manifest['words']['pottedplant'] == ['potted', 'plant']
    assert manifest['dim'] == 3
    assert manifest['sources'][0]['format'] == 'word2vec-txt'
    assert manifest['sources'][0]['dim'] == 3 and manifest['sources'][0]['num_vectors'] == 6


def test_binary_word2vec_matches_text(w2v_txt, w2v_bin):
    classes = ['dog', 'pottedplant']
    a, _ = build_class_embeddings(classes, [f'{w2v_txt}:word2vec-txt'], progress=False)
    b, _ = build_class_embeddings(classes, [f'{w2v_bin}:word2vec-bin'], progress=False)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_concatenation_order_and_normalisation(w2v_txt, glove_txt):
    classes = ['cat', 'pottedplant']
    a = np.array([VEC_A['cat'], np.add(VEC_A['potted'], VEC_A['plant']) / 2])
    b = np.array([VEC_B['cat'], np.add(VEC_B['potted'], VEC_B['plant']) / 2])
    ab, manifest = build_class_embeddings(
        classes, [(w2v_txt, 'word2vec-txt'), (glove_txt, 'glove')], progress=False)
    np.testing.assert_allclose(ab, _unit(np.hstack([_unit(a), _unit(b)])), atol=1e-6)
    # each block has norm 1 before the concatenation is normalised: 1/sqrt(2) after
    np.testing.assert_allclose(np.linalg.norm(ab[:, :3], axis=1), 2**-0.5, atol=1e-6)
    assert [s['format'] for s in manifest['sources']] == ['word2vec-txt', 'glove']
    assert manifest['normalization'] == dict(sources='l2', concatenation='l2')

    ba, _ = build_class_embeddings(
        classes, [(glove_txt, 'glove'), (w2v_txt, 'word2vec-txt')], progress=False)
    np.testing.assert_allclose(ba, np.hstack([ab[:, 3:], ab[:, :3]]), atol=1e-6)

    raw, manifest = build_class_embeddings(
        classes, [(w2v_txt, 'word2vec-txt'), (glove_txt, 'glove')],
        normalize_sources=False, progress=False)
    np.testing.assert_allclose(raw, _unit(np.hstack([a, b])), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(raw, axis=1), 1.0, atol=1e-6)
    assert manifest['normalization']['sources'] == 'none'


def test_missing_words_reported_together(w2v_txt, glove_txt):
    classes = ['cat', 'horse', 'zebrafish', 'tvmonitor', 'pottedplant']
    with pytest.raises(ValueError) as err:
        build_class_embeddings(classes, [(w2v_txt, 'word2vec-txt'), (glove_txt, 'glove')],
                               progress=False)
    msg = str(err.value)
    assert "class 'horse': word 'horse' is in no source" in msg
    assert "class 'zebrafish': word 'zebrafish' is in no source" in msg
    # in the first source only: the message names the source that lacks it
    assert "class 'tvmonitor': word 'monitor' is missing from source(s)" in msg
    assert glove_txt in msg
    assert 'pottedplant' not in msg and "'cat'" not in msg
    assert msg.startswith('3 class word(s)')


def test_fallback_skip(w2v_txt, glove_txt):
    sources = [(w2v_txt, 'word2vec-txt'), (glove_txt, 'glove')]
    mat, manifest = build_class_embeddings(['cat', 'tvmonitor'], sources, fallback='skip',
                                           progress=False)
    expected_a = _unit(np.add(VEC_A['tv'], VEC_A['monitor']) / 2)
    expected_b = _unit(VEC_B['tv'])  # 'monitor' is skipped in the second source
    np.testing.assert_allclose(mat[1], _unit(np.hstack([expected_a, expected_b])),
                               atol=1e-6)
    assert manifest['fallback'] == 'skip'
    assert manifest['filled'] == [{'class': 'tvmonitor', 'word': 'monitor',
                                   'sources': [glove_txt]}]
    # a class with no word at all in one source cannot be skipped into existence
    with pytest.raises(ValueError, match="class 'horse'"):
        build_class_embeddings(['horse', 'cat'], sources, fallback='skip', progress=False)
    with pytest.raises(ValueError, match='fallback'):
        build_class_embeddings(['cat'], sources, fallback='mean', progress=False)


def test_fallback_zeros(w2v_txt, glove_txt):
    sources = [(w2v_txt, 'word2vec-txt'), (glove_txt, 'glove')]
    mat, manifest = build_class_embeddings(['tvmonitor', 'cat horse'], sources,
                                           fallback='zeros', normalize_sources=False,
                                           progress=False)
    a = np.add(VEC_A['tv'], VEC_A['monitor']) / 2
    b = np.array(VEC_B['tv']) / 2  # monitor counts as a zero vector
    np.testing.assert_allclose(mat[0], _unit(np.hstack([a, b])), atol=1e-6)
    cat_horse = np.hstack([np.array(VEC_A['cat']) / 2, np.array(VEC_B['cat']) / 2])
    np.testing.assert_allclose(mat[1], _unit(cat_horse), atol=1e-6)
    assert {(f['class'], f['word']) for f in manifest['filled']} == {
        ('tvmonitor', 'monitor'), ('cat horse', 'horse')}
    with pytest.raises(ValueError, match="class 'horse'"):
        build_class_embeddings(['horse'], sources, fallback='zeros', progress=False)


def test_builder_argument_errors(w2v_txt, tmp_path):
    with pytest.raises(ValueError, match=r"\['cat'\]"):
        build_class_embeddings(['cat', 'cat'], [(w2v_txt, 'word2vec-txt')], progress=False)
    with pytest.raises(ValueError, match='sources'):
        build_class_embeddings(['cat'], [], progress=False)
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        build_class_embeddings(['cat'], [(str(tmp_path / 'nope.txt'), 'glove')],
                               progress=False)


def test_progress_is_logged(w2v_txt, monkeypatch):
    lines = []
    monkeypatch.setattr(ce, '_log', lambda msg, level=None: lines.append(msg))
    build_class_embeddings(['cat'], [(w2v_txt, 'word2vec-txt')], progress=True)
    assert any(w2v_txt in line and 'loading' in line for line in lines)
    assert any('6 vectors of dim 3' in line and ' s' in line for line in lines)
    lines.clear()
    build_class_embeddings(['cat'], [(w2v_txt, 'word2vec-txt')], progress=False)
    assert lines == []


def test_fasttext_bin_embeds_unknown_words(tmp_path):
    from gensim.models import FastText
    from gensim.models.fasttext import save_facebook_model
    corpus = [['cat', 'dog', 'potted', 'plant'], ['tv', 'monitor', 'cat', 'dog']] * 5
    model = FastText(vector_size=4, window=2, min_count=1, epochs=1, bucket=64,
                     min_n=2, max_n=3, workers=1, seed=0, sentences=corpus)
    path = str(tmp_path / 'ft.bin')
    save_facebook_model(model, path)
    mat, manifest = build_class_embeddings(['cat', 'catdog'], [(path, 'fasttext-bin')],
                                           progress=False)
    assert mat.shape == (2, 4) and np.all(np.isfinite(mat))
    np.testing.assert_allclose(np.linalg.norm(mat, axis=1), 1.0, atol=1e-6)
    assert manifest['subword_words'] == [{'word': 'catdog', 'source': path}]


# ---------------------------------------------------------------------------- save / load


def test_save_and_load_roundtrip(w2v_txt, tmp_path):
    classes = ['cat', 'dog', 'pottedplant', 'tvmonitor']
    mat, manifest = build_class_embeddings(classes, [(w2v_txt, 'word2vec-txt')],
                                           progress=False)
    out = str(tmp_path / 'sub' / 'emb.npy')
    npy, js = save_class_embeddings(out, mat, manifest)
    assert js == str(tmp_path / 'sub' / 'emb.json') == manifest_path(out)
    with open(js) as f:
        stored = json.load(f)
    assert stored['classes'] == classes and stored['matrix'] == 'emb.npy'
    assert stored['dim'] == 3 and stored['format'] == 'mmseg_zs3.class_embeddings'
    # rows follow the requested order, not the file's
    got = load_class_embeddings(npy, ['tvmonitor', 'cat'], expected_dim=3)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, mat[[3, 0]])
    with pytest.raises(ValueError, match='one row per class'):
        save_class_embeddings(out, mat[:2], manifest)
    with pytest.raises(ValueError, match='emb.npz'):
        save_class_embeddings(str(tmp_path / 'emb.npz'), mat, manifest)


def _write_manifest_pair(tmp_path, matrix, classes, **extra):
    npy = str(tmp_path / 'emb.npy')
    np.save(npy, np.asarray(matrix, dtype=np.float32))
    with open(tmp_path / 'emb.json', 'w') as f:
        json.dump(dict(classes=classes, **extra), f)
    return npy


GOOD = [[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]]


def test_load_refuses_missing_class(tmp_path):
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match="class 'sheep' is not in"):
        load_class_embeddings(npy, ['cat', 'sheep'])


def test_load_refuses_duplicate_class_in_manifest(tmp_path):
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cat'])
    with pytest.raises(ValueError, match=r"classes \['cat'\] more than once"):
        load_class_embeddings(npy, ['dog'])


def test_load_refuses_duplicate_requested_class(tmp_path):
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match=r"duplicate classes \['dog'\]"):
        load_class_embeddings(npy, ['dog', 'cat', 'dog'])


def test_load_refuses_wrong_dim(tmp_path):
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match='dim 2, expected 300'):
        load_class_embeddings(npy, ['cat'], expected_dim=300)
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cow'], dim=3)
    with pytest.raises(ValueError, match='says dim 3'):
        load_class_embeddings(npy, ['cat'])


@pytest.mark.parametrize('bad,kind', [(np.nan, 'NaN'), (np.inf, 'inf'), (-np.inf, 'inf')])
def test_load_refuses_non_finite_rows(tmp_path, bad, kind):
    mat = np.array(GOOD)
    mat[1, 0] = bad
    npy = _write_manifest_pair(tmp_path, mat, ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match=f"class 'dog' has {kind} values"):
        load_class_embeddings(npy, ['cat', 'dog'])
    # rows that are not requested are not the model's concern
    assert load_class_embeddings(npy, ['cow']).shape == (1, 2)


def test_load_refuses_all_zero_row(tmp_path):
    mat = np.array(GOOD)
    mat[2] = 0
    npy = _write_manifest_pair(tmp_path, mat, ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match="class 'cow' has an all-zero row"):
        load_class_embeddings(npy, ['cow', 'cat'])


def test_load_refuses_row_count_mismatch(tmp_path):
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog', 'cow', 'sheep'])
    with pytest.raises(ValueError, match=r"4 classes .* 3 rows: classes \['sheep'\] have no"):
        load_class_embeddings(npy, ['cat'])
    npy = _write_manifest_pair(tmp_path, GOOD, ['cat', 'dog'])
    with pytest.raises(ValueError, match=r'2 classes .* 3 rows: rows \[2\] have no class'):
        load_class_embeddings(npy, ['cat'])


def test_load_refuses_bad_files(tmp_path):
    np.save(tmp_path / 'alone.npy', np.eye(2, dtype=np.float32))
    with pytest.raises(FileNotFoundError, match='alone.json'):
        load_class_embeddings(str(tmp_path / 'alone.npy'), ['cat'])
    npy = _write_manifest_pair(tmp_path, np.ones(3), ['cat', 'dog', 'cow'])
    with pytest.raises(ValueError, match='2-D'):
        load_class_embeddings(npy, ['cat'])
    with open(tmp_path / 'emb.json', 'w') as f:
        json.dump(dict(names=['cat']), f)
    with pytest.raises(ValueError, match='"classes"'):
        load_class_embeddings(npy, ['cat'])


# ---------------------------------------------------------------------------- legacy files


def _write_legacy(tmp_path, name, matrix):
    npy = tmp_path / f'{name}.npy'
    np.save(npy, np.asarray(matrix, dtype=np.float32))
    return str(npy)


def test_legacy_spellings_and_concatenation(tmp_path):
    names = ['background', 'cat', 'potted_plant', 'tv']
    (tmp_path / 'names.txt').write_text('\n'.join(names) + '\n\n')
    rng = np.random.default_rng(0)
    ft, w2v = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    ft_path = _write_legacy(tmp_path, 'ft', ft)
    w2v_path = _write_legacy(tmp_path, 'w2v', w2v)
    classes = ['tvmonitor', 'pottedplant', 'cat']
    got = load_class_embeddings([ft_path, w2v_path], classes,
                                names_file=str(tmp_path / 'names.txt'), normalize=True,
                                expected_dim=5)
    np.testing.assert_allclose(got, _unit(np.hstack([ft, w2v])[[3, 2, 1]]), atol=1e-6)
    raw = load_class_embeddings(ft_path, classes, names_file=str(tmp_path / 'names.txt'))
    np.testing.assert_allclose(raw, ft[[3, 2, 1]], atol=1e-6)
    # a manifest file and a legacy file side by side: names_file=None for the first
    mat, manifest = build_class_embeddings(
        ['cat', 'pottedplant', 'tvmonitor'],
        [(_write_txt(tmp_path / 'a.txt', VEC_A), 'word2vec-txt')], progress=False)
    npy, _ = save_class_embeddings(str(tmp_path / 'built.npy'), mat, manifest)
    mixed = load_class_embeddings([npy, w2v_path], ['cat', 'tvmonitor'],
                                  names_file=[None, str(tmp_path / 'names.txt')])
    np.testing.assert_allclose(mixed, np.hstack([mat[[0, 2]], w2v[[1, 3]]]), atol=1e-6)
    with pytest.raises(ValueError, match='names_file has 1 entries'):
        load_class_embeddings([ft_path, w2v_path], classes, names_file=['x'])
    # spellings only apply to legacy name files, never to a manifest
    with pytest.raises(ValueError, match="class 'aeroplane' is not in"):
        load_class_embeddings(npy, ['aeroplane'])


def test_legacy_exact_name_wins_and_ambiguity(tmp_path):
    names = ['airplane', 'tv', 'tvmonitor']
    (tmp_path / 'names.txt').write_text('\n'.join(names))
    npy = _write_legacy(tmp_path, 'm', np.eye(3))
    nf = str(tmp_path / 'names.txt')
    got = load_class_embeddings(npy, ['tv', 'tvmonitor', 'aeroplane'], names_file=nf)
    np.testing.assert_array_equal(got, np.eye(3)[[1, 2, 0]])
    # caller's spellings: two rows now stand for 'cat'
    with pytest.raises(ValueError, match=r"class 'cat' matches several rows"):
        load_class_embeddings(npy, ['cat'], names_file=nf,
                              spellings={'airplane': 'cat', 'tv': ['cat', 'dog']})
    got = load_class_embeddings(npy, ['dog'], names_file=nf, spellings={'tv': ['dog']})
    np.testing.assert_array_equal(got, np.eye(3)[[1]])
    (tmp_path / 'bad.txt').write_text('tv\n\ncat\n')
    with pytest.raises(ValueError, match=r'empty lines \[2\]'):
        load_class_embeddings(npy, ['tv'], names_file=str(tmp_path / 'bad.txt'))


# ---------------------------------------------------------------------------- real data


def _glove():
    return str(shared_path('class_embeddings', 'glove6B50d_class_words.txt'))


@pytest.mark.parametrize('split,shape', [('camvid11-9-2', (11, 50)),
                                         ('voc12-15-5', (20, 50))])
def test_real_glove_embeddings(split, shape):
    classes = get_split(split).classes
    mat, manifest = build_class_embeddings(classes, [(_glove(), 'glove')], progress=False)
    assert mat.shape == shape and mat.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(mat, axis=1), 1.0, atol=1e-5)
    assert manifest['filled'] == [] and manifest['classes'] == list(classes)
    assert len({tuple(r) for r in mat.round(5)}) == len(classes)


def test_real_glove_covers_every_published_split():
    from mmseg_zs3.datasets.splits import list_splits
    # the published splits (the generated benchmark's colour-texture names are not words)
    for name in [n for n in list_splits() if not n.startswith('gzs')]:
        classes = get_split(name).classes
        mat, _ = build_class_embeddings(classes, [(_glove(), 'glove')], progress=False)
        assert mat.shape == (len(classes), 50), name


def test_real_sign_voc_embedding_neighbours():
    folder = shared_path('class_embeddings')
    split = get_split('voc12-15-5')
    emb = load_class_embeddings(
        [str(folder / 'cagnet_voc12_fasttext.npy'), str(folder / 'cagnet_voc12_word2vec.npy')],
        split.classes, names_file=str(folder / 'cagnet_voc12_classes.txt'), normalize=True,
        expected_dim=600)
    assert emb.shape == (20, 600)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    row = {c: emb[i] for i, c in enumerate(split.classes)}

    def nearest_seen(name):
        return max((c for c in split.seen if c != name), key=lambda c: row[name] @ row[c])

    assert nearest_seen('sheep') == 'cow'
    assert nearest_seen('sofa') == 'chair'
    assert nearest_seen('train') == 'bus'


def test_real_cagnet_context_and_cocostuff_files_load():
    folder = shared_path('class_embeddings')
    for prefix, split in (('cagnet_context33', 'context33-29-4'),
                          ('cagnet_cocostuff182', 'cocostuff171-156-15')):
        classes = get_split(split).classes
        emb = load_class_embeddings(
            [str(folder / f'{prefix}_fasttext.npy'), str(folder / f'{prefix}_word2vec.npy')],
            classes, names_file=str(folder / f'{prefix}_classes.txt'), normalize=True,
            expected_dim=600)
        assert emb.shape == (len(classes), 600)
        np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
