"""Build class-name embeddings from word-vector files: a .npy matrix plus its .json manifest.

Examples::

    # SIGN-style 600-d VOC embeddings: [fastText ; word2vec], each block and the whole
    # row L2-normalised
    python tools/build_class_embeddings.py --split voc12-15-5 \\
        --source cc.en.300.bin:fasttext-bin \\
        --source GoogleNews-vectors-negative300.bin:word2vec-bin \\
        --out data/embeddings/voc12_ft_w2v.npy

    python tools/build_class_embeddings.py --classes sky,road,signsymbol \\
        --source glove.6B.50d.txt:glove --alias "signsymbol=traffic sign" --out camvid.npy

Formats: word2vec-bin, word2vec-txt (also fastText .vec), glove (text without header),
fasttext-bin. See mmseg_zs3/utils/class_embeddings.py for how names become words.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
from mmseg_zs3.datasets.splits import get_split  # noqa: E402
from mmseg_zs3.utils.class_embeddings import (FALLBACKS, SOURCE_FORMATS,  # noqa: E402
                                              VectorSource, build_class_embeddings,
                                              save_class_embeddings)


def parse_alias(spec: str):
    """Parses ``NAME=WORDS`` into ``(name, words)``."""
    name, sep, words = spec.partition('=')
    if not sep or not name.strip() or not words.split():
        raise argparse.ArgumentTypeError(f'an alias is NAME=WORDS, got {spec!r}')
    return name.strip(), words.strip()


def parse_source(spec: str) -> VectorSource:
    """Parses ``PATH:FORMAT`` into a :class:`VectorSource`."""
    try:
        return VectorSource.parse(spec)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument('--split', help='named zero-shot split (its classes, in label order)')
    which.add_argument('--classes', help='comma-separated class names, in row order')
    parser.add_argument(
        '--source', type=parse_source, action='append', required=True,
        metavar='PATH:FORMAT',
        help=f'word-vector file and format {SOURCE_FORMATS}; repeat to concatenate, '
        'in the order given')
    parser.add_argument('--no-normalize-sources', action='store_true',
                        help='do not L2-normalise each source block before concatenating')
    parser.add_argument('--alias', type=parse_alias, action='append', default=[],
                        metavar='NAME=WORDS',
                        help='words of a class name, e.g. "pottedplant=potted plant"; '
                        'repeatable')
    parser.add_argument('--fallback', choices=FALLBACKS, default=None,
                        help='what to do with a word missing from a source (default: '
                        'fail and list every missing word)')
    parser.add_argument('--no-progress', action='store_true',
                        help='do not log the loading of each file')
    parser.add_argument('--out', required=True,
                        help='output .npy (the manifest goes next to it as .json)')
    args = parser.parse_args(argv)
    if not args.out.endswith('.npy'):
        parser.error(f'--out must end with .npy, got {args.out!r}')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.split is not None:
            classes = list(get_split(args.split).classes)
        else:
            classes = [c.strip() for c in args.classes.split(',')]
        matrix, manifest = build_class_embeddings(
            classes, args.source, aliases=dict(args.alias),
            normalize_sources=not args.no_normalize_sources, fallback=args.fallback,
            progress=not args.no_progress)
    except (KeyError, ValueError, FileNotFoundError) as err:
        print(f'error: {err.args[0] if isinstance(err, KeyError) else err}',
              file=sys.stderr)
        return 1
    if args.split is not None:
        manifest['split'] = args.split
    npy, json_path = save_class_embeddings(args.out, matrix, manifest)
    print(f'wrote {npy} ({matrix.shape[0]} classes x {matrix.shape[1]}) and {json_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
