"""Write the generated toy-shapes dataset: python tools/generate_toy_shapes.py OUT_DIR"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmseg_zs3.datasets.toy_shapes import generate_toy_shapes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('out_dir', help='output folder (mmseg layout img_dir/, ann_dir/)')
    parser.add_argument('--num-train', type=int, default=48)
    parser.add_argument('--num-val', type=int, default=12)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    counts = generate_toy_shapes(args.out_dir, args.num_train, args.num_val, args.size,
                                 args.seed)
    print(f'wrote {counts} to {args.out_dir}')


if __name__ == '__main__':
    main()
