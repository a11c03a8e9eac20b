"""tools/demo.py end to end on a tiny generated benchmark, and the benchmark table helper."""
import pytest
import re
import sys

from conftest import REPO, run_tool

DEMO_CONFIG = REPO / 'configs/sign/sign-ast_r18_2k_gzs-96x96_15-5.py'


@pytest.mark.slow
def test_demo_runs_all_phases_and_saves_pictures(tmp_path):
    from mmseg_zs3.datasets.generated_zs import generate_zs_benchmark
    data = tmp_path / 'gzs'
    generate_zs_benchmark(str(data), num_train=24, num_val=6, size=48, seed=3)
    cfg = tmp_path / 'demo_small.py'
    cfg.write_text(f"""_base_ = [r'{DEMO_CONFIG}']
train_cfg = dict(max_iters=40, val_interval=41)
custom_hooks = [
    dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=10),
                                           dict(name='finetune', iters=10),
                                           dict(name='self_training', iters=10),
                                           dict(name='finetune', iters=10)]),
    dict(type='SelfTrainingHook', teacher='frozen', tau=0.3)
]
model = dict(train_cfg=dict(phases=dict(finetune=dict(synthetic=dict(
    real_iters=5, synthetic_iters=5, size=(6, 6))))))
default_hooks = dict(logger=dict(interval=10))
""")
    work = tmp_path / 'work'
    proc = run_tool([REPO / 'tools/demo.py', '--config', cfg, '--data-root', data,
                     '--work-dir', work, '--pictures', 3])
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    for phase in ("'seen'", "'finetune'", "'self_training'"):
        assert phase in out
    assert re.search(r'\| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \| [0-9.]+ \|', out)
    pictures = sorted((work / 'pictures').glob('*.png'))
    assert len(pictures) == 3
    from PIL import Image
    width, height = Image.open(pictures[0]).size
    assert height == 48 * 3 and width == (3 * 48 + 8) * 3


def test_benchmark_summary_mean_and_spread():
    sys.path.insert(0, str(REPO / 'tools'))
    from benchmark_zs_methods import summarise
    runs = [dict(metrics=dict(mIoU_seen=50.0, mIoU_unseen=20.0, hIoU=28.0), train_seconds=10),
            dict(metrics=dict(mIoU_seen=60.0, mIoU_unseen=30.0, hIoU=40.0), train_seconds=20)]
    s = summarise(runs)
    assert s['mIoU_seen'] == (55.0, 5.0)
    assert s['hIoU'] == (34.0, 6.0)
    assert s['train_seconds'] == 15
