"""Adding classes to a trained generative zero-shot model, without images.

A generative model (ZS3Net / CaGNet / SIGN) can learn a class nobody labelled from its
embedding alone: the trained generator synthesises the class's pixel features from the
embedding, and the classifier is re-fitted on those (the synthetic iterations of the
``finetune`` phase, no image involved). :func:`add_classes` does this for classes that were
not in the model's split at all:

1. the split is extended (:func:`extend_split`): the new classes are appended, as unseen
   classes (never labelled);
2. the model is rebuilt for the enlarged class set; every weight is copied from the
   checkpoint, and the classifier's output layer keeps its rows for the old classes
   (:func:`expand_classifier_state`), the new rows starting from the default
   initialisation;
3. only the classifier is trained (:func:`refit_classifier`) on generated features of
   label maps drawn over all classes, unseen and new classes up-weighted: the
   ``finetune`` phase's synthetic iteration;
4. a checkpoint (state dict + ``dataset_meta``) and a self-contained config for the
   enlarged class set, with the enlarged embedding matrix (``.npy`` + manifest), are
   written.
"""
import copy
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import OPTIMIZERS

from ..datasets.gzs_dataset import distinct_palette
from ..datasets.splits import ZeroShotSplit, get_split
from ..models.losses import weighted_cross_entropy
from ..utils.checkpoint import safe_torch_load
from ..utils.class_embeddings import (MANIFEST_FORMAT, MANIFEST_VERSION, read_manifest,
                                      load_class_embeddings, save_class_embeddings)

CLS_HEAD_KEYS = ('decode_head.discriminator.cls_head.weight',
                 'decode_head.discriminator.cls_head.bias')
#: What :func:`refit_classifier` trains: the new classes' rows of the classifier's output
#: layer, the whole output layer, or the whole discriminator/classifier trunk (what the
#: ``finetune`` phase trains).
TRAINABLE = ('new_rows', 'cls_head', 'discriminator')


def extend_split(split: ZeroShotSplit, new_classes: Sequence[str],
                 name: Optional[str] = None) -> ZeroShotSplit:
    """The split with ``new_classes`` appended as unseen classes.

    Args:
        split (ZeroShotSplit): The trained model's split.
        new_classes (Sequence[str]): Classes to add (not already in the split).
        name (str, optional): Name of the new split. Defaults to ``<name>+<n>``.

    Returns:
        ZeroShotSplit: Classes ``split.classes + new_classes``, unseen
        ``split.unseen + new_classes``, same background policy.
    """
    new_classes = list(new_classes)
    if not new_classes:
        raise ValueError('no class to add: new_classes is empty')
    present = [c for c in new_classes if c in split.classes]
    if present:
        raise ValueError(f'classes {present} are already in split {split.name!r}')
    return ZeroShotSplit(name or f'{split.name}+{len(new_classes)}',
                         split.classes + tuple(new_classes), split.unseen + tuple(new_classes),
                         split.background, f'{split.name} with added classes {new_classes}')


