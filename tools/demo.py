"""The project's main job on its built-in default (what `make demo` runs).

Generates the zero-shot benchmark (mmseg_zs3.datasets.generated_zs) under data/gzs if it is
missing, trains SIGN through all its phases (seen, finetune, self_training with AST,
finetune) with a small backbone on the CPU, evaluates it on the validation images (the
seen/unseen tables and S, U, hIoU), and saves side-by-side pictures (image | ground truth |
prediction, unseen classes outlined in white).
"""
import argparse
import os
import os.path as osp
import time

from _common import REPO_ROOT, build_runner, load_config

CONFIG = osp.join(REPO_ROOT, 'configs/sign/sign-ast_r18_2k_gzs-96x96_15-5.py')


def save_pictures(runner, out_dir: str, count: int, unseen_ids=None, scale: int = 3) -> list:
    """Writes side-by-side pictures of the first ``count`` test images.

    ``unseen_ids`` (outlined in the pictures) default to the zero-shot head's split;
    ``scale`` magnifies the pictures (nearest neighbour).
    """
    import mmcv
    import torch
    from mmengine.dataset import pseudo_collate
    from mmengine.model import is_model_wrapper
    from PIL import Image

    from mmseg_zs3.utils.visualization import side_by_side
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    model.eval()
    dataset = runner.test_dataloader.dataset
    palette = dataset.metainfo['palette']
    unseen = model.decode_head.split.unseen_ids if unseen_ids is None else unseen_ids
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for index in range(min(count, len(dataset))):
        with torch.no_grad():
            result = model.test_step(pseudo_collate([dataset[index]]))[0]
        image = mmcv.imread(result.img_path, channel_order='rgb')
        gt = result.gt_sem_seg.data[0].numpy()
        pred = result.pred_sem_seg.data[0].numpy()
        row = side_by_side(image, gt, pred, palette, unseen, scale=scale, gt_valid=gt != 255)
        stem = osp.splitext(osp.basename(result.img_path))[0]
        path = osp.join(out_dir, f'{index:02d}_{stem}.png')
        Image.fromarray(row).save(path)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--config', default=CONFIG)
    parser.add_argument('--data-root', default=osp.join(REPO_ROOT, 'data/gzs'))
    parser.add_argument('--work-dir', default=osp.join(REPO_ROOT, 'work_dirs/demo'))
    parser.add_argument('--pictures', type=int, default=8)
    args = parser.parse_args()

    start = time.time()
    from mmseg_zs3.datasets.generated_zs import generate_zs_benchmark
    if not osp.isfile(osp.join(args.data_root, 'meta.json')):
        print(f'[demo] generating the zero-shot benchmark in {args.data_root} ...', flush=True)
        info = generate_zs_benchmark(args.data_root)
        print(f'[demo] wrote {info} in {time.time() - start:.0f} s', flush=True)
    options = {f'{loader}.dataset.data_root': args.data_root
               for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')}
    options['data_root'] = args.data_root
    options['work_dir'] = args.work_dir
    cfg = load_config(args.config, 'none', options)
    cfg.model.decode_head.class_embeddings.path = osp.join(args.data_root,
                                                           'class_embeddings.npy')
    print(f'[demo] training {osp.relpath(args.config, REPO_ROOT)} on the CPU: phases '
          + ', '.join(f"{p['name']} ({p['iters']} it.)" for p in
                      [h for h in cfg.custom_hooks if h.type == 'ZeroShotPhaseHook'][0].phases),
          flush=True)
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    out_dir = osp.join(args.work_dir, 'pictures')
    paths = save_pictures(runner, out_dir, args.pictures)
    print('\n[demo] result on the generated benchmark (percent):')
    print('| S (seen mIoU) | U (unseen mIoU) | hIoU | mIoU | aAcc |')
    print('|---|---|---|---|---|')
    print(f"| {metrics['mIoU_seen']:.1f} | {metrics['mIoU_unseen']:.1f} | "
          f"{metrics['hIoU']:.1f} | {metrics['mIoU']:.1f} | {metrics['aAcc']:.1f} |")
    print(f'[demo] {len(paths)} side-by-side pictures (image | ground truth | prediction; '
          f'unseen classes outlined in white) in {out_dir}')
    print(f'[demo] logs and checkpoints in {args.work_dir}; total time '
          f'{time.time() - start:.0f} s')


if __name__ == '__main__':
    main()
