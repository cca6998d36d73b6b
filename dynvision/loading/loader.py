"""One way to get a model: ``load_model(source) -> LoadedModel``.

A :class:`ModelSource` says where the model comes from -- a registered name
(+ config file, ``--set`` overrides, ``--model-module``), a checkpoint of
``dynvision train``, an ``nn.Module`` instance -- and, optionally, a weights
file (``--weights`` / ``model.weights``). :func:`load_model` builds it and
returns it with everything that identifies it: the resolved config, the
registered name, the config and weights hashes, where the weights came from
and the input normalisation.

Safety: checkpoints and weights files are read as tensors and plain data
only (:mod:`dynvision.loading.files`); the model class is looked up by the
name the checkpoint records among the models this installation provides,
plus ``--model-module`` -- no file a checkpoint names is ever imported.

The stored config is the model that ran: the model is built from the
checkpoint's config and then receives the checkpoint's weights; values the
config fixes (``tau`` unless ``trainable_tau``) are not part of the weights.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from dynvision.identity import weights_hash

from .classes import load_model_module, registered_name
from .files import (
    CHECKPOINT_SUFFIXES,
    CONFIG_KEY,
    MODEL_KEY,
    read_checkpoint,
    read_torch_file,
    state_dict_of,
)

PathLike = Union[str, "os.PathLike[str]"]


class ModelSourceError(ValueError):
    """A model source that cannot be loaded as given (contradictory or incomplete)."""


# ----------------------------------------------------------------- what and from where
@dataclass
class ModelSource:
    """Where a model comes from.

    :param model: a registered model name, a checkpoint path, or an ``nn.Module``.
    :param checkpoint: a checkpoint written by ``dynvision train`` (``model`` is then the name it must hold).
    :param config: YAML config to build a registered model from.
    :param overrides: ``key=value`` config overrides (``--set``); on a checkpoint, only outside ``model.``.
    :param model_module: a Python file defining user models (imported first).
    :param weights: a weights file (state dict) loaded into the built model (``--weights``; the
        config key ``model.weights`` does the same).
    :param name: display name (default: the registered name).
    :param seed: seed of the initial weights (default: the config's ``seed``).
    """

    model: Any
    checkpoint: Optional[PathLike] = None
    config: Optional[PathLike] = None
    overrides: Sequence[str] = ()
    model_module: Optional[PathLike] = None
    weights: Optional[PathLike] = None
    name: Optional[str] = None
    seed: Optional[int] = None


@dataclass
class WeightsSource:
    """Where a model's weights came from (recorded in every result)."""

    kind: str  # "checkpoint" | "weights-file" | "torchvision-weights" | "random-init" | "as-given"
    path: Optional[str] = None
    sha1: Optional[str] = None
    seed: Optional[int] = None
    skipped: List[str] = field(default_factory=list)  # file entries not loaded (shape mismatch, e.g. a classifier)

    @property
    def trained(self) -> Optional[bool]:
        """True for loaded weights, False for a random initialisation, None when unknown (a module as given)."""
        return {"random-init": False, "as-given": None}.get(self.kind, True)

    def describe(self) -> str:
        kept = f"; {len(self.skipped)} entries kept their initial values ({self.skipped[0]}, ...)" if self.skipped else ""
        return {
            "checkpoint": f"trained checkpoint {self.path} (SHA-1 {self.sha1})",
            "weights-file": f"weights file {self.path} (SHA-1 {self.sha1})",
            "torchvision-weights": f"torchvision weights file {self.path} (SHA-1 {self.sha1}), mapped onto the model",
            "random-init": f"random initial weights (seed {self.seed})",
            "as-given": "the weights of the module as given",
        }[self.kind] + kept

    def to_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "sha1": self.sha1, "seed": self.seed,
                "skipped": list(self.skipped)}


@dataclass
class Normalization:
    """Per-channel input normalisation and where it was decided."""

    mean: Optional[Tuple[float, ...]]
    std: Optional[Tuple[float, ...]]
    source: str  # "model" | "config" | "dataset <name>" | "none"

    def to_dict(self) -> Dict[str, Any]:
        return {"mean": None if self.mean is None else list(self.mean),
                "std": None if self.std is None else list(self.std), "source": self.source}


