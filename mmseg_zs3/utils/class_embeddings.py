"""Class-name embeddings: build them from word vectors, load them for the model.

A zero-shot classifier sees each class through a fixed vector built from its name. This
module has the two halves of that:

- :func:`build_class_embeddings` turns class names into a matrix from one or more word
  vector files (word2vec binary/text, GloVe text, fastText ``.bin``), and
  :func:`save_class_embeddings` writes it as ``foo.npy`` plus a JSON manifest ``foo.json``.
  ``tools/build_class_embeddings.py`` is the command line around both.
- :func:`load_class_embeddings` is what the model calls: it returns the rows of the
  requested classes, in the requested order, and refuses anything doubtful (a class
  missing from the file, duplicated, non-finite or all-zero rows, a wrong dimension). It
  also reads the ``.npy`` + class-names ``.txt`` pairs published by CaGNet / SIGN / ZS3Net
  and can concatenate several such matrices (SIGN's 600-d VOC embedding is
  ``[fastText ; word2vec]``, L2-normalised)::

      emb = load_class_embeddings(
          ['cagnet_voc12_fasttext.npy', 'cagnet_voc12_word2vec.npy'], split.classes,
          names_file='cagnet_voc12_classes.txt', normalize=True, expected_dim=600)

Class names to words (:func:`class_words`):

1. A name in the alias table (:data:`CLASS_WORD_ALIASES`, updated by the caller's
   ``aliases``) becomes the alias's words, split on whitespace only
   (``pottedplant -> potted plant``).
2. Otherwise the suffixes in :data:`DROPPED_SUFFIXES` (COCO-Stuff's ``-other``) are
   removed, and the name is split on whitespace, ``-`` and ``_``
   (``building-other -> building``, ``wall-concrete -> wall concrete``,
   ``potted_plant -> potted plant``).

A name of several words is the mean of its word vectors. Words are looked up exactly as
written (no lower-casing): GloVe is lower-case, GoogleNews word2vec is case-sensitive.

Manifest (``foo.json`` next to ``foo.npy``), written by :func:`save_class_embeddings`::

    {
      "format": "mmseg_zs3.class_embeddings", "version": 1,
      "matrix": "foo.npy",
      "classes": ["aeroplane", ...],          # row order of the matrix
      "dim": 600,
      "words": {"pottedplant": ["potted", "plant"], ...},
      "sources": [{"path": ..., "format": "fasttext-bin", "dim": 300,
                   "num_vectors": 2000000, "normalized": true}, ...],
      "normalization": {"sources": "l2" | "none", "concatenation": "l2"},
      "fallback": null | "skip" | "zeros",
      "filled": [{"class": ..., "word": ..., "sources": [...]}],   # words the fallback filled
      "subword_words": [{"word": ..., "source": ...}]               # fastText OOV words
    }

Only ``classes`` is required by the loader (``dim`` is checked when present), so a
hand-written manifest ``{"classes": [...]}`` is enough for any ``.npy``.
"""
import json
import logging
import os
import os.path as osp
import time
from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

MANIFEST_FORMAT = 'mmseg_zs3.class_embeddings'
MANIFEST_VERSION = 1

#: Word-vector file formats the builder reads, and how gensim reads each.
SOURCE_FORMATS = ('word2vec-bin', 'word2vec-txt', 'glove', 'fasttext-bin')

#: Fallbacks for words missing from a source (see :func:`build_class_embeddings`).
FALLBACKS = ('skip', 'zeros')

#: Suffixes removed from a class name before it is split into words.
DROPPED_SUFFIXES = ('-other', )

#: Dataset spellings (mmseg class names) that are not words -> the words they stand for.
CLASS_WORD_ALIASES: Dict[str, str] = {
    'pottedplant': 'potted plant',
    'tvmonitor': 'tv monitor',
    'diningtable': 'dining table',
    'signsymbol': 'sign symbol',
    'playingfield': 'playing field',
    'waterdrops': 'water drops',
    'bedclothes': 'bed clothes',
}

