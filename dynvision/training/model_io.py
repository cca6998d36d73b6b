"""From a config to a model and back: which class, which constructor
arguments, and how a checkpoint alone rebuilds the model it came from."""
from __future__ import annotations

import importlib
import inspect
import os
import re
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import torch

from dynvision.config import Config, ConfigError

#: keys under which ``train`` stores its records in every checkpoint
CONFIG_KEY = "dynvision_config"
MODEL_KEY = "dynvision_model"

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


# ------------------------------------------------------------------ classes
def load_user_module(path: Union[str, os.PathLike]) -> Any:
    """Import a user's model file (its ``@register_model`` classes register)."""
    from dynvision.models import load_model_module

    return load_model_module(str(path))


def resolve_model_class(name: str, model_module: Optional[Union[str, os.PathLike]] = None) -> type:
    """The registered model class ``name`` (after importing ``model_module``,
    a user's file, when given)."""
    from dynvision.models import get_model

    if model_module is not None:
        load_user_module(model_module)
    cls = get_model(name)
    from dynvision.model_components import LightningBase

    if not (isinstance(cls, type) and issubclass(cls, LightningBase)):
        raise TypeError(
            f"model {name!r} ({getattr(cls, '__qualname__', cls)}) cannot be trained: "
            "a trainable model subclasses dynvision.model_components.LightningBase"
        )
    return cls


def accepted_arguments(cls: type) -> Tuple[set, bool]:
    """Argument names ``cls(**kwargs)`` accepts, following ``**kwargs`` up the MRO;
    the flag says whether anything at all is accepted (an open ``**kwargs`` at the top)."""
    names: set = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        init = inspect.unwrap(init)
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            continue
        names.update(n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and n != "self")
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return names, False
        if klass.__name__ == "DynamicsModel":  # its **unexpected is an error, not a pass-through
            return names, False
    return names, True


def training_arguments(config: Config) -> Dict[str, Any]:
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


def model_arguments(config: Config) -> Dict[str, Any]:
    """Every constructor argument of the configured model: ``model.args`` plus
    the training sections."""
    args = dict(config.model.args)
    clash = [k for k in TRAINING_ARGS if k in args]
    if clash:
        raise ConfigError(
            "; ".join(f"model.args.{k}: set it as {_SECTION_OF[k]} instead" for k in clash),
            [(f"model.args.{k}", f"set it as {_SECTION_OF[k]}") for k in clash],
        )
    args.update(training_arguments(config))
    return args


def build_model(config: Config, model_module: Optional[Union[str, os.PathLike]] = None):
    """Instantiate the configured model (seed first for reproducible weights)."""
    cls = resolve_model_class(config.model.name, model_module)
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

        build_param_groups(model.named_parameters(), config.optimizer)
    return model


def model_argument_error(config: Config, error: Exception) -> ConfigError:
    """The model constructor refused an argument: a one-line :class:`ConfigError`
    naming where the value came from (``--set``, or the config file and line).

    The key is the ``model.args`` key the message names as ``key=``, a ``--set``
    one first. When the message names no overridden key, the ``--set``
    overrides of ``model.args`` are named as well (they may be what made the
    file's values wrong, e.g. a ``dt`` that no longer divides a delay), and
    with no key named at all a single override is taken to be the culprit."""
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


def model_record(model, model_module: Optional[Union[str, os.PathLike]] = None) -> Dict[str, Any]:
    """What a checkpoint needs to find the model's class again."""
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
        "name": getattr(cls, "registry_name", None) or _registered_name(cls) or cls.__name__,
        "class_path": f"{cls.__module__}:{cls.__qualname__}",
        "module_file": module_file,
        "dynvision_version": __version__,
    }


def _registered_name(cls: type) -> Optional[str]:
    try:
        from dynvision.models import models
    except ImportError:
        return None
    for name, obj in models.items():
        if obj is cls:
            return name
    return None


# -------------------------------------------------------------- checkpoints
def read_checkpoint(path: Union[str, os.PathLike], map_location: Any = "cpu") -> Dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    return torch.load(path, map_location=map_location, weights_only=False)


def checkpoint_config(path_or_checkpoint: Union[str, os.PathLike, Dict[str, Any]]) -> Config:
    """The resolved config a DynVision checkpoint was trained with."""
    checkpoint = path_or_checkpoint if isinstance(path_or_checkpoint, dict) else read_checkpoint(path_or_checkpoint)
    if CONFIG_KEY not in checkpoint:
        raise KeyError(f"checkpoint has no {CONFIG_KEY!r} entry (not written by dynvision train)")
    return Config.from_dict(checkpoint[CONFIG_KEY], source="<checkpoint config>")


def _class_from_record(record: Dict[str, Any], model_module: Optional[str]) -> type:
    from dynvision.models import get_model

    name = record.get("name")
    errors: List[str] = []
    modules = [m for m in (model_module, record.get("module_file")) if m]
    try:
        return get_model(name)
    except (KeyError, ValueError) as error:
        errors.append(str(error))
    for module in modules:
        if not Path(module).is_file():
            errors.append(f"recorded model file {module} does not exist")
            continue
        load_user_module(module)
        try:
            return get_model(name)
        except (KeyError, ValueError) as error:
            errors.append(str(error))
    class_path = record.get("class_path")
    if class_path:
        module_name, _, qualname = class_path.partition(":")
        try:
            obj: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            return obj
        except (ImportError, AttributeError) as error:
            errors.append(f"{class_path}: {error}")
    raise LookupError(
        f"cannot find the class of checkpointed model {name!r}: " + "; ".join(errors)
        + "; pass model_module=<file defining it> (CLI: --model-module)"
    )


def load_checkpoint(
    path: Union[str, os.PathLike],
    map_location: Any = "cpu",
    model_module: Optional[Union[str, os.PathLike]] = None,
    eval_mode: bool = True,
):
    """Rebuild the exact model (architecture, dynamics, training settings and
    weights) from a checkpoint written by :func:`dynvision.training.train`.

    The class is found by the recorded registry name (zoo models), the
    recorded user file, or the recorded import path; ``model_module`` names
    a file to import first when the model moved. The resolved run config is
    attached as ``model.dynvision_config``.
    """
    checkpoint = read_checkpoint(path, map_location="cpu")
    record = checkpoint.get(MODEL_KEY)
    if record is None:
        raise KeyError(
            f"{path}: no {MODEL_KEY!r} entry, so the model class is unknown; "
            "load it with YourModelClass.load_from_checkpoint(path)"
        )
    cls = _class_from_record(record, None if model_module is None else str(model_module))
    model = cls.load_from_checkpoint(str(path), map_location=map_location)
    if CONFIG_KEY in checkpoint:
        model.dynvision_config = checkpoint_config(checkpoint)
    if eval_mode:
        model.eval()
    return model