@dataclass
class LoadedModel:
    """A built model (eval mode) and everything that identifies it."""

    model: Any
    name: str
    identifier: str
    weights: WeightsSource
    normalization: Normalization
    config: Any = None  # dynvision.config.Config, or None for a module without one
    config_hash: Optional[str] = None
    weights_hash: str = ""
    notes: List[str] = field(default_factory=list)

    @property
    def trained(self) -> Optional[bool]:
        return self.weights.trained

    @property
    def checkpoint(self) -> Optional[str]:
        return self.weights.path if self.weights.kind == "checkpoint" else None

    @property
    def checkpoint_hash(self) -> Optional[str]:
        return self.weights.sha1[:12] if self.weights.kind == "checkpoint" and self.weights.sha1 else None

    @property
    def mean(self) -> Optional[Tuple[float, ...]]:
        return self.normalization.mean

    @property
    def std(self) -> Optional[Tuple[float, ...]]:
        return self.normalization.std


# ----------------------------------------------------------------- identity
def looks_like_checkpoint(model: Any) -> bool:
    """Whether ``model`` (as given on a command line) names a checkpoint file rather than a model."""
    if not isinstance(model, (str, os.PathLike)):
        return False
    text = os.fspath(model)
    return text.lower().endswith(CHECKPOINT_SUFFIXES) or os.path.isfile(text)


# ----------------------------------------------------------------- the model's own declarations
def _declared(model: Any, attribute: str) -> Optional[Tuple[float, ...]]:
    value = getattr(model, attribute, None)
    return None if value is None else tuple(float(v) for v in value)


def _input_hw(model: Any) -> Optional[Tuple[int, int]]:
    dims = getattr(model, "input_dims", None)
    return None if dims is None or len(dims) < 2 else (int(dims[-2]), int(dims[-1]))


def reconcile_config(config: Any, model: Any) -> Any:
    """``config`` with its ``data`` section made to agree with what ``model`` declares.

    The model is the one source of truth for its input: its ``image_mean``/``image_std``
    and input size (``input_dims``) replace the data section's. A mean/std set in the
    config, or an image size set with ``--set``, that contradicts the model's declaration
    is an error naming where it was set.
    """
    from dynvision.config import ConfigError, validate

    data = config.to_dict()
    section = data["data"]
    changed = False
    for key, attribute in (("mean", "image_mean"), ("std", "image_std")):
        declared = _declared(model, attribute)
        if declared is None:
            continue
        if section.get(key) is not None and tuple(float(v) for v in section[key]) != declared:
            raise ConfigError(f"{config.source_of(f'data.{key}')}: data.{key}={list(section[key])} contradicts "
                              f"{registered_name(model)}'s declared {attribute}={list(declared)}; the model's "
                              f"normalisation is used: drop data.{key}", [(f"data.{key}", "contradicts the model")])
        if section.get(key) is None:
            section[key], changed = list(declared), True
    size = _input_hw(model)
    if size is not None and size[0] == size[1] and section.get("image_size") != size[0]:
        where = config.source_of("data.image_size")
        if where.startswith("--set"):
            raise ConfigError(f"{where}: data.image_size={section['image_size']} contradicts the model's input size "
                              f"{size[0]}x{size[1]} (model.args.input_dims); set the input size there",
                              [("data.image_size", "contradicts the model")])
        section["image_size"], changed = size[0], True
    return validate(data, source="<config reconciled with the model>", sources=config.sources) if changed else config


def normalization_of(model: Any, config: Any) -> Normalization:
    """The normalisation a model is shown images with: what the model declares, else the
    (reconciled) config's data section, else none (the adapter's default)."""
    mean, std = _declared(model, "image_mean"), _declared(model, "image_std")
    if mean is not None and std is not None:
        return Normalization(mean, std, "model")
    if config is None:
        return Normalization(None, None, "none")
    from dynvision.data.registry import DATASETS
    from dynvision.data.transforms import resolve_stats

    explicit = config.data.mean is not None and config.data.std is not None
    mean, std = resolve_stats(DATASETS.get(config.data.name), config.data)
    return Normalization(tuple(mean), tuple(std), "config" if explicit else f"dataset {config.data.name}")