#: Spellings in the published CaGNet / SIGN / ZS3Net class-name files -> the mmseg class
#: names they may stand for. Used only when no row of the file has the exact class name,
#: so COCO-Stuff's own ``tv`` and ``airplane`` rows still match themselves.
LEGACY_SPELLINGS: Dict[str, Tuple[str, ...]] = {
    'potted_plant': ('pottedplant', 'potted plant'),
    'potted plant': ('pottedplant', ),
    'tv': ('tvmonitor', ),
    'tv_monitor': ('tvmonitor', ),
    'dining table': ('diningtable', ),
    'diningtable': ('table', ),  # CaGNet's Context-33 name of Pascal Context's table
    'unlabel': ('background', ),
    'airplane': ('aeroplane', ),
}

AliasTable = Mapping[str, Union[str, Sequence[str]]]
_SOURCE_LIKE = Union['VectorSource', str, Sequence[str], Mapping[str, str]]


def _log(msg: str, level: int = logging.INFO) -> None:
    """Prints through mmengine's current logger (stdout by default)."""
    from mmengine.logging import print_log
    print_log(msg, logger='current', level=level)


# ---------------------------------------------------------------------------------------
# class names -> words


def class_words(name: str, aliases: Optional[AliasTable] = None) -> List[str]:
    """Returns the words whose vectors make up a class name.

    Args:
        name (str): Class name as the dataset spells it.
        aliases (Mapping[str, str | Sequence[str]], optional): Extra aliases, name ->
            words (a string split on whitespace, or a list of words); they take
            precedence over :data:`CLASS_WORD_ALIASES`. Defaults to None.

    Returns:
        list[str]: The words, in order.

    Raises:
        ValueError: If the name or its alias has no words.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f'a class name must be a non-empty string, got {name!r}')
    table = dict(CLASS_WORD_ALIASES)
    if aliases:
        table.update(aliases)
    if name in table:
        alias = table[name]
        words = alias.split() if isinstance(alias, str) else [str(w) for w in alias]
        if not words or not all(w.strip() for w in words):
            raise ValueError(f'alias of class {name!r} has no words: {alias!r}')
        return words
    base = name
    for suffix in DROPPED_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[:-len(suffix)]
    words = base.replace('-', ' ').replace('_', ' ').split()
    if not words:
        raise ValueError(f'class name {name!r} has no words; give it an alias')
    return words


# ---------------------------------------------------------------------------------------
# word-vector sources


@dataclass(frozen=True)
class VectorSource:
    """A word-vector file and its format.

    Args:
        path (str): File path.
        format (str): One of :data:`SOURCE_FORMATS`: ``word2vec-bin`` (GoogleNews
            ``.bin``), ``word2vec-txt`` (text with a ``count dim`` header; also fastText's
            ``.vec``), ``glove`` (text without header) or ``fasttext-bin`` (Facebook's
            ``.bin``, which embeds any word from its character n-grams).
    """
    path: str
    format: str

    def __post_init__(self) -> None:
        if self.format not in SOURCE_FORMATS:
            raise ValueError(f'unknown word-vector format {self.format!r} for '
                             f'{self.path!r}; known formats: {SOURCE_FORMATS}')

    @classmethod
    def parse(cls, spec: _SOURCE_LIKE) -> 'VectorSource':
        """Makes a source from ``'PATH:FORMAT'``, ``(path, format)`` or a dict.

        Args:
            spec (VectorSource | str | Sequence[str] | Mapping): The source.

        Returns:
            VectorSource: The parsed source.
        """
        if isinstance(spec, VectorSource):
            return spec
        if isinstance(spec, str):
            if ':' not in spec:
                raise ValueError(f'a source string is PATH:FORMAT, got {spec!r} '
                                 f'(formats: {SOURCE_FORMATS})')
            path, fmt = spec.rsplit(':', 1)
            return cls(path, fmt)
        if isinstance(spec, Mapping):
            unknown = set(spec) - {'path', 'format'}
            if unknown or 'path' not in spec or 'format' not in spec:
                raise ValueError(f'a source dict has keys path and format, got {dict(spec)}')
            return cls(str(spec['path']), str(spec['format']))
        if isinstance(spec, Sequence) and len(spec) == 2:
            return cls(str(spec[0]), str(spec[1]))
        raise ValueError(f'cannot read a word-vector source from {spec!r}')

    def load(self):
        """Reads the file with gensim.

        Returns:
            gensim.models.KeyedVectors: The vectors.
        """
        if not osp.isfile(self.path):
            raise FileNotFoundError(f'word-vector file {self.path!r} ({self.format}) '
                                    'does not exist')
        if self.format == 'fasttext-bin':
            from gensim.models.fasttext import load_facebook_vectors
            return load_facebook_vectors(self.path)
        from gensim.models import KeyedVectors
        return KeyedVectors.load_word2vec_format(
            self.path, binary=self.format == 'word2vec-bin',
            no_header=self.format == 'glove')


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    """L2-normalises rows; all-zero rows stay zero."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


