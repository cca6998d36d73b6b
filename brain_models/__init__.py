"""Brain-Score adapters: a DynVision model as a time-resolved
``brainscore_vision.model_interface.BrainModel``.

>>> from brain_models import DynVisionBrainModel, from_checkpoint  # doctest: +SKIP
>>> brain_model = DynVisionBrainModel(model, identifier="DyRCNNx4-run1")  # doctest: +SKIP
>>> brain_model.start_recording("V4", time_bins=[(70, 170)])  # doctest: +SKIP
>>> assembly = brain_model.look_at(stimulus_set)  # doctest: +SKIP
"""
from .adapter import DEFAULT_TIME_BINS, DynVisionBrainModel, load_stored_region_layer_map, weights_hash
from .checkpoint import from_checkpoint, load_model, resolve_model_class
from .features import REDUCTIONS, LayerReducer
from .layer_selection import select_layer
from .stimuli import IMAGENET_MEAN, IMAGENET_STD, ImageLoader, StimulusError
from .time_bins import TimePlan, normalize_time_bins, plan_time

__all__ = [
    "DEFAULT_TIME_BINS", "DynVisionBrainModel", "IMAGENET_MEAN", "IMAGENET_STD", "ImageLoader", "LayerReducer",
    "REDUCTIONS", "StimulusError", "TimePlan", "from_checkpoint", "load_model", "load_stored_region_layer_map",
    "normalize_time_bins", "plan_time", "resolve_model_class", "select_layer", "weights_hash",
]
