"""Rebuilding a DynVision model from a checkpoint and wrapping it for Brain-Score."""
from __future__ import annotations

import importlib
import os
import warnings
from typing import Any, Dict, Mapping, Optional, Tuple, Type, Union

import torch
from torch import nn

PathLike = Union[str, "os.PathLike[str]"]

#: where the model class / config may be stored inside a checkpoint (first found wins)
_CONFIG_KEYS = ("dynvision_config", "config")


def _config_of(checkpoint: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    """The resolved DynVision config saved inside a checkpoint, if any."""
    candidates = [checkpoint.get("dynvision")]
    candidates += [checkpoint.get(key) for key in _CONFIG_KEYS]
    hyper = checkpoint.get("hyper_parameters") or {}
    candidates += [hyper.get(key) for key in _CONFIG_KEYS]
    for candidate in candidates:
        if isinstance(candidate, Mapping):
            if "config" in candidate and isinstance(candidate["config"], Mapping):
                candidate = candidate["config"]
            if isinstance(candidate.get("model"), Mapping):
                return candidate
    return None


def _class_path_of(checkpoint: Mapping[str, Any]) -> Optional[str]:
    hyper = checkpoint.get("hyper_parameters") or {}
    meta = checkpoint.get("dynvision") if isinstance(checkpoint.get("dynvision"), Mapping) else {}
    for source in (meta, checkpoint, hyper):
        for key in ("model_class", "model_class_path"):
            if isinstance(source.get(key), str):
                return source[key]
    return None


def resolve_model_class(spec: Union[str, Type[nn.Module]]) -> Type[nn.Module]:
    """A model class from a class, ``"package.module:Class"`` / ``"package.module.Class"``,
    or a name registered in the model zoo (``dynvision.models``)."""
    if isinstance(spec, type):
        return spec
    name = str(spec)
    if ":" in name or "." in name:
        module_name, _, attr = name.partition(":") if ":" in name else name.rpartition(".")
        try:
            return getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as error:
            raise ValueError(f"model class {name!r} cannot be imported: {error}") from None
    try:
        zoo = importlib.import_module("dynvision.models")
    except ImportError as error:
        raise ValueError(f"model {name!r}: the model zoo (dynvision.models) cannot be imported: {error}") from None
    from dynvision.registry import Registry

    for value in vars(zoo).values():
        if isinstance(value, Registry) and name in value:
            found = value.get(name)
            return found if isinstance(found, type) else type(found)
    if isinstance(getattr(zoo, name, None), type):
        return getattr(zoo, name)
    get_model = getattr(zoo, "get_model", None)
    if get_model is not None:
        found = get_model(name)
        return found if isinstance(found, type) else type(found)
    raise ValueError(f"model {name!r} is not in the model zoo (dynvision.models)")


def _normalization(config: Optional[Mapping[str, Any]]) -> Tuple[Optional[list], Optional[list]]:
    """mean/std the model was trained with, from the config's ``data`` section."""
    data = (config or {}).get("data") or {}
    mean, std = data.get("mean"), data.get("std")
    if (mean is None or std is None) and data.get("name"):
        try:
            from dynvision.data.registry import DATASETS

            spec = DATASETS.get(data["name"])
            channels = int(data.get("channels", len(spec.mean)))

            def adapt(values):
                values = [float(v) for v in values]
                if len(values) == channels:
                    return values
                return [sum(values) / len(values)] * channels if len(values) > 1 else values * channels

            mean = mean if mean is not None else adapt(spec.mean)
            std = std if std is not None else adapt(spec.std)
        except Exception as error:  # data registry missing or name unknown: say so, use the defaults
            warnings.warn(f"could not look up the normalization of dataset {data.get('name')!r} ({error}); "
                          "pass mean/std explicitly", RuntimeWarning)
    return mean, std


def load_model(path: PathLike, model_class: Union[str, Type[nn.Module], None] = None,
               map_location: Union[str, torch.device] = "cpu") -> Tuple[nn.Module, Dict[str, Any]]:
    """Rebuild a model from a checkpoint: ``(model, info)``.

    The class is ``model_class`` if given, else the ``model_class`` entry or
    the config's ``model.name`` stored in the checkpoint. Lightning models are
    loaded with ``load_from_checkpoint`` (arguments from the saved hyper-
    parameters); plain ``DynamicsModel`` classes are built from the
    hyper-parameters (or config ``model.args``) and get the ``state_dict``.
    ``info`` holds the config and the mean/std found.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    checkpoint = torch.load(path, map_location=map_location, weights_only=False)
    config = _config_of(checkpoint)
    spec = model_class or _class_path_of(checkpoint) or (config or {}).get("model", {}).get("name")
    if spec is None:
        raise ValueError(f"checkpoint {path} names no model class (no config with model.name, no model_class): "
                         "pass model_class=")
    cls = resolve_model_class(spec)
    import pytorch_lightning as pl

    if issubclass(cls, pl.LightningModule) and "hyper_parameters" in checkpoint:
        model = cls.load_from_checkpoint(path, map_location=map_location)
    else:
        kwargs = dict(checkpoint.get("hyper_parameters") or (config or {}).get("model", {}).get("args") or {})
        model = cls(**kwargs)
        state = checkpoint.get("state_dict", checkpoint)
        model.load_state_dict(state)
    model.eval()
    mean, std = _normalization(config)
    return model, {"config": config, "mean": mean, "std": std, "model_class": f"{cls.__module__}:{cls.__qualname__}"}


def from_checkpoint(path: PathLike, model_class: Union[str, Type[nn.Module], None] = None,
                    map_location: Union[str, torch.device] = "cpu", **adapter_kwargs: Any):
    """A :class:`~brain_models.DynVisionBrainModel` for the model in checkpoint ``path``.

    ``adapter_kwargs`` go to the adapter (``identifier``, ``region_layer_map``,
    ``t_presentation``, ...); mean/std default to the training config's.
    """
    from .adapter import DynVisionBrainModel

    model, info = load_model(path, model_class, map_location)
    adapter_kwargs.setdefault("mean", info["mean"])
    adapter_kwargs.setdefault("std", info["std"])
    return DynVisionBrainModel(model, **adapter_kwargs)
