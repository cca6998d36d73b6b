"""Brain-Score adapters: a DynVision model as a time-resolved
``brainscore_vision.model_interface.BrainModel``.

>>> from brain_models import DynVisionBrainModel, from_checkpoint  # doctest: +SKIP
>>> brain_model = DynVisionBrainModel(model, identifier="DyRCNNx4-run1")  # doctest: +SKIP
>>> brain_model.start_recording("V4", time_bins=[(70, 170)])  # doctest: +SKIP
>>> assembly = brain_model.look_at(stimulus_set)  # doctest: +SKIP

The names below load on first use: importing the package (for instance for
``dynvision register --help``) does not import Brain-Score or torch.
"""
from __future__ import annotations

import importlib
from typing import Any

#: public name -> the module of this package defining it
_EXPORTS = {
    "DEFAULT_TIME_BINS": "adapter", "DynVisionBrainModel": "adapter", "load_stored_region_layer_map": "adapter",
    "weights_hash": "adapter",
    "from_checkpoint": "checkpoint",
    "DEFAULT_REDUCTION": "features", "REDUCTIONS": "features", "LayerReducer": "features",
    "select_layer": "layer_selection",
    "IMAGENET_MEAN": "stimuli", "IMAGENET_STD": "stimuli", "ImageLoader": "stimuli", "StimulusError": "stimuli",
    "AdapterSettings": "settings", "parse_region_layers": "settings",
    "TimePlan": "time_bins", "normalize_time_bins": "time_bins", "plan_time": "time_bins",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
