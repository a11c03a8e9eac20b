"""Time and measure the memory of a zero-shot config against plain mmseg, and of its kernels.

For a zero-shot config (``ZeroShotEncoderDecoder``) and an input size, prints markdown
tables of the median wall time (with min and max over the repeats, after warm-up), the peak
memory and the FLOPs of:

1. ``train``: one training iteration of each phase (``seen``, a real and a synthetic
   ``finetune`` iteration, ``self_training`` with a frozen teacher) and of a plain mmseg
   ``EncoderDecoder`` with the same backbone and the feature head as an ordinary decode
   head (no neck, no generator, no discriminator);
2. ``breakdown``: where a ``seen`` iteration spends its time (data preprocessing, backbone +
   RPE neck, feature head + contextual module, discriminator step, segmentation-network
   step, generator step, and the MMD inside the latter);
3. ``infer``: one inference pass of the plain model, of the zero-shot model, and of the same
   zero-shot model (same weights) without its RPE neck;
4. ``kernels``: the pure kernels alone: the position code (cold and cached), the
   class-grouped MMD (forward + backward), the AST weights and AST pseudo-labelling, and
   ``ZeroShotIoUMetric`` against mmseg's ``IoUMetric`` (``process`` + ``compute_metrics``
   on the same data samples);
5. ``scaling``: the MMD and AST pseudo-labelling at 1x, 4x, 16x the pixels of a batch (at
   feature resolution) and for several class counts, with their peak memory as a multiple
   of the memory of their inputs;

then the targets of the issue (ratios) and whether each is met. The metrics, which take
little time, get three times the repeats.

Measures that are compared are timed interleaved (A B C A B C ...) in the same process, so
that load from other processes hits all of them alike, and their ratios are the medians of
the per-round ratios. Peak memory: the largest number of
bytes live at once in PyTorch's CPU allocator during one call, above the level at its start,
from ``torch.profiler`` memory events at operator granularity (allocations freed inside one
operator are not seen). FLOPs: ``torch.utils.flop_counter.FlopCounterMode`` (matrix products
and convolutions, forward and backward).

Example (the README's table; the config reads ``data/gzs``, which
``tools/generate_zs_benchmark.py data/gzs`` writes):
    python tools/benchmark_speed.py configs/sign/sign_r18_1k_gzs-96x96_15-5.py \\
        --size 96 96 --batch 8 --repeats 10
"""
import argparse
import contextlib
import copy
import functools
import os
import platform
import statistics
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import torch
from mmengine.config import ConfigDict

from _common import load_config

SECTIONS = ('train', 'breakdown', 'infer', 'kernels', 'scaling')

# (name, numerator row, denominator row, limit): the targets, as ratios of times
TARGETS = (
    ('inference with the RPE neck / without it', 'zero-shot inference',
     'zero-shot inference, no RPE neck', 1.05),
    ('`seen` iteration / plain mmseg iteration', 'seen iteration',
     'plain mmseg train iteration', 1.5),
    ('`finetune` synthetic iteration / `seen` iteration', 'finetune synthetic iteration',
     'seen iteration', 0.25),
    ('`self_training` iteration (frozen teacher) / `seen` iteration',
     'self_training iteration (frozen teacher)', 'seen iteration', 1.5),
    ('ZeroShotIoUMetric / IoUMetric', 'ZeroShotIoUMetric process + compute_metrics',
     'IoUMetric process + compute_metrics', 1.05),
)


# ------------------------------------------------------------------------------ measuring
def interleaved_timings(fns: Dict[str, Callable[[], object]], repeats: int,
                        warmup: int) -> Dict[str, List[float]]:
    """Times several functions in turns: ``warmup`` untimed rounds, then ``repeats`` rounds.

    Every round calls each function once, in order (A B C A B C ...), so that a slow spell
    of the machine affects all of them alike.

    Args:
        fns (dict[str, Callable]): Name -> function without arguments.
        repeats (int): Timed rounds, >= 1.
        warmup (int): Untimed rounds first, >= 0.

    Returns:
        dict[str, list[float]]: Name -> ``repeats`` wall times in milliseconds.
    """
    if repeats < 1 or warmup < 0:
        raise ValueError(f'need repeats >= 1 and warmup >= 0, got repeats={repeats}, '
                         f'warmup={warmup}')
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - start) * 1000.0)
    return times


