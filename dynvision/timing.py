"""The time model: milliseconds <-> simulation steps (the one rule).

A model simulates time in steps of ``dt`` ms. Step ``k`` (0-based) of a run
ends at ``(k + 1) * dt`` ms after the first input frame.

Every time given in ms (a delay, a presentation, a blank, a protocol's
onset, a time-bin edge, a reaction time) becomes steps through
:func:`ms_to_steps`: it must be a whole number of steps, else a one-line
:class:`TimeStepError` names the value, the ``dt`` and the nearest valid
values. Rounding it silently would change what the model sees.

This module imports numpy only, so that planning code (workflows,
experiment schedules) can use it without importing torch.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

#: relative tolerance for "a whole number of steps": absorbs float noise such
#: as ``0.1 * 3 / 0.1 = 3.0000000000000004``, never a real fraction of a step
STEP_TOLERANCE = 1e-6


class TimeStepError(ValueError):
    """A time in ms that is not a whole number of the model's ``dt`` steps."""


def step_end_times(n_steps: int, dt: float) -> np.ndarray:
    """End time in ms of each of ``n_steps`` steps: ``(k + 1) * dt``."""
    return (np.arange(n_steps, dtype=float) + 1.0) * float(dt)


def ms_to_steps(t_ms: float, dt: float, name: str, where: str = "", minimum_steps: int = 0) -> int:
    """``t_ms / dt`` as a whole number of steps, or a :class:`TimeStepError`.

    ``name`` (and ``where``) say which value it is, e.g. ``name="t_presentation"``,
    ``where="DyRCNNx4"``. ``minimum_steps``: the least number of steps allowed
    (a recurrent delay needs 1: its source is not computed yet when it is read).
    """
    prefix = f"{where}: " if where else ""
    dt = float(dt)
    if not (math.isfinite(dt) and dt > 0):
        raise TimeStepError(f"{prefix}dt={dt:g} ms: the step must be a finite time > 0 ms")
    if t_ms is None or isinstance(t_ms, bool) or not math.isfinite(float(t_ms)) or float(t_ms) < 0:
        raise TimeStepError(f"{prefix}{name}={t_ms!r} ms: expected a finite time >= 0 ms")
    t_ms = float(t_ms)
    ratio = t_ms / dt
    steps = int(round(ratio))
    if abs(ratio - steps) > STEP_TOLERANCE * max(1.0, ratio):
        lower, upper = math.floor(ratio) * dt, math.ceil(ratio) * dt
        raise TimeStepError(
            f"{prefix}{name}={t_ms:g} ms is not a whole number of the model's dt={dt:g} ms steps; "
            f"nearest valid values: {lower:g} or {upper:g} ms (or a dt that divides {t_ms:g} ms)"
        )
    if steps < minimum_steps:
        raise TimeStepError(
            f"{prefix}{name}={t_ms:g} ms is shorter than {minimum_steps} step(s) of dt={dt:g} ms; "
            f"use at least {minimum_steps * dt:g} ms (its source is not computed yet when it is read)"
        )
    return steps


def check_stability(solver: str, dt: float, tau: float, where: str) -> None:
    """Warn when explicit Euler is used with ``dt > tau`` (unstable/oscillating)."""
    if solver == "euler" and float(dt) > float(tau):
        warnings.warn(
            f"{where}: dt={dt:g} ms > tau={tau:g} ms with the Euler solver is unstable; "
            "reduce dt, increase tau, or use solver='rk4'",
            RuntimeWarning,
            stacklevel=3,
        )
