"""What to score and how it is identified: a registered name, a config, a checkpoint or an ``nn.Module``
becomes a built model with its identifier, hashes and input normalisation (:func:`load_model`)."""
from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple, Union

from .errors import ScoringError
from .paths import PathLike

CHECKPOINT_SUFFIXES = (".ckpt", ".pt", ".pth")


@dataclass
class ModelSpec:
    """What to score.

    :param model: a registered model name, a checkpoint path, or an ``nn.Module``.
    :param checkpoint: weights to load (a checkpoint written by ``dynvision train``).
    :param config: YAML config to build the model from (registered names only).
    :param overrides: ``key=value`` config overrides (``--set``).
    :param model_module: a Python file defining user models (imported first).
    :param name: display name (default: the registry name).
    """

    model: Any
    checkpoint: Optional[PathLike] = None
    config: Optional[PathLike] = None
    overrides: Sequence[str] = ()
    model_module: Optional[PathLike] = None
    name: Optional[str] = None



@dataclass
class LoadedModel:
    """A built model and everything that identifies it."""

    model: Any
    name: str
    identifier: str
    config: Any = None  # dynvision.config.Config or None
    config_hash: Optional[str] = None
    weights_hash: str = ""
    checkpoint: Optional[str] = None
    checkpoint_hash: Optional[str] = None
    trained: Optional[bool] = False
    mean: Optional[Sequence[float]] = None
    std: Optional[Sequence[float]] = None
    notes: List[str] = field(default_factory=list)



def _looks_like_checkpoint(model: Any) -> bool:
    if not isinstance(model, (str, os.PathLike)):
        return False
    text = os.fspath(model)
    return text.lower().endswith(CHECKPOINT_SUFFIXES) or os.path.isfile(text)


def load_model(spec: Union[ModelSpec, str, Any]) -> LoadedModel:
    """Build or load the model of ``spec`` and work out its identifier.

    Identifier: ``<name>-c<config hash>-w<weights hash>`` (``<name>-w<weights hash>``
    without a config). The config hash covers the whole resolved config; the
    weights hash every parameter and buffer.
    """
    from torch import nn

    if not isinstance(spec, ModelSpec):
        spec = ModelSpec(spec)
    if spec.model_module:
        from dynvision.models import load_model_module

        load_model_module(os.fspath(spec.model_module))
    if isinstance(spec.model, nn.Module):
        if spec.checkpoint or spec.config or spec.overrides:
            raise ScoringError("an nn.Module is scored as it is: no checkpoint, config or overrides")
        model = spec.model
        config = getattr(model, "dynvision_config", None)
        loaded = _describe(model, spec.name or _registered_name(model), config, trained=None)
    elif spec.checkpoint is not None or _looks_like_checkpoint(spec.model):
        loaded = _from_checkpoint(spec)
    else:
        loaded = _from_config(spec)
    return loaded


def _registered_name(model: Any) -> str:
    try:
        from dynvision.models import models
        for name, cls in models.items():
            if cls is type(model):
                return name
    except ImportError:  # pragma: no cover
        pass
    return type(model).__name__


def _normalization(config: Any) -> Tuple[Optional[Sequence[float]], Optional[Sequence[float]]]:
    if config is None:
        return None, None
    from dynvision.data.registry import DATASETS
    from dynvision.data.transforms import resolve_stats

    try:
        return resolve_stats(DATASETS.get(config.data.name), config.data)
    except Exception as error:  # an unregistered dataset: say so, use the adapter's default
        warnings.warn(f"normalization of dataset {config.data.name!r} unknown ({error}); using ImageNet's")
        return None, None


def _describe(model: Any, name: str, config: Any, trained: Optional[bool], checkpoint: Optional[str] = None,
              checkpoint_hash: Optional[str] = None) -> LoadedModel:
    from brain_models import weights_hash
    from dynvision.config import config_hash as hash_config

    weights = weights_hash(model, length=12)
    c_hash = hash_config(config) if config is not None else None
    identifier = f"{name}-c{c_hash[:8]}-w{weights[:10]}" if c_hash else f"{name}-w{weights[:10]}"
    mean, std = _normalization(config)
    return LoadedModel(model=model, name=name, identifier=identifier, config=config, config_hash=c_hash,
                       weights_hash=weights, checkpoint=checkpoint, checkpoint_hash=checkpoint_hash,
                       trained=trained, mean=mean, std=std)


def _from_config(spec: ModelSpec) -> LoadedModel:
    import torch

    from dynvision.config import resolve_config
    from dynvision.training import build_model

    name = str(spec.model)
    config = resolve_config(None if spec.config is None else os.fspath(spec.config), name, list(spec.overrides),
                            None if spec.model_module is None else os.fspath(spec.model_module))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(config.seed))
        model = build_model(config, None if spec.model_module is None else os.fspath(spec.model_module))
    model.eval()
    loaded = _describe(model, spec.name or config.model.name, config, trained=False)
    loaded.notes.append(f"UNTRAINED: {config.model.name} with random initial weights (seed {config.seed}); "
                        "pass --checkpoint to score trained weights")
    return loaded


def _from_checkpoint(spec: ModelSpec) -> LoadedModel:
    if spec.config is not None or spec.overrides:
        raise ScoringError("a checkpoint carries its own config: --config/--set apply only to models built "
                           "from a registered name (score the checkpoint as it was trained)")
    path = Path(os.fspath(spec.checkpoint if spec.checkpoint is not None else spec.model)).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    from .fileio import sha1_of
    from dynvision.training import load_checkpoint

    module = None if spec.model_module is None else os.fspath(spec.model_module)
    try:
        model = load_checkpoint(path, model_module=module)
    except KeyError:  # not written by `dynvision train`: the adapter's loader knows other layouts
        from brain_models import load_model as load_plain

        requested = None if spec.checkpoint is None else str(spec.model)
        model, info = load_plain(path, model_class=requested)
        config = None
        if info.get("config") is not None:
            from dynvision.config import validate
            with contextlib.suppress(Exception):
                config = validate(dict(info["config"]))
        model.dynvision_config = config
    config = getattr(model, "dynvision_config", None)
    stored_name = config.model.name if config is not None else _registered_name(model)
    if spec.checkpoint is not None and not _looks_like_checkpoint(spec.model) and str(spec.model) != stored_name:
        raise ScoringError(f"checkpoint {path} holds a {stored_name}, not a {spec.model}; "
                           f"run `dynvision score {stored_name} --checkpoint {path}`")
    return _describe(model, spec.name or stored_name, config, trained=True, checkpoint=str(path),
                     checkpoint_hash=sha1_of(path)[:12])


def load_model_spec(model_spec: Union[ModelSpec, str, Any]) -> LoadedModel:
    """:func:`load_model` for any accepted form of ``model_spec``."""
    return load_model(model_spec)
