"""Exact resume: a run interrupted at the `seen -> finetune` boundary, in the middle of
`finetune` (synthetic iterations included) and in the middle of `self_training`, then resumed
with ``tools/train.py --resume``, ends with the same weights, optimizer and scheduler states,
teacher, temperature, random states and metric as the run that was never interrupted.

The interruption is honest: the uninterrupted run A saves a checkpoint after every
iteration; each resumed run starts in a fresh work_dir that holds only A's checkpoint of
iteration k (and the ``last_checkpoint`` pointer ``--resume`` reads), as after a crash.
"""
import re
import shutil

import numpy as np
import pytest
import torch

from conftest import REPO, run_tool
from reliability_helpers import PHASES, tiny_ast_config

pytestmark = pytest.mark.slow  # end-to-end: real Runners, minutes in all

MAX_ITERS = sum(n for _, n in PHASES)
# (a) the seen -> finetune boundary, (b) inside finetune (after its synthetic block starts),
# (c) inside self_training
RESUME_POINTS = {'seen_finetune_boundary': 3, 'middle_of_finetune': 6,
                 'middle_of_self_training': 9}


def write_tiny_ast_config(path, data_root, rng_hook=True):
    tiny_ast_config(data_root, rng_hook=rng_hook).dump(str(path))
    return path


def val_metrics(log: str) -> dict:
    """The metrics of the last ``Iter(val)`` line of a log."""
    lines = re.findall(r'Iter\(val\) \[\d+/\d+\]\s+(.*)', log)
    assert lines, log[-3000:]
    pairs = re.findall(r'(\w+): (-?[0-9.]+|nan)', lines[-1].split('data_time')[0])
    # nan (a class absent from the tiny val set) as None, so that equal logs compare equal
    return {k: None if v == 'nan' else float(v) for k, v in pairs}


def assert_same(a, b, where='checkpoint', atol=1e-6, rtol=1e-5):
    """Recursively compares two checkpoint trees (tensors to float tolerance)."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.shape == b.shape and a.dtype == b.dtype, where
        if a.is_floating_point():
            assert torch.allclose(a, b, atol=atol, rtol=rtol), \
                f'{where}: max difference {(a - b).abs().max().item()}'
        else:
            assert torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=where)
    elif isinstance(a, dict):
        assert set(a) == set(b), f'{where}: keys {sorted(set(a) ^ set(b))} differ'
        for key in a:
            assert_same(a[key], b[key], f'{where}.{key}', atol, rtol)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]', atol, rtol)
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=rtol, abs=atol), where
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'


# what must survive a resume (message_hub holds timings, meta the time stamps)
COMPARED = ('state_dict', 'optimizer', 'param_schedulers', 'self_training', 'rng_state')


def load(path):
    from mmseg_zs3.utils.checkpoint import safe_torch_load
    return safe_torch_load(str(path), map_location='cpu')


@pytest.fixture(scope='module')
def reference(tmp_path_factory):
    """Run A: never interrupted, a checkpoint after every iteration."""
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    base = tmp_path_factory.mktemp('exact_resume')
    generate_toy_shapes(str(base / 'data'), num_train=8, num_val=3, size=32, seed=3)
    cfg = write_tiny_ast_config(base / 'tiny_ast.py', base / 'data')
    work = base / 'A'
    proc = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', work])
    assert proc.returncode == 0
    log = proc.stdout + proc.stderr
    for index, (name, _) in enumerate(PHASES):
        assert f'phase {index + 1}/{len(PHASES)} {name!r}' in log
    assert 'disc_ce_synthetic' in log and 'pseudo_fraction' in log
    return dict(base=base, cfg=cfg, work=work, log=log)


def resume_from(reference, k, name, cfg=None):
    """Run B: a fresh work_dir with only A's checkpoint of iteration k, then --resume."""
    work = reference['base'] / name
    work.mkdir()
    shutil.copy(reference['work'] / f'iter_{k}.pth', work / f'iter_{k}.pth')
    (work / 'last_checkpoint').write_text(str(work / f'iter_{k}.pth'))
    proc = run_tool([REPO / 'tools/train.py', cfg or reference['cfg'], '--work-dir', work,
                     '--resume'])
    assert proc.returncode == 0
    return work, proc.stdout + proc.stderr


@pytest.mark.parametrize('point', list(RESUME_POINTS))
def test_resumed_run_ends_identical(reference, point):
    k = RESUME_POINTS[point]
    work, log = resume_from(reference, k, point)
    assert f'resumed epoch: 0, iter: {k}' in log
    from mmseg_zs3.engine.hooks import locate_phase
    index, name, in_phase = locate_phase(PHASES, k)
    assert f'iteration {k + 1}: phase {index + 1}/{len(PHASES)} {name!r} ' \
        f'({PHASES[index][1]} iterations, starting at {in_phase + 1})' in log
    assert f'random states restored after the fast-forward of {k} batches' in log
    if point == 'middle_of_self_training':
        assert 'restored the frozen teacher' in log and 'teacher copied' not in log
    final_a = load(reference['work'] / f'iter_{MAX_ITERS}.pth')
    final_b = load(work / f'iter_{MAX_ITERS}.pth')
    for key in COMPARED:
        assert key in final_a, key
        assert_same(final_a[key], final_b[key], key)
    assert final_b['meta']['iter'] == MAX_ITERS
    metrics_a, metrics_b = val_metrics(reference['log']), val_metrics(log)
    assert {'mIoU', 'mIoU_seen', 'mIoU_unseen', 'hIoU'} <= set(metrics_a)
    assert metrics_a == metrics_b


def test_without_the_rng_hook_the_resume_is_not_exact(reference):
    """The control: the same resume with the random states left alone differs, so the
    comparison above can fail and the hook is what makes it pass."""
    cfg = write_tiny_ast_config(reference['base'] / 'no_rng.py', reference['base'] / 'data',
                                rng_hook=False)
    k = RESUME_POINTS['middle_of_finetune']
    work, log = resume_from(reference, k, 'no_rng_hook', cfg=cfg)
    assert 'random states restored' not in log
    final_a = load(reference['work'] / f'iter_{MAX_ITERS}.pth')['state_dict']
    final_b = load(work / f'iter_{MAX_ITERS}.pth')['state_dict']
    diff = max((final_a[n].float() - final_b[n].float()).abs().max().item() for n in final_a)
    assert diff > 1e-4
