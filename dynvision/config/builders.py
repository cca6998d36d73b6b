"""Turn training settings into torch / Lightning objects: the one optimizer, scheduler and
callback builder. ``LightningBase.configure_optimizers`` builds its optimizer and scheduler
here from the model's hyperparameters (which ``dynvision train`` fills from the config's
``optimizer`` and ``scheduler`` sections), and the trainer's callbacks come from here too, so the
meaning of each config key lives in one place.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import torch_names
from .errors import ConfigError
from .imports import import_class
from .schema import CallbacksSection


def build_param_groups(named_parameters: Iterable[Tuple[str, Any]],
                       param_groups: Sequence[Mapping[str, Any]] = ()) -> List[Dict[str, Any]]:
    """Assign each trainable parameter to the first of ``param_groups`` (``{"match": regex,
    "lr": ..., other optimizer options}``, as ``LightningBase`` holds them) whose ``match`` is
    found in its name; the rest form the default group.

    A group that matches nothing is an error: it almost always means a typo.
    """
    patterns = [re.compile(str(group["match"])) for group in param_groups]
    buckets: List[List[Any]] = [[] for _ in patterns]
    default: List[Any] = []
    names: List[str] = []
    for name, param in named_parameters:
        if not param.requires_grad:
            continue
        names.append(name)
        index = next((i for i, pattern in enumerate(patterns) if pattern.search(name)), None)
        (default if index is None else buckets[index]).append(param)
    groups: List[Dict[str, Any]] = [{"params": default, "name": "default"}] if default else []
    for i, (group, params) in enumerate(zip(param_groups, buckets)):
        if not params:
            example = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise ConfigError(f"optimizer.param_groups[{i}].match: {group['match']!r} matches no trainable "
                              f"parameter (names look like: {example})")
        options = {key: value for key, value in group.items() if key != "match"}
        groups.append({"params": params, "name": str(group["match"]), **options})
    return groups


def build_optimizer(named_parameters: Iterable[Tuple[str, Any]], name: str, args: Optional[Mapping[str, Any]] = None,
                    param_groups: Sequence[Mapping[str, Any]] = ()) -> Any:
    """The ``torch.optim`` optimizer ``name`` over ``module.named_parameters()`` with ``args``
    and ``param_groups`` (see :func:`build_param_groups`)."""
    cls = torch_names.optimizer_class(name)
    return cls(build_param_groups(named_parameters, param_groups), **dict(args or {}))


def build_scheduler(optimizer: Any, name: Optional[str], args: Optional[Mapping[str, Any]] = None,
                    interval: str = "epoch", monitor: str = "val_loss") -> Optional[Dict[str, Any]]:
    """A Lightning ``lr_scheduler`` dict for the ``torch.optim.lr_scheduler`` class ``name``,
    or None when ``name`` is None."""
    if name is None:
        return None
    cls = torch_names.scheduler_class(name)
    return {"scheduler": cls(optimizer, **dict(args or {})), "interval": interval, "monitor": monitor}


def build_callbacks(config: CallbacksSection, checkpoint_dir: Optional[str] = None) -> List[Any]:
    """Default callbacks (checkpoint, LR monitor, early stopping) plus ``extra`` ones."""
    from pytorch_lightning import callbacks as cb

    out: List[Any] = []
    if config.checkpoint is not None:
        ck = config.checkpoint
        out.append(
            cb.ModelCheckpoint(
                dirpath=checkpoint_dir,
                monitor=ck.monitor,
                mode=ck.mode,
                save_last=ck.save_last,
                save_top_k=ck.save_top_k,
            )
        )
    if config.lr_monitor:
        out.append(cb.LearningRateMonitor(logging_interval="step"))
    if config.early_stopping is not None:
        es = config.early_stopping
        out.append(cb.EarlyStopping(monitor=es.monitor, patience=es.patience, mode=es.mode, min_delta=es.min_delta))
    for i, spec in enumerate(config.extra):
        try:
            cls = import_class(spec.class_path)
        except ImportError as exc:
            raise ConfigError(f"callbacks.extra[{i}].class_path: {exc}") from None
        try:
            out.append(cls(**spec.init_args))
        except TypeError as exc:
            raise ConfigError(f"callbacks.extra[{i}].init_args: {spec.class_path}: {exc}") from None
    return out
