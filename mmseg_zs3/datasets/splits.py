"""Named zero-shot splits: the ordered class list, the unseen classes, the background policy.

A config selects a split by name (``split='voc12-15-5'``) or defines one inline
(``split=dict(name='mine', classes=[...], unseen=[...], background='none')``);
:func:`get_split` accepts both and validates them.

Published definitions (class names as mmseg spells them):

- ``voc12-15-5`` (SPNet / CaGNet / SIGN): the 20 VOC object classes, background ignored;
  unseen pottedplant, sheep, sofa, train, tvmonitor.
- ``voc12-zs3-{2,4,6,8,10}`` (ZS3Net): 21 classes incl. background (a seen class); nested
  unseen sets cow, motorbike (2); + aeroplane, sofa (4); + cat, tvmonitor (6); + train,
  bottle (8); + chair, pottedplant (10).
- ``context33-29-4`` (CaGNet / SIGN): a 33-class subset of Pascal Context, every other pixel
  ignored; unseen cow, motorbike, sofa, cat.
- ``context60-zs3-{2,4,6,8,10}`` (ZS3Net): Pascal Context 60 incl. background; nested unseen
  cow, motorbike (2); + sofa, cat (4); + boat, fence (6); + bird, tvmonitor (8);
  + aeroplane, keyboard (10).
- ``cocostuff171-156-15`` (CaGNet / SIGN): mmseg's 171 COCO-Stuff 164k classes; 15 unseen.
- ``camvid11-9-2``: CamVid's 11 classes (id 11 = void, ignored); unseen car, pedestrian.
  ``camvid11-8-3`` adds bicyclist.

Background policies:

- ``'ignored'``: the dataset's background is not a class; its pixels are ignore (255).
- ``'class'``: background is an ordinary seen class with an embedding (ZS3Net).
- ``'none'``: the label space has no background class (Context-33, COCO-Stuff, CamVid);
  unlabelled pixels are ignore.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Sequence, Tuple, Union

BACKGROUND_POLICIES = ('ignored', 'class', 'none')

VOC20_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat',
                 'chair', 'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person',
                 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor')
VOC21_CLASSES = ('background', ) + VOC20_CLASSES

CONTEXT60_CLASSES = (
    'background', 'aeroplane', 'bag', 'bed', 'bedclothes', 'bench', 'bicycle', 'bird',
    'boat', 'book', 'bottle', 'building', 'bus', 'cabinet', 'car', 'cat', 'ceiling',
    'chair', 'cloth', 'computer', 'cow', 'cup', 'curtain', 'dog', 'door', 'fence', 'floor',
    'flower', 'food', 'grass', 'ground', 'horse', 'keyboard', 'light', 'motorbike',
    'mountain', 'mouse', 'person', 'plate', 'platform', 'pottedplant', 'road', 'rock',
    'sheep', 'shelves', 'sidewalk', 'sign', 'sky', 'snow', 'sofa', 'table', 'track',
    'train', 'tree', 'truck', 'tvmonitor', 'wall', 'water', 'window', 'wood')

CONTEXT33_CLASSES = (
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
    'table', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train',
    'tvmonitor', 'sky', 'grass', 'ground', 'road', 'building', 'tree', 'water', 'mountain',
    'wall', 'floor', 'track', 'keyboard', 'ceiling')

COCOSTUFF171_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
    'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat',
    'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack',
    'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball',
    'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket',
    'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple',
    'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
    'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse',
    'remote', 'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier',
    'toothbrush', 'banner', 'blanket', 'branch', 'bridge', 'building-other', 'bush',
    'cabinet', 'cage', 'cardboard', 'carpet', 'ceiling-other', 'ceiling-tile', 'cloth',
    'clothes', 'clouds', 'counter', 'cupboard', 'curtain', 'desk-stuff', 'dirt',
    'door-stuff', 'fence', 'floor-marble', 'floor-other', 'floor-stone', 'floor-tile',
    'floor-wood', 'flower', 'fog', 'food-other', 'fruit', 'furniture-other', 'grass',
    'gravel', 'ground-other', 'hill', 'house', 'leaves', 'light', 'mat', 'metal',
    'mirror-stuff', 'moss', 'mountain', 'mud', 'napkin', 'net', 'paper', 'pavement',
    'pillow', 'plant-other', 'plastic', 'platform', 'playingfield', 'railing', 'railroad',
    'river', 'road', 'rock', 'roof', 'rug', 'salad', 'sand', 'sea', 'shelf', 'sky-other',
    'skyscraper', 'snow', 'solid-other', 'stairs', 'stone', 'straw', 'structural-other',
    'table', 'tent', 'textile-other', 'towel', 'tree', 'vegetable', 'wall-brick',
    'wall-concrete', 'wall-other', 'wall-panel', 'wall-stone', 'wall-tile', 'wall-wood',
    'water-other', 'waterdrops', 'window-blind', 'window-other', 'wood')

CAMVID11_CLASSES = ('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol',
                    'fence', 'car', 'pedestrian', 'bicyclist')


@dataclass(frozen=True)
class ZeroShotSplit:
    """A zero-shot split of a label space.

    Args:
        name (str): Split name.
        classes (tuple[str]): All classes in label-id order (label id = index).
        unseen (tuple[str]): Classes never annotated in training (a subset of ``classes``).
        background (str): One of :data:`BACKGROUND_POLICIES`.
        description (str): Where the split comes from.
    """
    name: str
    classes: Tuple[str, ...]
    unseen: Tuple[str, ...]
    background: str = 'none'
    description: str = field(default='', compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, 'classes', tuple(self.classes))
        object.__setattr__(self, 'unseen', tuple(self.unseen))
        _validate(self)

    @property
    def num_classes(self) -> int:
        """Number of classes the classifier predicts (seen + unseen)."""
        return len(self.classes)

    @property
    def seen(self) -> Tuple[str, ...]:
        """Seen classes, in label-id order."""
        unseen = set(self.unseen)
        return tuple(c for c in self.classes if c not in unseen)

    @property
    def unseen_ids(self) -> Tuple[int, ...]:
        """Label ids of the unseen classes, ascending."""
        unseen = set(self.unseen)
        return tuple(i for i, c in enumerate(self.classes) if c in unseen)

    @property
    def seen_ids(self) -> Tuple[int, ...]:
        """Label ids of the seen classes, ascending."""
        unseen = set(self.unseen)
        return tuple(i for i, c in enumerate(self.classes) if c not in unseen)

    def to_dict(self) -> dict:
        """Returns the split as a plain dict (the inline config form)."""
        return dict(name=self.name, classes=list(self.classes), unseen=list(self.unseen),
                    background=self.background)


def _duplicates(items: Sequence[str]) -> List[str]:
    seen, dup = set(), []
    for item in items:
        if item in seen and item not in dup:
            dup.append(item)
        seen.add(item)
    return dup


def _validate(split: ZeroShotSplit) -> None:
    """Raises ValueError naming what is wrong with a split definition."""
    if not split.name or not isinstance(split.name, str):
        raise ValueError(f'a split needs a non-empty name, got {split.name!r}')
    if len(split.classes) == 0:
        raise ValueError(f'split {split.name!r} has no classes')
    for kind, items in (('classes', split.classes), ('unseen', split.unseen)):
        bad = [c for c in items if not isinstance(c, str) or not c]
        if bad:
            raise ValueError(f'split {split.name!r}: {kind} must be non-empty strings, '
                             f'got {bad}')
        dup = _duplicates(items)
        if dup:
            raise ValueError(f'split {split.name!r}: duplicate {kind} {dup}')
    missing = [c for c in split.unseen if c not in split.classes]
    if missing:
        raise ValueError(f'split {split.name!r}: unseen classes {missing} are not in its '
                         f'class list {list(split.classes)}')
    if len(split.unseen) == len(split.classes):
        raise ValueError(f'split {split.name!r}: every class is unseen; at least one class '
                         'must be seen')
    if split.background not in BACKGROUND_POLICIES:
        raise ValueError(f'split {split.name!r}: background={split.background!r} is not '
                         f'one of {BACKGROUND_POLICIES}')
    if split.background == 'class' and 'background' not in split.classes:
        raise ValueError(f"split {split.name!r}: background='class' needs a class named "
                         "'background'")


SPLITS: Dict[str, ZeroShotSplit] = {}


def register_split(split: ZeroShotSplit, force: bool = False) -> ZeroShotSplit:
    """Adds a split to the registry of named splits.

    Args:
        split (ZeroShotSplit): The split.
        force (bool): Replace a split of the same name. Defaults to False.

    Returns:
        ZeroShotSplit: The registered split.
    """
    if split.name in SPLITS and not force and SPLITS[split.name] != split:
        raise KeyError(f'a different split named {split.name!r} is already registered; '
                       'pass force=True to replace it')
    SPLITS[split.name] = split
    return split


def list_splits() -> List[str]:
    """Returns the names of the registered splits, sorted."""
    return sorted(SPLITS)


def get_split(split: Union[str, Mapping, ZeroShotSplit]) -> ZeroShotSplit:
    """Returns a split from its name, an inline definition, or a split.

    Args:
        split (str | dict | ZeroShotSplit): A registered name, or a dict with ``classes``,
            ``unseen`` and optionally ``name`` (default ``'inline'``) and ``background``
            (default ``'none'``).

    Returns:
        ZeroShotSplit: The validated split.

    Raises:
        KeyError: For an unknown name (the message lists the known ones).
        ValueError: For an invalid inline definition.
    """
    if isinstance(split, ZeroShotSplit):
        return split
    if isinstance(split, str):
        if split not in SPLITS:
            raise KeyError(f'unknown zero-shot split {split!r}; known splits: '
                           f'{list_splits()}')
        return SPLITS[split]
    if isinstance(split, Mapping):
        unknown = set(split) - {'name', 'classes', 'unseen', 'background', 'description'}
        if unknown:
            raise ValueError(f'inline split has unknown keys {sorted(unknown)}')
        for key in ('classes', 'unseen'):
            if key not in split:
                raise ValueError(f'inline split needs {key!r}, got keys {sorted(split)}')
            if isinstance(split[key], str):
                raise ValueError(f'inline split {key!r} must be a list of class names, '
                                 f'got the string {split[key]!r}')
        return ZeroShotSplit(
            name=split.get('name', 'inline'),
            classes=tuple(split['classes']),
            unseen=tuple(split['unseen']),
            background=split.get('background', 'none'),
            description=split.get('description', ''))
    raise TypeError(f'a split is a name, a dict or a ZeroShotSplit, got {type(split)}')


def _register_published() -> None:
    register_split(ZeroShotSplit(
        'voc12-15-5', VOC20_CLASSES,
        ('pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor'), 'ignored',
        'SPNet/CaGNet/SIGN Pascal VOC 2012: 20 classes, background ignored'))
    zs3_voc = ('cow', 'motorbike', 'aeroplane', 'sofa', 'cat', 'tvmonitor', 'train', 'bottle',
               'chair', 'pottedplant')
    zs3_context = ('cow', 'motorbike', 'sofa', 'cat', 'boat', 'fence', 'bird', 'tvmonitor',
                   'aeroplane', 'keyboard')
    for n in (2, 4, 6, 8, 10):
        register_split(ZeroShotSplit(
            f'voc12-zs3-{n}', VOC21_CLASSES, zs3_voc[:n], 'class',
            f'ZS3Net Pascal VOC 2012: 21 classes incl. background, {n} unseen'))
        register_split(ZeroShotSplit(
            f'context60-zs3-{n}', CONTEXT60_CLASSES, zs3_context[:n], 'class',
            f'ZS3Net Pascal Context: 60 classes incl. background, {n} unseen'))
    register_split(ZeroShotSplit(
        'context33-29-4', CONTEXT33_CLASSES, ('cow', 'motorbike', 'sofa', 'cat'), 'none',
        'CaGNet/SIGN Pascal Context: 33-class subset, all other pixels ignored'))
    register_split(ZeroShotSplit(
        'cocostuff171-156-15', COCOSTUFF171_CLASSES,
        ('cow', 'giraffe', 'suitcase', 'frisbee', 'skateboard', 'carrot', 'scissors',
         'cardboard', 'clouds', 'grass', 'playingfield', 'river', 'road', 'tree',
         'wall-concrete'), 'none',
        'CaGNet/SIGN COCO-Stuff 164k: mmseg 171 classes, 15 unseen'))
    register_split(ZeroShotSplit(
        'camvid11-9-2', CAMVID11_CLASSES, ('car', 'pedestrian'), 'none',
        'CamVid 11 classes (void ignored): unseen car, pedestrian'))
    register_split(ZeroShotSplit(
        'camvid11-8-3', CAMVID11_CLASSES, ('car', 'pedestrian', 'bicyclist'), 'none',
        'CamVid 11 classes (void ignored): unseen car, pedestrian, bicyclist'))


_register_published()
