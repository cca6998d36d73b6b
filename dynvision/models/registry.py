"""The model registry: model name -> model class.

A name resolves, in this order, to

1. a class registered with :func:`register_model` (the zoo, and user files
   loaded with :func:`load_model_module`),
2. a model advertised by an installed package in the ``dynvision.models``
   entry-point group (loaded on first use),
3. a ``DynamicsModel`` subclass exported by the ``dynvision.models`` package
   (the route of ``spec/creating-custom-models.md``: a file under
   ``dynvision/models/`` imported in its ``__init__``),
4. a dotted path ``package.module.Class``.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
from importlib import metadata
from types import ModuleType
from typing import Callable, Dict, List, Optional, Type, Union

from ..registry import Registry, UnknownNameError

ENTRY_POINT_GROUP = "dynvision.models"
#: this package, imported by its own name so that a Brain-Score plugin's copy
#: of the zoo (``dynvision register``) imports itself, not an installed dynvision
_PACKAGE = __package__


class ModelRegistry(Registry):
    """A :class:`~dynvision.registry.Registry` of model classes that can also
    forget a name (for tests that register a model of their own)."""

    def remove(self, name: str) -> None:
        self._items.pop(name, None)


models: ModelRegistry = ModelRegistry("model")

_loaded_files: Dict[str, List[str]] = {}


def register_model(name: Union[str, type, None] = None, *, overwrite: bool = False) -> Callable:
    """Decorator adding a model to the registry under ``name`` (default: its
    ``__name__``). Usable as ``@register_model`` or ``@register_model("Name")``
    on a DynVision model class, or on a function (or ``nn.Module`` class) taking
    no arguments that returns a :func:`~dynvision.models.static.static_model`."""
    if callable(name) and not isinstance(name, str):  # bare @register_model
        return models.register(None, overwrite=overwrite)(name)
    return models.register(name, overwrite=overwrite)


def unregister_model(name: str) -> None:
    """Forget a registered model (no error when it is unknown)."""
    models.remove(name)


def _is_model_class(obj: object) -> bool:
    from ..model_components import DynamicsModel, LightningBase

    return (
        isinstance(obj, type)
        and issubclass(obj, DynamicsModel)
        and obj not in (DynamicsModel, LightningBase)
        and not obj.__dict__.get("__abstract_model__", False)
    )


def _package_models() -> Dict[str, type]:
    """Model classes exported by the ``dynvision.models`` package."""
    package = importlib.import_module(_PACKAGE)
    names = getattr(package, "__all__", None) or [n for n in vars(package) if not n.startswith("_")]
    found = {}
    for name in names:
        obj = getattr(package, name, None)
        if _is_model_class(obj):
            found[name] = obj
    return found


def _entry_points() -> Dict[str, metadata.EntryPoint]:
    try:
        selected = metadata.entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # Python < 3.10 API
        selected = metadata.entry_points().get(ENTRY_POINT_GROUP, [])
    return {ep.name: ep for ep in selected}


def _load_entry_point(ep: metadata.EntryPoint) -> type:
    try:
        obj = ep.load()
    except Exception as error:  # a broken plugin must say which one it is
        raise ImportError(f"entry point {ep.name!r} = {ep.value!r} ({ENTRY_POINT_GROUP}) failed to load: {error}") from error
    if isinstance(obj, ModuleType):
        _register_module_models(obj)
        if ep.name in models:
            return models.get(ep.name)
        raise TypeError(f"entry point {ep.name!r} = {ep.value!r} is a module without a model named {ep.name!r}")
    if not _is_model_class(obj):
        raise TypeError(f"entry point {ep.name!r} = {ep.value!r} is not a DynamicsModel subclass")
    if ep.name not in models:
        models.add(ep.name, obj)
    return obj


def _import_dotted(name: str) -> Optional[type]:
    module_name, _, attr = name.rpartition(".")
    if not module_name:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    obj = getattr(module, attr, None)
    return obj if _is_model_class(obj) else None


def get_model(name: str) -> Type:
    """The model class called ``name``; unknown names list the valid ones."""
    importlib.import_module(_PACKAGE)  # the zoo registers itself on import
    if name in models:
        return models.get(name)
    entry_points = _entry_points()
    if name in entry_points:
        return _load_entry_point(entry_points[name])
    exported = _package_models()
    if name in exported:
        return exported[name]
    dotted = _import_dotted(name) if "." in name else None
    if dotted is not None:
        return dotted
    raise UnknownNameError(_unknown_message(name))


def _unknown_message(name: str) -> str:
    probe = Registry("model")
    for known in list_models():
        probe.add(known, known)
    message = probe.unknown_message(name)
    if os.path.isfile(name) or name.endswith(".py"):
        message += "; to use a model defined in a file, pass --model-module path/to/file.py and the class name"
    return message


def list_models() -> List[str]:
    """Every model name that :func:`get_model` resolves (sorted)."""
    importlib.import_module(_PACKAGE)
    names = set(models.names()) | set(_entry_points()) | set(_package_models())
    return sorted(names)


def _register_module_models(module: ModuleType) -> List[str]:
    """Register the model classes defined in ``module`` (those not already
    registered by ``@register_model``); returns every model name it provides."""
    names = [name for name, obj in models.items() if getattr(obj, "__module__", None) == module.__name__]
    for attr, obj in vars(module).items():
        if _is_model_class(obj) and obj.__module__ == module.__name__ and obj not in dict(models.items()).values():
            models.add(obj.__name__, obj)
            names.append(obj.__name__)
    return sorted(set(names))


def load_model_module(path: Union[str, os.PathLike]) -> List[str]:
    """Import a Python file of user models (``--model-module FILE``).

    Classes in it decorated with ``@register_model``, and every
    ``LightningBase``/``DynamicsModel`` subclass it defines, become available
    by name. Loading the same file twice is a no-op. Returns the model names.
    """
    path = os.path.abspath(os.fspath(path))
    if path in _loaded_files:
        return list(_loaded_files[path])
    if not os.path.isfile(path):
        raise FileNotFoundError(f"--model-module {path}: no such file")
    if not path.endswith(".py"):
        raise ValueError(f"--model-module {path}: expected a Python file ending in .py")
    stem = os.path.splitext(os.path.basename(path))[0]
    digest = hashlib.sha1(path.encode()).hexdigest()[:8]
    module_name = f"dynvision_user_models.{stem}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception:
        sys.modules.pop(module_name, None)
        raise
    names = _register_module_models(module)
    if not names:
        raise ValueError(
            f"--model-module {path} defines no model: subclass LightningBase "
            "(dynvision.model_components) or decorate the class (or a factory of a static_model) with @register_model"
        )
    _loaded_files[path] = names
    return list(names)


def model_info(cls: type) -> Dict[str, object]:
    """Defaults of a model class as declared in its signature (dt, tau, delays...)."""
    from ..model_components import DynamicsModel

    defaults: Dict[str, object] = {}
    if not isinstance(cls, type):  # a factory of a static model: what it declares is known once it is built
        return {"regions": {}, "defaults": defaults, "doc": (inspect.getdoc(cls) or "").split("\n")[0]}
    for klass in reversed(cls.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None or not issubclass(klass, DynamicsModel):
            continue
        for p in inspect.signature(inspect.unwrap(init)).parameters.values():
            if p.default is not inspect.Parameter.empty:
                defaults[p.name] = p.default
    return {
        "regions": dict(getattr(cls, "region_layer_map", {}) or {}),
        "defaults": defaults,
        "doc": (inspect.getdoc(cls) or "").split("\n")[0],
    }
