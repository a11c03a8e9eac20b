"""Every method config parses and builds its model (with the CaGNet embeddings of ../shared)."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO, shared_path

METHOD_CONFIGS = sorted(
    str(p.relative_to(REPO)) for d in ('sign', 'cagnet', 'zs3net')
    for p in (REPO / 'configs' / d).glob('*r101*.py'))


def test_there_are_configs_for_every_method_and_benchmark():
    names = ' '.join(METHOD_CONFIGS)
    for method in ('sign_', 'cagnet_', 'zs3net_'):
        for bench in ('voc12aug', 'pcontext33', 'coco-stuff164k'):
            assert any(method in n and bench in n for n in METHOD_CONFIGS), (method, bench)
    assert 'sign-ape_' in names and 'sign-nope_' in names
    for bench in ('voc12aug', 'pcontext33', 'coco-stuff164k'):
        assert any(n.startswith('configs/sign/sign-ast_') and bench in n for n in METHOD_CONFIGS)
    for strategy in ('zs3net', 'cagnet'):
        assert any(n.startswith(f'configs/sign/sign-st-{strategy}_') for n in METHOD_CONFIGS)


@pytest.mark.parametrize('path', METHOD_CONFIGS)
def test_method_config_builds(path):
    folder = shared_path('class_embeddings')
    import mmseg_zs3  # noqa: F401
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(REPO / path))
    head = cfg.model.decode_head
    emb = head.class_embeddings
    paths = emb.path if isinstance(emb.path, (list, tuple)) else [emb.path]
    emb.path = [str(folder / Path(p).name) for p in paths]
    emb.names_file = str(folder / Path(emb.names_file).name)
    cfg.model.pretrained = None  # no download in tests
    model = MODELS.build(cfg.model)
    assert model.decode_head.class_embedding.shape == (head.num_classes, emb.expected_dim)
    assert set(model.phase_names) == {'seen', 'finetune', 'self_training'}
    name = Path(path).name
    assert (model.decode_head.latent_prior == 'noise') == name.startswith('zs3net')
    has_pe = model.with_neck and model.neck.encoding != 'none'
    assert has_pe == (name.startswith('sign') and not name.startswith('sign-nope'))
    if has_pe:
        assert model.neck.encoding == ('ape' if name.startswith('sign-ape') else 'rpe')
    phases = [h for h in cfg.custom_hooks if h.type == 'ZeroShotPhaseHook'][0].phases
    assert sum(p['iters'] for p in phases) == cfg.train_cfg.max_iters
    self_training = [p for p in phases if p['name'] == 'self_training']
    hooks = [h.type for h in cfg.custom_hooks]
    assert bool(self_training) == ('SelfTrainingHook' in hooks) == \
        name.startswith(('sign-ast', 'sign-st-'))
    strategy = model.phase_cfgs['self_training']['pseudo_labels']['strategy']
    if name.startswith('sign-st-'):
        assert strategy == name.split('_')[0].split('-')[-1]
    elif name.startswith('sign-ast'):
        assert strategy == 'ast'
