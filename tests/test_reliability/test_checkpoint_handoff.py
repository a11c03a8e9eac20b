"""Checkpoints: a checkpoint of each phase loads into a config of the next phase with
``load_from`` and no missing or unexpected key (keys that do differ are listed in the
log); damaged files (truncated, random bytes, not a checkpoint at all) give a clear error
through ``tools/test.py``, ``load_from`` and ``--resume``; a smuggled callable is refused."""
import os

import pytest
import torch
from mmengine.runner import Runner

from conftest import REPO, run_tool
from reliability_helpers import tiny_ast_config


class _Smuggler:
    """Pickles to a call of os.system when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'echo pwned > {self.marker}', )


@pytest.fixture(scope='module')
def data_root(tmp_path_factory):
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    root = tmp_path_factory.mktemp('handoff_data')
    generate_toy_shapes(str(root), num_train=6, num_val=2, size=32, seed=4)
    return root


def run_phase(data_root, work, phases, load_from=None):
    """Trains one phase config (optionally from a checkpoint); returns its log text."""
    cfg = tiny_ast_config(data_root, phases=phases)
    cfg.default_hooks.checkpoint.interval = 100  # the last one only
    cfg.work_dir = str(work)
    cfg.load_from = None if load_from is None else str(load_from)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return (work / runner.timestamp / f'{runner.timestamp}.log').read_text()


def test_each_phase_checkpoint_loads_into_the_next_phase(data_root, tmp_path):
    chain = [('seen', 1), ('finetune', 2), ('self_training', 1), ('finetune', 1)]
    previous = None
    for index, (name, iters) in enumerate(chain):
        work = tmp_path / f'{index}_{name}'
        log = run_phase(data_root, work, [(name, iters)], load_from=previous)
        assert f"iteration 1: phase 1/1 {name!r}" in log
        if previous is not None:
            assert f'Load checkpoint from {previous}' in log
            assert 'the checkpoint has exactly the keys of the model' in log
            assert 'missing keys' not in log and 'unexpected key' not in log
        if name == 'self_training':
            assert 'frozen teacher copied at iteration 1' in log
        previous = work / f'iter_{iters}.pth'
        assert previous.exists()

    # keys that differ are listed by name in the log
    ckpt = torch.load(previous, weights_only=False)
    state = ckpt['state_dict']
    dropped = next(k for k in state if k.startswith('decode_head.generator.'))
    state.pop(dropped)
    state['decode_head.extra_layer.weight'] = torch.zeros(1)
    edited = tmp_path / 'edited.pth'
    torch.save(ckpt, edited)
    cfg = tiny_ast_config(data_root, phases=[('finetune', 2)])
    cfg.work_dir = str(tmp_path / 'edited')
    runner = Runner.from_cfg(cfg)
    runner.load_checkpoint(str(edited))  # what load_from calls
    log = (tmp_path / 'edited' / runner.timestamp / f'{runner.timestamp}.log').read_text()
    assert 'the checkpoint does not match the model exactly: missing keys in source ' \
        f'state_dict (kept as initialised): {dropped}; unexpected key in source state_dict ' \
        '(ignored): decode_head.extra_layer.weight' in log


def _damaged_files(folder):
    torch.save({'state_dict': {'w': torch.zeros(2000)}, 'meta': {}}, folder / 'good.pth')
    data = (folder / 'good.pth').read_bytes()
    (folder / 'truncated.pth').write_bytes(data[:len(data) // 2])
    (folder / 'random.pth').write_bytes(os.urandom(4096))
    (folder / 'text.pth').write_bytes(b'this is not a checkpoint\n')
    return [folder / f'{n}.pth' for n in ('truncated', 'random', 'text')]


def test_damaged_checkpoint_via_tools_test_gives_a_clear_error(data_root, tmp_path):
    cfg = tmp_path / 'cfg.py'
    tiny_ast_config(data_root).dump(str(cfg))
    truncated = _damaged_files(tmp_path)[0]
    proc = run_tool([REPO / 'tools/test.py', cfg, truncated, '--work-dir', tmp_path / 'w'])
    assert proc.returncode != 0
    assert f'CheckpointLoadError: Checkpoint {truncated} is truncated or corrupt' in proc.stderr


def test_damaged_and_smuggling_checkpoints_are_refused(data_root, tmp_path):
    from mmseg_zs3.utils.checkpoint import CheckpointLoadError
    marker = tmp_path / 'pwned.txt'
    evil = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': {'iter': 3}, 'payload': _Smuggler(marker)}, evil)
    damaged = _damaged_files(tmp_path)
    refused = r'Refusing to load checkpoint .*evil\.pth: .*GLOBAL posix\.system'
    # through the runner's load_from and --resume, as tools/train.py does
    for path, resume, match in ((evil, False, refused), (damaged[0], True, 'truncated')):
        cfg = tiny_ast_config(data_root)
        cfg.work_dir = str(tmp_path / 'work')
        cfg.load_from, cfg.resume = str(path), resume
        runner = Runner.from_cfg(cfg)
        with pytest.raises(CheckpointLoadError, match=match):
            runner.train()
        assert not list((tmp_path / 'work').glob('*.pth'))
    # every damaged file, and the smuggler, through the runner's loader
    for path in damaged:
        with pytest.raises(CheckpointLoadError, match=f'Checkpoint {path} is truncated or '
                                                     'corrupt and cannot be read'):
            runner.load_checkpoint(str(path))
    with pytest.raises(CheckpointLoadError, match=refused):
        runner.resume(str(evil))
    assert not marker.exists(), 'the smuggled call ran'
