"""Stimulus schedules in milliseconds, turned into per-step masks.

A schedule is a list of ``(onset_ms, offset_ms)`` windows during which the
stimulus is on. Step ``k`` covers ``(k*dt, (k+1)*dt]`` (it ends at
``(k+1)*dt`` ms, see :func:`dynvision.timing.step_end_times`),
so the stimulus drives step ``k`` when ``onset <= k*dt`` and
``(k+1)*dt <= offset``. Every time must be a whole number of ``dt`` steps
(:func:`dynvision.timing.ms_to_steps`, the one rule): rounding would
silently change what the model sees.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence, Tuple

from dynvision.timing import TimeStepError, ms_to_steps

if TYPE_CHECKING:  # torch is imported on use: the workflow plans without it
    import torch

Window = Tuple[float, float]

#: the experiments' name for a schedule time the model's ``dt`` cannot represent
ScheduleError = TimeStepError

__all__ = ["ScheduleError", "Window", "ms_to_steps", "presence"]


def presence(windows: Sequence[Window], total_ms: float, dt: float, where: str = "schedule") -> "torch.Tensor":
    """A ``(T,)`` float mask: 1 on the steps inside any window, else 0."""
    import torch

    n_steps = ms_to_steps(total_ms, dt, "total_ms", where)
    if n_steps < 1:
        raise ScheduleError(f"{where}: total_ms={total_ms:g} ms is shorter than one step of dt={dt:g} ms")
    mask = torch.zeros(n_steps)
    for onset, offset in windows:
        if offset < onset:
            raise ScheduleError(f"{where}: window ({onset:g}, {offset:g}) ms ends before it starts")
        first = ms_to_steps(onset, dt, "onset", where)
        last = ms_to_steps(offset, dt, "offset", where)
        if last > n_steps:
            raise ScheduleError(
                f"{where}: the stimulus window ({onset:g}, {offset:g}) ms ends after total_ms={total_ms:g} ms; "
                "lengthen total_ms"
            )
        mask[first:last] = 1.0
    return mask
