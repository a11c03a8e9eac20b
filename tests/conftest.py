"""Shared fixtures: repository paths, the shared data folder, generated datasets."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get('MMSEG_ZS3_SHARED', REPO.parent / 'shared'))


def shared_path(*parts: str) -> Path:
    """Returns a path under ../shared/data, skipping the test when it is absent."""
    path = SHARED.joinpath('data', *parts)
    if not path.exists():
        pytest.skip(f'shared data not available: {path}')
    return path


def run_tool(args, cwd=REPO, timeout=600, env=None):
    """Runs a command with this interpreter; returns the CompletedProcess (text output).

    The output is printed when the command fails, so a failing test shows why.
    """
    full_env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    full_env.update(env or {})
    proc = subprocess.run([sys.executable] + [str(a) for a in args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        print(proc.stdout[-6000:])
        print(proc.stderr[-6000:])
    return proc


@pytest.fixture(scope='session')
def toy_shapes_root(tmp_path_factory) -> Path:
    """A small generated toy-shapes dataset (mmseg layout), shared by the tests."""
    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    root = tmp_path_factory.mktemp('toy_shapes')
    generate_toy_shapes(str(root), num_train=8, num_val=4, size=32, seed=0)
    return root