# ---------------------------------------------------------------------------------------
# builder


def _check_class_list(classes: Sequence[str]) -> List[str]:
    if isinstance(classes, str):
        raise ValueError(f'classes must be a list of names, got the string {classes!r}')
    classes = list(classes)
    if not classes:
        raise ValueError('no classes given')
    bad = [c for c in classes if not isinstance(c, str) or not c]
    if bad:
        raise ValueError(f'class names must be non-empty strings, got {bad}')
    seen, dup = set(), []
    for c in classes:
        if c in seen and c not in dup:
            dup.append(c)
        seen.add(c)
    if dup:
        raise ValueError(f'duplicate classes {dup}')
    return classes


def build_class_embeddings(classes: Sequence[str],
                           sources: Sequence[_SOURCE_LIKE],
                           aliases: Optional[AliasTable] = None,
                           normalize_sources: bool = True,
                           fallback: Optional[str] = None,
                           progress: bool = True) -> Tuple[np.ndarray, dict]:
    """Builds one embedding row per class from word-vector files.

    Each source gives a block: the mean of the class's word vectors (:func:`class_words`),
    L2-normalised when ``normalize_sources``. Blocks are concatenated in the order of
    ``sources`` and each row of the concatenation is L2-normalised.

    A word absent from a source is an error, reported for every class, word and source at
    once, unless ``fallback`` says otherwise:

    - ``'skip'``: the block is the mean of the words of the name that the source has; a
      class none of whose words are in some source is still an error.
    - ``'zeros'``: a missing word counts as a zero vector in the mean (the block shrinks
      toward zero, or is zero when none of the words is in that source); a class none of
      whose words are in any source is still an error.

    What a fallback filled is logged as a warning and listed in the manifest's ``filled``.
    fastText ``.bin`` sources embed any word from character n-grams, so they never miss;
    words they built that way are listed in ``subword_words``.

    Args:
        classes (Sequence[str]): Class names, in the row order wanted.
        sources (Sequence): Word-vector files, each a :class:`VectorSource`,
            ``'PATH:FORMAT'``, ``(path, format)`` or ``dict(path=..., format=...)``.
        aliases (Mapping[str, str | Sequence[str]], optional): Extra class-name aliases
            (see :func:`class_words`). Defaults to None.
        normalize_sources (bool): L2-normalise each source's block before
            concatenating. Defaults to True.
        fallback (str, optional): None, ``'skip'`` or ``'zeros'``. Defaults to None.
        progress (bool): Log each file as it is loaded (path, vector count, elapsed
            time). Defaults to True.

    Returns:
        tuple[np.ndarray, dict]: The ``(len(classes), dim)`` float32 matrix with unit rows,
        and its manifest (see the module docstring).

    Raises:
        ValueError: For missing words (all of them, by class, word and source), bad
            arguments, or a class that ends up with an all-zero row.
    """
    classes = _check_class_list(classes)
    if fallback is not None and fallback not in FALLBACKS:
        raise ValueError(f'fallback must be None or one of {FALLBACKS}, got {fallback!r}')
    if isinstance(sources, (str, VectorSource)) or not sources:
        raise ValueError(f'sources must be a non-empty list of sources, got {sources!r}')
    sources = [VectorSource.parse(s) for s in sources]
    words = {c: class_words(c, aliases) for c in classes}

    vectors = []
    for i, src in enumerate(sources):
        if progress:
            _log(f'class embeddings: loading source {i + 1}/{len(sources)} '
                 f'{src.path!r} ({src.format})')
        start = time.perf_counter()
        kv = src.load()
        if progress:
            _log(f'class embeddings: loaded {len(kv.index_to_key)} vectors of dim '
                 f'{kv.vector_size} from {src.path!r} in {time.perf_counter() - start:.1f} s')
        vectors.append(kv)

    # (class, word) -> indices of the sources lacking it, in first-seen order.
    missing: Dict[Tuple[str, str], List[int]] = {}
    subword = []
    for i, kv in enumerate(vectors):
        for c in classes:
            for w in words[c]:
                if w not in kv:
                    missing.setdefault((c, w), []).append(i)
                elif sources[i].format == 'fasttext-bin' and w not in kv.key_to_index:
                    entry = dict(word=w, source=sources[i].path)
                    if entry not in subword:
                        subword.append(entry)

    def describe(c: str, w: str, idx: List[int]) -> str:
        if len(idx) == len(sources):
            return f'class {c!r}: word {w!r} is in no source'
        names = ', '.join(f'{sources[i].path!r} ({sources[i].format})' for i in idx)
        return f'class {c!r}: word {w!r} is missing from source(s) {names}'

    fatal = []
    if fallback is None:
        fatal = [describe(c, w, idx) for (c, w), idx in missing.items()]
    else:
        for c in classes:
            lacking = [set(missing.get((c, w), [])) for w in words[c]]
            if fallback == 'skip':
                for i, src in enumerate(sources):
                    if all(i in lack for lack in lacking):
                        fatal.append(f'class {c!r}: none of its words {words[c]} is in '
                                     f'source {src.path!r} ({src.format})')
            elif all(len(lack) == len(sources) for lack in lacking):
                fatal.append(f'class {c!r}: none of its words {words[c]} is in any source')
    if fatal:
        hint = ('' if fallback is not None else
                " (add an alias for the class, or pass fallback='skip' or 'zeros')")
        raise ValueError(f'{len(fatal)} class word(s) cannot be embedded{hint}:\n  ' +
                         '\n  '.join(fatal))

    filled = [dict(**{'class': c}, word=w, sources=[sources[i].path for i in idx])
              for (c, w), idx in missing.items()]
    if filled:
        _log(f'class embeddings: fallback={fallback!r} filled {len(filled)} missing '
             'word(s): ' + '; '.join(describe(c, w, idx) for (c, w), idx in missing.items()),
             level=logging.WARNING)

    blocks = []
    for i, kv in enumerate(vectors):
        block = np.zeros((len(classes), kv.vector_size), dtype=np.float64)
        for r, c in enumerate(classes):
            found = [np.asarray(kv[w], dtype=np.float64) for w in words[c] if w in kv]
            divisor = len(found) if fallback == 'skip' else len(words[c])
            if found:
                block[r] = np.sum(found, axis=0) / divisor
        if normalize_sources:
            block = _l2_normalize(block)
        blocks.append(block)
    matrix = np.concatenate(blocks, axis=1)
    zero = [c for c, row in zip(classes, matrix) if not np.any(row)]
    if zero:
        raise ValueError(f'classes {zero} have all-zero embeddings (their word vectors '
                         'are zero or cancel out)')
    matrix = _l2_normalize(matrix).astype(np.float32)
    if not np.all(np.isfinite(matrix)):
        bad = [c for c, row in zip(classes, matrix) if not np.all(np.isfinite(row))]
        raise ValueError(f'classes {bad} have non-finite embeddings; check the '
                         'word-vector files')

    dup_rows = {}
    for c in classes:
        dup_rows.setdefault(tuple(words[c]), []).append(c)
    same = [names for names in dup_rows.values() if len(names) > 1]
    if same:
        _log(f'class embeddings: classes with the same words get the same row: {same}',
             level=logging.WARNING)

    manifest = dict(
        format=MANIFEST_FORMAT,
        version=MANIFEST_VERSION,
        classes=classes,
        dim=int(matrix.shape[1]),
        words={c: words[c] for c in classes},
        sources=[
            dict(path=osp.abspath(src.path), format=src.format, dim=int(kv.vector_size),
                 num_vectors=len(kv.index_to_key), normalized=bool(normalize_sources))
            for src, kv in zip(sources, vectors)
        ],
        normalization=dict(sources='l2' if normalize_sources else 'none',
                           concatenation='l2'),
        fallback=fallback,
        filled=filled,
        subword_words=subword,
    )
    return matrix, manifest


