"""A generated zero-shot segmentation benchmark in mmseg's folder layout.

Every class has a semantic embedding, and its look is a fixed smooth function of that
embedding and of nothing else, so that an unseen class's appearance is predictable from
its embedding: the assumption generative zero-shot methods (ZS3Net, CaGNet, SIGN) rest
on. Every class also prefers a vertical band of the image (as sky, buildings and road do
in street scenes), so a spatial prior is informative.

Default classes (:data:`GZS_CLASSES`): 5 colours x 4 patterns, named ``colour-pattern``
in colour-major label order (``red-stripes`` = 0, ``red-checks`` = 1, ...). The 5 unseen
classes (:data:`GZS_UNSEEN`) take one pattern per colour along a cyclic diagonal, so
every colour and every pattern is still seen among the 15 seen classes (split
``gzs20-15-5``). The default embedding of a class (:func:`default_class_embeddings`) is
its attribute one-hots ``[colour (5) ; pattern (4)]``, zero-padded to ``dim`` and rotated
by a fixed random orthogonal matrix, rows L2-normalised: an unseen embedding is a
combination of what seen classes share (compositional, as word vectors of related names
are).

Appearance (:func:`class_appearance`), one pipeline for any embedding matrix:

1. read-out: ``s = R e`` with ``R`` the first 9 columns (transposed) of the seeded
   orthogonal matrix of the embedding width. For the default embeddings this undoes the
   rotation, so ``s`` is the attribute one-hot (scaled); for a real embedding file it is
   a fixed random orthogonal projection to 9 dimensions;
2. ``z``: each of the 9 scores standardised over the classes of the dataset (a fixed
   affine map once the class set is fixed; it calibrates word vectors, which all share a
   large common direction, to the same range as the one-hots);
3. colour = softmax weights of the 5 colour scores over a fixed palette; texture =
   softmax weights of the 4 pattern scores over 4 base textures, whose orientations and
   periods are mixed with the same weights and shifted slightly by fixed projections of
   all 9 scores; vertical band centre and spread = fixed smooth functions of ``z``.

Equal embeddings give equal appearance; nearby embeddings give similar appearance. A
real embedding file (``.npy`` + manifest, or a GloVe / word2vec file plus class names)
poses the same task over real class names.

Scenes (:func:`render_scene`): 2-4 wavy horizontal background regions whose classes are
drawn by their vertical preference, then 3-6 objects (ellipses, harmonic blobs, convex
polygons, rotated boxes) of random classes placed near their class's band and occluding
each other, then ``num_void`` grey-noise "void" blobs (label 255: no class; ignored in
training and evaluation). Each region has its own phase, orientation and period jitter
and brightness; the image gets a global brightness jitter, a faint illumination gradient
and pixel noise. Unseen classes appear in every split with their true labels: training
pipelines mask them to 255 with ``MaskUnseenClasses``. Image ``i`` of each split carries
(as its last, unoccluded-by-objects object) class ``order[i % C]`` of a seeded
permutation, so every class appears in every split of at least ``C`` images.

Layout written by :func:`generate_zs_benchmark`::

    root/img_dir/{train,val}/00000.png   RGB images
    root/ann_dir/{train,val}/00000.png   uint8 labels (class ids; 255 = void)
    root/class_embeddings.npy            float32, one row per class, label order
    root/class_embeddings.json           its manifest (utils.class_embeddings format)
    root/meta.json                       classes, unseen, seed, sizes, attributes,
                                         appearance, vertical bands, class statistics

Scene randomness depends on ``seed``, the split and the image index only (image ``i`` is
the same whatever ``num_train`` / ``num_val``); the embeddings and the appearance
function depend on :data:`GENERATOR_SEED` only. The same arguments write byte-identical
files.
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from .splits import ZeroShotSplit, register_split

#: Bumped whenever the same arguments would write different files.
GENERATOR_VERSION = 1

#: Seed of the default embeddings' rotation and of the appearance function (fixed; the
#: dataset ``seed`` only drives the scenes).
GENERATOR_SEED = 20240917

GZS_COLOURS: Tuple[str, ...] = ('red', 'green', 'blue', 'yellow', 'purple')
GZS_PATTERNS: Tuple[str, ...] = ('stripes', 'checks', 'dots', 'waves')

#: The 20 default classes in label order (colour-major).
GZS_CLASSES: Tuple[str, ...] = tuple(f'{c}-{p}' for c in GZS_COLOURS for p in GZS_PATTERNS)

#: The 5 default unseen classes: colour ``i`` with pattern ``(i + 2) % 4``; every colour
#: and every pattern stays seen.
GZS_UNSEEN: Tuple[str, ...] = tuple(f'{c}-{GZS_PATTERNS[(i + 2) % len(GZS_PATTERNS)]}'
                                    for i, c in enumerate(GZS_COLOURS))

NUM_ATTRIBUTES = len(GZS_COLOURS) + len(GZS_PATTERNS)

#: RGB (0..1) of each colour attribute.
_PALETTE = np.array([
    [0.88, 0.14, 0.12],  # red
    [0.16, 0.72, 0.18],  # green
    [0.14, 0.30, 0.92],  # blue
    [0.93, 0.86, 0.14],  # yellow
    [0.66, 0.20, 0.80],  # purple
])
#: Per pattern: orientation (rad) and period (pixels at 96 px image side).
_PATTERN_ORIENTATION = np.array([0.0, np.pi / 4, 0.0, np.pi / 2])
_PATTERN_PERIOD = np.array([8.0, 12.0, 9.0, 10.0])
#: Softmax sharpness of the colour / pattern mixtures over the standardised scores.
_MIX_SHARPNESS = 3.0
#: Band-centre weights on the standardised scores: colour dominates (blue high, green
#: low, as sky and grass), the pattern shifts it a little. Zero mean within each group.
_BAND_COLOUR = np.array([0.0, 1.2, -1.2, 0.6, -0.6]) * 0.4
_BAND_PATTERN = np.array([-0.3, 0.1, 0.3, -0.1]) * np.sqrt(3.0) / 4.0
_TEXTURE_CONTRAST = 0.62
_VOID_LABEL = 255


def _orthogonal(n: int, seed: int) -> np.ndarray:
    """A seeded random ``(n, n)`` orthogonal matrix (QR of a Gaussian, signs fixed)."""
    rng = np.random.default_rng([seed, n])
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def _l2_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def class_attributes(name: str) -> Dict[str, str]:
    """Returns the colour and pattern of a default class name.

    Args:
        name (str): A name of :data:`GZS_CLASSES`, e.g. ``'red-stripes'``.

    Returns:
        dict: ``{'colour': ..., 'pattern': ...}``.
    """
    colour, _, pattern = name.partition('-')
    if colour not in GZS_COLOURS or pattern not in GZS_PATTERNS:
        raise ValueError(f'{name!r} is not a default generated class (colour-pattern with '
                         f'colour in {GZS_COLOURS} and pattern in {GZS_PATTERNS})')
    return dict(colour=colour, pattern=pattern)


def default_class_embeddings(dim: int = 16, seed: int = GENERATOR_SEED) -> np.ndarray:
    """Returns the default embeddings of :data:`GZS_CLASSES`.

    Row ``k`` is ``[colour one-hot (5) ; pattern one-hot (4) ; zeros (dim - 9)]`` rotated
    by the seeded orthogonal matrix ``Q`` (``e = Q a``), then L2-normalised.

    Args:
        dim (int): Embedding width, at least 9. Defaults to 16.
        seed (int): Seed of the rotation. :func:`class_appearance` reads the embeddings
            back through the rotation of its own ``seed``; keep both at
            :data:`GENERATOR_SEED` for the attribute-aligned look. Defaults to
            :data:`GENERATOR_SEED`.

    Returns:
        np.ndarray: ``(20, dim)`` float32, unit rows.
    """
    if int(dim) != dim or dim < NUM_ATTRIBUTES:
        raise ValueError(f'dim must be an integer >= {NUM_ATTRIBUTES} (the number of '
                         f'attributes), got {dim!r}')
    dim = int(dim)
    onehots = np.zeros((len(GZS_CLASSES), dim))
    for k, name in enumerate(GZS_CLASSES):
        attrs = class_attributes(name)
        onehots[k, GZS_COLOURS.index(attrs['colour'])] = 1.0
        onehots[k, len(GZS_COLOURS) + GZS_PATTERNS.index(attrs['pattern'])] = 1.0
    emb = onehots @ _orthogonal(dim, seed).T
    return _l2_rows(emb).astype(np.float32)


def _readout(dim: int, seed: int) -> np.ndarray:
    """``(9, dim)`` read-out: rows of the seeded orthogonal matrix of width ``dim``."""
    n = max(dim, NUM_ATTRIBUTES)
    return _orthogonal(n, seed)[:dim, :NUM_ATTRIBUTES].T


def class_appearance(embeddings: np.ndarray,
                     seed: int = GENERATOR_SEED) -> Dict[str, np.ndarray]:
    """Maps class embeddings to appearance and placement parameters.

    A fixed smooth function of the embeddings (see the module docstring): the rows are
    L2-normalised, read out to 9 scores by a seeded orthogonal projection, standardised
    over the classes, and turned into colour, texture and vertical-band parameters.

    Args:
        embeddings (np.ndarray): ``(num_classes, dim)`` class embeddings, label order.
        seed (int): Seed of the read-out (and of the small fixed projections).
            Defaults to :data:`GENERATOR_SEED`.

    Returns:
        dict[str, np.ndarray]: Per class (first axis = class):
        ``scores`` (C, 9) standardised read-out; ``colour_weights`` (C, 5);
        ``colour`` (C, 3) RGB in 0..1; ``pattern_weights`` (C, 4); ``orientation`` (C,)
        radians; ``period`` (C,) texture period in pixels at a 96-pixel image side;
        ``contrast`` (C,); ``band_centre`` (C,) preferred vertical position (0 = top,
        1 = bottom); ``band_spread`` (C,) its standard deviation (image heights).
    """
    emb = np.asarray(embeddings, dtype=np.float64)
    if emb.ndim != 2 or emb.shape[0] < 1 or emb.shape[1] < 1:
        raise ValueError(f'embeddings must be a non-empty (num_classes, dim) matrix, got '
                         f'shape {emb.shape}')
    if not np.all(np.isfinite(emb)):
        rows = sorted(set(np.nonzero(~np.isfinite(emb))[0].tolist()))
        raise ValueError(f'embedding rows {rows} have non-finite values')
    zero = np.nonzero(~np.any(emb, axis=1))[0].tolist()
    if zero:
        raise ValueError(f'embedding rows {zero} are all zero')
    emb = _l2_rows(emb)
    scores = emb @ _readout(emb.shape[1], seed).T
    std = scores.std(axis=0)
    z = (scores - scores.mean(axis=0)) / np.where(std > 1e-6, std, 1.0)
    # Rounding makes the result independent of the last-bit noise of the matrix products.
    z = np.round(z, 6)
    nc = len(GZS_COLOURS)
    z_col, z_pat = z[:, :nc], z[:, nc:]

    rng = np.random.default_rng([seed, 1])
    g_orient, g_period, g_contrast, g_spread = rng.standard_normal((4, NUM_ATTRIBUTES))
    g_orient /= np.linalg.norm(g_orient)
    g_period /= np.linalg.norm(g_period)
    g_contrast /= np.linalg.norm(g_contrast)
    g_spread /= np.linalg.norm(g_spread)

    colour_weights = _softmax(_MIX_SHARPNESS * z_col)
    pattern_weights = _softmax(_MIX_SHARPNESS * z_pat)
    colour = colour_weights @ _PALETTE
    # Orientation: doubled-angle mean of the patterns' orientations (textures repeat
    # every pi), plus a small class-specific turn.
    doubled = pattern_weights @ np.stack(
        [np.cos(2 * _PATTERN_ORIENTATION), np.sin(2 * _PATTERN_ORIENTATION)], axis=1)
    orientation = 0.5 * np.arctan2(doubled[:, 1], doubled[:, 0]) + 0.2 * np.tanh(z @ g_orient)
    period = np.exp(pattern_weights @ np.log(_PATTERN_PERIOD) + 0.1 * np.tanh(z @ g_period))
    contrast = _TEXTURE_CONTRAST + 0.08 * np.tanh(z @ g_contrast)
    band_centre = 0.5 + 0.42 * np.tanh(z_col @ _BAND_COLOUR + z_pat @ _BAND_PATTERN)
    band_spread = 0.07 + 0.06 * _sigmoid(z @ g_spread)
    return dict(scores=z, colour_weights=colour_weights, colour=colour,
                pattern_weights=pattern_weights, orientation=orientation, period=period,
                contrast=contrast, band_centre=band_centre, band_spread=band_spread)


# ---------------------------------------------------------------------------------------
# rendering


def _texture(xx: np.ndarray, yy: np.ndarray, weights: np.ndarray, theta: float,
             period: float, phase: np.ndarray) -> np.ndarray:
    """Mixture of the 4 base textures, values in 0..1."""
    c, s = np.cos(theta), np.sin(theta)
    u = (xx * c + yy * s) / period + phase[0]
    v = (yy * c - xx * s) / period + phase[1]
    tu, tv = 2 * np.pi * u, 2 * np.pi * v
    out = np.zeros_like(xx)
    if weights[0] > 1e-4:  # stripes
        out += weights[0] * np.tanh(4.0 * np.cos(tu))
    if weights[1] > 1e-4:  # checks
        out += weights[1] * np.tanh(6.0 * np.sin(tu) * np.sin(tv))
    if weights[2] > 1e-4:  # dots: bright discs on a dark grid
        out += weights[2] * np.tanh(5.0 * (np.cos(tu) + np.cos(tv) - 0.9))
    if weights[3] > 1e-4:  # waves
        out += weights[3] * np.tanh(4.0 * np.cos(tu + 1.3 * np.sin(0.5 * tv)))
    return 0.5 + 0.5 * out


def _shape_mask(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, radius: float,
                rng: np.random.Generator) -> np.ndarray:
    """A random shape (ellipse, harmonic blob, convex polygon, rotated box)."""
    kind = int(rng.integers(4))
    angle = rng.uniform(0, np.pi)
    ca, sa = np.cos(angle), np.sin(angle)
    dx, dy = xx - cx, yy - cy
    u, v = dx * ca + dy * sa, dy * ca - dx * sa
    if kind == 0:  # ellipse
        aspect = rng.uniform(0.5, 1.0)
        return (u / radius) ** 2 + (v / (radius * aspect)) ** 2 <= 1.0
    if kind == 1:  # blob: radius modulated by a few harmonics of the polar angle
        phi = np.arctan2(v, u)
        r = np.ones_like(phi)
        for k in (2, 3, 5):
            r += rng.uniform(0.0, 0.25 if k < 5 else 0.1) * np.cos(k * phi + rng.uniform(0, 6.3))
        return np.hypot(u, v) <= radius * r
    if kind == 2:  # convex polygon: the intersection of half-planes
        n = int(rng.integers(3, 7))
        mask = np.ones(xx.shape, dtype=bool)
        base = rng.uniform(0, 2 * np.pi)
        for k in range(n):
            a = base + 2 * np.pi * k / n + rng.uniform(-0.25, 0.25)
            mask &= dx * np.cos(a) + dy * np.sin(a) <= radius * rng.uniform(0.7, 1.0)
        return mask
    aspect = rng.uniform(0.3, 0.9)  # rotated box
    return (np.abs(u) <= radius) & (np.abs(v) <= radius * aspect)


def _paint(image: np.ndarray, mask: np.ndarray, cls: int, app: Dict[str, np.ndarray],
           xx: np.ndarray, yy: np.ndarray, scale: float, rng: np.random.Generator) -> None:
    """Paints one textured region of class ``cls`` into ``image`` where ``mask``."""
    theta = app['orientation'][cls] + rng.normal(0.0, 0.08)
    period = app['period'][cls] * scale * np.exp(rng.normal(0.0, 0.06))
    tex = _texture(xx, yy, app['pattern_weights'][cls], theta, period, rng.random(2))
    lo = 1.0 - app['contrast'][cls]
    colour = np.clip(app['colour'][cls] * rng.uniform(0.85, 1.12) +
                     rng.normal(0.0, 0.025, size=3), 0.0, 1.0)
    shade = lo + (1.0 - lo) * tex[mask]
    image[mask] = shade[:, None] * colour[None, :]


def render_scene(size: int,
                 appearance: Dict[str, np.ndarray],
                 rng: np.random.Generator,
                 required_class: Optional[int] = None,
                 num_regions: Tuple[int, int] = (2, 4),
                 num_objects: Tuple[int, int] = (3, 6),
                 num_void: Tuple[int, int] = (1, 2)) -> Tuple[np.ndarray, np.ndarray]:
    """Renders one scene.

    Args:
        size (int): Side of the square image in pixels.
        appearance (dict): Per-class parameters from :func:`class_appearance`.
        rng (np.random.Generator): Source of randomness.
        required_class (int, optional): A class drawn as the last object (so no other
            object hides it; a void blob may still cover part of it). Defaults to None.
        num_regions (tuple[int, int]): Inclusive range of the number of background
            regions. Defaults to (2, 4).
        num_objects (tuple[int, int]): Inclusive range of the number of objects,
            ``required_class`` included. Defaults to (3, 6).
        num_void (tuple[int, int]): Inclusive range of the number of void blobs (label
            255). Defaults to (1, 2).

    Returns:
        tuple: ``(image, label)``: uint8 arrays of shapes (size, size, 3) and
        (size, size); label values are class ids or 255.
    """
    centre, spread = appearance['band_centre'], appearance['band_spread']
    num_classes = len(centre)
    scale = max(1.0, size / 96.0)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    image = np.zeros((size, size, 3))
    label = np.zeros((size, size), dtype=np.uint8)

    # Background: wavy horizontal regions, classes drawn by vertical preference.
    k = int(rng.integers(num_regions[0], num_regions[1] + 1))
    cuts = np.sort(rng.uniform(0.15, 0.85, size=k - 1))
    edges = np.concatenate([[0.0], cuts, [1.0]])
    region = np.zeros((size, size), dtype=np.int64)
    x01 = xx[0] / size
    for cut in cuts:
        wave = (rng.uniform(0.01, 0.05) * np.sin(2 * np.pi * rng.uniform(0.5, 2.0) * x01 +
                                                 rng.uniform(0, 2 * np.pi)) +
                rng.uniform(-0.06, 0.06) * (x01 - 0.5))
        region += yy / size >= (cut + wave)[None, :]
    previous = -1
    for j in range(k):
        mid = 0.5 * (edges[j] + edges[j + 1])
        logp = -0.5 * (mid - centre) ** 2 / (spread ** 2 + 0.06 ** 2)
        p = np.exp(logp - logp.max())
        if previous >= 0 and num_classes > 1:
            p[previous] = 0.0
        cls = int(rng.choice(num_classes, p=p / p.sum()))
        mask = region == j
        _paint(image, mask, cls, appearance, xx, yy, scale, rng)
        label[mask] = cls
        previous = cls

    # Objects near their class's band, later ones occluding earlier ones.
    n = int(rng.integers(num_objects[0], num_objects[1] + 1))
    classes = [int(c) for c in rng.integers(num_classes, size=n)]
    if required_class is not None:
        classes[-1] = int(required_class)
    for i, cls in enumerate(classes):
        radius = size * rng.uniform(0.08, 0.2)
        if i == n - 1 and required_class is not None:
            radius = max(radius, size * 0.12)
        cy = size * np.clip(rng.normal(centre[cls], spread[cls]), 0.05, 0.95)
        cx = size * rng.uniform(0.08, 0.92)
        mask = _shape_mask(xx, yy, cx, cy, radius, rng)
        _paint(image, mask, cls, appearance, xx, yy, scale, rng)
        label[mask] = cls

    # Void: grey-noise blobs of no class.
    for _ in range(int(rng.integers(num_void[0], num_void[1] + 1))):
        radius = max(size * rng.uniform(0.07, 0.13), 2.5)
        cx, cy = size * rng.uniform(0.1, 0.9, size=2)
        mask = _shape_mask(xx, yy, cx, cy, radius, rng)
        grey = rng.uniform(0.3, 0.7) + rng.normal(0.0, 0.15, size=int(mask.sum()))
        image[mask] = grey[:, None]
        label[mask] = _VOID_LABEL

    # Photometric noise: global brightness, a faint gradient, pixel noise.
    gx, gy = rng.normal(0.0, 0.06, size=2)
    gain = rng.uniform(0.85, 1.15) * (1.0 + gx * (xx / size - 0.5) + gy * (yy / size - 0.5))
    image = image * gain[..., None] + rng.normal(0.0, 0.045, size=image.shape)
    image = np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)
    return image, label


# ---------------------------------------------------------------------------------------
# writing the benchmark


def _parse_range(value: Union[int, Sequence[int]], name: str) -> Tuple[int, int]:
    lo, hi = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if int(lo) != lo or int(hi) != hi or lo < 0 or hi < lo:
        raise ValueError(f'{name} must be an int >= 0 or a range (lo, hi) with '
                         f'0 <= lo <= hi, got {value!r}')
    return int(lo), int(hi)


def _word_vector_format(path: str) -> str:
    """``word2vec-bin``, ``word2vec-txt`` (``count dim`` header) or ``glove``."""
    if path.endswith('.bin'):
        return 'word2vec-bin'
    with open(path, encoding='utf-8', errors='replace') as f:
        first = f.readline().split()
    if len(first) == 2 and all(t.isdigit() for t in first):
        return 'word2vec-txt'
    return 'glove'


def _load_embeddings(embedding_file: str, class_names: Optional[Sequence[str]]
                     ) -> Tuple[List[str], np.ndarray, dict]:
    """Classes, embeddings and manifest from a ``.npy`` + manifest or a word-vector file."""
    from mmseg_zs3.utils.class_embeddings import (MANIFEST_FORMAT, MANIFEST_VERSION,
                                                  build_class_embeddings,
                                                  load_class_embeddings, read_manifest)
    if isinstance(class_names, str):
        raise ValueError(f'class_names must be a list of names, got the string '
                         f'{class_names!r}')
    if not osp.isfile(embedding_file):
        raise FileNotFoundError(f'embedding file {embedding_file!r} does not exist')
    if embedding_file.endswith('.npy'):
        if class_names is None:
            class_names = read_manifest(embedding_file)['classes']
        classes = [str(c) for c in class_names]
        matrix = load_class_embeddings(embedding_file, classes)
        manifest = dict(format=MANIFEST_FORMAT, version=MANIFEST_VERSION, classes=classes,
                        sources=[dict(path=osp.abspath(embedding_file), format='npy')])
    else:
        if class_names is None:
            raise ValueError(f'a word-vector file ({embedding_file!r}) needs class_names')
        classes = [str(c) for c in class_names]
        fmt = _word_vector_format(embedding_file)
        matrix, manifest = build_class_embeddings(classes, [(embedding_file, fmt)],
                                                  progress=False)
    return classes, _l2_rows(np.asarray(matrix, np.float64)).astype(np.float32), manifest


def _json_floats(x: np.ndarray, digits: int = 5):
    return np.round(np.asarray(x, dtype=np.float64), digits).tolist()


def _prepare_dir(path: str, count: int) -> None:
    """Creates ``path``; removes numbered PNGs at index >= ``count`` from an older run."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        m = re.fullmatch(r'(\d{5,})\.png', name)
        if m and int(m.group(1)) >= count:
            os.remove(osp.join(path, name))


