"""SelfTrainingHook and the self-training phase: temperature schedules, the frozen/EMA/online
teacher, checkpointing of the teacher, and the pseudo-labelled training step."""
import copy
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub

import mmseg_zs3  # noqa: F401
from mmseg_zs3.engine.hooks import SelfTrainingHook, annealed_temperature

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'test_models' / 'test_segmentors'))
from test_zero_shot_encoder_decoder import _batch, _build, _optim  # noqa: E402


def test_annealed_temperature_schedules():
    assert annealed_temperature(0.3, 0.7) == 0.3
    lin = dict(type='linear', start=1.0, end=0.1)
    assert annealed_temperature(lin, 0.0) == 1.0
    assert annealed_temperature(lin, 1.0) == pytest.approx(0.1)
    assert annealed_temperature(lin, 0.5) == pytest.approx(0.55)
    cos = dict(type='cosine', start=1.0, end=0.1)
    assert annealed_temperature(cos, 0.5) == pytest.approx(0.55)
    assert annealed_temperature(cos, 0.25) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(
        math.pi / 4)))
    exp = dict(type='exponential', start=1.0, end=0.01)
    assert annealed_temperature(exp, 0.5) == pytest.approx(0.1)
    assert annealed_temperature(dict(type='constant', start=0.2), 0.9) == 0.2


@pytest.mark.parametrize('tau, match', [
    (0.0, 'must be > 0'), (-1, 'must be > 0'),
    (dict(type='linear', start=1.0, end=0.0), 'end=0.0'),
    (dict(type='sigmoid', start=1.0, end=0.1), "'sigmoid'"),
    (dict(type='linear', start=1.0, stop=0.1), 'stop'),
])
def test_bad_temperatures_fail_at_construction(tau, match):
    with pytest.raises(ValueError, match=match):
        SelfTrainingHook(tau=tau)


def test_bad_teacher_arguments():
    with pytest.raises(ValueError, match="'student'"):
        SelfTrainingHook(teacher='student')
    with pytest.raises(ValueError, match='ema_momentum'):
        SelfTrainingHook(teacher='ema')
    with pytest.raises(ValueError, match='only used with'):
        SelfTrainingHook(teacher='frozen', ema_momentum=0.9)


def _runner(model, iteration=0):
    return SimpleNamespace(model=model, iter=iteration,
                           message_hub=MessageHub.get_instance('test_self_training'))


def _params(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def test_frozen_teacher_is_constant_and_survives_a_checkpoint():
    torch.manual_seed(0)
    model = _build()
    optim = _optim(model)
    hook = SelfTrainingHook(teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1))
    runner = _runner(model)
    hook.before_run(runner)
    model.set_phase('self_training', 0, 4)
    hook.before_train_iter(runner, 0)
    assert model.teacher is hook.teacher and model.pseudo_label_tau == 1.0
    assert not any(p.requires_grad for p in hook.teacher.parameters())
    start = _params(hook.teacher)
    for i in range(3):
        model.set_phase('self_training', i, 4)
        hook.before_train_iter(runner, i)
        model.train_step(_batch(seed=i), optim)
        hook.after_train_iter(runner, i)
    assert model.pseudo_label_tau == pytest.approx(1.0 - 0.9 * 2 / 3)
    for k, v in _params(hook.teacher).items():
        assert torch.equal(v, start[k]), f'frozen teacher changed: {k}'
    student = _params(model)
    assert any(not torch.equal(student[k], start[k]) for k in start), 'student did not train'
    assert 'train/pseudo_fraction' in runner.message_hub.log_scalars
    assert 'train/pseudo_count_triangle' in runner.message_hub.log_scalars

    ckpt = {}
    hook.before_save_checkpoint(runner, ckpt)
    assert set(ckpt['self_training']) == {'teacher_state_dict', 'tau', 'teacher_mode'}
    # a new process: fresh model and hook, restored from the checkpoint
    fresh_model = _build()
    fresh_hook = SelfTrainingHook(teacher='frozen', tau=dict(type='linear', start=1.0, end=0.1))
    fresh_hook.after_load_checkpoint(_runner(fresh_model), copy.deepcopy(ckpt))
    for k, v in _params(fresh_hook.teacher).items():
        assert torch.equal(v, start[k])
    assert fresh_hook.current_tau == hook.current_tau
    with pytest.raises(ValueError, match="teacher is 'frozen'"):
        SelfTrainingHook(teacher='online').after_load_checkpoint(_runner(fresh_model), ckpt)


def test_ema_teacher_moves_towards_the_student():
    torch.manual_seed(0)
    model = _build()
    optim = _optim(model)
    hook = SelfTrainingHook(teacher='ema', ema_momentum=0.5, tau=0.3)
    runner = _runner(model)
    model.set_phase('self_training', 0, 2)
    hook.before_train_iter(runner, 0)
    teacher_before = _params(hook.teacher)
    model.train_step(_batch(), optim)
    hook.after_train_iter(runner, 0)
    student = dict(model.named_parameters())
    for name, t in hook.teacher.named_parameters():
        expected = 0.5 * teacher_before[name] + 0.5 * student[name].detach()
        assert torch.allclose(t, expected, atol=1e-6), name


def test_online_teacher_uses_the_model_itself():
    model = _build()
    hook = SelfTrainingHook(teacher='online', tau=0.3)
    model.set_phase('self_training', 0, 2)
    hook.before_train_iter(_runner(model), 0)
    assert hook.teacher is None and model.teacher is None
    model.train_step(_batch(), _optim(model))
    assert model.pseudo_label_stats['pseudo_fraction'] > 0


def test_outside_self_training_the_hook_does_nothing():
    model = _build()
    hook = SelfTrainingHook(teacher='frozen', tau=0.3)
    model.set_phase('seen', 0, 2)
    hook.before_train_iter(_runner(model), 0)
    assert hook.teacher is None and model.teacher is None


def test_ast_without_temperature_is_an_error():
    model = _build()
    model.set_phase('self_training', 0, 2)
    with pytest.raises(RuntimeError, match='SelfTrainingHook'):
        model.train_step(_batch(), _optim(model))


def _no_ignore_batch(seed=0):
    batch = _batch(seed=seed)
    for s in batch['data_samples']:
        s.gt_sem_seg.data[s.gt_sem_seg.data == 255] = 1
    return batch


def test_no_ignored_pixel_gives_the_supervised_losses():
    """Self-training on a fully labelled batch computes exactly the `seen` losses."""
    torch.manual_seed(0)
    model = _build()
    twin = copy.deepcopy(model)
    batch = _no_ignore_batch()
    model.set_phase('seen', 0, 1)
    twin.set_phase('self_training', 0, 1)
    twin.pseudo_label_tau = 0.1
    torch.manual_seed(1)
    seen_logs = model.train_step(copy.deepcopy(batch), _optim(model))
    torch.manual_seed(1)
    st_logs = twin.train_step(copy.deepcopy(batch), _optim(twin))
    assert twin.pseudo_label_stats['pseudo_fraction'] == 0.0
    for key, value in seen_logs.items():
        assert torch.isfinite(st_logs[key]), key
        assert torch.allclose(st_logs[key], value, atol=1e-6), key
