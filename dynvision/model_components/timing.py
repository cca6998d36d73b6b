"""The time model: milliseconds <-> simulation steps.

Step ``k`` (0-based) of a run ends at ``(k + 1) * dt`` ms after the first
input frame. Every conversion between steps and milliseconds in DynVision
goes through this module.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

#: relative tolerance for "a whole number of steps"
_STEP_TOLERANCE = 1e-6


def step_end_times(n_steps: int, dt: float) -> np.ndarray:
    """End time in ms of each of ``n_steps`` steps: ``(k + 1) * dt``."""
    return (np.arange(n_steps, dtype=float) + 1.0) * float(dt)


def steps_for_duration(t_ms: float, dt: float) -> int:
    """Number of steps needed so that the last one ends at or after ``t_ms``."""
    return max(0, int(math.ceil(float(t_ms) / float(dt) - _STEP_TOLERANCE)))


def delay_steps(t_ms: float, dt: float, name: str, minimum_steps: int = 0) -> int:
    """Convert a delay in ms into a whole number of ``dt`` steps.

    A delay that is not a whole number of steps, or shorter than
    ``minimum_steps``, is an error: rounding it silently would change the
    model's behaviour.
    """
    if t_ms is None or not math.isfinite(float(t_ms)) or float(t_ms) < 0:
        raise ValueError(f"{name}={t_ms!r} ms: a delay must be a finite number of ms >= 0")
    ratio = float(t_ms) / float(dt)
    steps = int(round(ratio))
    if abs(ratio - steps) > _STEP_TOLERANCE * max(1.0, abs(ratio)):
        lower, upper = math.floor(ratio) * dt, math.ceil(ratio) * dt
        raise ValueError(
            f"{name}={t_ms:g} ms is not a whole number of dt={dt:g} ms steps; "
            f"use {lower:g} or {upper:g} ms, or a dt that divides {t_ms:g}"
        )
    if steps < minimum_steps:
        raise ValueError(
            f"{name}={t_ms:g} ms is shorter than {minimum_steps} step(s) of dt={dt:g} ms; "
            f"this connection needs at least {minimum_steps * dt:g} ms "
            "(its source is not computed yet when it is read)"
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
