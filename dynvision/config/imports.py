"""Import a class from a dotted path written in a config."""
from __future__ import annotations

import importlib


def import_class(class_path: str) -> type:
    """Import ``package.module.Class``.

    ``lightning.pytorch.X`` falls back to ``pytorch_lightning.X`` (and back), so
    configs written for either distribution of Lightning work with the other.
    """
    module_name, _, attr = class_path.rpartition(".")
    candidates = [module_name]
    if module_name.startswith("lightning.pytorch"):
        candidates.append("pytorch_lightning" + module_name[len("lightning.pytorch"):])
    elif module_name.startswith("pytorch_lightning"):
        candidates.append("lightning.pytorch" + module_name[len("pytorch_lightning"):])
    errors = []
    for name in candidates:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            errors.append(f"{name}: {exc}")
            continue
        if hasattr(module, attr):
            return getattr(module, attr)
        errors.append(f"module {name!r} has no attribute {attr!r}")
    raise ImportError(f"cannot import {class_path!r}: " + "; ".join(errors))
