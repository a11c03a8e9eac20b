"""A tiny generated segmentation dataset ("toy shapes") in mmseg's folder layout.

Each image has a textured background and a few filled shapes (discs, boxes, bars,
triangles); every shape kind is one class with its own base colour. Pixel noise and
random brightness keep it from being solvable by a colour lookup alone. It exists so that
the tools, the runner and the tests can train a real model end to end in seconds with no
download. The zero-shot benchmark of the project is generated elsewhere.

Layout written (the one mmseg's ``BaseSegDataset`` reads)::

    root/img_dir/{train,val}/00000.png   RGB images
    root/ann_dir/{train,val}/00000.png   uint8 labels, 0 = background
"""
import os
import os.path as osp
from typing import Dict, Tuple

import numpy as np
from PIL import Image

TOY_SHAPES_CLASSES: Tuple[str, ...] = ('background', 'disc', 'box', 'bar', 'triangle')
TOY_SHAPES_PALETTE = [[40, 40, 40], [220, 60, 60], [60, 200, 80], [70, 90, 230],
                      [230, 210, 60]]


def _shape_mask(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """Returns a boolean mask of one random shape of the given kind (1..4)."""
    yy, xx = np.mgrid[0:size, 0:size]
    cy, cx = rng.uniform(0.15, 0.85, size=2) * size
    r = rng.uniform(0.1, 0.22) * size
    if kind == 1:  # disc
        return (yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2
    if kind == 2:  # box
        return (np.abs(yy - cy) <= r) & (np.abs(xx - cx) <= r * 0.8)
    if kind == 3:  # bar: a long thin rectangle, horizontal or vertical
        if rng.random() < 0.5:
            return (np.abs(yy - cy) <= r * 0.3) & (np.abs(xx - cx) <= r * 1.8)
        return (np.abs(xx - cx) <= r * 0.3) & (np.abs(yy - cy) <= r * 1.8)
    # triangle pointing up
    return (yy <= cy + r) & (yy >= cy - r) & (np.abs(xx - cx) <= (yy - (cy - r)) * 0.6)


def render_toy_scene(size: int, rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Renders one scene.

    Args:
        size (int): Side of the square image in pixels.
        rng (np.random.Generator): Source of randomness.

    Returns:
        tuple: ``(image, label)``: uint8 arrays of shapes (size, size, 3) and (size, size).
    """
    palette = np.asarray(TOY_SHAPES_PALETTE, dtype=np.float32)
    label = np.zeros((size, size), dtype=np.uint8)
    for _ in range(rng.integers(2, 5)):
        kind = int(rng.integers(1, len(TOY_SHAPES_CLASSES)))
        label[_shape_mask(kind, size, rng)] = kind
    image = palette[label] * rng.uniform(0.75, 1.15)
    image += rng.normal(0.0, 18.0, size=image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), label


def generate_toy_shapes(root: str, num_train: int = 48, num_val: int = 12, size: int = 64,
                        seed: int = 0) -> Dict[str, int]:
    """Writes the toy-shapes dataset under ``root`` (deterministic in ``seed``).

    Args:
        root (str): Output folder; created if needed. Existing files are overwritten.
        num_train (int): Number of training images. Defaults to 48.
        num_val (int): Number of validation images. Defaults to 12.
        size (int): Image side in pixels. Defaults to 64.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Number of images written per split.
    """
    if num_train < 1 or num_val < 1 or size < 8:
        raise ValueError(f'need num_train >= 1, num_val >= 1 and size >= 8, got '
                         f'num_train={num_train}, num_val={num_val}, size={size}')
    rng = np.random.default_rng(seed)
    counts = {}
    for split, n in (('train', num_train), ('val', num_val)):
        img_dir = osp.join(root, 'img_dir', split)
        ann_dir = osp.join(root, 'ann_dir', split)
        os.makedirs(img_dir, exist_ok=True)
        os.makedirs(ann_dir, exist_ok=True)
        for i in range(n):
            image, label = render_toy_scene(size, rng)
            Image.fromarray(image).save(osp.join(img_dir, f'{i:05d}.png'))
            Image.fromarray(label).save(osp.join(ann_dir, f'{i:05d}.png'))
        counts[split] = n
    return counts
