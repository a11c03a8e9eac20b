"""End to end: the chained SIGN config trains through `seen` and `finetune` with
tools/train.py, resumes in the middle of `finetune`, evaluates with the zero-shot metric and
predicts the unseen class; and the same config trains with 2 processes (gloo)."""
import re

import pytest

from conftest import REPO, run_tool

CONFIG = REPO / 'configs/sign/sign_r18-tiny_300it_toyshapes-64x64_4-1.py'


def _child_config(tmp_path, data_root, seen, finetune, checkpoint_interval):
    cfg = tmp_path / f'sign_{seen}_{finetune}.py'
    cfg.write_text(f"""_base_ = [r'{CONFIG}']
data_root = r'{data_root}'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters={seen + finetune}, val_interval={seen + finetune})
custom_hooks = [dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters={seen}),
                                                         dict(name='finetune', iters={finetune})])]
default_hooks = dict(checkpoint=dict(interval={checkpoint_interval}), logger=dict(interval=10))
""")
    return cfg


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    root = tmp_path_factory.mktemp('toy_zs')
    generate_toy_shapes(str(root), num_train=16, num_val=6, size=64, seed=1)
    return root


@pytest.mark.slow
def test_chained_phases_resume_and_unseen_predictions(toy_root, tmp_path):
    cfg = _child_config(tmp_path, toy_root, seen=120, finetune=60, checkpoint_interval=30)
    work = tmp_path / 'work'
    first = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work,
                      '--cfg-options', 'train_cfg.max_iters=150'])
    assert first.returncode == 0
    out = first.stdout + first.stderr
    assert "iteration 121: phase 2/2 'finetune'" in out
    assert (work / 'iter_150.pth').exists()

    resumed = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work, '--resume'])
    assert resumed.returncode == 0
    out = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 0, iter: 150' in out
    # the resumed run starts inside finetune, at its 31st iteration
    assert "iteration 151: phase 2/2 'finetune' (60 iterations, starting at 31)" in out
    assert "phase 1/2" not in out
    assert (work / 'iter_180.pth').exists()

    tested = run_tool([REPO / 'tools/test.py', cfg, work / 'iter_180.pth', '--work-dir',
                       tmp_path / 'test'])
    assert tested.returncode == 0
    out = tested.stdout + tested.stderr
    match = re.search(r'Iter\(test\).*mIoU_seen: ([0-9.]+)\s+mIoU_unseen: ([0-9.]+)\s+'
                      r'hIoU: ([0-9.]+)', out)
    assert match, out[-3000:]
    seen, unseen, hiou = map(float, match.groups())
    # the unseen class (never labelled in training) is predicted, and correctly on some pixels
    assert unseen > 0.0
    assert seen > 0.0 and hiou > 0.0

    # a phase run alone from the previous phase's checkpoint (load_from, not resume)
    alone = tmp_path / 'finetune_alone.py'
    alone.write_text(f"""_base_ = [r'{cfg}']
load_from = r'{work / 'iter_120.pth'}'
train_cfg = dict(max_iters=20, val_interval=20)
custom_hooks = [dict(type='ZeroShotPhaseHook', phases=[dict(name='finetune', iters=20)])]
""")
    proc = run_tool([REPO / 'tools/train.py', alone, '--work-dir', tmp_path / 'alone'])
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    assert 'Load checkpoint from' in out
    assert 'missing keys' not in out and 'unexpected key' not in out
    assert "iteration 1: phase 1/1 'finetune'" in out
    assert 'mIoU_unseen' in out


@pytest.mark.slow
def test_two_process_zero_shot_training(toy_root, tmp_path):
    cfg = _child_config(tmp_path, toy_root, seen=8, finetune=24, checkpoint_interval=32)
    work = tmp_path / 'dist'
    proc = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                     '--master_port=29533', REPO / 'tools/train.py', cfg, '--launcher',
                     'pytorch', '--work-dir', work], timeout=900)
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    assert "phase 2/2 'finetune'" in out
    assert 'disc_ce_synthetic' in out  # synthetic iterations ran (blocks of 10 + 10)
    assert (work / 'iter_32.pth').exists()


AST_CONFIG = REPO / 'configs/sign/sign-ast_r18-tiny_600it_toyshapes-64x64_4-1.py'


@pytest.mark.slow
def test_resume_inside_self_training_keeps_teacher_and_temperature(toy_root, tmp_path):
    import torch
    from mmseg_zs3.engine.hooks import annealed_temperature
    cfg = tmp_path / 'ast.py'
    cfg.write_text(f"""_base_ = [r'{AST_CONFIG}']
data_root = r'{toy_root}'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_iters=80, val_interval=80)
custom_hooks = [
    dict(type='ZeroShotPhaseHook', phases=[dict(name='seen', iters=20),
                                           dict(name='finetune', iters=20),
                                           dict(name='self_training', iters=20),
                                           dict(name='finetune', iters=20)]),
    dict(type='SelfTrainingHook', teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1))
]
default_hooks = dict(checkpoint=dict(interval=10), logger=dict(interval=5))
""")
    work = tmp_path / 'work'
    first = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work,
                      '--cfg-options', 'train_cfg.max_iters=50'])
    assert first.returncode == 0
    assert 'frozen teacher copied at iteration 41' in first.stdout + first.stderr
    resumed = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work, '--resume'])
    assert resumed.returncode == 0
    out = resumed.stdout + resumed.stderr
    assert 'restored the frozen teacher' in out
    assert 'teacher copied' not in out  # the resumed run kept the saved teacher
    assert re.search(r'Iter\(train\) \[55/80\].*pseudo_fraction', out)

    at_50 = torch.load(work / 'iter_50.pth', weights_only=False)['self_training']
    at_60 = torch.load(work / 'iter_60.pth', weights_only=False)['self_training']
    for key, value in at_50['teacher_state_dict'].items():
        assert torch.equal(value, at_60['teacher_state_dict'][key]), key
    linear = dict(type='linear', start=1.0, end=0.1)
    assert at_50['tau'] == pytest.approx(annealed_temperature(linear, 9 / 19))
    assert at_60['tau'] == pytest.approx(annealed_temperature(linear, 19 / 19))