def manifest_path(npy_path: str) -> str:
    """Returns the manifest path of an embedding matrix: ``foo.npy -> foo.json``."""
    root, ext = osp.splitext(npy_path)
    if ext != '.npy':
        raise ValueError(f'class embeddings are stored as .npy, got {npy_path!r}')
    return root + '.json'


def save_class_embeddings(out: str, matrix: np.ndarray, manifest: dict) -> Tuple[str, str]:
    """Writes ``out`` (.npy, float32) and its manifest (``out`` with ``.json``).

    Args:
        out (str): Output ``.npy`` path; its folder is created if needed.
        matrix (np.ndarray): ``(num_classes, dim)`` embeddings.
        manifest (dict): Manifest with at least ``classes``, one per row.

    Returns:
        tuple[str, str]: The matrix and manifest paths.
    """
    json_path = manifest_path(out)
    matrix = np.asarray(matrix, dtype=np.float32)
    classes = list(manifest.get('classes', []))
    if matrix.ndim != 2 or matrix.shape[0] != len(classes):
        raise ValueError(f'matrix of shape {matrix.shape} does not have one row per '
                         f'class of the manifest ({len(classes)} classes)')
    manifest = dict(manifest, matrix=osp.basename(out), dim=int(matrix.shape[1]))
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    np.save(out, matrix)
    with open(json_path, 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    return out, json_path


# ---------------------------------------------------------------------------------------
# loader


def read_class_names(path: str) -> List[str]:
    """Reads a class-names file: one name per line, row order = line order.

    Args:
        path (str): The ``.txt`` file (trailing blank lines are ignored).

    Returns:
        list[str]: The names, stripped of surrounding whitespace.
    """
    with open(path) as f:
        lines = [line.strip() for line in f.read().splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    empty = [i + 1 for i, line in enumerate(lines) if not line]
    if empty:
        raise ValueError(f'class-names file {path!r} has empty lines {empty}')
    return lines


def read_manifest(npy_path: str) -> dict:
    """Reads the manifest next to an embedding matrix (``foo.npy`` -> ``foo.json``).

    Args:
        npy_path (str): Path of the ``.npy`` matrix.

    Returns:
        dict: The manifest; its ``classes`` is a list of class names in row order.

    Raises:
        FileNotFoundError: When there is no manifest.
        ValueError: When the manifest has no ``classes`` list.
    """
    json_path = manifest_path(npy_path)
    if not osp.isfile(json_path):
        raise FileNotFoundError(
            f'class embeddings {npy_path!r} have no manifest {json_path!r}; build them '
            'with tools/build_class_embeddings.py, or pass names_file= for a '
            '.npy + class-names .txt pair')
    with open(json_path) as f:
        manifest = json.load(f)
    if not isinstance(manifest, dict) or not isinstance(manifest.get('classes'), list):
        raise ValueError(f'manifest {json_path!r} has no "classes" list')
    return manifest


def _read_part(path: str, names_file: Optional[str]) -> Tuple[np.ndarray, List[str]]:
    """Reads one matrix and the class name of each of its rows."""
    if names_file is None:
        manifest = read_manifest(path)
        names, origin = [str(c) for c in manifest['classes']], manifest_path(path)
    else:
        manifest, names, origin = {}, read_class_names(names_file), names_file
    matrix = np.load(path, allow_pickle=False)
    if matrix.ndim != 2:
        raise ValueError(f'class embeddings {path!r} must be a 2-D matrix, got shape '
                         f'{matrix.shape}')
    seen, dup = set(), []
    for n in names:
        if n in seen and n not in dup:
            dup.append(n)
        seen.add(n)
    if dup:
        raise ValueError(f'{origin!r} lists classes {dup} more than once')
    if len(names) != matrix.shape[0]:
        extra = (f'classes {names[matrix.shape[0]:]} have no row'
                 if len(names) > matrix.shape[0] else
                 f'rows {list(range(len(names), matrix.shape[0]))} have no class')
        raise ValueError(f'{origin!r} lists {len(names)} classes but {path!r} has '
                         f'{matrix.shape[0]} rows: {extra}')
    if 'dim' in manifest and int(manifest['dim']) != matrix.shape[1]:
        raise ValueError(f'manifest {origin!r} says dim {manifest["dim"]} but {path!r} '
                         f'has {matrix.shape[1]} columns')
    return matrix, names


def _row_index(name: str, names: List[str], spellings: Mapping[str, Tuple[str, ...]],
               path: str) -> int:
    """Finds the row of a class: its exact name, else a legacy spelling of it."""
    if name in names:
        return names.index(name)
    rows = [i for i, n in enumerate(names) if name in spellings.get(n, ())]
    if len(rows) > 1:
        raise ValueError(f'class {name!r} matches several rows of {path!r}: '
                         f'{[names[i] for i in rows]}')
    if not rows:
        raise ValueError(f'class {name!r} is not in {path!r} (its classes: {names})')
    return rows[0]


def load_class_embeddings(path: Union[str, Sequence[str]],
                          classes: Sequence[str],
                          expected_dim: Optional[int] = None,
                          names_file: Union[None, str, Sequence[Optional[str]]] = None,
                          normalize: bool = False,
                          spellings: Optional[Mapping[str, Union[str, Sequence[str]]]] = None
                          ) -> np.ndarray:
    """Returns the embeddings of ``classes``, one row each, in that order.

    Two kinds of file are read:

    - a ``.npy`` with its manifest ``.json`` (what :func:`save_class_embeddings`
      writes): rows are found by their exact class name;
    - a legacy ``.npy`` with a class-names ``.txt`` (``names_file``; one name per line,
      the CaGNet / SIGN / ZS3Net format): a class is found by its exact name, else by a
      file spelling that :data:`LEGACY_SPELLINGS` (updated by ``spellings``) maps to it,
      e.g. ``potted_plant -> pottedplant``, ``tv -> tvmonitor``.

    Several paths are concatenated column-wise in the order given (SIGN's
    ``[fastText ; word2vec]``); ``normalize`` then L2-normalises each row of the result.

    Args:
        path (str | Sequence[str]): One ``.npy`` file or several.
        classes (Sequence[str]): Class names (mmseg spelling), in the row order wanted.
        expected_dim (int, optional): Refuse a result of another width. Defaults to None.
        names_file (str | Sequence[str | None], optional): None: every path has a
            manifest. A str: the class-names file of every path. A list: one per path,
            None for a path with a manifest. Defaults to None.
        normalize (bool): L2-normalise the rows after concatenating. Defaults to False.
        spellings (Mapping[str, str | Sequence[str]], optional): Extra legacy spellings,
            file spelling -> mmseg class name(s); they replace the entries of
            :data:`LEGACY_SPELLINGS` with the same key. Defaults to None.

    Returns:
        np.ndarray: ``(len(classes), dim)`` float32 embeddings.

    Raises:
        ValueError: Naming the class (or file) at fault, for a class missing from a file
            or matching several rows, a class listed twice in a manifest / names file or
            in ``classes``, a manifest / matrix row-count mismatch, a wrong dimension, or
            a NaN, inf or all-zero row of a requested class (rows of other classes are
            not inspected).
        FileNotFoundError: For a ``.npy`` without manifest and without ``names_file``.
    """
    classes = _check_class_list(classes)
    paths = [path] if isinstance(path, str) else list(path)
    if not paths:
        raise ValueError('no class-embedding file given')
    if names_file is None or isinstance(names_file, str):
        names_files = [names_file] * len(paths)
    else:
        names_files = list(names_file)
        if len(names_files) != len(paths):
            raise ValueError(f'names_file has {len(names_files)} entries for '
                             f'{len(paths)} paths {paths}')
    table = dict(LEGACY_SPELLINGS)
    for key, value in (spellings or {}).items():
        table[key] = (value, ) if isinstance(value, str) else tuple(value)

    parts = []
    for p, nf in zip(paths, names_files):
        matrix, names = _read_part(str(p), nf)
        table_here = table if nf is not None else {}
        rows = np.stack([
            matrix[_row_index(c, names, table_here, str(p))] for c in classes
        ]).astype(np.float64)
        for c, row in zip(classes, rows):
            if not np.all(np.isfinite(row)):
                kind = 'NaN' if np.any(np.isnan(row)) else 'inf'
                raise ValueError(f'class {c!r} has {kind} values in {p!r}')
            if not np.any(row):
                raise ValueError(f'class {c!r} has an all-zero row in {p!r}')
        parts.append(rows)
    out = np.concatenate(parts, axis=1)
    if expected_dim is not None and out.shape[1] != expected_dim:
        raise ValueError(f'class embeddings {paths} have dim {out.shape[1]}, expected '
                         f'{expected_dim}')
    if normalize:
        out = _l2_normalize(out)
    zero = [c for c, row in zip(classes, out) if not np.any(row)]
    if zero:
        raise ValueError(f'classes {zero} have all-zero embeddings in {paths}')
    return np.ascontiguousarray(out, dtype=np.float32)
