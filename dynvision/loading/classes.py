"""The one name -> model class resolver.

Model code comes only from two places: installed packages (the zoo, the
``dynvision.models`` entry points) and files the user names with
``--model-module``. A name read from a data file (a checkpoint's record) is
looked up, never imported.
"""
from __future__ import annotations

import inspect
import os
from typing import Optional, Set, Tuple, Union

from dynvision.registry import UnknownNameError

PathLike = Union[str, "os.PathLike[str]"]


class ModelClassNotFound(UnknownNameError):
    """A model named by a data file that no available code defines."""


def load_model_module(path: PathLike) -> list:
    """Import a user's model file (``--model-module FILE``); returns its model names."""
    from dynvision.models.registry import load_model_module as _load

    return _load(os.fspath(path))


def resolve_model_class(name: str, model_module: Optional[PathLike] = None, *, from_file: Optional[str] = None) -> type:
    """The model class registered as ``name`` (after importing ``model_module``).

    ``from_file`` names the data file ``name`` was read from: such a name is
    only looked up among the models already available (zoo, installed
    plugins, ``model_module``) -- a dotted path in it is never imported.
    """
    from dynvision.models.registry import get_model, list_models

    if model_module is not None:
        load_model_module(model_module)
    if from_file is not None:
        if name not in list_models():
            raise ModelClassNotFound(
                f"{from_file} holds a model {name!r}, which is not available here: pass --model-module FILE "
                f"(the file that defines {name}) or install the package that provides it")
        return get_model(name)
    return get_model(name)


def registered_name(model_or_class: object) -> str:
    """The registry name of a model (or class); its class name when unregistered."""
    cls = model_or_class if isinstance(model_or_class, type) else type(model_or_class)
    from dynvision.models.registry import models

    for name, obj in models.items():
        if obj is cls:
            return name
    return getattr(cls, "registry_name", None) or cls.__name__


def accepted_arguments(cls: type) -> Tuple[Set[str], bool]:
    """Argument names ``cls(**kwargs)`` accepts, following ``**kwargs`` up the MRO;
    the flag says whether anything at all is accepted (an open ``**kwargs`` at the top)."""
    names: Set[str] = set()
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
