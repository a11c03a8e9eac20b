"""Train a segmentor (mmseg's ``tools/train.py`` interface, with mmseg_zs3 registered).

Examples:
    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options k=v ...]
    torchrun --nproc_per_node=2 tools/train.py CONFIG --launcher pytorch
"""
import argparse
import logging

from mmengine.config import DictAction

from _common import (add_launcher_args, build_runner, default_work_dir, finish_distributed,
                     load_config, print_log, set_local_rank)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', action='store_true', default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp', action='store_true', default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, as key=value pairs (mmseg syntax)')
    add_launcher_args(parser)
    args = parser.parse_args()
    set_local_rank(args)
    return args


def enable_amp(cfg) -> None:
    """Turns every optimizer wrapper of the config into an ``AmpOptimWrapper``.

    A single ``OptimWrapper`` is converted as mmseg does; a config with one wrapper per
    sub-network (an ``OptimWrapperDict``) has each of its wrappers converted.
    """
    optim_wrapper = cfg.optim_wrapper
    if 'type' in optim_wrapper or 'optimizer' in optim_wrapper:
        wrappers = [optim_wrapper]
    else:
        wrappers = [v for k, v in optim_wrapper.items()
                    if k != 'constructor' and isinstance(v, dict)]
    for wrapper in wrappers:
        kind = wrapper.get('type', 'OptimWrapper')
        if kind == 'AmpOptimWrapper':
            print_log('AMP training is already enabled in your config.',
                      logger='current', level=logging.WARNING)
            continue
        if kind != 'OptimWrapper':
            raise ValueError(f'--amp supports OptimWrapper only, got {kind}')
        wrapper['type'] = 'AmpOptimWrapper'
        wrapper['loss_scale'] = 'dynamic'


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.launcher, args.cfg_options)
    default_work_dir(cfg, args.config, args.work_dir)
    if args.amp:
        enable_amp(cfg)
    cfg.resume = args.resume
    runner = build_runner(cfg)
    runner.train()
    finish_distributed()


if __name__ == '__main__':
    main()