def expand_classifier_state(state_dict: Dict[str, torch.Tensor],
                            new_state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Merges a trained state dict into the state of a model with more classes.

    Args:
        state_dict (dict): The trained model's state (K classes).
        new_state (dict): The freshly built enlarged model's state (K + n classes).

    Returns:
        dict: ``new_state`` with every trained tensor copied in; the classifier's output
        layer (:data:`CLS_HEAD_KEYS`) gets the trained rows for the first K classes and keeps
        its initial rows for the new ones.
    """
    merged = dict(new_state)
    for key, value in state_dict.items():
        if key not in new_state:
            raise KeyError(f'{key!r} of the checkpoint is not in the enlarged model')
        target = new_state[key]
        if key in CLS_HEAD_KEYS:
            old = value.shape[0]
            if target.shape[0] <= old or target.shape[1:] != value.shape[1:]:
                raise ValueError(f'{key}: checkpoint shape {tuple(value.shape)} does not fit '
                                 f'the enlarged shape {tuple(target.shape)}')
            merged[key] = torch.cat([value.to(target), target[old:]], dim=0)
        elif target.shape != value.shape:
            raise ValueError(f'{key}: checkpoint shape {tuple(value.shape)} but the enlarged '
                             f'model has {tuple(target.shape)}')
        else:
            merged[key] = value
    return merged


def refit_classifier(model, iters: int, synthetic: dict, optimizer: dict,
                     trainable: str = 'new_rows', num_new: int = 0, seed: int = 0,
                     log_interval: int = 0) -> List[float]:
    """Trains the classifier on generated features only (``finetune``'s synthetic step).

    Each iteration draws a label map of ``synthetic['size']`` per sample, pixel-wise over
    all classes with weights ``seen_weight`` / ``unseen_weight`` (new classes are unseen),
    generates features for it from the class embeddings and latent codes of the prior, and
    takes a step of ``synthetic['ce']`` times the cross-entropy of the classifier.

    Args:
        model (ZeroShotEncoderDecoder): The (enlarged) model; it is left in eval mode.
        iters (int): Iterations (>= 1).
        synthetic (dict): ``batch_size``, ``size``, ``seen_weight``, ``unseen_weight`` and
            ``ce`` (a ``finetune`` phase's ``synthetic`` config).
        optimizer (dict): Optimizer config (mmengine ``OPTIMIZERS``), without ``params``.
        trainable (str): ``'new_rows'`` (only the output-layer rows of the last
            ``num_new`` classes: the trained classes keep their logits exactly, the new
            ones learn to compete with them), ``'cls_head'`` (the whole output layer) or
            ``'discriminator'`` (the whole classifier trunk). Defaults to ``'new_rows'``.
        num_new (int): Number of added classes (the last rows); needed by
            ``'new_rows'``.
        seed (int): Seed of the label maps and latent codes. Defaults to 0.
        log_interval (int): Print the loss every this many iterations (0: never).

    Returns:
        list[float]: The loss of every iteration.
    """
    if int(iters) != iters or iters < 1:
        raise ValueError(f'iters must be a positive integer, got {iters!r}')
    if trainable not in TRAINABLE:
        raise ValueError(f'trainable={trainable!r} is not one of {TRAINABLE}')
    head = model.decode_head
    disc = head.discriminator
    keep = None
    if trainable == 'new_rows':
        if int(num_new) != num_new or not 1 <= num_new < head.num_classes:
            raise ValueError(f"trainable='new_rows' needs 1 <= num_new < {head.num_classes}, "
                             f'got num_new={num_new!r}')
        old = head.num_classes - int(num_new)
        keep = [(p, p.detach()[:old].clone()) for p in disc.cls_head.parameters()]
    params = list((disc if trainable == 'discriminator' else disc.cls_head).parameters())
    optim = OPTIMIZERS.build(dict(optimizer, params=params))
    device = head.class_embedding.device
    gen = torch.Generator(device='cpu').manual_seed(int(seed))
    model.eval()
    disc.train(trainable == 'discriminator')  # dropout as in the finetune phase
    losses = []
    for it in range(int(iters)):
        probs = torch.where(head.unseen_mask.cpu(), float(synthetic['unseen_weight']),
                            float(synthetic['seen_weight']))
        h, w = synthetic['size']
        labels = torch.multinomial(probs, synthetic['batch_size'] * h * w, replacement=True,
                                   generator=gen).view(synthetic['batch_size'], h, w)
        labels = labels.to(device)
        with torch.no_grad():
            latent = head.sample_latent(labels.shape[0], h, w, head.class_embedding.cpu(),
                                        generator=gen).to(device)
            fake = head.generate(labels, latent)
        loss = synthetic['ce'] * weighted_cross_entropy(disc.classify(fake), labels,
                                                        ignore_index=head.ignore_index)
        optim.zero_grad()
        loss.backward()
        optim.step()
        if keep is not None:  # the trained classes' rows stay exactly as they were
            with torch.no_grad():
                for p, rows in keep:
                    p[:rows.shape[0]] = rows
        losses.append(float(loss.detach()))
        if log_interval and (it + 1) % log_interval == 0:
            print(f'[add_classes] iteration {it + 1}/{iters}: loss {losses[-1]:.4f}',
                  flush=True)
    model.eval()
    for p in disc.parameters():
        p.grad = None
    return losses


def _replace_split(node, old: ZeroShotSplit, new_split: dict):
    """Returns ``node`` with every ``split`` entry that denotes ``old`` replaced."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == 'split' and _is_split(value, old):
                out[key] = copy.deepcopy(new_split)
            else:
                out[key] = _replace_split(value, old, new_split)
        return out
    if isinstance(node, (list, tuple)):
        return type(node)(_replace_split(v, old, new_split) for v in node)
    return node


def _is_split(value, split: ZeroShotSplit) -> bool:
    if not isinstance(value, (str, dict)):
        return False
    try:
        return get_split(value) == split
    except (KeyError, ValueError, TypeError):
        return False


def _set_dataset_classes(node, classes: List[str]) -> None:
    """Sets ``metainfo.classes`` of every dataset config found under ``node``."""
    if isinstance(node, dict):
        if 'type' in node and 'data_prefix' in node:
            meta = dict(node.get('metainfo') or {})
            meta['classes'] = list(classes)
            meta.pop('palette', None)
            node['metainfo'] = meta
        for value in node.values():
            _set_dataset_classes(value, classes)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _set_dataset_classes(value, classes)


def enlarged_config(cfg: Config, split: ZeroShotSplit, embedding_path: str) -> Config:
    """The config of the enlarged model.

    Every ``split`` entry equal to the old split (head, ``MaskUnseenClasses``, evaluators,
    the top-level variable) becomes the new split inline, ``decode_head.num_classes`` and
    ``class_embeddings`` follow, and the datasets name the new classes in their
    ``metainfo`` (label ids beyond the trained classes are no longer mapped to 255).

    Args:
        cfg (Config): The trained model's config.
        split (ZeroShotSplit): The enlarged split.
        embedding_path (str): The enlarged embedding matrix (``.npy`` with manifest).

    Returns:
        Config: A new config (``cfg`` is unchanged).
    """
    old = get_split(cfg.model.decode_head.split)
    new_split = split.to_dict()
    new_split.pop('description', None)
    data = _replace_split(cfg.to_dict(), old, new_split)
    head = data['model']['decode_head']
    head['num_classes'] = split.num_classes
    head['class_embeddings'] = dict(path=embedding_path)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if data.get(key):
            _set_dataset_classes(data[key], list(split.classes))
    data['load_from'] = None
    data['resume'] = False
    return Config(data)


def _new_class_embeddings(embedding_file: str, classes: Optional[Sequence[str]],
                          known: Sequence[str]) -> tuple:
    """Names and rows of the classes to add, read from an embedding file."""
    names = list(read_manifest(embedding_file)['classes'])
    if classes is None:
        classes = [c for c in names if c not in known]
        if not classes:
            raise ValueError(f'every class of {embedding_file} is already in the split; '
                             'nothing to add')
    classes = list(classes)
    return classes, load_class_embeddings(embedding_file, classes)


def add_classes(config: Union[str, Config], checkpoint: str, embedding_file: str,
                out_dir: str, classes: Optional[Sequence[str]] = None, iters: int = 200,
                trainable: str = 'new_rows', synthetic: Optional[dict] = None,
                optimizer: Optional[dict] = None, split_name: Optional[str] = None,
                phase: str = 'finetune', seed: int = 0, device: str = 'cpu',
                log_interval: int = 0) -> Dict[str, str]:
    """Adds classes to a trained model from their embeddings (see the module docstring).

    Args:
        config (str | Config): The trained model's config.
        checkpoint (str): Its checkpoint.
        embedding_file (str): ``.npy`` embedding matrix with its manifest, in the same
            embedding space as the model's (same sources and dimension).
        out_dir (str): Where ``config.py``, ``model.pth``, ``class_embeddings.npy`` (+
            ``.json``) and ``added_classes.json`` are written.
        classes (Sequence[str], optional): Classes of the file to add; default: every
            class of the file that the split lacks.
        iters (int): Classifier iterations. Defaults to 200.
        trainable (str): See :func:`refit_classifier`. Defaults to ``'new_rows'``.
        synthetic (dict, optional): Overrides of the phase's ``synthetic`` settings
            (``batch_size``, ``size``, ``seen_weight``, ``unseen_weight``, ``ce``).
        optimizer (dict, optional): Optimizer; default: the config's discriminator
            optimizer (``optim_wrapper.discriminator.optimizer``).
        split_name (str, optional): Name of the enlarged split.
        phase (str): The phase whose synthetic settings are used. Defaults to
            ``'finetune'``.
        seed (int): Seed of the refit. Defaults to 0.
        device (str): Device. Defaults to ``'cpu'``.
        log_interval (int): Print the loss every this many iterations (0: never).

    Returns:
        dict: Paths of ``config``, ``checkpoint``, ``embeddings``, ``summary``.
    """
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    cfg = Config.fromfile(config) if isinstance(config, str) else copy.deepcopy(config)
    head_cfg = cfg.model.decode_head
    old_split = get_split(head_cfg.split)
    phases = cfg.model.get('train_cfg', {}).get('phases', {})
    if phase not in phases or phases[phase].get('synthetic') is None:
        with_synthetic = [p for p, c in phases.items() if c.get('synthetic')]
        raise ValueError(f'phase {phase!r} of the config has no synthetic settings; '
                         f'phases with them: {with_synthetic}')
    syn = dict(phases[phase]['synthetic'])
    syn.update(synthetic or {})
    if optimizer is None:
        optimizer = dict(cfg.optim_wrapper.discriminator.optimizer)

    init_default_scope(cfg.get('default_scope', 'mmseg'))
    old_model = MODELS.build(copy.deepcopy(cfg.model))
    ckpt = safe_torch_load(checkpoint, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    old_model.load_state_dict(state)
    old_embeddings = old_model.decode_head.class_embedding.cpu().numpy()

    new_names, new_rows = _new_class_embeddings(embedding_file, classes, old_split.classes)
    if new_rows.shape[1] != old_embeddings.shape[1]:
        raise ValueError(f'{embedding_file} has {new_rows.shape[1]}-d embeddings but the '
                         f'model uses {old_embeddings.shape[1]}-d ones')
    split = extend_split(old_split, new_names, split_name)
    os.makedirs(out_dir, exist_ok=True)
    matrix = np.concatenate([old_embeddings, new_rows.astype(np.float32)], axis=0)
    manifest = dict(format=MANIFEST_FORMAT, version=MANIFEST_VERSION, classes=list(split.classes),
                    sources=[dict(path=osp.abspath(str(checkpoint)), format='model classes'),
                             dict(path=osp.abspath(embedding_file), format='added classes',
                                  classes=new_names)])
    emb_path, _ = save_class_embeddings(osp.join(out_dir, 'class_embeddings.npy'), matrix,
                                        manifest)

    new_cfg = enlarged_config(cfg, split, emb_path)
    model = MODELS.build(copy.deepcopy(new_cfg.model))
    model.load_state_dict(expand_classifier_state(old_model.state_dict(),
                                                  model.state_dict()))
    model.to(device)
    losses = refit_classifier(model, iters, syn, optimizer, trainable=trainable,
                              num_new=len(new_names), seed=seed, log_interval=log_interval)

    old_meta = (ckpt.get('meta') or {}).get('dataset_meta') or {}
    palette = old_meta.get('palette')
    if palette is None or len(palette) != old_split.num_classes:
        palette = distinct_palette(old_split.num_classes)
    palette = [list(map(int, c)) for c in palette] + \
        distinct_palette(split.num_classes)[old_split.num_classes:]
    dataset_meta = dict(classes=list(split.classes), palette=palette,
                        unseen_classes=list(split.unseen))
    ckpt_path = osp.join(out_dir, 'model.pth')
    torch.save(dict(meta=dict(dataset_meta=dataset_meta, added_classes=new_names,
                              source_checkpoint=osp.abspath(str(checkpoint))),
                    state_dict={k: v.cpu() for k, v in model.state_dict().items()}),
               ckpt_path)
    cfg_path = osp.join(out_dir, 'config.py')
    new_cfg.dump(cfg_path)
    summary = dict(added_classes=new_names, split=split.to_dict(), iters=int(iters),
                   trainable=trainable, synthetic=syn, optimizer=dict(optimizer),
                   first_loss=losses[0], last_loss=losses[-1], config=cfg_path,
                   checkpoint=ckpt_path, embeddings=emb_path)
    summary_path = osp.join(out_dir, 'added_classes.json')
    with open(summary_path, 'w') as f:
        json.dump(summary, f, indent=2)
        f.write('\n')
    return dict(config=cfg_path, checkpoint=ckpt_path, embeddings=emb_path,
                summary=summary_path)