def generate_zs_benchmark(root: str,
                          num_train: int = 600,
                          num_val: int = 100,
                          size: int = 96,
                          seed: int = 0,
                          embedding_file: Optional[str] = None,
                          class_names: Optional[Sequence[str]] = None,
                          unseen: Optional[Sequence[str]] = None,
                          num_void: Union[int, Tuple[int, int]] = (1, 2)) -> dict:
    """Writes the generated zero-shot benchmark under ``root`` (see the module docstring).

    Args:
        root (str): Output folder; created if needed. Files of an older run are
            overwritten, and numbered PNGs beyond the new counts are removed.
        num_train (int): Training images. Defaults to 600.
        num_val (int): Validation images; every class appears when it is at least the
            number of classes. Defaults to 100.
        size (int): Image side in pixels (>= 16). Defaults to 96.
        seed (int): Scene seed. Defaults to 0.
        embedding_file (str, optional): None for the default classes and embeddings.
            Otherwise a ``.npy`` with its manifest (rows named by the manifest; all of them
            unless ``class_names`` picks some), or a GloVe / word2vec text file or a
            word2vec ``.bin`` (then ``class_names`` is required). Defaults to None.
        class_names (Sequence[str], optional): Classes, in label order, taken from
            ``embedding_file``. Defaults to None.
        unseen (Sequence[str], optional): Unseen classes; required with
            ``embedding_file``, else :data:`GZS_UNSEEN` by default. Defaults to None.
        num_void (int | tuple[int, int]): Void blobs per image, a number or an inclusive
            range. Defaults to (1, 2).

    Returns:
        dict: ``train`` and ``val`` (image counts), ``root``, ``img_dir``, ``ann_dir``,
        ``embeddings``, ``manifest`` and ``meta`` (paths written).
    """
    from mmseg_zs3.utils.class_embeddings import (MANIFEST_FORMAT, MANIFEST_VERSION,
                                                  save_class_embeddings)
    for name, value, low in (('num_train', num_train, 1), ('num_val', num_val, 1),
                             ('size', size, 16)):
        if int(value) != value or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, got {value!r}')
    void_range = _parse_range(num_void, 'num_void')

    if embedding_file is None:
        if class_names is not None:
            raise ValueError(f'class_names={list(class_names)!r} needs an embedding_file')
        classes = list(GZS_CLASSES)
        embeddings = default_class_embeddings()
        manifest = dict(format=MANIFEST_FORMAT, version=MANIFEST_VERSION, classes=classes,
                        sources=[dict(path='mmseg_zs3.datasets.generated_zs.'
                                      'default_class_embeddings', format='generated',
                                      seed=GENERATOR_SEED)])
        attributes = {c: class_attributes(c) for c in classes}
        unseen = list(GZS_UNSEEN if unseen is None else unseen)
    else:
        if unseen is None:
            raise ValueError(f'unseen classes must be given with embedding_file='
                             f'{embedding_file!r}')
        classes, embeddings, manifest = _load_embeddings(str(embedding_file), class_names)
        attributes = None
        unseen = list(unseen)
    if len(classes) > _VOID_LABEL:
        raise ValueError(f'at most {_VOID_LABEL} classes fit uint8 labels with 255 = void, '
                         f'got {len(classes)}')
    if isinstance(unseen, str):
        raise ValueError(f'unseen must be a list of class names, got the string {unseen!r}')
    split = ZeroShotSplit('generated', classes, unseen, 'none')  # validates the names

    appearance = class_appearance(embeddings)
    order = np.random.default_rng([seed, 7]).permutation(len(classes))
    os.makedirs(root, exist_ok=True)
    stats = {}
    for split_id, (name, count) in enumerate((('train', num_train), ('val', num_val))):
        img_dir = osp.join(root, 'img_dir', name)
        ann_dir = osp.join(root, 'ann_dir', name)
        _prepare_dir(img_dir, count)
        _prepare_dir(ann_dir, count)
        pixels = np.zeros(len(classes) + 1, dtype=np.int64)  # last = void
        images = np.zeros(len(classes) + 1, dtype=np.int64)
        for i in range(count):
            rng = np.random.default_rng([seed, split_id, i])
            image, label = render_scene(size, appearance, rng,
                                        required_class=int(order[i % len(classes)]),
                                        num_void=void_range)
            Image.fromarray(image).save(osp.join(img_dir, f'{i:05d}.png'))
            Image.fromarray(label).save(osp.join(ann_dir, f'{i:05d}.png'))
            hist = np.bincount(label.ravel(), minlength=256)
            hist = np.concatenate([hist[:len(classes)], hist[_VOID_LABEL:]])
            pixels += hist
            images += hist > 0
        stats[name] = dict(
            pixel_share={c: round(float(p) / pixels.sum(), 5)
                         for c, p in zip(classes + ['void'], pixels)},
            image_share={c: round(float(n) / count, 5)
                         for c, n in zip(classes + ['void'], images)})

    emb_path, manifest_file = save_class_embeddings(
        osp.join(root, 'class_embeddings.npy'), embeddings, manifest)
    meta = dict(
        generator='mmseg_zs3.datasets.generated_zs',
        generator_version=GENERATOR_VERSION,
        generator_seed=GENERATOR_SEED,
        seed=int(seed),
        size=int(size),
        num_train=int(num_train),
        num_val=int(num_val),
        num_void=list(void_range),
        void_label=_VOID_LABEL,
        classes=classes,
        unseen=list(split.unseen),
        seen=list(split.seen),
        embedding_file=None if embedding_file is None else osp.abspath(embedding_file),
        embedding_dim=int(embeddings.shape[1]),
        attributes=attributes,
        appearance={
            c: dict(colour=_json_floats(appearance['colour'][k]),
                    pattern_weights=_json_floats(appearance['pattern_weights'][k]),
                    orientation=round(float(appearance['orientation'][k]), 5),
                    period=round(float(appearance['period'][k]), 5),
                    contrast=round(float(appearance['contrast'][k]), 5))
            for k, c in enumerate(classes)
        },
        bands={
            c: dict(centre=round(float(appearance['band_centre'][k]), 5),
                    spread=round(float(appearance['band_spread'][k]), 5))
            for k, c in enumerate(classes)
        },
        statistics=stats,
    )
    meta_path = osp.join(root, 'meta.json')
    with open(meta_path, 'w') as f:
        json.dump(meta, f, indent=2)
        f.write('\n')
    return dict(train=int(num_train), val=int(num_val), root=root,
                img_dir=osp.join(root, 'img_dir'), ann_dir=osp.join(root, 'ann_dir'),
                embeddings=emb_path, manifest=manifest_file, meta=meta_path)


register_split(
    ZeroShotSplit('gzs20-15-5', GZS_CLASSES, GZS_UNSEEN, 'none',
                  'generated zero-shot benchmark (mmseg_zs3.datasets.generated_zs)'))
