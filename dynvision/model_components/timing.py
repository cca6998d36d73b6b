"""The time model for the component library: re-exports :mod:`dynvision.timing`.

The rule lives in the core module :mod:`dynvision.timing` (numpy only, so
that workflow planning and experiment schedules use it without torch).
"""
from __future__ import annotations

from dynvision.timing import TimeStepError, check_stability, ms_to_steps, step_end_times

__all__ = ["TimeStepError", "check_stability", "ms_to_steps", "step_end_times"]
