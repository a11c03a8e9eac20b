"""Training hooks."""
from .self_training_hook import SelfTrainingHook, annealed_temperature
from .zero_shot_phase_hook import (ZeroShotPhaseHook, locate_phase,
                                   parse_phase_schedule)

__all__ = [
    'SelfTrainingHook', 'ZeroShotPhaseHook', 'annealed_temperature', 'locate_phase',
    'parse_phase_schedule'
]
