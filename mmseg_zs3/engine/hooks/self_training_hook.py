"""The self-training teacher and temperature of a zero-shot segmentor (AST and baselines)."""
import copy
import math
from typing import Optional, Union

import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

TEACHERS = ('frozen', 'online', 'ema')
SCHEDULES = ('constant', 'linear', 'cosine', 'exponential')


def annealed_temperature(tau: Union[float, dict], progress: float) -> float:
    """The AST temperature at a point of the self-training phase.

    Args:
        tau (float | dict): A constant temperature, or ``dict(type=..., start=..., end=...)``
            with type ``'constant'`` (uses ``start``), ``'linear'``, ``'cosine'`` (half
            cosine from start to end) or ``'exponential'`` (geometric interpolation).
        progress (float): Position in the phase, 0 at its first iteration, 1 at its end.

    Returns:
        float: The temperature (> 0).

    Raises:
        ValueError: For a non-positive temperature or an unknown schedule type.
    """
    if not isinstance(tau, dict):
        if not float(tau) > 0:
            raise ValueError(f'the AST temperature must be > 0, got {tau!r}')
        return float(tau)
    kind = tau.get('type', 'linear')
    if kind not in SCHEDULES:
        raise ValueError(f'temperature schedule type {kind!r} is not one of {SCHEDULES}')
    unknown = set(tau) - {'type', 'start', 'end'}
    if unknown:
        raise ValueError(f'temperature schedule has unknown keys {sorted(unknown)}')
    start = float(tau['start'])
    end = float(tau.get('end', start))
    if not (start > 0 and end > 0):
        raise ValueError(f'the AST temperature must be > 0, got start={start}, end={end}')
    t = min(max(float(progress), 0.0), 1.0)
    if kind == 'constant':
        return start
    if kind == 'linear':
        return start + (end - start) * t
    if kind == 'cosine':
        return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * t))
    return start * (end / start)**t


@HOOKS.register_module()
class SelfTrainingHook(Hook):
    """Owns the teacher of the self-training phase and applies the temperature schedule.

    In a phase whose config has ``pseudo_labels`` (``ZeroShotEncoderDecoder``), the teacher
    that labels the ignored pixels is:

    - ``'frozen'`` (default): a copy of the model taken when the phase starts, never updated;
    - ``'ema'``: that copy, updated after every iteration as an exponential moving average
      ``t <- m * t + (1 - m) * s`` of the student's parameters (buffers copied);
    - ``'online'``: the model itself (its classifier logits of the same forward pass; no
      extra forward pass, no copy).

    The teacher's weights and the current temperature are saved in every checkpoint and
    restored on ``--resume``, so a resumed run continues with the same teacher. Logged every
    iteration of the phase: ``pseudo_fraction`` (pseudo-labelled share of the valid pixels),
    ``pseudo_mean_weight`` and ``pseudo_count_<class>`` per unseen class, and ``ast_tau``.

    Args:
        teacher (str): ``'frozen'``, ``'ema'`` or ``'online'``.
        tau (float | dict): The AST temperature, constant or a schedule over the phase (see
            :func:`annealed_temperature`). Unused by the baseline strategies.
        ema_momentum (float, optional): Momentum m of the ``'ema'`` teacher, in (0, 1).
    """

    priority = 'ABOVE_NORMAL'  # after ZeroShotPhaseHook (VERY_HIGH) has set the phase

    def __init__(self, teacher: str = 'frozen', tau: Union[float, dict] = 0.3,
                 ema_momentum: Optional[float] = None):
        if teacher not in TEACHERS:
            raise ValueError(f'teacher={teacher!r} is not one of {TEACHERS}')
        if teacher == 'ema' and not (ema_momentum is not None and 0 < ema_momentum < 1):
            raise ValueError(f"teacher='ema' needs 0 < ema_momentum < 1, got {ema_momentum!r}")
        if teacher != 'ema' and ema_momentum is not None:
            raise ValueError(f'ema_momentum is only used with teacher=\'ema\', got teacher='
                             f'{teacher!r}')
        annealed_temperature(tau, 0.0)  # validates the schedule before training starts
        annealed_temperature(tau, 1.0)
        self.teacher_mode = teacher
        self.tau = tau
        self.ema_momentum = ema_momentum
        self.teacher: Optional[torch.nn.Module] = None
        self.current_tau: Optional[float] = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _copy_model(self, model) -> torch.nn.Module:
        model.set_teacher(None)  # never copy a previous teacher into the new one
        teacher = copy.deepcopy(model)
        teacher.eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
        return teacher

    def before_run(self, runner) -> None:
        model = self._model(runner)
        if not hasattr(model, 'set_teacher'):
            raise TypeError(f'{type(model).__name__} has no self-training phase; '
                            'SelfTrainingHook needs a ZeroShotEncoderDecoder')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = self._model(runner)
        if model.phase_cfgs[model.phase]['pseudo_labels'] is None:
            model.set_teacher(None)
            return
        if self.teacher_mode != 'online' and self.teacher is None:
            if model.iter_in_phase != 0:
                print_log(f'self-training starts at iteration {model.iter_in_phase + 1} of '
                          'its phase without a saved teacher: the teacher is the current '
                          'model', logger='current', level=30)
            self.teacher = self._copy_model(model)
            print_log(f'self-training: {self.teacher_mode} teacher copied at iteration '
                      f'{runner.iter + 1}', logger='current')
        model.set_teacher(self.teacher)
        length = model.phase_iters or 1
        self.current_tau = annealed_temperature(self.tau, model.iter_in_phase / max(length - 1, 1))
        model.pseudo_label_tau = self.current_tau

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        model = self._model(runner)
        if model.phase_cfgs[model.phase]['pseudo_labels'] is None:
            return
        if self.teacher_mode == 'ema':
            with torch.no_grad():
                for t, s in zip(self.teacher.parameters(), model.parameters()):
                    t.mul_(self.ema_momentum).add_(s.detach(), alpha=1 - self.ema_momentum)
                for t, s in zip(self.teacher.buffers(), model.buffers()):
                    t.copy_(s)
        stats = model.pseudo_label_stats
        hub = runner.message_hub
        hub.update_scalar('train/pseudo_fraction', float(stats.get('pseudo_fraction', 0.0)))
        hub.update_scalar('train/pseudo_mean_weight', float(stats.get('mean_weight', 0.0)))
        names = [model.decode_head.split.classes[i] for i in model.decode_head.split.unseen_ids]
        for name, count in zip(names, stats.get('class_counts', [])):
            hub.update_scalar(f'train/pseudo_count_{name}', float(count))
        if self.current_tau is not None:
            hub.update_scalar('train/ast_tau', self.current_tau)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.teacher is not None:
            checkpoint['self_training'] = dict(
                teacher_state_dict=self.teacher.state_dict(), tau=self.current_tau,
                teacher_mode=self.teacher_mode)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('self_training')
        if saved is None:
            return
        if saved['teacher_mode'] != self.teacher_mode:
            raise ValueError(f"the checkpoint's teacher is {saved['teacher_mode']!r} but the "
                             f'config asks for {self.teacher_mode!r}')
        self.teacher = self._copy_model(self._model(runner))
        self.teacher.load_state_dict(saved['teacher_state_dict'])
        self.current_tau = saved['tau']
        print_log(f'self-training: restored the {self.teacher_mode} teacher (tau '
                  f'{self.current_tau}) from the checkpoint', logger='current')
