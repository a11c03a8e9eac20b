"""ZeroShotPhaseHook: schedule parsing, phase lookup, switching (also after a resume)."""
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub

import mmseg_zs3  # noqa: F401
from mmseg_zs3.engine.hooks import ZeroShotPhaseHook, locate_phase, parse_phase_schedule


class _Model:
    phase_names = ('seen', 'finetune')

    def __init__(self):
        self.calls = []

    def set_phase(self, name, in_phase, phase_iters=None):
        self.calls.append((name, in_phase))


def _runner(model, iteration=0, max_iters=5):
    return SimpleNamespace(model=model, iter=iteration, max_iters=max_iters,
                           message_hub=MessageHub.get_instance(f'phase_hook_{id(model)}'))


def test_parse_accepts_dicts_and_pairs():
    assert parse_phase_schedule([dict(name='seen', iters=3), ('finetune', 2)]) == \
        [('seen', 3), ('finetune', 2)]


@pytest.mark.parametrize('phases, match', [
    ([], 'empty'),
    ([dict(name='seen', iters=0)], "phase 'seen' must last a positive"),
    ([dict(name='seen', iters=-2)], '-2'),
    ([dict(name='seen', iters=2.5)], '2.5'),
    ([dict(name='seen', length=2)], 'length'),
    ([('seen', )], 'seen'),
    ([dict(name='', iters=2)], 'non-empty'),
])
def test_parse_rejects_bad_schedules(phases, match):
    with pytest.raises(ValueError, match=match):
        parse_phase_schedule(phases)


def test_locate_phase_boundaries():
    schedule = [('seen', 3), ('finetune', 2), ('seen', 1)]
    got = [locate_phase(schedule, i) for i in range(6)]
    assert got == [(0, 'seen', 0), (0, 'seen', 1), (0, 'seen', 2), (1, 'finetune', 0),
                   (1, 'finetune', 1), (2, 'seen', 0)]
    with pytest.raises(ValueError, match='iteration 6 is beyond'):
        locate_phase(schedule, 6)


def test_hook_switches_at_configured_iterations():
    model = _Model()
    hook = ZeroShotPhaseHook([dict(name='seen', iters=3), dict(name='finetune', iters=2)])
    runner = _runner(model)
    hook.before_run(runner)
    hook.before_train(runner)
    logged = []
    for i in range(5):
        runner.iter = i
        hook.before_train_iter(runner, i)
        logged.append(runner.message_hub.get_scalar('train/phase').current())
    assert model.calls == [('seen', 0), ('seen', 1), ('seen', 2), ('finetune', 0),
                           ('finetune', 1)]
    assert logged == [1.0, 1.0, 1.0, 2.0, 2.0]  # the phase's position, a logged scalar


def test_hook_after_resume_lands_in_the_right_phase():
    """A fresh hook on a runner resumed at iteration 4 selects finetune, step 1."""
    model = _Model()
    hook = ZeroShotPhaseHook([dict(name='seen', iters=3), dict(name='finetune', iters=2)])
    runner = _runner(model, iteration=4)
    hook.before_run(runner)
    hook.before_train_iter(runner, 0)
    assert model.calls == [('finetune', 1)]


def test_hook_rejects_unknown_phase_and_short_schedule():
    hook = ZeroShotPhaseHook([dict(name='seen', iters=3), dict(name='warmup', iters=2)])
    with pytest.raises(ValueError, match=r"unknown phase\(s\) \['warmup'\]"):
        hook.before_run(_runner(_Model()))
    hook = ZeroShotPhaseHook([dict(name='seen', iters=3)])
    with pytest.raises(ValueError, match='covers 3 iterations but the run has max_iters=5'):
        hook.before_train(_runner(_Model(), max_iters=5))