def summarize(times: Sequence[float]) -> Tuple[float, float, float]:
    """``(median, min, max)`` of a list of times.

    Args:
        times (Sequence[float]): At least one value.

    Returns:
        tuple[float, float, float]: Median, minimum and maximum.
    """
    if len(times) == 0:
        raise ValueError('no times to summarize')
    return statistics.median(times), min(times), max(times)


def peak_from_memory_events(events: Iterable[Tuple[float, int]]) -> int:
    """The peak of the running sum of allocation events, above its start.

    Args:
        events (Iterable[tuple[float, int]]): ``(time, bytes)`` pairs: bytes allocated
            (positive) or freed (negative) at that time, in any order.

    Returns:
        int: ``max(0, max_t sum_{t' <= t} bytes)``.
    """
    live = peak = 0
    for _, nbytes in sorted(events, key=lambda e: e[0]):
        live += nbytes
        peak = max(peak, live)
    return peak


def peak_memory_bytes(fn: Callable[[], object]) -> int:
    """Peak bytes live in PyTorch's CPU allocator during ``fn()``, above the start level.

    Measured with ``torch.profiler`` memory events: each operator's own allocations minus
    its frees (``self_cpu_memory_usage``) at its start time, plus the frees outside
    operators; transient buffers allocated and freed inside a single operator are not
    counted.

    Args:
        fn (Callable): Called once.

    Returns:
        int: Bytes.
    """
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    return peak_from_memory_events(
        (e.time_range.start, e.self_cpu_memory_usage) for e in prof.events())


