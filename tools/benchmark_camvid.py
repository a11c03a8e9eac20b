"""Zero-shot benchmark on real photographs: CamVid, EfficientNet-Lite0, GloVe class vectors.

Trains and tests, on CamVid's train / test split with split 'camvid11-9-2' (unseen car and
pedestrian), at 240x320 on the CPU:

- seen-only: plain mmseg EncoderDecoder, supervised on the seen classes
  (configs/baseline/fcn_effnetlite0_800it_camvid-240x320_9-2.py);
- CaGNet (configs/cagnet/cagnet_effnetlite0_800-200_camvid-240x320_9-2.py);
- SIGN and SIGN + AST: one run of
  configs/sign/sign-ast_effnetlite0_800-200-400-200_camvid-240x320_9-2.py, whose first
  phases (seen, finetune) are SIGN's schedule; its checkpoint at the end of them is tested
  as "SIGN", the final one as "SIGN + AST".

The class embeddings are built from a GloVe text file with tools/build_class_embeddings.py
when the .npy is missing. Each training runs in its own process; results (S, U, hIoU, the
unseen classes' IoU, times) are cached per run as JSON, so an interrupted benchmark
continues where it stopped. Prediction PNGs (label ids, every test image) and side-by-side
pictures of the first test images are written per method.

Example (the README's table)::

    python tools/benchmark_camvid.py --data-root ../shared/data/camvid \\
        --glove ../shared/data/class_embeddings/glove6B50d_class_words.txt

``--schedule`` / ``--train-images`` / ``--test-images`` shrink the run (the CI test uses
``--schedule 2 4 2 4 --train-images 8 --test-images 3``).
"""
import argparse
import copy
import json
import os
import os.path as osp
import subprocess
import sys
import time

from _common import REPO_ROOT

BASELINE = 'configs/baseline/fcn_effnetlite0_800it_camvid-240x320_9-2.py'
CAGNET = 'configs/cagnet/cagnet_effnetlite0_800-200_camvid-240x320_9-2.py'
SIGN_AST = 'configs/sign/sign-ast_effnetlite0_800-200-400-200_camvid-240x320_9-2.py'
SPLIT = 'camvid11-9-2'
UNSEEN = ('car', 'pedestrian')
# table rows: (name, training run, checkpoint: 'boundary' = end of seen + finetune)
ROWS = [('seen-only (plain mmseg)', 'baseline', 'last'),
        ('CaGNet', 'cagnet', 'last'),
        ('SIGN', 'sign-ast', 'boundary'),
        ('SIGN + AST', 'sign-ast', 'last')]
RUNS = {'baseline': BASELINE, 'cagnet': CAGNET, 'sign-ast': SIGN_AST}


def _phase_hook(cfg) -> dict:
    for hook in cfg.custom_hooks:
        if hook['type'] == 'ZeroShotPhaseHook':
            return hook
    raise ValueError('config has no ZeroShotPhaseHook')


