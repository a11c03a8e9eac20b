"""Add classes to a trained generative zero-shot model from their embeddings (no images).

The trained generator synthesises pixel features of the new classes from their embeddings
and only the classifier is re-fitted on generated features (the synthetic iterations of the
``finetune`` phase); see ``mmseg_zs3.apis.add_classes``. Writes OUT_DIR/config.py,
OUT_DIR/model.pth (with the enlarged class list and palette in its meta),
OUT_DIR/class_embeddings.npy (+ .json) and OUT_DIR/added_classes.json.

Example:
    python tools/add_classes.py CONFIG CHECKPOINT EMBEDDINGS.npy --classes purple-waves \\
        --out-dir work_dirs/added
"""
import argparse
import json

from mmengine.config import DictAction

from _common import load_config

from mmseg_zs3.apis import add_classes  # noqa: E402
from mmseg_zs3.apis.add_classes import TRAINABLE  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='config of the trained model')
    parser.add_argument('checkpoint', help='checkpoint of the trained model')
    parser.add_argument('embeddings', help='.npy class embeddings with their .json manifest '
                        "(same embedding space as the model's)")
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--classes', nargs='+',
                        help='classes of the embedding file to add (default: every class '
                        'of the file that the model lacks)')
    parser.add_argument('--iters', type=int, default=200, help='classifier iterations')
    parser.add_argument('--trainable', choices=TRAINABLE, default='new_rows',
                        help='what is re-fitted: the new classes\' rows of the output layer '
                        '(default), the whole output layer, or the whole classifier')
    parser.add_argument('--synthetic', nargs='+', action=DictAction,
                        help='override the finetune phase\'s synthetic settings, e.g. '
                        'unseen_weight=5 batch_size=16')
    parser.add_argument('--phase', default='finetune',
                        help='phase whose synthetic settings are used')
    parser.add_argument('--split-name', help='name of the enlarged split')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, as key=value pairs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, 'none', args.cfg_options)
    paths = add_classes(cfg, args.checkpoint, args.embeddings, args.out_dir,
                        classes=args.classes, iters=args.iters, trainable=args.trainable,
                        synthetic=args.synthetic, split_name=args.split_name,
                        phase=args.phase, seed=args.seed, device=args.device,
                        log_interval=max(args.iters // 5, 1))
    with open(paths['summary']) as f:
        summary = json.load(f)
    print(f"[add_classes] added {summary['added_classes']}: the model now predicts "
          f"{len(summary['split']['classes'])} classes ({len(summary['split']['unseen'])} "
          f"unseen); classifier loss {summary['first_loss']:.4f} -> "
          f"{summary['last_loss']:.4f}")
    for key in ('config', 'checkpoint', 'embeddings', 'summary'):
        print(f'[add_classes] {key}: {paths[key]}')


if __name__ == '__main__':
    main()
