"""Turn validated config sections into torch / Lightning objects.

The training code calls these from ``configure_optimizers`` and when it builds
the ``Trainer``; keeping them here keeps the meaning of each config key in one place.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from .errors import ConfigError
from .imports import import_class
from .schema import CallbacksSection, OptimizerSection, SchedulerSection
from . import torch_names


def build_param_groups(named_parameters: Iterable[Tuple[str, Any]], config: OptimizerSection) -> List[Dict[str, Any]]:
    """Assign each trainable parameter to the first ``param_groups`` entry whose
    ``match`` regex is found in its name; the rest form the default group.

    A group that matches nothing is an error: it almost always means a typo.
    """
    patterns = [re.compile(group.match) for group in config.param_groups]
    buckets: List[List[Any]] = [[] for _ in patterns]
    default: List[Any] = []
    names: List[str] = []
    for name, param in named_parameters:
        if not param.requires_grad:
            continue
        names.append(name)
        for i, pattern in enumerate(patterns):
            if pattern.search(name):
                buckets[i].append(param)
                break
        else:
            default.append(param)
    groups: List[Dict[str, Any]] = []
    if default:
        groups.append({"params": default, "name": "default"})
    for i, (group, params) in enumerate(zip(config.param_groups, buckets)):
        if not params:
            example = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise ConfigError(
                f"optimizer.param_groups[{i}].match: {group.match!r} matches no trainable parameter "
                f"(names look like: {example})"
            )
        entry: Dict[str, Any] = {"params": params, "name": group.match, **group.args}
        if group.lr is not None:
            entry["lr"] = group.lr
        if group.weight_decay is not None:
            entry["weight_decay"] = group.weight_decay
        groups.append(entry)
    return groups


def build_optimizer(named_parameters: Iterable[Tuple[str, Any]], config: OptimizerSection):
    """The configured ``torch.optim`` optimizer over ``module.named_parameters()``."""
    cls = torch_names.optimizer_class(config.name)
    return cls(build_param_groups(named_parameters, config), **config.args)


def build_scheduler(optimizer, config: SchedulerSection) -> Optional[Dict[str, Any]]:
    """A Lightning ``lr_scheduler`` dict, or None when no scheduler is configured."""
    if config.name is None:
        return None
    cls = torch_names.scheduler_class(config.name)
    return {
        "scheduler": cls(optimizer, **config.args),
        "interval": config.interval,
        "frequency": config.frequency,
        "monitor": config.monitor,
    }


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