def apply_schedule(cfg, schedule) -> int:
    """Rescales a config's phases to (seen, finetune, self_training, finetune) lengths.

    Args:
        cfg (Config): A zero-shot or baseline config (changed in place).
        schedule (Sequence[int]): Iterations of seen, finetune, self_training, finetune.

    Returns:
        int: The iteration that ends the first finetune phase (0 for the baseline).
    """
    seen, finetune, self_training, finetune2 = schedule
    if cfg.model.type == 'EncoderDecoder':
        total = seen
        boundary = 0
    else:
        hook = _phase_hook(cfg)
        lengths = {'seen': [seen], 'finetune': [finetune, finetune2],
                   'self_training': [self_training]}
        phases = []
        for phase in hook['phases']:
            phases.append(dict(name=phase['name'], iters=lengths[phase['name']].pop(0)))
        hook['phases'] = phases
        total = sum(p['iters'] for p in phases)
        boundary = seen + finetune
        synthetic = cfg.model.train_cfg.phases.finetune.synthetic
        block = max(1, min(synthetic.real_iters, finetune // 2))
        synthetic.real_iters = synthetic.synthetic_iters = block
    cfg.train_cfg.max_iters = total
    cfg.train_cfg.val_interval = total + 1
    schedulers = cfg.param_scheduler
    for group in (schedulers.values() if isinstance(schedulers, dict) else [schedulers]):
        for scheduler in group:
            scheduler['end'] = total
    return boundary


def run_one(run: str, args) -> None:
    """Trains one run and tests its checkpoints; writes the results as JSON."""
    from _common import build_runner, load_config
    from demo import save_pictures

    from mmseg_zs3.datasets.splits import get_split
    work_dir = osp.join(args.work_dir, run)
    options = {f'{loader}.dataset.data_root': args.data_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    options.update({'work_dir': work_dir, 'randomness.seed': args.seed})
    cfg = load_config(osp.join(REPO_ROOT, RUNS[run]), 'none', options)
    boundary = apply_schedule(cfg, args.schedule)
    if cfg.model.type != 'EncoderDecoder':
        cfg.model.decode_head.class_embeddings.path = args.embeddings
    # no validation during training; checkpoints at the phase boundary and the end
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', by_epoch=False,
                                        interval=boundary or cfg.train_cfg.max_iters)
    cfg.default_hooks.logger.interval = args.log_interval
    if args.train_images:
        cfg.train_dataloader.dataset.indices = args.train_images
    if args.test_images:
        cfg.test_dataloader.dataset.indices = args.test_images
    runner = build_runner(cfg)
    start = time.time()
    runner.train()
    train_seconds = time.time() - start
    checkpoints = {'last': cfg.train_cfg.max_iters}
    if boundary and boundary < cfg.train_cfg.max_iters:
        checkpoints['boundary'] = boundary

    results = dict(run=run, config=RUNS[run], train_seconds=train_seconds,
                   schedule=list(args.schedule), seed=args.seed, tests={})
    for tag, iteration in checkpoints.items():
        test_cfg = copy.deepcopy(cfg)
        test_cfg.load_from = osp.join(work_dir, f'iter_{iteration}.pth')
        test_cfg.work_dir = osp.join(work_dir, f'test_{tag}')
        test_cfg.test_evaluator['output_dir'] = osp.join(work_dir, f'test_{tag}', 'pred_png')
        tester = build_runner(test_cfg)
        start = time.time()
        metrics = tester.test()
        test_seconds = time.time() - start
        per_class = tester.test_evaluator.metrics[0].last_per_class
        pictures = save_pictures(tester, osp.join(work_dir, f'test_{tag}', 'pictures'),
                                 args.pictures, unseen_ids=get_split(SPLIT).unseen_ids,
                                 scale=1)
        results['tests'][tag] = dict(
            iteration=iteration, test_seconds=test_seconds,
            metrics={k: float(v) for k, v in metrics.items()},
            per_class=per_class, pictures=pictures)
    with open(args.result, 'w') as f:
        json.dump(results, f, indent=1)


def ensure_embeddings(path: str, glove) -> None:
    """Builds the CamVid class embeddings from a GloVe text file when the .npy is missing."""
    if osp.isfile(path):
        return
    if not glove:
        raise SystemExit(f'class embeddings {path} do not exist: give --glove GLOVE.txt '
                         '(GloVe text vectors, e.g. glove.6B.50d.txt) to build them')
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools/build_class_embeddings.py'), '--split',
           'camvid11-9-2', '--source', f'{glove}:glove', '--out', path]
    print('building the class embeddings:', ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def table(results: dict, args) -> str:
    """The markdown table of S, U, hIoU and the unseen classes' IoU."""
    lines = [f'CamVid test split (233 images unless limited), camvid11-9-2, 240x320 input, '
             f'metric on the 480x360 labels; schedule seen/finetune/self_training/finetune '
             f'= {"/".join(map(str, args.schedule))} iterations, batch 4, seed {args.seed}.',
             '', '| method | S | U | hIoU | car IoU | pedestrian IoU | checkpoint | '
             'train time (s) |', '|---|---|---|---|---|---|---|---|']
    for name, run, tag in ROWS:
        if run not in results:
            continue
        res = results[run]
        test = res['tests'][tag]
        m, pc = test['metrics'], test['per_class']
        cells = [m['mIoU_seen'], m['mIoU_unseen'], m['hIoU']] + \
            [pc[c]['IoU'] for c in UNSEEN]
        lines.append(f'| {name} | ' + ' | '.join(f'{v:.1f}' for v in cells) +
                     f' | {osp.basename(res["config"])} @ {test["iteration"]} | '
                     f'{res["train_seconds"]:.0f} |')
    return '\n'.join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, 'data/camvid'),
                        help='CamVid in the SegNet layout (img_dir/, ann_dir/)')
    parser.add_argument('--embeddings',
                        default=osp.join(REPO_ROOT, 'data/embeddings/camvid11_glove6B50d.npy'),
                        help='class-embedding .npy (built from --glove when missing)')
    parser.add_argument('--glove', help='GloVe text vectors to build the embeddings from')
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs/camvid_benchmark'))
    parser.add_argument('--runs', nargs='*', choices=sorted(RUNS), default=list(RUNS),
                        help='training runs to do (default: all)')
    parser.add_argument('--schedule', type=int, nargs=4, default=[800, 200, 400, 200],
                        metavar=('SEEN', 'FINETUNE', 'SELF_TRAINING', 'FINETUNE2'),
                        help='phase lengths (the baseline trains SEEN iterations)')
    parser.add_argument('--train-images', type=int, default=0, help='use the first N only')
    parser.add_argument('--test-images', type=int, default=0, help='test the first N only')
    parser.add_argument('--pictures', type=int, default=6,
                        help='side-by-side pictures per tested checkpoint')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--log-interval', type=int, default=50)
    parser.add_argument('--run-one', help=argparse.SUPPRESS)
    parser.add_argument('--result', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if any(n <= 0 for n in args.schedule):
        parser.error(f'--schedule lengths must be positive, got {args.schedule}')
    args.embeddings = osp.abspath(args.embeddings)
    if args.run_one:
        run_one(args.run_one, args)
        return
    if not osp.isdir(osp.join(args.data_root, 'img_dir', 'test')):
        raise SystemExit(f'CamVid not found under {args.data_root} (expected img_dir/ and '
                         'ann_dir/ with train/ and test/; see the README)')
    ensure_embeddings(args.embeddings, args.glove)
    os.makedirs(args.work_dir, exist_ok=True)
    results = {}
    for run in args.runs:
        result = osp.join(args.work_dir, f'{run}.json')
        if osp.isfile(result):
            with open(result) as f:
                cached = json.load(f)
            if cached['schedule'] == list(args.schedule) and cached['seed'] == args.seed:
                results[run] = cached
                print(f'{run}: cached result {result}', flush=True)
                continue
        print(f'[{time.strftime("%H:%M:%S")}] training {run} ({RUNS[run]}) ...', flush=True)
        log = osp.join(args.work_dir, f'{run}.log')
        cmd = [sys.executable, osp.abspath(__file__), '--run-one', run, '--result', result]
        for name in ('data_root', 'embeddings', 'work_dir', 'seed', 'train_images',
                     'test_images', 'pictures', 'log_interval'):
            cmd += [f'--{name.replace("_", "-")}', str(getattr(args, name))]
        cmd += ['--schedule'] + [str(n) for n in args.schedule]
        with open(log, 'w') as f:
            proc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            raise SystemExit(f'{run} failed; see {log}')
        with open(result) as f:
            results[run] = json.load(f)
        print(f'    done in {results[run]["train_seconds"]:.0f} s of training', flush=True)
    md = table(results, args)
    with open(osp.join(args.work_dir, 'results.md'), 'w') as f:
        f.write(md + '\n')
    print(md)
    print(f'\nwritten: {args.work_dir}/results.md, per-run JSON and logs, prediction PNGs '
          f'under {args.work_dir}/<run>/test_<checkpoint>/')


if __name__ == '__main__':
    main()
