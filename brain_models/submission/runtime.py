"""What a registered plugin runs when Brain-Score loads it: rebuild the exact
trained model from the plugin's committed data and weights, and wrap it in
:class:`~brain_models.DynVisionBrainModel` with the committed settings."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, Union

PathLike = Union[str, "os.PathLike[str]"]

#: the plugin file holding everything committed about the model except the region->layer map
COMMITMENT_FILE = "dynvision_model.json"
#: the plugin folder holding ``<identifier>.json`` region->layer maps (Brain-Score's convention)
REGION_LAYER_MAP_DIR = "region_layer_map"
#: format tag of :data:`COMMITMENT_FILE`
FORMAT = "dynvision-brainscore-plugin/1"
#: environment variable choosing the device a registered model runs on (default: cuda when available)
DEVICE_ENV = "DYNVISION_DEVICE"


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

    return os.environ.get(DEVICE_ENV) or ("cuda" if torch.cuda.is_available() else "cpu")


def load_model(plugin_dir: PathLike, identifier: str):
    """The trained DynVision model of the plugin (eval mode, on CPU), checked
    against the committed weights fingerprint."""
    from dynvision.training import load_checkpoint

    from ..adapter import weights_hash

    plugin_dir = Path(plugin_dir)
    commitment = read_commitment(plugin_dir)
    if commitment["identifier"] != identifier:
        raise PluginError(f"plugin {plugin_dir.name} registers {commitment['identifier']!r}, not {identifier!r}")
    module_file = commitment["model"].get("module_file")
    model = load_checkpoint(weights_path(plugin_dir, commitment), map_location="cpu",
                            model_module=plugin_dir / module_file if module_file else None)
    fingerprint = commitment["weights"]["params_sha256"]
    actual = weights_hash(model, len(fingerprint))
    if actual != fingerprint:
        raise PluginError(f"{identifier!r}: the rebuilt model's parameters hash to {actual}, but {fingerprint} was "
                          "registered (a different dynvision version builds this architecture differently?)")
    dt = commitment["time"]["dt_ms"]
    if float(model.dt) != float(dt):
        raise PluginError(f"{identifier!r}: the rebuilt model has dt={model.dt} ms, but dt={dt} ms was registered")
    return model, commitment


def load_registered(plugin_dir: PathLike, identifier: str):
    """The :class:`~brain_models.DynVisionBrainModel` registered as ``identifier``
    in ``plugin_dir``: the trained model with the committed time mapping
    (presentation time, latency, readout), visual degrees, normalization,
    feature reduction and region->layer map."""
    from ..adapter import DynVisionBrainModel

    model, commitment = load_model(plugin_dir, identifier)
    region_layer_map = read_region_layer_map(plugin_dir, identifier)
    time, inputs, features = commitment["time"], commitment["input"], commitment["features"]
    brain_model = DynVisionBrainModel(
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
        behavioral_readout_layer=commitment.get("behavioral_readout_layer"),
        squeeze_single_bin=commitment.get("squeeze_single_bin", True),
        device=_device(),
    )
    # exactly the committed regions (no layer choices stored on this machine mixed in)
    brain_model.region_layer_map = dict(region_layer_map)
    return brain_model
