"""Distributed: ``torchrun --nproc_per_node=2`` with gloo trains the SIGN+AST CPU config
through every phase (the three optimizers, the synthetic `finetune` iterations, the
self-training teacher), and evaluating its checkpoint gives the same metric with 1 and 2
processes (on a validation set of odd size, which the distributed sampler pads)."""
import re
import socket

import pytest

from conftest import REPO, run_tool
from reliability_helpers import PHASES, tiny_ast_config

pytestmark = pytest.mark.slow  # end-to-end: real Runners, minutes in all


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def torchrun(*args):
    return run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                     f'--master_port={free_port()}', *args, '--launcher', 'pytorch'],
                    timeout=900)


def logged_test_metrics(log: str) -> dict:
    lines = re.findall(r'Iter\(test\) \[\d+/\d+\]\s+(.*)', log)
    assert lines, log[-3000:]
    return dict(re.findall(r'(\w+): (-?[0-9.]+|nan)', lines[-1].split('data_time')[0]))




def test_two_processes_train_every_phase_and_evaluate_like_one(tmp_path):
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    generate_toy_shapes(str(tmp_path / 'data'), num_train=8, num_val=5, size=32, seed=2)
    cfg = tiny_ast_config(tmp_path / 'data')
    cfg.default_hooks.checkpoint.interval = 100  # the last one only
    cfg.dump(str(tmp_path / 'cfg.py'))
    work = tmp_path / 'dist'
    proc = torchrun(REPO / 'tools/train.py', tmp_path / 'cfg.py', '--work-dir', work)
    assert proc.returncode == 0
    log = proc.stdout + proc.stderr
    assert re.search(r"'world_size': 2|world_size: 2|Distributed launcher: pytorch", log)
    for index, (name, iters) in enumerate(PHASES):
        assert f'phase {index + 1}/{len(PHASES)} {name!r} ({iters} iterations' in log
    # every optimizer stepped: the classifier, the segmentation network, the generator
    for key in ('loss_disc', 'loss_seg', 'loss_gen', 'disc_ce_synthetic'):
        assert key in log, key
    assert 'frozen teacher copied at iteration 8' in log and 'pseudo_fraction' in log
    checkpoint = work / f'iter_{sum(n for _, n in PHASES)}.pth'
    assert checkpoint.exists()
    from mmseg_zs3.utils.checkpoint import safe_torch_load
    saved = safe_torch_load(str(checkpoint))
    assert saved['rng_state']['world_size'] == 2  # both processes' random states
    assert saved['self_training']['teacher_mode'] == 'frozen'

    one = run_tool([REPO / 'tools/test.py', tmp_path / 'cfg.py', checkpoint, '--work-dir',
                    tmp_path / 'test1'])
    assert one.returncode == 0
    two = torchrun(REPO / 'tools/test.py', tmp_path / 'cfg.py', checkpoint, '--work-dir',
                   tmp_path / 'test2')
    assert two.returncode == 0
    metrics_one = logged_test_metrics(one.stdout + one.stderr)
    metrics_two = logged_test_metrics(two.stdout + two.stderr)
    assert {'aAcc', 'mIoU', 'mIoU_seen', 'mIoU_unseen', 'hIoU'} <= set(metrics_one)
    assert metrics_one == metrics_two
    assert 'Iter(test) [3/3]' in two.stdout + two.stderr  # 5 images on 2 processes
