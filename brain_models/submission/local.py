"""Run a written plugin here, through its own code: the plugin folder is
imported as a package under a private name (its ``__init__`` and so
Brain-Score's registry are left alone), and its ``model.py`` builds the model
from the runtime the plugin carries, exactly as on Brain-Score's side."""
from __future__ import annotations

import hashlib
import importlib
import os
import sys
import types
from pathlib import Path
from typing import Optional, Union

PathLike = Union[str, "os.PathLike[str]"]

_PREFIX = "_dynvision_plugin_"


def plugin_module(plugin_dir: PathLike, fresh: bool = False) -> types.ModuleType:
    """The plugin's ``model`` module, imported from ``plugin_dir`` under a
    private package name (one per folder; ``fresh`` imports it anew)."""
    plugin_dir = Path(plugin_dir).resolve()
    if not (plugin_dir / "model.py").is_file():
        raise FileNotFoundError(f"{plugin_dir} has no model.py: not a plugin written by `dynvision register`")
    alias = _PREFIX + hashlib.sha1(str(plugin_dir).encode()).hexdigest()[:12]
    if fresh:
        forget(alias)
    if alias not in sys.modules:
        package = types.ModuleType(alias)
        package.__path__ = [str(plugin_dir)]  # a namespace for the plugin's files; __init__.py is not run
        package.__package__ = alias
        sys.modules[alias] = package
    return importlib.import_module(f"{alias}.model")


def forget(alias_or_module: Union[str, types.ModuleType]) -> None:
    """Drop an imported plugin (and its runtime copy) from ``sys.modules``."""
    name = alias_or_module if isinstance(alias_or_module, str) else alias_or_module.__name__.split(".")[0]
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module]


def load_plugin(plugin_dir: PathLike, identifier: Optional[str] = None):
    """The BrainModel the plugin in ``plugin_dir`` registers (default: its
    committed identifier), built by the plugin's own code."""
    from .runtime import read_commitment

    identifier = identifier or read_commitment(plugin_dir)["identifier"]
    return plugin_module(plugin_dir).get_model(identifier)
