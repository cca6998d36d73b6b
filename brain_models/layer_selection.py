"""Choosing the layer that stands for a region, for models that declare none.

Each candidate layer is committed to the region in turn and the adapter is
scored by the region's benchmark (any callable ``benchmark(brain_model) ->
Score``, e.g. a Brain-Score ``NeuralBenchmark``); the best layer is kept and
stored as JSON in ``$DYNVISION_HOME/models/<identifier>/region_layer_map.json``,
where the adapter finds it the next time it wraps a model of that identifier.

A candidate's value is its headline over *all* time bins
(:func:`brain_models.headline.headline`: undefined bins count as 0). The
benchmark given here should see only stimuli that are not scored afterwards
(``benchmarks.selection.held_out_split`` builds such a pair); the split it
describes (``benchmark.stimulus_split`` or ``split=``) is stored with the choice.
"""
from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Sequence

from dynvision.fileio import write_text_atomically

from .headline import headline
from .paths import region_layer_map_path

if TYPE_CHECKING:  # pragma: no cover
    from .adapter import DynVisionBrainModel


def _score_value(score) -> float:
    """The candidate's value: the headline over all time bins (NaN bins as 0)."""
    return headline(score)


def select_layer(
    brain_model: "DynVisionBrainModel",
    region: str,
    benchmark: Callable,
    candidate_layers: Optional[Sequence[str]] = None,
    store: bool = True,
    split: Optional[Mapping[str, Any]] = None,
) -> Dict[str, object]:
    """Score ``candidate_layers`` (default: all of the model's areas) for
    ``region`` with ``benchmark``, commit the best one and (``store``) save it.

    :param split: which stimuli ``benchmark`` scores (default: its ``stimulus_split``
        attribute, if any); recorded with the choice.
    Returns ``{"region", "layer", "scores": {layer: score}, "benchmark", "split", "path"}``.
    """
    split = dict(split if split is not None else getattr(benchmark, "stimulus_split", None) or {}) or None
    layers = list(candidate_layers) if candidate_layers is not None else [
        layer for layer in brain_model.available_layers() if layer != "classifier"]
    if not layers:
        raise ValueError(f"{brain_model.identifier}: no candidate layers to choose from for region {region!r}")
    had, previous = region in brain_model.region_layer_map, brain_model.region_layer_map.get(region)
    scores: Dict[str, float] = {}
    try:
        for layer in layers:
            brain_model.region_layer_map[region] = layer
            scores[layer] = _score_value(benchmark(brain_model))
    except BaseException:
        if had:
            brain_model.region_layer_map[region] = previous
        else:
            brain_model.region_layer_map.pop(region, None)
        raise
    ranked = [(-math.inf if math.isnan(v) else v, -i, layer) for i, (layer, v) in enumerate(scores.items())]
    best = max(ranked)[2]
    brain_model.region_layer_map[region] = best
    identifier = getattr(benchmark, "identifier", None) or type(benchmark).__name__
    result = {"region": region, "layer": best, "scores": scores, "benchmark": str(identifier), "split": split,
              "path": None}
    if store:
        result["path"] = str(store_choice(brain_model.identifier, region, best, scores, str(identifier), split))
    selections = getattr(brain_model, "layer_selections", None)
    if isinstance(selections, dict):
        selections[region] = result
    return result


def store_choice(identifier: str, region: str, layer: str, scores: Dict[str, float], benchmark: str,
                 split: Optional[Mapping[str, Any]] = None):
    """Merge one region's choice into the model's stored JSON (written atomically)."""
    path = region_layer_map_path(identifier)
    data = {"model_identifier": identifier, "region_layer_map": {}, "selection": {}}
    if path.is_file():
        with open(path) as handle:
            data.update(json.load(handle))
    data["region_layer_map"][region] = layer
    data["selection"][region] = {
        "benchmark": benchmark,
        "scores": {k: (None if math.isnan(v) else v) for k, v in scores.items()},
        "split": None if split is None else dict(split),
        "chosen_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return write_text_atomically(path, json.dumps(data, indent=2, sort_keys=True))
