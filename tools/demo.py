"""The project's main job on its built-in default (what `make demo` runs).

Generates the toy-shapes dataset under data/toy_shapes if it is missing, trains the plain
mmseg FCN of configs/baseline/ on it with mmengine's Runner, evaluates it and prints the
per-class IoU table. Everything runs on the CPU in about a minute.
"""
import argparse
import os.path as osp
import time

from _common import REPO_ROOT, build_runner, load_config

CONFIG = osp.join(REPO_ROOT, 'configs/baseline/fcn_r18-tiny_300it_toyshapes-64x64.py')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, 'data/toy_shapes'))
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs/demo'))
    parser.add_argument('--iters', type=int, default=300)
    args = parser.parse_args()

    from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes
    if not osp.isdir(osp.join(args.data_root, 'ann_dir')):
        counts = generate_toy_shapes(args.data_root)
        print(f'[demo] generated toy-shapes dataset {counts} in {args.data_root}')
    options = {
        f'{loader}.dataset.data_root': args.data_root
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
    }
    options.update({'train_cfg.max_iters': args.iters, 'train_cfg.val_interval': args.iters,
                    'work_dir': args.work_dir})
    cfg = load_config(CONFIG, 'none', options)
    cfg.param_scheduler[0]['end'] = args.iters
    start = time.time()
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    print(f'[demo] trained {args.iters} iterations and evaluated in '
          f'{time.time() - start:.0f} s; test metrics: '
          + ', '.join(f'{k}={v:.2f}' for k, v in metrics.items()))
    print(f'[demo] logs and checkpoints: {args.work_dir}')


if __name__ == '__main__':
    main()
