"""End to end through the command-line tools: train, resume, test, and 2-process gloo."""
import re

import pytest

from conftest import REPO, run_tool

CONFIG = REPO / 'configs/baseline/fcn_r18-tiny_300it_toyshapes-64x64.py'


def _data_options(root):
    opts = []
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts.append(f'{loader}.dataset.data_root={root}')
    return opts


def _options(root, max_iters, extra=()):
    return ['--cfg-options', *_data_options(root), f'train_cfg.max_iters={max_iters}',
            f'train_cfg.val_interval={max_iters}', 'default_hooks.checkpoint.interval=2',
            'default_hooks.logger.interval=1', 'crop_size=(32,32)',
            'model.data_preprocessor.size=(32,32)', *extra]


@pytest.mark.slow
def test_train_resume_test(toy_shapes_root, tmp_path):
    work = tmp_path / 'work'
    first = run_tool([REPO / 'tools/train.py', CONFIG, '--work-dir', work,
                      *_options(toy_shapes_root, 4)])
    assert first.returncode == 0
    assert (work / 'iter_4.pth').exists()
    assert (work / 'last_checkpoint').read_text().strip().endswith('iter_4.pth')

    resumed = run_tool([REPO / 'tools/train.py', CONFIG, '--work-dir', work, '--resume',
                        *_options(toy_shapes_root, 6)])
    assert resumed.returncode == 0
    out = resumed.stdout + resumed.stderr
    assert 'resumed epoch: 0, iter: 4' in out
    assert re.search(r'Iter\(train\) \[5/6\]', out), 'training did not continue at iter 5'
    assert (work / 'iter_6.pth').exists()

    tested = run_tool([REPO / 'tools/test.py', CONFIG, work / 'iter_6.pth', '--work-dir',
                       tmp_path / 'test', *_options(toy_shapes_root, 6)])
    assert tested.returncode == 0
    match = re.search(r'Iter\(test\).*mIoU: ([0-9.]+)', tested.stdout + tested.stderr)
    assert match, 'no mIoU in the output of tools/test.py'
    assert 0.0 <= float(match.group(1)) <= 100.0


def test_test_tool_refuses_malicious_checkpoint(toy_shapes_root, tmp_path):
    marker = tmp_path / 'pwned.txt'
    evil = tmp_path / 'evil.pth'
    payload = ("import os, torch\n"
               "class S:\n"
               "    def __reduce__(self):\n"
               f"        return os.system, ('echo pwned > {marker}',)\n"
               f"torch.save({{'state_dict': {{}}, 'x': S()}}, r'{evil}')\n")
    assert run_tool(['-c', payload]).returncode == 0
    proc = run_tool([REPO / 'tools/test.py', CONFIG, evil, '--work-dir', tmp_path / 'w',
                     *_options(toy_shapes_root, 2)])
    assert proc.returncode != 0
    assert 'Refusing to load checkpoint' in proc.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_two_process_gloo_training(toy_shapes_root, tmp_path):
    work = tmp_path / 'dist'
    proc = run_tool(['-m', 'torch.distributed.run', '--nproc_per_node=2',
                     '--master_port=29531', REPO / 'tools/train.py', CONFIG, '--launcher',
                     'pytorch', '--work-dir', work, *_options(toy_shapes_root, 4)],
                    timeout=900)
    assert proc.returncode == 0
    out = proc.stdout + proc.stderr
    assert 'Distributed launcher: pytorch' in out or 'distributed: True' in out
    assert re.search(r'Iter\(train\) \[4/4\]', out)
    assert (work / 'iter_4.pth').exists()


@pytest.mark.parametrize('with_custom_imports', [True, False])
def test_config_without_custom_imports(tmp_path, with_custom_imports, toy_shapes_root):
    """The tools register mmseg_zs3 themselves, with or without custom_imports."""
    cfg = tmp_path / 'cfg.py'
    lines = [f"_base_ = [r'{CONFIG}']"]
    if not with_custom_imports:
        lines.append('custom_imports = None')
    cfg.write_text('\n'.join(lines) + '\n')
    proc = run_tool([REPO / 'tools/train.py', cfg, '--work-dir', tmp_path / 'w',
                     *_options(toy_shapes_root, 1)])
    assert proc.returncode == 0
