"""What a registered plugin runs when Brain-Score loads it: rebuild the exact
trained model from the plugin's committed data and weights, and wrap it in
:class:`~brain_models.DynVisionBrainModel` with the committed settings.

This module travels inside every plugin (see :mod:`.bundle`): it imports
only the adapter, the model class it is given, torch and the standard
library, and never Lightning or the training code.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Tuple, Union

from dynvision.models.static import is_static

from ..adapter import DynVisionBrainModel, weights_hash
from ..reference_images import DEFAULT_REFERENCE_IMAGES

PathLike = Union[str, "os.PathLike[str]"]

#: the plugin file holding everything committed about the model except the region->layer map
COMMITMENT_FILE = "dynvision_model.json"
#: the plugin folder holding ``<identifier>.json`` region->layer maps (Brain-Score's convention)
REGION_LAYER_MAP_DIR = "region_layer_map"
#: format tag of :data:`COMMITMENT_FILE`
FORMAT = "dynvision-brainscore-plugin/2"
#: format tag inside the plugin's weights file
WEIGHTS_FORMAT = "dynvision-weights/1"
#: environment variable choosing the device a registered model runs on (default: cuda when available)
DEVICE_ENV = "DYNVISION_DEVICE"
#: the regions Brain-Score's neural benchmarks record from
STANDARD_REGIONS = ("V1", "V2", "V4", "IT")


class PluginError(RuntimeError):
    """A registered plugin is incomplete or inconsistent."""


def read_commitment(plugin_dir: PathLike) -> Dict[str, Any]:
    path = Path(plugin_dir) / COMMITMENT_FILE
    if not path.is_file():
        raise PluginError(f"{path} is missing: {Path(plugin_dir).name} is not a plugin written by `dynvision register`")
    with open(path, encoding="utf-8") as handle:
        commitment = json.load(handle)
    if commitment.get("format") != FORMAT:
        raise PluginError(f"{path}: format {commitment.get('format')!r}, expected {FORMAT!r} "
                          "(written by another dynvision version)")
    return commitment


def read_region_layer_map(plugin_dir: PathLike, identifier: str) -> Dict[str, Any]:
    path = Path(plugin_dir) / REGION_LAYER_MAP_DIR / f"{identifier}.json"
    if not path.is_file():
        raise PluginError(f"{path} is missing: the region->layer commitment of {identifier!r}")
    with open(path, encoding="utf-8") as handle:
        return dict(json.load(handle))


def weights_path(plugin_dir: PathLike, commitment: Dict[str, Any]) -> Path:
    """The verified local weights file: inside the plugin, or fetched from the registered URL."""
    from .weights import fetch_weights, verify_local_weights

    weights = commitment["weights"]
    label = repr(commitment["identifier"])
    if weights.get("file"):
        return verify_local_weights(Path(plugin_dir) / weights["file"], weights["sha1"], label)
    return fetch_weights(weights["url"], weights["sha1"], weights.get("file_name"), label=label)


def _device() -> str:
    import torch

    from dynvision.devices import check_device

    chosen = os.environ.get(DEVICE_ENV)
    if not chosen:
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        check_device(chosen)
    except ValueError as error:
        raise PluginError(f"${DEVICE_ENV}={error}") from None
    return chosen


def build_model(model_class: Any, weights_file: PathLike, label: str = "model"):
    """``model_class(**model_args)`` with the stored weights (eval mode, CPU);
    ``model_class`` is a model class, or a static model's factory (no arguments).

    The weights file holds only tensors and plain values, read with
    ``torch.load(weights_only=True)``: loading it runs no code.
    """
    import pickle

    import torch

    try:
        stored = torch.load(weights_file, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as error:
        raise PluginError(f"the weights file of {label} ({weights_file}) cannot be read as plain tensors: "
                          f"{error}") from None
    if not isinstance(stored, dict) or stored.get("format") != WEIGHTS_FORMAT:
        raise PluginError(f"{weights_file} is not a weights file written by `dynvision register` "
                          f"(expected format {WEIGHTS_FORMAT!r})")
    model = model_class(**stored["model_args"])
    model.load_state_dict(stored["state_dict"], strict=True)
    return model.eval()


def load_model(plugin_dir: PathLike, identifier: str, model_class: type):
    """The plugin's trained model (eval mode, on CPU) and its commitment,
    checked against the committed parameter fingerprint and ``dt``."""
    plugin_dir = Path(plugin_dir)
    commitment = read_commitment(plugin_dir)
    if commitment["identifier"] != identifier:
        raise PluginError(f"plugin {plugin_dir.name} registers {commitment['identifier']!r}, not {identifier!r}")
    model = build_model(model_class, weights_path(plugin_dir, commitment), repr(identifier))
    fingerprint = commitment["weights"]["params_sha256"]
    actual = weights_hash(model, len(fingerprint))
    if actual != fingerprint:
        raise PluginError(f"{identifier!r}: the rebuilt model's parameters hash to {actual}, but {fingerprint} was "
                          "registered: the plugin's files were changed after registration; register the model again")
    dt = commitment["time"]["dt_ms"]
    model_dt = 0.0 if is_static(model) else float(model.dt)  # a static model takes no time steps
    if model_dt != float(dt):
        raise PluginError(f"{identifier!r}: the rebuilt model has dt={model_dt} ms, but dt={dt} ms was registered")
    return model, commitment


class RegisteredBrainModel(DynVisionBrainModel):
    """The adapter with the registered commitment: exactly the committed
    regions, and a clear refusal for a region left out at registration."""

    def __init__(self, *args: Any, omitted_regions: Tuple[str, ...] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.omitted_regions = tuple(omitted_regions)

    def layers_for(self, region: str) -> List[str]:
        if region in getattr(self, "omitted_regions", ()):
            raise ValueError(
                f"{self.identifier} commits no layer to region {region!r}: it was left out when the model was "
                f"registered (dynvision register --omit-region {region}); committed regions: "
                f"{', '.join(sorted(self.region_layer_map)) or 'none'}")
        return super().layers_for(region)


def load_registered(plugin_dir: PathLike, identifier: str, model_class: type) -> RegisteredBrainModel:
    """The BrainModel registered as ``identifier`` in ``plugin_dir``: the
    trained ``model_class`` with the committed time mapping (presentation
    time, latency, readout), visual degrees, normalization, feature reduction
    and region->layer map."""
    model, commitment = load_model(plugin_dir, identifier, model_class)
    region_layer_map = read_region_layer_map(plugin_dir, identifier)
    time, inputs, features = commitment["time"], commitment["input"], commitment["features"]
    brain_model = RegisteredBrainModel(
        model,
        identifier=identifier,
        visual_degrees=commitment["visual_degrees"],
        region_layer_map=region_layer_map,
        t_presentation=time["t_presentation_ms"],
        latency=time["latency_ms"],
        readout_time=time["readout_time_ms"],
        readout_window=time["readout_window_ms"],
        mean=inputs["mean"],
        std=inputs["std"],
        reduction=features["reduction"],
        max_features=features["max_features"],
        seed=features["seed"],
        reference_images=features.get("reference_images", DEFAULT_REFERENCE_IMAGES),
        behavioral_readout_layer=commitment.get("behavioral_readout_layer"),
        squeeze_single_bin=commitment.get("squeeze_single_bin", True),
        device=_device(),
        omitted_regions=tuple(commitment.get("omitted_regions", ())),
    )
    # exactly the committed regions (no layer choices stored on this machine mixed in)
    brain_model.region_layer_map = dict(region_layer_map)
    return brain_model
