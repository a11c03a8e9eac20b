"""Helpers shared by ``tools/train.py`` and ``tools/test.py``.

Importing this module imports ``mmseg_zs3`` (registering its components and the
compatibility fixes), so the tools work whether or not a config lists ``custom_imports``.
"""
import logging
import os
import os.path as osp
import sys

# Make the repository importable when the tools run from a checkout without installing.
REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import mmseg_zs3  # noqa: E402,F401
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmseg.registry import RUNNERS  # noqa: E402


def add_launcher_args(parser) -> None:
    """Adds mmseg's ``--launcher`` and ``--local_rank/--local-rank`` options."""
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank, torchrun sets LOCAL_RANK.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def set_local_rank(args) -> None:
    """Exports ``LOCAL_RANK`` for launchers that only pass it as an argument."""
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)


def load_config(path: str, launcher: str, cfg_options) -> Config:
    """Reads a config, applies ``--cfg-options`` and the CPU distributed backend.

    Args:
        path (str): Config file.
        launcher (str): The ``--launcher`` value.
        cfg_options (dict | None): Parsed ``--cfg-options``.

    Returns:
        Config: The config, with ``launcher`` set.
    """
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if launcher != 'none' and not torch.cuda.is_available():
        dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        if dist_cfg.get('backend', 'nccl') == 'nccl':
            print_log("CUDA is unavailable: env_cfg.dist_cfg.backend='gloo'",
                      logger='current', level=logging.WARNING)
            dist_cfg['backend'] = 'gloo'
    return cfg


def default_work_dir(cfg: Config, config_path: str, work_dir) -> None:
    """Sets ``cfg.work_dir`` as mmseg does: the argument, the config's, or ./work_dirs/NAME."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def build_runner(cfg: Config) -> Runner:
    """Builds the runner named by ``runner_type`` (mmengine's ``Runner`` by default)."""
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def finish_distributed() -> None:
    """Ends a distributed run cleanly: waits for every process, then destroys the group.

    mmengine leaves the process group alive until the interpreter exits; with gloo its
    threads can then be torn down while still running and abort a finished run ("terminate
    called without an active exception", exit code -6). A no-op when not distributed.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
