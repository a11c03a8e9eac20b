"""Helpers of the reliability tests: the shipped SIGN+AST CPU config, shrunk."""
import copy
import functools

from mmengine.config import Config

from conftest import REPO

AST_CONFIG = REPO / 'configs/sign/sign-ast_r18-tiny_600it_toyshapes-64x64_4-1.py'
PHASES = [('seen', 3), ('finetune', 4), ('self_training', 4), ('finetune', 2)]


@functools.lru_cache()
def _shipped_config() -> Config:
    return Config.fromfile(str(AST_CONFIG))


def tiny_ast_config(data_root, phases=PHASES, rng_hook=True, size=32) -> Config:
    """The shipped SIGN+AST CPU config on ``size`` x ``size`` crops and a short schedule.

    Every phase runs (``finetune`` alternates 2 real and 2 synthetic iterations), a
    checkpoint is saved every 3 iterations and at the end (each save formats the config
    with yapf: about a second), and validation runs once, at the end.
    """
    cfg = copy.deepcopy(_shipped_config())
    assert 'RNGStateHook' in [h['type'] for h in cfg.custom_hooks], \
        'the shipped config must save random states'
    max_iters = sum(n for _, n in phases)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader]['dataset']['data_root'] = str(data_root)
    cfg.train_dataloader.batch_size = 2
    cfg.model.data_preprocessor.size = (size, size)
    syn = cfg.model.train_cfg.phases.finetune.synthetic
    syn.update(real_iters=2, synthetic_iters=2, batch_size=2, size=(4, 4))
    cfg.param_scheduler.segmentor[0].end = max_iters
    cfg.train_cfg.update(max_iters=max_iters, val_interval=max_iters)
    cfg.default_hooks.checkpoint.interval = 3
    cfg.default_hooks.logger.interval = 1
    hooks = []
    for hook in cfg.custom_hooks:
        if hook['type'] == 'ZeroShotPhaseHook':
            hook['phases'] = [dict(name=n, iters=k) for n, k in phases]
        if hook['type'] != 'RNGStateHook' or rng_hook:
            hooks.append(hook)
    cfg.custom_hooks = hooks
    return cfg
