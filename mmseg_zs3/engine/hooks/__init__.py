"""Training hooks."""
from .zero_shot_phase_hook import (ZeroShotPhaseHook, locate_phase,
                                   parse_phase_schedule)

__all__ = ['ZeroShotPhaseHook', 'locate_phase', 'parse_phase_schedule']
