"""tools/build_class_embeddings.py as a subprocess: options, output files, errors."""
import json

import numpy as np

from conftest import REPO, run_tool, shared_path

TOOL = REPO / 'tools/build_class_embeddings.py'


def _write(path, vectors, header):
    dim = len(next(iter(vectors.values())))
    with open(path, 'w') as f:
        if header:
            f.write(f'{len(vectors)} {dim}\n')
        for word, vec in vectors.items():
            f.write(word + ' ' + ' '.join(str(v) for v in vec) + '\n')
    return path


def test_cli_sources_order_alias_and_manifest(tmp_path):
    a = _write(tmp_path / 'a.txt', {'cat': [1, 0, 0], 'house': [0, 1, 0], 'plant': [0, 0, 2]},
               header=True)
    b = _write(tmp_path / 'b.txt', {'cat': [0, 3], 'house': [4, 0], 'plant': [1, 1]},
               header=False)
    out = tmp_path / 'out' / 'emb.npy'
    proc = run_tool([TOOL, '--classes', 'cat,pottedplant', '--source', f'{b}:glove',
                     '--source', f'{a}:word2vec-txt', '--alias', 'pottedplant=house plant',
                     '--no-normalize-sources', '--no-progress', '--out', out])
    assert proc.returncode == 0, proc.stderr
    assert 'wrote' in proc.stdout and '2 classes x 5' in proc.stdout
    mat = np.load(out)
    manifest = json.loads((tmp_path / 'out' / 'emb.json').read_text())
    assert manifest['classes'] == ['cat', 'pottedplant']
    assert manifest['words']['pottedplant'] == ['house', 'plant']
    assert [s['format'] for s in manifest['sources']] == ['glove', 'word2vec-txt']
    assert manifest['normalization']['sources'] == 'none'
    house_plant = np.hstack([[2.5, 0.5], [0, 0.5, 1.0]])  # glove block first
    np.testing.assert_allclose(mat[1], house_plant / np.linalg.norm(house_plant), atol=1e-6)


def test_cli_reports_every_missing_word(tmp_path):
    a = _write(tmp_path / 'a.txt', {'cat': [1, 0]}, header=False)
    out = tmp_path / 'emb.npy'
    proc = run_tool([TOOL, '--classes', 'cat,tvmonitor,zebrafish', '--source', f'{a}:glove',
                     '--out', out])
    assert proc.returncode == 1
    for text in ("class 'tvmonitor': word 'tv'", "class 'tvmonitor': word 'monitor'",
                 "class 'zebrafish': word 'zebrafish'"):
        assert text in proc.stderr
    assert not out.exists()
    proc = run_tool([TOOL, '--classes', 'cat', '--source', f'{a}:glove2', '--out', out])
    assert proc.returncode == 2 and "'glove2'" in proc.stderr


def test_cli_fallback_and_progress(tmp_path):
    a = _write(tmp_path / 'a.txt', {'cat': [1, 0], 'tv': [0, 1]}, header=False)
    out = tmp_path / 'emb.npy'
    proc = run_tool([TOOL, '--classes', 'cat,tvmonitor', '--source', f'{a}:glove',
                     '--fallback', 'skip', '--out', out])
    assert proc.returncode == 0
    assert str(a) in proc.stdout and '2 vectors of dim 2' in proc.stdout
    assert "word 'monitor'" in proc.stdout  # the fallback is announced
    np.testing.assert_allclose(np.load(out)[1], [0, 1], atol=1e-6)


def test_cli_real_split(tmp_path):
    glove = shared_path('class_embeddings', 'glove6B50d_class_words.txt')
    out = tmp_path / 'camvid.npy'
    proc = run_tool([TOOL, '--split', 'camvid11-9-2', '--source', f'{glove}:glove',
                     '--out', out])
    assert proc.returncode == 0
    mat = np.load(out)
    manifest = json.loads((tmp_path / 'camvid.json').read_text())
    assert mat.shape == (11, 50)
    assert manifest['split'] == 'camvid11-9-2' and manifest['classes'][6] == 'signsymbol'
    np.testing.assert_allclose(np.linalg.norm(mat, axis=1), 1.0, atol=1e-5)
