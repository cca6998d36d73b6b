"""Temporal stimulus protocols: run a model on time-varying stimuli and
tabulate its responses and behaviour over time.

>>> from dynvision.experiments import get_protocol, run_experiment   # doctest: +SKIP
>>> result = run_experiment(model, get_protocol("contrast", contrasts=[0.25, 1.0]), images, labels)
>>> result.save("out/contrast")      # responses.csv/.nc, summary.csv, experiment.json, plots/

Protocols (times in ms, whole numbers of the model's dt): ``response``,
``duration``, ``contrast``, ``interval``, ``noise``; see
:mod:`dynvision.experiments.protocols` and ``docs/experiments.md``.
"""
from .base import Protocol
from .registry import get_protocol, list_protocols, register_protocol
from .registry import protocols as PROTOCOLS
from . import protocols as _standard  # noqa: F401  (registers the standard protocols)
from .protocols import Contrast, Duration, Interval, Noise, Response
from .schedule import ScheduleError, ms_to_steps, presence

_LAZY = {"ExperimentResult": "runner", "run_experiment": "runner", "dataset_images": "stimuli"}


def __getattr__(name: str):
    # running needs torch and the model library; naming and planning do not
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Contrast", "Duration", "ExperimentResult", "Interval", "Noise", "Protocol", "Response", "ScheduleError",
    "PROTOCOLS", "dataset_images", "get_protocol", "list_protocols", "ms_to_steps", "presence",
    "register_protocol", "run_experiment",
]
