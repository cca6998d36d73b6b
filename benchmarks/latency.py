"""``--latency auto``: fit the model-to-neural latency on held-out stimuli.

The latency L shifts the model's clock against the recording's (recorded
time t = model time + L, :mod:`brain_models.time_bins`). With ``auto`` each
candidate L (``0, step, 2*step, ... <= maximum`` ms, every one a whole number
of the model's steps) is scored by the benchmark on the *selection* part of
its stimuli (:func:`benchmarks.selection.held_out_split`); the best headline
(over all bins, undefined bins as 0; ties: the smaller latency) is committed
and the model is scored on the other part. The reported score never sees the
stimuli the latency was fitted on.
"""
from __future__ import annotations

import math
from typing import Any, Dict, List

AUTO = "auto"
#: default search range (ms): 0 to DEFAULT_MAX_MS in steps of DEFAULT_STEP_MS (rounded up to whole steps of dt)
DEFAULT_MAX_MS = 100.0
DEFAULT_STEP_MS = 10.0


def candidates(dt: float, maximum: float = DEFAULT_MAX_MS, step: float = DEFAULT_STEP_MS) -> List[float]:
    """Latencies tried: multiples of ``step`` rounded up to whole steps of ``dt``, from 0 to ``maximum``."""
    if maximum < 0 or step <= 0:
        raise ValueError(f"latency search range 0..{maximum} ms in steps of {step} ms: need maximum >= 0, step > 0")
    step = max(1, math.ceil(step / dt - 1e-9)) * dt
    count = int(math.floor(maximum / step + 1e-9))
    return [round(i * step, 9) for i in range(count + 1)]


def fit_latency(brain_model: Any, benchmark: Any, latencies: List[float]) -> Dict[str, Any]:
    """Score ``benchmark`` (the selection part) at each latency that ends before its first time
    bin does, commit the best one on ``brain_model`` and return
    ``{"latency", "scores": {latency: headline}, "split"}``."""
    from brain_models.headline import headline
    from brain_models.time_bins import normalize_time_bins

    timebins = getattr(benchmark, "timebins", None)
    if timebins is not None:  # the model runs from onset: a latency must leave every bin some model time
        earliest_end = min(end for _, end in normalize_time_bins(timebins))
        latencies = [latency for latency in latencies if latency < earliest_end]
    if not latencies:
        raise ValueError(f"{getattr(benchmark, 'identifier', benchmark)}: no latency candidate ends before the "
                         "first time bin does")
    scores: Dict[float, float] = {}
    for latency in latencies:
        brain_model.latency = float(latency)
        value = headline(benchmark(brain_model))
        scores[float(latency)] = -math.inf if math.isnan(value) else value
    best = max(scores, key=lambda latency: (scores[latency], -latency))
    brain_model.latency = best
    return {"latency": best, "scores": {str(k): (None if math.isinf(v) else v) for k, v in scores.items()},
            "split": getattr(benchmark, "stimulus_split", None)}


def parse_latency(text: str):
    """``--latency`` value: a finite number of ms (>= 0) or ``auto``."""
    import argparse

    from dynvision.arguments import non_negative_float

    if text.strip().lower() == AUTO:
        return AUTO
    try:
        return non_negative_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected a finite number of ms >= 0 or 'auto', got {text!r}") from None
