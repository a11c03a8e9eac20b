"""Switches the training phase of a zero-shot segmentor by iteration."""
from typing import List, Optional, Sequence, Tuple, Union

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

from ...datasets.checks import (check_dataset_not_empty, check_split_matches_dataset,
                                describe_dataset)

PhaseSpec = Union[dict, Sequence]


def parse_phase_schedule(phases: Sequence[PhaseSpec]) -> List[Tuple[str, int]]:
    """Normalises a phase schedule to ``[(name, iters), ...]``.

    Args:
        phases (list): Items ``dict(name=..., iters=...)`` or ``(name, iters)`` pairs, in
            training order; a name may repeat (e.g. a second ``finetune``).

    Returns:
        list[tuple[str, int]]: The schedule.

    Raises:
        ValueError: For an empty schedule, a malformed item or a non-positive length.
    """
    if not phases:
        raise ValueError('the phase schedule is empty')
    schedule = []
    for item in phases:
        if isinstance(item, dict):
            if set(item) != {'name', 'iters'}:
                raise ValueError(f'a phase is dict(name=..., iters=...), got {item}')
            name, iters = item['name'], item['iters']
        else:
            if len(item) != 2:
                raise ValueError(f'a phase is (name, iters), got {item!r}')
            name, iters = item
        if not isinstance(name, str) or not name:
            raise ValueError(f'phase name must be a non-empty string, got {name!r}')
        if isinstance(iters, bool) or not isinstance(iters, int) or iters <= 0:
            raise ValueError(f'phase {name!r} must last a positive whole number of '
                             f'iterations, got {iters!r}')
        schedule.append((name, iters))
    return schedule


def compare_state_dict_keys(model_state: dict, checkpoint_state: dict) -> Tuple[list, list]:
    """Keys a model expects but a checkpoint lacks, and keys the checkpoint has in excess.

    As mmengine's loader does, a ``module.`` prefix (a wrapped model) is removed from the
    checkpoint's keys and BatchNorm's ``num_batches_tracked`` counters are not reported.

    Args:
        model_state (dict): The model's ``state_dict()``.
        checkpoint_state (dict): The checkpoint's ``state_dict``.

    Returns:
        tuple[list[str], list[str]]: ``(missing, unexpected)``, sorted.
    """
    ckpt = {k[len('module.'):] if k.startswith('module.') else k for k in checkpoint_state}
    missing = sorted(k for k in set(model_state) - ckpt if 'num_batches_tracked' not in k)
    unexpected = sorted(ckpt - set(model_state))
    return missing, unexpected


def locate_phase(schedule: Sequence[Tuple[str, int]], iteration: int) -> Tuple[int, str, int]:
    """Finds the phase of a (0-based) global iteration.

    Args:
        schedule (list[tuple[str, int]]): Output of :func:`parse_phase_schedule`.
        iteration (int): Global iteration, 0-based (``runner.iter``).

    Returns:
        tuple: ``(phase index, phase name, iteration within the phase)``.

    Raises:
        ValueError: When the iteration lies beyond the schedule.
    """
    start = 0
    for index, (name, iters) in enumerate(schedule):
        if iteration < start + iters:
            return index, name, iteration - start
        start += iters
    raise ValueError(f'iteration {iteration} is beyond the phase schedule ({start} '
                     'iterations in all)')


@HOOKS.register_module()
class ZeroShotPhaseHook(Hook):
    """Applies a phase schedule to a zero-shot segmentor, keyed on ``runner.iter``.

    Because the phase is a function of the global iteration, a run resumed with
    ``--resume`` lands in the right phase (and at the right position inside it) with no
    state of its own to save. A phase can also be run alone from a checkpoint of the
    previous one with ``load_from`` and a schedule that lists only that phase.

    Before the first iteration it also checks the data (:mod:`mmseg_zs3.datasets.checks`):
    the training and validation datasets must not be empty, and the training dataset's
    classes must be the model's split's classes, in order; the errors name the dataset.

    Args:
        phases (list): ``[dict(name='seen', iters=N), dict(name='finetune', iters=M), ...]``;
            the names must be phases the model knows (its ``phase_names``).
    """

    priority = 'VERY_HIGH'

    def __init__(self, phases: Sequence[PhaseSpec]):
        self.schedule = parse_phase_schedule(phases)
        self._current: Optional[int] = None

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def before_run(self, runner) -> None:
        model = self._model(runner)
        known = getattr(model, 'phase_names', None)
        if known is None:
            raise TypeError(f'{type(model).__name__} has no training phases; '
                            'ZeroShotPhaseHook needs a ZeroShotEncoderDecoder')
        unknown = [name for name, _ in self.schedule if name not in known]
        if unknown:
            raise ValueError(f'phase schedule names unknown phase(s) {unknown}; the model '
                             f'knows {sorted(known)}')

    def before_train(self, runner) -> None:
        self._check_data(runner)
        total = sum(iters for _, iters in self.schedule)
        max_iters = runner.max_iters
        if total < max_iters:
            raise ValueError(f'the phase schedule covers {total} iterations but the run '
                             f'has max_iters={max_iters}: make them equal')
        if total > max_iters:
            print_log(f'phase schedule ({total} iterations) is longer than max_iters='
                      f'{max_iters}; training stops inside the schedule', logger='current',
                      level=30)

    def _check_data(self, runner) -> None:
        """Refuses empty datasets and a training set whose classes are not the split's."""
        loader = getattr(runner, 'train_dataloader', None)
        if loader is None:  # not an mmengine Runner (a stand-in with no data): nothing to check
            return
        train_set = loader.dataset
        check_dataset_not_empty(train_set, 'training')
        split = getattr(getattr(self._model(runner), 'decode_head', None), 'split', None)
        if split is not None:
            check_split_matches_dataset(split, train_set.metainfo.get('classes'), 'training',
                                        describe_dataset(train_set))
        if getattr(runner, 'val_loop', None) is not None:
            check_dataset_not_empty(runner.val_loop.dataloader.dataset, 'validation')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Logs how the checkpoint's weights match the model (kept in the log file).

        mmengine prints a mismatch to the console only; a phase started from the previous
        phase's checkpoint with ``load_from`` should show in its log which keys it did not
        get (a new part of the model) or did not use.
        """
        missing, unexpected = compare_state_dict_keys(
            self._model(runner).state_dict(), checkpoint.get('state_dict', checkpoint))
        if missing or unexpected:
            print_log('the checkpoint does not match the model exactly: missing keys in '
                      f'source state_dict (kept as initialised): {", ".join(missing) or "none"}'
                      '; unexpected key in source state_dict (ignored): '
                      f'{", ".join(unexpected) or "none"}', logger='current', level=30)
        else:
            print_log('the checkpoint has exactly the keys of the model', logger='current')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        index, name, in_phase = locate_phase(self.schedule, runner.iter)
        if index != self._current:
            print_log(f'iteration {runner.iter + 1}: phase {index + 1}/{len(self.schedule)} '
                      f'{name!r} ({self.schedule[index][1]} iterations, starting at '
                      f'{in_phase + 1})', logger='current')
            self._current = index
        self._model(runner).set_phase(name, in_phase, self.schedule[index][1])
        # logged with the losses (and plotted by scalar backends such as TensorBoard): the
        # 1-based position of the current phase in the schedule
        runner.message_hub.update_scalar('train/phase', float(index + 1))
