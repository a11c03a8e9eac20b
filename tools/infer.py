"""Segment images with a trained zero-shot model and write overlays.

Inputs are image files and/or folders (their images, not recursive). For every image,
OUT_DIR/vis/<name>.png is the image with the prediction blended in, pixels predicted as
unseen classes outlined in white, and a legend of the predicted classes (unseen ones marked
"(unseen)"); OUT_DIR/pred/<name>.png holds the predicted class ids (uint8). Class names and
palette come from the model's split (``mmseg_zs3.apis.ZeroShotSegInferencer``, an
``MMSegInferencer``).

Example:
    python tools/infer.py CONFIG CHECKPOINT data/gzs/img_dir/val/00000.png --out-dir out
"""
import argparse
import os
import os.path as osp

from _common import load_config

from mmseg_zs3.apis import ZeroShotSegInferencer  # noqa: E402

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp')


def list_images(inputs) -> list:
    """Image files of the inputs: files as given, folders' images sorted by name."""
    files = []
    for path in inputs:
        if osp.isdir(path):
            files += sorted(osp.join(path, n) for n in os.listdir(path)
                            if n.lower().endswith(IMAGE_SUFFIXES))
        elif osp.isfile(path):
            files.append(path)
        else:
            raise FileNotFoundError(f'input {path!r} is neither an image file nor a folder')
    if not files:
        raise FileNotFoundError(f'no image found in {list(inputs)}')
    return files


def output_names(files) -> list:
    """``<stem>.png`` per file; a stem used twice gets its folder's name in front."""
    stems = [osp.splitext(osp.basename(f))[0] for f in files]
    names = []
    for path, stem in zip(files, stems):
        if stems.count(stem) > 1:
            stem = f'{osp.basename(osp.dirname(osp.abspath(path)))}_{stem}'
        names.append(stem + '.png')
    if len(set(names)) != len(names):
        raise ValueError(f'inputs {files} give the same output name twice; rename them')
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='checkpoint')
    parser.add_argument('inputs', nargs='+', help='image files and/or folders')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--opacity', type=float, default=0.6,
                        help='weight of the prediction colours in the overlay')
    parser.add_argument('--no-legend', action='store_true', help='overlays without legend')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args()

    files = list_images(args.inputs)
    cfg = load_config(args.config, 'none', None)
    inferencer = ZeroShotSegInferencer(cfg, args.checkpoint, device=args.device)
    preds = inferencer(files, return_datasamples=True, batch_size=args.batch_size)
    preds = preds if isinstance(preds, list) else [preds]
    overlays = inferencer.visualize(files, preds, return_vis=True, opacity=args.opacity,
                                    with_labels=not args.no_legend)
    import mmcv
    meta = inferencer.model.dataset_meta
    unseen = set(meta['unseen_ids'])
    found = set()
    for name, pred, vis in zip(output_names(files), preds, overlays):
        label = pred.pred_sem_seg.data[0].cpu().numpy()
        mmcv.imwrite(vis[..., ::-1], osp.join(args.out_dir, 'vis', name))
        mmcv.imwrite(label.astype('uint8'), osp.join(args.out_dir, 'pred', name))
        found.update(int(i) for i in set(label.ravel().tolist()) if i in unseen)
    print(f'[infer] {len(files)} images: overlays in {osp.join(args.out_dir, "vis")}, '
          f'class ids in {osp.join(args.out_dir, "pred")}')
    print('[infer] unseen classes predicted: '
          + (', '.join(meta['classes'][i] for i in sorted(found)) or 'none'))


if __name__ == '__main__':
    main()
