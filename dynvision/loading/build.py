"""From a config to a model, and the record a checkpoint keeps to find its class again."""
from __future__ import annotations

import inspect
import os
import re
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

from .classes import accepted_arguments, registered_name, resolve_model_class

PathLike = Union[str, "os.PathLike[str]"]

#: constructor arguments of ``LightningBase`` that come from the config's
#: ``optimizer``/``scheduler``/``loss`` sections, never from ``model.args``
TRAINING_ARGS = (
    "optimizer", "optimizer_args", "param_groups", "scheduler", "scheduler_args",
    "scheduler_interval", "scheduler_monitor", "t_reaction", "energy_weight",
)
_SECTION_OF = {
    "optimizer": "optimizer.name", "optimizer_args": "optimizer.args", "param_groups": "optimizer.param_groups",
    "scheduler": "scheduler.name", "scheduler_args": "scheduler.args", "scheduler_interval": "scheduler.interval",
    "scheduler_monitor": "scheduler.monitor", "t_reaction": "loss.t_reaction", "energy_weight": "loss.energy_weight",
}


def training_arguments(config: Any) -> Dict[str, Any]:
    """The ``optimizer``/``scheduler``/``loss`` sections as ``LightningBase`` arguments."""
    groups: List[Dict[str, Any]] = []
    for group in config.optimizer.param_groups:
        entry: Dict[str, Any] = {"match": group.match, **group.args}
        if group.lr is not None:
            entry["lr"] = group.lr
        if group.weight_decay is not None:
            entry["weight_decay"] = group.weight_decay
        groups.append(entry)
    if config.scheduler.name is not None and config.scheduler.frequency != 1:
        warnings.warn(
            f"scheduler.frequency={config.scheduler.frequency}: LightningBase steps its scheduler every "
            f"{config.scheduler.interval}; the frequency is ignored"
        )
    return {
        "optimizer": config.optimizer.name,
        "optimizer_args": dict(config.optimizer.args),
        "param_groups": groups,
        "scheduler": config.scheduler.name,
        "scheduler_args": dict(config.scheduler.args),
        "scheduler_interval": config.scheduler.interval,
        "scheduler_monitor": config.scheduler.monitor,
        "t_reaction": config.loss.t_reaction,
        "energy_weight": config.loss.energy_weight,
    }


def model_arguments(config: Any) -> Dict[str, Any]:
    """Every constructor argument of the configured model: ``model.args`` plus the training sections."""
    from dynvision.config import ConfigError

    args = dict(config.model.args)
    clash = [k for k in TRAINING_ARGS if k in args]
    if clash:
        raise ConfigError(
            "; ".join(f"model.args.{k}: set it as {_SECTION_OF[k]} instead" for k in clash),
            [(f"model.args.{k}", f"set it as {_SECTION_OF[k]}") for k in clash],
        )
    args.update(training_arguments(config))
    return args


def build_model(config: Any, model_module: Optional[PathLike] = None, *, from_file: Optional[str] = None):
    """Instantiate the configured model (initial weights from the current torch seed).

    ``from_file``: the checkpoint the config was read from (its model name is
    then only looked up, see :func:`~dynvision.loading.resolve_model_class`).
    """
    from dynvision.config import ConfigError
    from dynvision.model_components import LightningBase

    cls = resolve_model_class(config.model.name, model_module, from_file=from_file)
    if not (isinstance(cls, type) and issubclass(cls, LightningBase)):
        raise TypeError(
            f"model {config.model.name!r} ({getattr(cls, '__qualname__', cls)}) cannot be built from a config: "
            "a configurable model subclasses dynvision.model_components.LightningBase"
        )
    kwargs = model_arguments(config)
    accepted, open_ended = accepted_arguments(cls)
    unknown = sorted(k for k in kwargs if k not in accepted)
    if unknown and not open_ended:
        model_keys = [k for k in unknown if k not in TRAINING_ARGS]
        if model_keys:
            raise ConfigError(
                f"{config.source_of(f'model.args.{model_keys[0]}')}: model.args: {config.model.name} has no "
                f"argument(s) {model_keys}; it accepts: {', '.join(sorted(accepted))}",
                [(f"model.args.{k}", "unknown model argument") for k in model_keys],
            )
        raise TypeError(
            f"{cls.__qualname__}.__init__ does not pass {unknown} on to LightningBase; "
            "give it **kwargs and call super().__init__(**kwargs)"
        )
    try:
        model = cls(**kwargs)
    except (ValueError, TypeError) as error:  # the constructor's check of a model argument
        raise model_argument_error(config, error) from error
    if config.optimizer.param_groups:  # a group that matches nothing is a typo: fail now, naming it
        from dynvision.config.builders import build_param_groups

        build_param_groups(model.named_parameters(), training_arguments(config)["param_groups"])
    return model


def model_argument_error(config: Any, error: Exception) -> Any:
    """The model constructor refused an argument: a one-line :class:`ConfigError`
    naming where the value came from (``--set``, or the config file and line).

    The key is the ``model.args`` key the message names as ``key=``, a ``--set``
    one first. When the message names no overridden key, the ``--set``
    overrides of ``model.args`` are named as well (they may be what made the
    file's values wrong, e.g. a ``dt`` that no longer divides a delay), and
    with no key named at all a single override is taken to be the culprit."""
    from dynvision.config import ConfigError

    message = " ".join(str(error).split())
    named = [f"model.args.{k}" for k in config.model.args if re.search(rf"(?<![\w]){re.escape(k)}=", message)]
    overridden = [p for p in named if config.source_of(p).startswith("--set")]
    overrides = {key: src for key, src in config.sources.items()
                 if key.startswith("model.args") and src.startswith("--set")}
    if overridden:
        path, origins = overridden[0], [config.source_of(overridden[0])]
    elif named:
        path, origins = named[0], [*sorted(set(overrides.values())), config.source_of(named[0])]
    elif len(overrides) == 1:
        (path, source), = overrides.items()
        origins = [source]
    else:
        path, origins = "model.args", sorted(set(overrides.values())) or [config.source_of("model.args")]
    return ConfigError(f"{', '.join(dict.fromkeys(origins))}: {path}: {message}", [(path, message)])


def model_record(model: Any, model_module: Optional[PathLike] = None) -> Dict[str, Any]:
    """What a checkpoint records about its model's class: the registered name (used to find
    the class again) and, for information only, the import path and the user's file."""
    from dynvision import __version__

    cls = type(model)
    module_file = None
    if model_module is not None:
        module_file = str(Path(model_module).resolve())
    else:
        source = getattr(inspect.getmodule(cls), "__file__", None)
        package = Path(__file__).resolve().parents[1]
        if source and package not in Path(source).resolve().parents:
            module_file = str(Path(source).resolve())  # a user model defined outside the package
    return {
        "name": registered_name(cls),
        "class_path": f"{cls.__module__}:{cls.__qualname__}",
        "module_file": module_file,
        "dynvision_version": __version__,
    }
