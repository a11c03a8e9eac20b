"""The CamVid benchmark end to end on real photos (a few iterations and images).

Proves on every CI run that the real-data pipeline works: GloVe class embeddings built by
the tool, the EfficientNet-Lite0 backbone with its packaged ImageNet weights, every
training run (seen-only, CaGNet, SIGN + AST through all four phases), the tests of both
SIGN checkpoints, prediction PNGs at the label resolution and side-by-side pictures.
"""
import json

import numpy as np
import pytest
from PIL import Image

from conftest import REPO, run_tool, shared_path

pytestmark = pytest.mark.slow  # end-to-end: real Runners, minutes in all

pytest.importorskip('efficientnet_lite_pytorch', reason='optional extra mmseg_zs3[efficientnet]')


def test_camvid_benchmark_short_run(tmp_path):
    camvid = shared_path('camvid')
    glove = shared_path('class_embeddings', 'glove6B50d_class_words.txt')
    work = tmp_path / 'bench'
    emb = tmp_path / 'emb' / 'camvid11_glove.npy'
    proc = run_tool([REPO / 'tools/benchmark_camvid.py', '--data-root', camvid, '--glove', glove,
                     '--embeddings', emb, '--work-dir', work, '--schedule', 2, 4, 2, 4,
                     '--train-images', 8, '--test-images', 3, '--pictures', 2], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert emb.is_file() and emb.with_suffix('.json').is_file()
    manifest = json.loads(emb.with_suffix('.json').read_text())
    assert manifest['dim'] == 50 and manifest['classes'][8:10] == ['car', 'pedestrian']

    table = (work / 'results.md').read_text()
    for row in ('| seen-only (plain mmseg) |', '| CaGNet |', '| SIGN |', '| SIGN + AST |'):
        assert row in table
    assert 'sign-ast_effnetlite0_800-200-400-200_camvid-240x320_9-2.py @ 6 ' in table
    assert 'sign-ast_effnetlite0_800-200-400-200_camvid-240x320_9-2.py @ 12 ' in table

    result = json.loads((work / 'sign-ast.json').read_text())
    assert set(result['tests']) == {'boundary', 'last'}
    for test in result['tests'].values():
        metrics = test['metrics']
        for key in ('mIoU_seen', 'mIoU_unseen', 'hIoU'):
            assert 0.0 <= metrics[key] <= 100.0
        assert set(test['per_class']) >= {'car', 'pedestrian', 'sky', 'road'}
        assert test['per_class']['car']['unseen'] and not test['per_class']['road']['unseen']
    # per-class IoUs are consistent with the seen mean the metric reports
    last = result['tests']['last']
    seen = [v['IoU'] for v in last['per_class'].values() if not v['unseen']]
    assert np.nanmean(seen) == pytest.approx(last['metrics']['mIoU_seen'], abs=0.01)

    for run in ('baseline', 'cagnet', 'sign-ast'):
        pngs = sorted((work / run / 'test_last' / 'pred_png').glob('*.png'))
        assert len(pngs) == 3
        pred = np.array(Image.open(pngs[0]))
        assert pred.shape == (360, 480)          # scored at the label resolution
        assert pred.max() <= 10
        pictures = sorted((work / run / 'test_last' / 'pictures').glob('*.png'))
        assert len(pictures) == 2
        assert Image.open(pictures[0]).size == (3 * 480 + 8, 360)
