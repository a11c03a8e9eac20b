"""Write the generated zero-shot benchmark: python tools/generate_zs_benchmark.py OUT_DIR

Default: 20 classes (5 colours x 4 patterns), split 'gzs20-15-5', built-in embeddings.
Real class names: pass --embedding-file (a .npy with its manifest, or a GloVe / word2vec
file) with --classes and --unseen, e.g.

    python tools/generate_zs_benchmark.py data/gzs_camvid \\
        --embedding-file ../shared/data/class_embeddings/glove6B50d_class_words.txt \\
        --classes sky,building,pole,road,pavement,tree,signsymbol,fence,car,pedestrian,bicyclist \\
        --unseen car,pedestrian
"""
import argparse
import os.path as osp
import sys
import time
from typing import List, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmseg_zs3.datasets.generated_zs import generate_zs_benchmark  # noqa: E402


def _names(value: Optional[str]) -> Optional[List[str]]:
    """A comma-separated list, or a file with one name per line."""
    if value is None:
        return None
    if osp.isfile(value):
        from mmseg_zs3.utils.class_embeddings import read_class_names
        return read_class_names(value)
    names = [n.strip() for n in value.split(',')]
    if not all(names):
        raise SystemExit(f'empty class name in {value!r}')
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir', help='output folder (mmseg layout img_dir/, ann_dir/)')
    parser.add_argument('--num-train', type=int, default=600)
    parser.add_argument('--num-val', type=int, default=100)
    parser.add_argument('--size', type=int, default=96, help='image side in pixels')
    parser.add_argument('--seed', type=int, default=0, help='scene seed')
    parser.add_argument('--embedding-file',
                        help='.npy with manifest, or a GloVe / word2vec vectors file')
    parser.add_argument('--classes',
                        help='class names in label order: comma-separated or a .txt file')
    parser.add_argument('--unseen', help='unseen class names: comma-separated or a file')
    args = parser.parse_args()

    start = time.perf_counter()
    info = generate_zs_benchmark(args.out_dir, num_train=args.num_train,
                                 num_val=args.num_val, size=args.size, seed=args.seed,
                                 embedding_file=args.embedding_file,
                                 class_names=_names(args.classes),
                                 unseen=_names(args.unseen))
    elapsed = time.perf_counter() - start
    print(f'wrote {info["train"]} train + {info["val"]} val images of {args.size}x{args.size} '
          f'to {info["root"]} in {elapsed:.1f} s')
    for key in ('img_dir', 'ann_dir', 'embeddings', 'manifest', 'meta'):
        print(f'  {key}: {info[key]}')


if __name__ == '__main__':
    main()