def flop_count(fn: Callable[[], object]) -> int:
    """FLOPs of ``fn()`` (matrix products and convolutions, backward included).

    Args:
        fn (Callable): Called once.

    Returns:
        int: FLOPs counted by ``torch.utils.flop_counter.FlopCounterMode``.
    """
    from torch.utils.flop_counter import FlopCounterMode
    counter = FlopCounterMode(display=False)
    with counter:
        fn()
    return counter.get_total_flops()


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table; floats get 3 significant digits below 100, one decimal above.

    Args:
        headers (Sequence[str]): Column titles.
        rows (Sequence[Sequence]): One sequence per row, as long as ``headers``.

    Returns:
        str: The table, one line per row.
    """
    def cell(value) -> str:
        if isinstance(value, float):
            return f'{value:.1f}' if abs(value) >= 100 else f'{value:.3g}'
        return str(value)

    lines = ['| ' + ' | '.join(headers) + ' |', '|' + '|'.join('---' for _ in headers) + '|']
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f'row {row!r} has {len(row)} cells for {len(headers)} columns')
        lines.append('| ' + ' | '.join(cell(v) for v in row) + ' |')
    return '\n'.join(lines)


def paired_ratio(numerator: Sequence[float], denominator: Sequence[float]) -> float:
    """Median of the per-round ratios of two interleaved timing lists.

    Measured in turns (A B A B ...), round ``i`` of both lists saw the same machine load,
    so the median of ``numerator[i] / denominator[i]`` is steadier than the ratio of the
    medians when other processes share the machine.

    Args:
        numerator (Sequence[float]): Times of A, one per round.
        denominator (Sequence[float]): Times of B, as many.

    Returns:
        float: The median ratio.
    """
    if len(numerator) != len(denominator) or len(numerator) == 0:
        raise ValueError(f'need two non-empty lists of equal length, got {len(numerator)} '
                         f'and {len(denominator)} values')
    return statistics.median(n / d for n, d in zip(numerator, denominator))


def target_rows(times: Dict[str, Sequence[float]],
                targets=TARGETS) -> List[Tuple[str, str, str, str]]:
    """Evaluates the targets on interleaved timings (see :func:`paired_ratio`).

    Args:
        times (dict[str, Sequence[float]]): Row name -> times, one per round.
        targets: ``(name, numerator, denominator, limit)`` tuples.

    Returns:
        list[tuple[str, str, str, str]]: ``(target, measured ratio, limit, verdict)`` for
        every target whose two rows were measured; the verdict is ``met`` or ``MISSED``.
    """
    rows = []
    for name, num, den, limit in targets:
        if num in times and den in times:
            ratio = paired_ratio(times[num], times[den])
            rows.append((name, f'{ratio:.3f}', f'<= {limit:g}',
                         'met' if ratio <= limit else 'MISSED'))
    return rows


# ------------------------------------------------------------------------------ inputs
def make_batch(batch: int, height: int, width: int, num_classes: int, seed: int = 0) -> dict:
    """A batch of random images and label maps in the dataloader's format."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, height, width), generator=gen,
                                    dtype=torch.uint8))
        label = torch.randint(0, num_classes, (1, height, width), generator=gen)
        sample = SegDataSample(gt_sem_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=(height, width), ori_shape=(height, width),
                                 pad_shape=(height, width)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def plain_model_cfg(model_cfg: dict) -> dict:
    """The plain mmseg EncoderDecoder with the same backbone and feature head."""
    head = model_cfg['decode_head']
    feature_head = dict(head['feature_head'])
    feature_head.update(in_channels=head['in_channels'], channels=head['channels'],
                        in_index=head.get('in_index', -1), num_classes=head['num_classes'])
    return ConfigDict(type='EncoderDecoder', data_preprocessor=model_cfg['data_preprocessor'],
                      backbone=model_cfg['backbone'], decode_head=feature_head,
                      test_cfg=dict(mode='whole'))


def mmd_inputs(pixels: int, channels: int, num_classes: int, seed: int = 0,
               ignore_fraction: float = 0.25) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fake (requiring grad) and real features in (0, 1) and labels, a share ignored."""
    gen = torch.Generator().manual_seed(seed)
    fake = torch.rand(pixels, channels, generator=gen).requires_grad_(True)
    real = torch.rand(pixels, channels, generator=gen)
    labels = torch.randint(0, num_classes, (pixels, ), generator=gen)
    labels[torch.rand(pixels, generator=gen) < ignore_fraction] = 255
    return fake, real, labels


def pseudo_label_inputs(batch: int, height: int, width: int, num_classes: int,
                        seed: int = 0) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Teacher logits, labels with a quarter of the pixels ignored, and a valid region."""
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(batch, num_classes, height, width, generator=gen) * 3
    labels = torch.randint(0, num_classes, (batch, height, width), generator=gen)
    labels[torch.rand(batch, height, width, generator=gen) < 0.25] = 255
    region = torch.ones(batch, height, width, dtype=torch.bool)
    return logits, labels, region


def nbytes(*tensors: torch.Tensor) -> int:
    """Total bytes of tensors."""
    return sum(t.numel() * t.element_size() for t in tensors)


# ------------------------------------------------------------------------------ sections
class Report:
    """Collects the measured rows and prints each section as a markdown table."""

    def __init__(self, with_memory: bool, with_flops: bool) -> None:
        self.with_memory = with_memory
        self.with_flops = with_flops
        self.times: Dict[str, List[float]] = {}

    def timed_table(self, title: str, fns: Dict[str, Callable[[], object]], repeats: int,
                    warmup: int, ratio_to: Optional[Dict[str, str]] = None,
                    flops: bool = False) -> None:
        """Times ``fns`` interleaved and prints one row each (plus memory/FLOPs/ratios)."""
        times = interleaved_timings(fns, repeats, warmup)
        self.times.update(times)
        headers = ['measure', 'median ms', 'min ms', 'max ms']
        if self.with_memory:
            headers.append('peak MB')
        if flops and self.with_flops:
            headers.append('GFLOP')
        if ratio_to:
            headers.append('ratio (median of paired rounds)')
        rows = []
        for name, fn in fns.items():
            med, low, high = summarize(times[name])
            row = [name, med, low, high]
            if self.with_memory:
                row.append(f'{peak_memory_bytes(fn) / 2**20:.2f}')
            if flops and self.with_flops:
                row.append(f'{flop_count(fn) / 1e9:.3f}')
            if ratio_to:
                base = ratio_to.get(name)
                row.append(f'{paired_ratio(times[name], times[base]):.2f} x {base}'
                           if base else '')
            rows.append(row)
        print(f'\n### {title}\n')
        print(markdown_table(headers, rows))


@contextlib.contextmanager
def without_neck(model):
    """The same zero-shot model (same weights) with its RPE neck taken out."""
    neck, takes_metas = model.neck, model._neck_takes_metas
    model.neck, model._neck_takes_metas = None, False
    try:
        yield
    finally:
        model.neck, model._neck_takes_metas = neck, takes_metas


def seen_breakdown(model, data, optim, repeats: int, warmup: int) -> List[list]:
    """Median ms of the parts of a ``seen`` iteration, from timestamps taken by wrappers."""
    from mmseg_zs3.models.segmentors import zero_shot_encoder_decoder as zsed
    head = model.decode_head
    marks: List[Tuple[str, float]] = []

    def mark(label: str) -> None:
        marks.append((label, time.perf_counter()))

    def around(fn, label):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            mark(f'{label} start')
            out = fn(*args, **kwargs)
            mark(f'{label} end')
            return out
        return wrapper

    def update(fn):
        @functools.wraps(fn)
        def wrapper(optim_wrapper, loss, module, *args, **kwargs):
            out = fn(optim_wrapper, loss, module, *args, **kwargs)
            net = ('disc' if module is head.discriminator else
                   'gen' if module is head.generator else 'seg')
            mark(f'{net} step end')
            return out
        return wrapper

    hook = model.data_preprocessor.register_forward_hook(lambda *_: mark('preprocess end'))
    model.extract_feat = around(model.extract_feat, 'backbone')
    head.extract_features = around(head.extract_features, 'head')
    model._update = update(model._update)
    original_mmd = zsed.class_grouped_mmd
    zsed.class_grouped_mmd = around(original_mmd, 'mmd')
    parts = {k: [] for k in ('data preprocessing', 'backbone + RPE neck forward',
                             'feature head + contextual module forward',
                             'discriminator step (classifier on real and generated features, '
                             'backward, step)',
                             'segmentation-network step (classifier, CE + KL, backward '
                             'through head, neck, backbone, step)',
                             'generator step (generate, discriminator, MMD, backward, step)',
                             '  of which: MMD forward', 'rest (logging, label resizing, ...)',
                             'whole `seen` iteration')}
    try:
        model.set_phase('seen', 0)
        for i in range(warmup + repeats):
            marks.clear()
            mark('start')
            model.train_step(data, optim)
            mark('end')
            if i < warmup:
                continue
            t = dict(marks)
            spans = [
                t['preprocess end'] - t['start'],
                t['backbone end'] - t['backbone start'],
                t['head end'] - t['head start'],
                t['disc step end'] - t['head end'],
                t['seg step end'] - t['disc step end'],
                t['gen step end'] - t['seg step end'],
            ]
            total = t['end'] - t['start']
            values = spans + [t['mmd end'] - t['mmd start'], total - sum(spans), total]
            for key, value in zip(parts, values):
                parts[key].append(value * 1000.0)
    finally:
        hook.remove()
        del model.extract_feat, head.extract_features, model._update
        zsed.class_grouped_mmd = original_mmd
    whole = statistics.median(parts['whole `seen` iteration'])
    return [[name, statistics.median(v), f'{statistics.median(v) / whole * 100:.0f} %']
            for name, v in parts.items()]


def metric_pair(split, num_classes: int, images: int, batch: int, size: Tuple[int, int]):
    """Two functions running IoUMetric and ZeroShotIoUMetric on the same data samples."""
    from mmseg.evaluation.metrics import IoUMetric
    from mmseg_zs3.evaluation.metrics import ZeroShotIoUMetric
    gen = torch.Generator().manual_seed(1)
    samples = []
    for _ in range(images):
        label = torch.randint(0, num_classes, (1, ) + tuple(size), generator=gen)
        pred = torch.where(torch.rand(label.shape, generator=gen) < 0.7, label,
                           torch.randint(0, num_classes, label.shape, generator=gen))
        label[torch.rand(label.shape, generator=gen) < 0.1] = 255
        samples.append(dict(pred_sem_seg=dict(data=pred), gt_sem_seg=dict(data=label)))
    batches = [samples[i:i + batch] for i in range(0, images, batch)]
    meta = dict(classes=tuple(split.classes))

    def run(metric_type, **kwargs):
        def fn():
            metric = metric_type(prefix='benchmark', **kwargs)
            metric.dataset_meta = meta
            for chunk in batches:
                metric.process({}, chunk)
            return metric.compute_metrics(metric.results)
        return fn

    return {'IoUMetric process + compute_metrics': run(IoUMetric),
            'ZeroShotIoUMetric process + compute_metrics': run(ZeroShotIoUMetric,
                                                               split=split)}


def machine_line() -> str:
    """CPU model, cores, threads and versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            names = [line.split(':', 1)[1].strip() for line in f
                     if line.startswith('model name')]
        if names:
            cpu = names[0]
    except OSError:
        pass
    return (f'{cpu}, {os.cpu_count()} cores, {torch.get_num_threads()} torch threads, '
            f'torch {torch.__version__}, Python {platform.python_version()}')


# ------------------------------------------------------------------------------ main
def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--size', type=int, nargs=2, default=(64, 64), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s choice)')
    parser.add_argument('--sections', nargs='+', choices=SECTIONS, default=list(SECTIONS),
                        help='what to measure (default: everything)')
    parser.add_argument('--kernels-only', action='store_true',
                        help='same as --sections kernels scaling')
    parser.add_argument('--scale-factors', type=int, nargs='+', default=(1, 4, 16),
                        help='pixel multiples of the scaling section (default: 1 4 16)')
    parser.add_argument('--scale-classes', type=int, nargs='+', default=(20, 171),
                        help='class counts of the scaling section (default: 20 171)')
    parser.add_argument('--metric-images', type=int, default=32,
                        help='images scored by the metrics (default: 32)')
    parser.add_argument('--no-memory', action='store_true', help='skip the peak memory')
    parser.add_argument('--no-flops', action='store_true', help='skip the FLOP counts')
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    sections = ('kernels', 'scaling') if args.kernels_only else tuple(args.sections)
    if any(f < 1 for f in args.scale_factors) or any(k < 2 for k in args.scale_classes):
        parser.error('--scale-factors must be >= 1 and --scale-classes >= 2')

    from mmengine.logging import MMLogger
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    from mmseg_zs3.models.losses import class_grouped_mmd
    from mmseg_zs3.models.utils.positional_encoding import (batch_position_code,
                                                            cached_position_code,
                                                            clear_position_code_cache)
    from mmseg_zs3.models.utils.pseudo_labels import ast_weights, make_pseudo_labels
    # metrics and builders log to the current logger: keep their INFO lines out
    MMLogger.get_instance('benchmark_speed', log_level='WARNING')
    init_default_scope('mmseg')
    cfg = load_config(args.config, 'none', None)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['pretrained'] = None
    model_cfg['data_preprocessor']['size'] = tuple(args.size)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    head = model.decode_head
    num_classes = head.num_classes
    h, w = args.size
    data = make_batch(args.batch, h, w, num_classes)
    with torch.no_grad():
        model.eval()
        inputs = model.data_preprocessor(data, False)['inputs']
        feature = head.extract_features(model.extract_feat(inputs))['feature']
    feat_h, feat_w = feature.shape[-2:]
    channels = feature.shape[1]
    pixels = args.batch * feat_h * feat_w

    print(f'config: {args.config}\ninput: batch {args.batch} x 3 x {h} x {w} (features '
          f'{channels} x {feat_h} x {feat_w}, {num_classes} classes), {args.repeats} repeats '
          f'after {args.warmup} warm-up\nmachine: {machine_line()}')
    report = Report(with_memory=not args.no_memory, with_flops=not args.no_flops)

    if {'train', 'breakdown', 'infer'} & set(sections):
        optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper.to_dict()))
        plain = MODELS.build(plain_model_cfg(model_cfg))
        plain.init_weights()
        plain_optim = build_optim_wrapper(plain, dict(
            type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3, momentum=0.9)))

    if 'train' in sections or 'breakdown' in sections:
        model.train()
        plain.train()
        fns = {'plain mmseg train iteration': lambda: plain.train_step(data, plain_optim)}
        ratio_to = {}

        def phase_step(phase: str, iteration: int) -> Callable[[], object]:
            def fn():
                model.set_phase(phase, iteration)
                return model.train_step(data, optim)
            return fn

        for phase in model.phase_names:
            cfg_phase = model.phase_cfgs[phase]
            if cfg_phase['pseudo_labels'] is not None:
                if model.teacher is None:
                    # a frozen teacher: a copy of the model, as SelfTrainingHook takes it
                    teacher = copy.deepcopy(model).eval()
                    for p in teacher.parameters():
                        p.requires_grad_(False)
                    model.set_teacher(teacher)
                    model.pseudo_label_tau = 0.3
                name = f'{phase} iteration (frozen teacher)'
            elif cfg_phase['synthetic'] is not None:
                name = f'{phase} iteration (real)'
            else:
                name = f'{phase} iteration'
            fns[name] = phase_step(phase, 0)
            ratio_to[name] = 'plain mmseg train iteration'
            if cfg_phase['synthetic'] is not None:
                fns[f'{phase} synthetic iteration'] = phase_step(
                    phase, cfg_phase['synthetic']['real_iters'])
                ratio_to[f'{phase} synthetic iteration'] = 'seen iteration'
        if 'seen iteration' in fns:
            for name in ratio_to:
                if name.startswith('self_training'):
                    ratio_to[name] = 'seen iteration'
        if 'train' in sections:
            report.timed_table('Training iterations', fns, args.repeats, args.warmup,
                               ratio_to=ratio_to, flops=True)
        if 'breakdown' in sections and 'seen' in model.phase_names:
            rows = seen_breakdown(model, data, optim, args.repeats, args.warmup)
            print('\n### Breakdown of a `seen` iteration (median ms of each part)\n')
            print(markdown_table(['part', 'median ms', 'share'], rows))

    if 'infer' in sections:
        model.eval()
        plain.eval()

        def infer(net, neck=True):
            def fn():
                with torch.no_grad():
                    if neck:
                        return net.test_step(data)
                    with without_neck(net):
                        return net.test_step(data)
            return fn

        fns = {'plain mmseg inference': infer(plain), 'zero-shot inference': infer(model)}
        ratio_to = {'zero-shot inference': 'plain mmseg inference'}
        if model.with_neck:
            fns['zero-shot inference, no RPE neck'] = infer(model, neck=False)
            ratio_to['zero-shot inference'] = 'zero-shot inference, no RPE neck'
            ratio_to['zero-shot inference, no RPE neck'] = 'plain mmseg inference'
        report.timed_table('Inference', fns, args.repeats, args.warmup, ratio_to=ratio_to,
                           flops=True)

    if 'kernels' in sections:
        code_dim = getattr(model.neck, 'code_dim', 256) if model.with_neck else 256
        length = getattr(model.neck, 'standard_length', 512) if model.with_neck else 512

        def cold_code():
            clear_position_code_cache()
            return cached_position_code(feat_h, feat_w, code_dim, 'rpe', length)

        fake, real, labels = mmd_inputs(pixels, channels, num_classes)
        logits, pl_labels, region = pseudo_label_inputs(args.batch, feat_h, feat_w,
                                                        num_classes)
        confidence = torch.softmax(logits, 1).amax(1)
        candidates = pl_labels == 255
        mmd_cfg = model.mmd_cfg

        def mmd():
            value = class_grouped_mmd(fake, real, labels, bandwidths=mmd_cfg['bandwidths'],
                                      max_pixels_per_class=mmd_cfg['max_pixels_per_class'])
            return torch.autograd.grad(value, fake)

        unseen = head.split.unseen_ids
        grid = f'{args.batch} x {feat_h} x {feat_w}'
        report.timed_table('Kernels', {
            f'position code, cold ({code_dim} x {feat_h} x {feat_w})': cold_code,
            'position code, cached': lambda: cached_position_code(feat_h, feat_w, code_dim,
                                                                  'rpe', length),
            f'batch position code, cached ({args.batch} images)': lambda: batch_position_code(
                (feat_h, feat_w), [(feat_h, feat_w)] * args.batch, code_dim, 'rpe', length),
            f'MMD forward + backward ({pixels} pixels x {channels}, {num_classes} classes)':
                mmd,
            f'AST weights ({grid})': lambda: ast_weights(confidence, candidates, 0.3),
            f'AST pseudo-labelling ({grid}, {num_classes} classes)': lambda: make_pseudo_labels(
                logits, pl_labels, region, unseen, 'ast', tau=0.3),
        }, args.repeats, args.warmup)
        report.timed_table(f'Metrics ({args.metric_images} images of {h} x {w}, '
                           f'{num_classes} classes)',
                           metric_pair(head.split, num_classes, args.metric_images,
                                       args.batch, (h, w)),
                           3 * args.repeats, args.warmup,
                           ratio_to={'ZeroShotIoUMetric process + compute_metrics':
                                     'IoUMetric process + compute_metrics'})

    if 'scaling' in sections:
        rows = []
        repeats = max(1, min(args.repeats, 5))
        for factor in args.scale_factors:
            side = int(round(factor**0.5))
            sh, sw = feat_h * side, feat_w * (factor // side)
            n = args.batch * sh * sw
            for classes in args.scale_classes:
                fake, real, labels = mmd_inputs(n, channels, classes)
                logits, pl_labels, region = pseudo_label_inputs(args.batch, sh, sw, classes)
                unseen_ids = list(range(classes - max(1, classes // 10), classes))

                def mmd(fake=fake, real=real, labels=labels):
                    value = class_grouped_mmd(fake, real, labels)
                    return torch.autograd.grad(value, fake)  # counted in the peak

                def pseudo(logits=logits, pl_labels=pl_labels, region=region,
                           unseen_ids=unseen_ids):
                    return make_pseudo_labels(logits, pl_labels, region, unseen_ids, 'ast',
                                              tau=0.3)

                times = interleaved_timings({'mmd': mmd, 'ast': pseudo}, repeats, 1)
                for kind, fn, inputs_bytes in (
                        ('MMD fwd + bwd', mmd, nbytes(fake, real, labels)),
                        ('AST pseudo-labels', pseudo, nbytes(logits, pl_labels, region))):
                    med = statistics.median(times['mmd' if kind.startswith('MMD') else 'ast'])
                    row = [kind, f'{factor}x ({n} px)', classes, med,
                           f'{inputs_bytes / 2**20:.2f}']
                    if report.with_memory:
                        peak = peak_memory_bytes(fn)
                        row += [f'{peak / 2**20:.2f}', f'{peak / inputs_bytes:.1f}']
                    rows.append(row)
        headers = ['kernel', 'pixels', 'classes', 'median ms', 'input MB']
        if report.with_memory:
            headers += ['peak MB', 'peak / input']
        print(f'\n### Scaling ({channels}-d features; MMD: default bandwidths, at most 128 '
              f'pixels per class; AST: {args.batch} images, a tenth of the classes unseen; '
              f'median of {repeats})\n')
        print(markdown_table(headers, sorted(rows, key=lambda r: r[0], reverse=True)))

    rows = target_rows(report.times)
    if rows:
        print('\n### Targets\n')
        print(markdown_table(['target', 'measured', 'limit', 'verdict'], rows))


if __name__ == '__main__':
    main()
