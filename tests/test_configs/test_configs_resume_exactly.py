"""Every shipped zero-shot config resumes exactly: its custom_hooks list RNGStateHook."""
import pytest
from mmengine.config import Config

from conftest import REPO

ZERO_SHOT_CONFIGS = sorted(str(p.relative_to(REPO)) for d in ('sign', 'cagnet', 'zs3net')
                           for p in (REPO / 'configs' / d).glob('*.py'))


def test_there_are_zero_shot_configs():
    assert len(ZERO_SHOT_CONFIGS) > 30


@pytest.mark.parametrize('path', ZERO_SHOT_CONFIGS)
def test_config_has_the_rng_state_hook(path):
    cfg = Config.fromfile(str(REPO / path))
    assert cfg.model.type == 'ZeroShotEncoderDecoder'
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert 'ZeroShotPhaseHook' in hooks
    assert 'RNGStateHook' in hooks, f'{path}: custom_hooks {hooks} lack RNGStateHook'
