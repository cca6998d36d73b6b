"""Look up optimizer and scheduler classes by name and check their arguments
against the class signature, so a typo fails at load time, not mid-run."""
from __future__ import annotations

import inspect
from typing import Any, Dict, List, Mapping, Optional

from .errors import close_matches

# Arguments that the training code supplies itself and users must not set.
_SUPPLIED = {"params", "optimizer", "self"}


# Schedulers built from other schedulers or Python callables cannot be written in YAML.
_NEEDS_OBJECTS = {"ChainedScheduler", "SequentialLR", "LambdaLR", "MultiplicativeLR"}


def optimizer_names() -> List[str]:
    import torch.optim

    return sorted(
        name
        for name, obj in vars(torch.optim).items()
        if inspect.isclass(obj) and issubclass(obj, torch.optim.Optimizer) and obj is not torch.optim.Optimizer
    )


def scheduler_names() -> List[str]:
    import torch.optim.lr_scheduler as sched

    base = getattr(sched, "LRScheduler", getattr(sched, "_LRScheduler", object))
    names = []
    for name, obj in vars(sched).items():
        if not inspect.isclass(obj) or name.startswith("_") or obj is base or name in _NEEDS_OBJECTS:
            continue
        if issubclass(obj, base) or name == "ReduceLROnPlateau":
            names.append(name)
    return sorted(names)


def optimizer_class(name: str) -> type:
    import torch.optim

    if name not in optimizer_names():
        raise ValueError(_unknown("optimizer", name, optimizer_names(), "torch.optim"))
    return getattr(torch.optim, name)


def scheduler_class(name: str) -> type:
    import torch.optim.lr_scheduler as sched

    if name not in scheduler_names():
        raise ValueError(_unknown("scheduler", name, scheduler_names(), "torch.optim.lr_scheduler"))
    return getattr(sched, name)


def _unknown(kind: str, name: str, valid: List[str], module: str) -> str:
    message = f"unknown {kind} {name!r} (not a class in {module})"
    # Compare case-insensitively: 'adamw' should suggest 'AdamW' first.
    lookup = {v.lower(): v for v in valid}
    close = [lookup[c] for c in close_matches(name.lower(), list(lookup))]
    if close:
        message += f"; did you mean {', '.join(repr(c) for c in close)}?"
    return message + f"; valid: {', '.join(valid)}"


def check_arguments(cls: type, args: Mapping[str, Any], required: bool = True) -> Optional[tuple]:
    """Return ``(arg_name, message)`` for the first bad argument, or None.

    Unknown names are reported with close matches; with ``required``, a
    required constructor argument that is missing is reported too.
    """
    signature = inspect.signature(cls.__init__)  # type: ignore[misc]  # the class's own constructor
    params = {n: p for n, p in signature.parameters.items() if n not in _SUPPLIED}
    takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params.values())
    accepted = [n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    for key in args:
        if key in _SUPPLIED:
            return key, f"{key!r} is supplied by DynVision; remove it"
        if key not in accepted and not takes_kwargs:
            message = f"{cls.__name__} has no argument {key!r}"
            close = close_matches(key, accepted, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            return key, message + f"; accepted: {', '.join(accepted)}"
    if required:
        for name, p in params.items():
            if p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and name not in args:
                return name, f"{cls.__name__} requires argument {name!r}"
    return None


def class_defaults(cls: type) -> Dict[str, Any]:
    signature = inspect.signature(cls.__init__)  # type: ignore[misc]  # the class's own constructor
    return {n: p.default for n, p in signature.parameters.items() if p.default is not p.empty}