# ----------------------------------------------------------------- weights
def apply_weights(model: Any, path: PathLike) -> WeightsSource:
    """Load a weights file (a state dict, or a checkpoint's ``state_dict``) into ``model``.

    Keys must match the model's exactly; a model built from torchvision layers
    (it declares ``torchvision_key_map``) also takes a torchvision ``state_dict``.
    """
    from dynvision.fileio import sha1_of

    path = Path(os.fspath(path)).expanduser()
    state = state_dict_of(read_torch_file(path), path)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        if not getattr(model, "torchvision_key_map", None):
            first = str(error).strip().splitlines()
            detail = " ".join(line.strip() for line in first[1:3]) or first[0]
            raise ModelSourceError(f"--weights {path}: does not fit {registered_name(model)} ({detail})") from None
        from dynvision.models.torchvision_weights import load_torchvision_weights

        try:
            report = load_torchvision_weights(model, state)
        except (KeyError, ValueError) as mapped_error:
            raise ModelSourceError(f"--weights {path}: {mapped_error}") from None
        return WeightsSource("torchvision-weights", str(path), sha1_of(path), skipped=report["skipped"])
    return WeightsSource("weights-file", str(path), sha1_of(path))


# ----------------------------------------------------------------- loading
def load_model(source: Union[ModelSource, str, Any]) -> LoadedModel:
    """Build or load the model of ``source`` (see :class:`ModelSource`).

    Identifier: ``<name>-c<config hash>-w<weights hash>`` (``<name>-w<weights hash>``
    without a config): the config hash covers the whole resolved config, the
    weights hash every parameter and buffer.
    """
    from torch import nn

    if not isinstance(source, ModelSource):
        source = ModelSource(source)
    if source.model_module:
        load_model_module(source.model_module)
    if isinstance(source.model, nn.Module):
        return _from_module(source)
    if source.checkpoint is not None or looks_like_checkpoint(source.model):
        return _from_checkpoint(source)
    factory = static_factory(str(source.model))
    if factory is not None:
        return _from_factory(source, factory)
    return _from_config(source)


def _finish(model: Any, name: str, config: Any, weights: WeightsSource,
            notes: Optional[List[str]] = None) -> LoadedModel:
    from dynvision.config import config_hash
    from dynvision.models.static import is_static

    model.eval()
    if config is not None:
        model.dynvision_config = config
    w_hash = weights_hash(model)
    c_hash = config_hash(config) if config is not None else None
    if c_hash is None and is_static(model):
        c_hash = _declaration_hash(model)  # a static model's declaration is its config
    identifier = f"{name}-c{c_hash[:8]}-w{w_hash[:10]}" if c_hash else f"{name}-w{w_hash[:10]}"
    notes = list(notes or [])
    if weights.kind == "random-init":
        notes.append(f"UNTRAINED: {name} with random initial weights (seed {weights.seed}); "
                     "pass --checkpoint or --weights to use trained weights")
    return LoadedModel(model=model, name=name, identifier=identifier, weights=weights,
                       normalization=normalization_of(model, config), config=config, config_hash=c_hash,
                       weights_hash=w_hash, notes=notes)


def _from_module(source: ModelSource) -> LoadedModel:
    if source.checkpoint or source.config or source.overrides:
        raise ModelSourceError("an nn.Module is used as it is: no checkpoint, config or overrides "
                               "(pass weights=FILE to load weights into it)")
    model = source.model
    weights = WeightsSource("as-given")
    if source.weights is not None:
        weights = apply_weights(model, source.weights)
    return _finish(model, source.name or registered_name(model), getattr(model, "dynvision_config", None), weights)


def static_factory(name: str) -> Optional[Any]:
    """The registered factory of ``name`` when it builds a plain ``nn.Module`` (a static model:
    :func:`dynvision.models.static_model`) rather than a configurable DynVision model; else None."""
    from dynvision.model_components import DynamicsModel
    from dynvision.models.registry import get_model
    from dynvision.registry import UnknownNameError

    try:
        found = get_model(name)
    except UnknownNameError:
        return None  # resolve_config names the valid ones
    return None if isinstance(found, type) and issubclass(found, DynamicsModel) else found


def _declaration_hash(model: Any) -> str:
    import hashlib
    import json

    from dynvision.models.static import declaration

    return hashlib.sha256(json.dumps(declaration(model), sort_keys=True).encode()).hexdigest()


