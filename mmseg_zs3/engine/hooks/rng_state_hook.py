"""Saves the random number generators in checkpoints so that ``--resume`` is exact.

mmengine's checkpoints hold the weights, the optimizers, the schedulers and the message
hub, but not the state of Python's ``random``, numpy's global generator and torch's
generators. A zero-shot run consumes all of them after the seed is set: the random
transforms of the data pipeline (numpy), the generator's noise, the synthetic label maps of
``finetune`` and dropout (torch). A resumed run therefore trains on other random numbers
than the run it continues, unless those states are restored, and at the right moment:

- ``IterBasedTrainLoop`` fast-forwards the dataloader by ``iter`` batches after loading a
  checkpoint (so the sampler's data order continues where it stopped); those batches run the
  pipeline's random transforms again, which consumes numpy's generator;
- so the states are restored after the fast-forward, just before the first batch of the
  resumed run is drawn: exactly where the saved run drew it.

The hook stores one entry per process. Only the main process writes checkpoints (and
calls ``before_save_checkpoint``), so in a distributed run every process hands its states
over in ``after_train_iter`` / ``after_train_epoch`` whenever a ``CheckpointHook`` is
about to save (one small ``all_gather_object``); a run resumed with another number of
processes gets a warning and keeps its own seeded generators.
"""
import random
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

CHECKPOINT_KEY = 'rng_state'


def get_rng_state() -> Dict[str, object]:
    """Returns the states of Python's, numpy's and torch's global generators.

    Returns:
        dict: ``python`` (``random.getstate()``), ``numpy`` (``np.random.get_state()``),
        ``torch`` (a ByteTensor) and, when CUDA is initialised, ``cuda`` (one ByteTensor per
        device). All of it loads with ``torch.load(weights_only=True)``.
    """
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, object]) -> None:
    """Restores the generators from :func:`get_rng_state`'s output.

    Args:
        state (dict): As returned by :func:`get_rng_state` (possibly after a
            checkpoint round trip, which turns tuples into lists).

    Raises:
        KeyError: When one of ``python``, ``numpy``, ``torch`` is missing.
    """
    missing = {'python', 'numpy', 'torch'} - set(state)
    if missing:
        raise KeyError(f'the saved random state lacks {sorted(missing)}; got {sorted(state)}')
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(tuple(state['numpy']))
    torch.set_rng_state(state['torch'].cpu())
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfter:
    """Wraps a dataloader iterator: after ``skip`` batches, restores the saved states once.

    ``IterBasedTrainLoop`` draws its fast-forward batches and then the first batch of the
    resumed run from ``dataloader_iterator``; this stand-in restores the generators between
    the two and then puts the original iterator back.
    """

    def __init__(self, loop, skip: int, state: Dict[str, object]):
        self.loop = loop
        self.inner = loop.dataloader_iterator
        self.skip = skip
        self.state = state
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self):
        batch = next(self.inner)
        self.count += 1
        if self.count == self.skip:
            set_rng_state(self.state)
            self.loop.dataloader_iterator = self.inner
            print_log(f'random states restored after the fast-forward of {self.skip} '
                      'batches', logger='current')
        return batch


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Stores the random generators' states in every checkpoint; restores them on resume.

    Add it to ``custom_hooks`` (``dict(type='RNGStateHook')``); with it, a run resumed with
    ``--resume`` from a checkpoint of iteration k trains on the same random numbers (data
    augmentation, noise, synthetic labels, dropout) as the run that was not interrupted, so
    it ends with the same weights. ``load_from`` (not a resume, the iteration restarts at
    0) leaves the seeded generators alone.
    """

    # after the schedulers (LOW, registered first), before CheckpointHook (VERY_LOW)
    priority = 'LOW'

    def __init__(self):
        self._pending: Optional[List[Dict[str, object]]] = None
        self._gathered: Optional[tuple] = None  # (iteration, states of all processes)

    @staticmethod
    def _checkpoint_due(runner, by_epoch: bool) -> bool:
        """Whether a CheckpointHook saves at the end of this iteration (epoch)."""
        for hook in runner.hooks:
            if not isinstance(hook, CheckpointHook) or hook.by_epoch != by_epoch:
                continue
            if by_epoch:
                if hook.every_n_epochs(runner, hook.interval, hook.save_begin) or (
                        hook.save_last and hook.is_last_train_epoch(runner)):
                    return True
            elif hook.every_n_train_iters(runner, hook.interval, hook.save_begin) or (
                    hook.save_last and hook.is_last_train_iter(runner)):
                return True
        return False

    def _gather_if_due(self, runner, by_epoch: bool) -> None:
        if get_world_size() > 1 and self._checkpoint_due(runner, by_epoch):
            self._gathered = (runner.iter, all_gather_object(get_rng_state()))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._gather_if_due(runner, by_epoch=False)

    def after_train_epoch(self, runner) -> None:
        self._gather_if_due(runner, by_epoch=True)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if get_world_size() == 1:
            states = [get_rng_state()]
        elif self._gathered is not None and self._gathered[0] == runner.iter:
            states = self._gathered[1]
        else:  # e.g. a best checkpoint saved after validation: this process only
            states = [get_rng_state()]
        checkpoint[CHECKPOINT_KEY] = dict(world_size=len(states), states=states)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get(CHECKPOINT_KEY)
        if saved is None:
            self._pending = None
            return
        self._pending = list(saved['states'])

    def _take_own_state(self) -> Optional[Dict[str, object]]:
        states, self._pending = self._pending, None
        if states is None:
            return None
        if len(states) != get_world_size():
            print_log(f'the checkpoint holds random states of {len(states)} process(es) but '
                      f'this run has {get_world_size()}: keeping the seeded generators, the '
                      'resumed run is not bit-exact', logger='current', level=30)
            return None
        return states[get_rank()]

    def before_train_epoch(self, runner) -> None:
        if runner.iter == 0:  # load_from, or a resume from iteration 0: nothing to continue
            self._pending = None
            return
        state = self._take_own_state()
        if state is None:
            return
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            # IterBasedTrainLoop: it fast-forwards `iter` batches after this hook
            loop.dataloader_iterator = _RestoreAfter(loop, runner.iter, state)
        else:
            # EpochBasedTrainLoop starts a fresh epoch: restore now
            set_rng_state(state)
            print_log('random states restored from the checkpoint', logger='current')
