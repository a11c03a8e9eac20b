"""Time the training phases and inference of a zero-shot config against plain mmseg.

For a zero-shot config (``ZeroShotEncoderDecoder``) and an input size, measures the median
(and min/max) wall time of: one training iteration of each phase (``seen``, a real and a
synthetic ``finetune`` iteration, ``self_training`` with a frozen teacher), one inference pass with and without the RPE neck, and the
same training iteration and inference pass of a plain mmseg ``EncoderDecoder`` with the same
backbone and the feature head as an ordinary decode head (no neck, no generator, no
discriminator). Prints a table with the ratios.

Example:
    python tools/benchmark_speed.py configs/sign/sign_r18-tiny_300it_toyshapes-64x64_4-1.py \
        --size 64 64 --batch 4 --repeats 20
"""
import argparse
import copy
import statistics
import time
from typing import Callable, Dict, List

import torch
from mmengine.config import ConfigDict

from _common import load_config


def timed(fn: Callable[[], None], repeats: int, warmup: int) -> List[float]:
    """Runs ``fn`` ``warmup`` times, then returns ``repeats`` wall times in milliseconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--size', type=int, nargs=2, default=(64, 64), metavar=('H', 'W'))
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None,
                        help='torch threads (default: torch\'s choice)')
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = load_config(args.config, 'none', None)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg['pretrained'] = None
    model_cfg['data_preprocessor']['size'] = tuple(args.size)
    torch.manual_seed(0)
    model = MODELS.build(model_cfg)
    model.init_weights()
    optim = build_optim_wrapper(model, copy.deepcopy(cfg.optim_wrapper.to_dict()))
    num_classes = model.decode_head.num_classes
    data = make_batch(args.batch, *args.size, num_classes)
    h, w = args.size

    plain = MODELS.build(plain_model_cfg(model_cfg))
    plain.init_weights()
    plain_optim = build_optim_wrapper(plain, dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=1e-3, momentum=0.9)))

    rows: Dict[str, List[float]] = {}
    model.train()
    plain.train()
    rows['plain mmseg train iteration'] = timed(lambda: plain.train_step(data, plain_optim),
                                                args.repeats, args.warmup)
    for phase in model.phase_names:
        model.set_phase(phase, 0)
        if model.phase_cfgs[phase]['pseudo_labels'] is not None:
            # a frozen teacher (a copy of the model, as SelfTrainingHook takes it)
            model.set_teacher(None)
            teacher = copy.deepcopy(model).eval()
            for p in teacher.parameters():
                p.requires_grad_(False)
            model.set_teacher(teacher)
            model.pseudo_label_tau = 0.3
        rows[f'{phase} iteration'] = timed(lambda: model.train_step(data, optim),
                                           args.repeats, args.warmup)
        syn = model.phase_cfgs[phase]['synthetic']
        if syn is not None:
            model.set_phase(phase, syn['real_iters'])
            rows[f'{phase} synthetic iteration'] = timed(
                lambda: model.train_step(data, optim), args.repeats, args.warmup)

    model.eval()
    plain.eval()
    with torch.no_grad():
        rows['plain mmseg inference'] = timed(lambda: plain.test_step(data), args.repeats,
                                              args.warmup)
        rows['zero-shot inference'] = timed(lambda: model.test_step(data), args.repeats,
                                            args.warmup)
        if model.with_neck:
            neck = model.neck
            model.neck = None  # the same model without its RPE neck
            model._neck_takes_metas = False
            rows['zero-shot inference, no RPE neck'] = timed(lambda: model.test_step(data),
                                                             args.repeats, args.warmup)
            model.neck = neck

    base_train = statistics.median(rows['plain mmseg train iteration'])
    base_infer = statistics.median(rows['plain mmseg inference'])
    print(f'\nconfig: {args.config}\ninput: batch {args.batch} x 3 x {h} x {w}, '
          f'{torch.get_num_threads()} threads, {args.repeats} repeats after '
          f'{args.warmup} warm-up\n')
    print(f'| {"measure":<36} | median ms | min ms | max ms | ratio to plain |')
    print(f'|{"-" * 38}|-----------|--------|--------|----------------|')
    for name, times in rows.items():
        med = statistics.median(times)
        base = base_infer if 'inference' in name else base_train
        print(f'| {name:<36} | {med:9.1f} | {min(times):6.1f} | {max(times):6.1f} | '
              f'{med / base:14.2f} |')


if __name__ == '__main__':
    main()
