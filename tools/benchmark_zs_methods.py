"""Train and compare the zero-shot methods on the generated benchmark, over several seeds.

Trains, on the same generated data (data/gzs, made if missing) and the same seeds: two
supervised seen-classes-only models (plain mmseg, and the SIGN network trained only in the
`seen` phase), ZS3Net, CaGNet, SIGN without self-training, SIGN with
AST, SIGN with the ZS3Net and CaGNet self-training rules, and the positional-encoding
ablation (RPE = SIGN, APE, none). Each run is a separate process (tools/train.py's runner in
`--run-one` mode); the table (S, U, hIoU: mean and spread over the seeds; training time)
is written as markdown and CSV.

Example:
    python tools/benchmark_zs_methods.py --seeds 0 1 --work-dir work_dirs/gzs_benchmark
"""
import argparse
import csv
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

from _common import REPO_ROOT

METHODS = [
    ('seen-only: plain mmseg DeepLabv2', 'configs/baseline/deeplabv2_r18_1k_gzs-96x96_15-5.py'),
    ('seen-only: SIGN network, seen phase only',
     'configs/sign/sign-seenonly_r18_1k_gzs-96x96_15-5.py'),
    ('ZS3Net', 'configs/zs3net/zs3net_r18_1k_gzs-96x96_15-5.py'),
    ('CaGNet', 'configs/cagnet/cagnet_r18_1k_gzs-96x96_15-5.py'),
    ('SIGN', 'configs/sign/sign_r18_1k_gzs-96x96_15-5.py'),
    ('SIGN + AST', 'configs/sign/sign-ast_r18_2k_gzs-96x96_15-5.py'),
    ('SIGN + ZS3Net self-training', 'configs/sign/sign-st-zs3net_r18_2k_gzs-96x96_15-5.py'),
    ('SIGN + CaGNet self-training', 'configs/sign/sign-st-cagnet_r18_2k_gzs-96x96_15-5.py'),
    ('ablation: SIGN with APE', 'configs/sign/sign-ape_r18_1k_gzs-96x96_15-5.py'),
    ('ablation: SIGN without encoding', 'configs/sign/sign-nope_r18_1k_gzs-96x96_15-5.py'),
]
KEYS = ('mIoU_seen', 'mIoU_unseen', 'hIoU')


def run_one(config: str, seed: int, data_root: str, work_dir: str, result: str) -> None:
    """Trains and tests one config with one seed; writes the metrics and times as JSON."""
    from _common import build_runner, load_config
    options = {f'{loader}.dataset.data_root': data_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    options.update({'data_root': data_root, 'work_dir': work_dir, 'randomness.seed': seed,
                    'default_hooks.checkpoint.interval': 10**9})
    cfg = load_config(config, 'none', options)
    if cfg.model.decode_head.type == 'GenerativeZeroShotHead':
        cfg.model.decode_head.class_embeddings.path = osp.join(data_root,
                                                               'class_embeddings.npy')
    runner = build_runner(cfg)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    metrics = runner.test()
    with open(result, 'w') as f:
        json.dump(dict(config=config, seed=seed, train_seconds=train_seconds,
                       metrics={k: float(v) for k, v in metrics.items()}), f, indent=1)


def summarise(runs: list) -> dict:
    """Mean and spread (population std) of S, U, hIoU and the training time."""
    out = {}
    for key in KEYS:
        values = [r['metrics'][key] for r in runs]
        out[key] = (statistics.fmean(values), statistics.pstdev(values))
    out['train_seconds'] = statistics.fmean(r['train_seconds'] for r in runs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, 'data/gzs'))
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs/gzs_benchmark'))
    parser.add_argument('--methods', nargs='*', help='subset of method names (default: all)')
    parser.add_argument('--run-one', nargs=2, metavar=('CONFIG', 'SEED'), help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        config, seed = args.run_one
        run_one(config, int(seed), args.data_root, args.work_dir, args.result)
        return

    from mmseg_zs3.datasets.generated_zs import generate_zs_benchmark
    if not osp.isfile(osp.join(args.data_root, 'meta.json')):
        print(f'generating the benchmark in {args.data_root}', flush=True)
        generate_zs_benchmark(args.data_root)
    methods = [m for m in METHODS if not args.methods or m[0] in args.methods]
    os.makedirs(args.work_dir, exist_ok=True)
    rows = []
    for name, config in methods:
        runs = []
        for seed in args.seeds:
            tag = f'{osp.splitext(osp.basename(config))[0]}_seed{seed}'
            result = osp.join(args.work_dir, tag + '.json')
            if not osp.isfile(result):
                print(f'[{time.strftime("%H:%M:%S")}] {name}, seed {seed} ...', flush=True)
                log = osp.join(args.work_dir, tag + '.log')
                with open(log, 'w') as f:
                    proc = subprocess.run(
                        [sys.executable, __file__, '--run-one', osp.join(REPO_ROOT, config),
                         str(seed), '--data-root', args.data_root, '--work-dir',
                         osp.join(args.work_dir, tag), '--result', result],
                        stdout=f, stderr=subprocess.STDOUT)
                if proc.returncode != 0:
                    raise SystemExit(f'{name} (seed {seed}) failed; see {log}')
            with open(result) as f:
                runs.append(json.load(f))
            m = runs[-1]['metrics']
            print(f'    S {m["mIoU_seen"]:.1f}  U {m["mIoU_unseen"]:.1f}  hIoU {m["hIoU"]:.1f}  '
                  f'({runs[-1]["train_seconds"]:.0f} s)', flush=True)
        rows.append((name, config, summarise(runs)))

    seeds = ', '.join(map(str, args.seeds))
    md = [f'Generated benchmark (gzs20-15-5), seeds {seeds}; mean ± spread (population std) '
          'over the seeds, percent; training time per run on this machine.', '',
          '| method | S | U | hIoU | train time (s) | config |', '|---|---|---|---|---|---|']
    with open(osp.join(args.work_dir, 'results.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['method', 'config', 'seeds', 'S_mean', 'S_std', 'U_mean', 'U_std',
                         'hIoU_mean', 'hIoU_std', 'train_seconds'])
        for name, config, s in rows:
            cells = [f'{s[k][0]:.1f} ± {s[k][1]:.1f}' for k in KEYS]
            md.append(f'| {name} | ' + ' | '.join(cells) +
                      f' | {s["train_seconds"]:.0f} | `{osp.basename(config)}` |')
            writer.writerow([name, config, seeds] +
                            [f'{v:.2f}' for k in KEYS for v in s[k]] +
                            [f'{s["train_seconds"]:.1f}'])
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write('\n'.join(md) + '\n')
    print('\n'.join(md))
    print(f'\nwritten: {args.work_dir}/results.md and results.csv')


if __name__ == '__main__':
    main()