def _from_factory(source: ModelSource, factory: Any) -> LoadedModel:
    """A static model built by its registered factory (no config: what it needs, it declares)."""
    import torch
    from torch import nn

    from dynvision.models.static import is_static

    name = str(source.model)
    if source.config is not None or source.overrides:
        given = f"--config {source.config}" if source.config is not None else f"--set {list(source.overrides)[0]}"
        raise ModelSourceError(f"{given}: {name} is a static model built by its factory, which takes no config; "
                               "declare its input, normalisation and field of view in static_model(...)")
    seed = 0 if source.seed is None else int(source.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = factory()
    if not isinstance(model, nn.Module) or not is_static(model):
        raise ModelSourceError(f"{name}: its factory returned {type(model).__name__}, not a model declared with "
                               "dynvision.models.static_model(module, input_size=..., ...)")
    weights = WeightsSource("random-init", seed=seed)
    if source.weights is not None:
        weights = apply_weights(model, source.weights)
    return _finish(model, source.name or name, None, weights)


def _from_config(source: ModelSource) -> LoadedModel:
    import torch

    from dynvision.config import resolve_config

    from .build import build_model

    module = None if source.model_module is None else os.fspath(source.model_module)
    config = resolve_config(None if source.config is None else os.fspath(source.config), str(source.model),
                            list(source.overrides), module)
    seed = int(config.seed if source.seed is None else source.seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config)
    config = reconcile_config(config, model)
    weights_file = source.weights if source.weights is not None else config.model.weights
    if weights_file is not None:
        weights = apply_weights(model, weights_file)
    else:
        weights = WeightsSource("random-init", seed=seed)
    return _finish(model, source.name or config.model.name, config, weights)


def checkpoint_config(path: PathLike, content: Optional[Dict[str, Any]] = None) -> Any:
    """The resolved config a ``dynvision train`` checkpoint was trained with (a :class:`Config`)."""
    from dynvision.config import validate

    content = read_checkpoint(path) if content is None else content
    if not isinstance(content.get(CONFIG_KEY), dict) or not isinstance(content.get(MODEL_KEY), dict):
        raise ModelSourceError(
            f"{path} was not written by `dynvision train` (it has no {CONFIG_KEY!r}/{MODEL_KEY!r} record), so "
            f"it cannot rebuild its model; to load its weights into a model, give the model's name and --weights {path}")
    return validate(dict(content[CONFIG_KEY]), source=f"{path} (stored config)")


def _checkpoint_config(source: ModelSource, path: Path, content: Dict[str, Any]) -> Any:
    from dynvision.config import apply_overrides, validate

    if source.config is not None or source.weights is not None:
        raise ModelSourceError(f"checkpoint {path} carries its own config and weights: --config/--weights apply "
                               "only to a model built from a registered name")
    model_keys = [text for text in source.overrides if text.strip().startswith("model.")]
    if model_keys:
        raise ModelSourceError(f"checkpoint {path} carries its own config: {', '.join(model_keys)} would change the "
                               "model it holds (score the checkpoint as it was trained)")
    config = checkpoint_config(path, content)
    if source.overrides:
        data = config.to_dict()
        config = validate(data, source=f"{path} (stored config)", sources=apply_overrides(data, source.overrides))
    return config


def _from_checkpoint(source: ModelSource) -> LoadedModel:
    import torch

    from dynvision.fileio import sha1_of

    from .build import build_model

    path = Path(os.fspath(source.checkpoint if source.checkpoint is not None else source.model)).expanduser()
    content = read_checkpoint(path)
    config = _checkpoint_config(source, path, content)
    stored_name = config.model.name
    if source.checkpoint is not None and not looks_like_checkpoint(source.model) and str(source.model) != stored_name:
        raise ModelSourceError(f"checkpoint {path} holds a {stored_name}, not a {source.model}; "
                               f"run it as {stored_name} (or give only the checkpoint)")
    with torch.random.fork_rng(devices=[]):
        model = build_model(config, from_file=str(path))
    try:
        model.load_state_dict(state_dict_of(content, path), strict=True)
    except RuntimeError as error:
        raise ModelSourceError(f"checkpoint {path}: its weights do not fit the {stored_name} its config builds "
                               f"({str(error).strip().splitlines()[0]})") from None
    weights = WeightsSource("checkpoint", str(path), sha1_of(path))
    return _finish(model, source.name or stored_name, config, weights)


def load_checkpoint(path: PathLike, model_module: Optional[PathLike] = None):
    """The model a ``dynvision train`` checkpoint holds (eval mode, on CPU, its config as
    ``model.dynvision_config``): ``load_model(ModelSource(path, ...)).model``."""
    return load_model(ModelSource(os.fspath(path), model_module=model_module)).model


__all__ = ["LoadedModel", "ModelSource", "ModelSourceError", "Normalization", "WeightsSource",
           "apply_weights", "load_checkpoint", "load_model", "looks_like_checkpoint", "normalization_of", "reconcile_config",
           "checkpoint_config", "weights_hash"]
