"""Training hooks."""
from .rng_state_hook import RNGStateHook, get_rng_state, set_rng_state
from .self_training_hook import SelfTrainingHook, annealed_temperature
from .zero_shot_phase_hook import (ZeroShotPhaseHook, compare_state_dict_keys, locate_phase,
                                   parse_phase_schedule)
from .zero_shot_report_hook import ZeroShotReportHook

__all__ = [
    'RNGStateHook', 'SelfTrainingHook', 'ZeroShotPhaseHook', 'ZeroShotReportHook',
    'annealed_temperature', 'compare_state_dict_keys', 'get_rng_state', 'locate_phase', 'parse_phase_schedule',
    'set_rng_state'
]
