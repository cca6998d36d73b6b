"""Stimulus schedules in milliseconds, turned into per-step masks.

A schedule is a list of ``(onset_ms, offset_ms)`` windows during which the
stimulus is on. Step ``k`` covers ``(k*dt, (k+1)*dt]`` (it ends at
``(k+1)*dt`` ms, see :func:`dynvision.model_components.timing.step_end_times`),
so the stimulus drives step ``k`` when ``onset <= k*dt`` and
``(k+1)*dt <= offset``. Every time must be a whole number of ``dt`` steps:
rounding would silently change what the model sees.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence, Tuple

if TYPE_CHECKING:  # torch is imported on use: the workflow plans without it
    import torch

_TOLERANCE = 1e-6

Window = Tuple[float, float]


class ScheduleError(ValueError):
    """A schedule time that the model's ``dt`` cannot represent."""


def ms_to_steps(t_ms: float, dt: float, name: str, where: str = "schedule") -> int:
    """``t_ms / dt`` as an int; an error naming the value when it is not whole."""
    t_ms, dt = float(t_ms), float(dt)
    if not math.isfinite(t_ms) or t_ms < 0:
        raise ScheduleError(f"{where}: {name}={t_ms:g} ms must be a finite time >= 0")
    ratio = t_ms / dt
    steps = int(round(ratio))
    if abs(ratio - steps) > _TOLERANCE * max(1.0, ratio):
        lower, upper = math.floor(ratio) * dt, math.ceil(ratio) * dt
        raise ScheduleError(
            f"{where}: {name}={t_ms:g} ms is not a whole number of the model's dt={dt:g} ms steps; "
            f"use {lower:g} or {upper:g} ms, or a model whose dt divides {t_ms:g} ms"
        )
    return steps


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
