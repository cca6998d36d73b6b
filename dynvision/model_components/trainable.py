"""``TrainableModel``: a DynVision model with its training settings, without
Lightning.

It holds and checks what :class:`~dynvision.model_components.LightningBase`
trains with (optimizer, parameter groups, scheduler, reaction time, activity
penalty), so a model built from a checkpoint's hyperparameters takes the same
constructor arguments with or without Lightning installed. A Brain-Score
plugin written by ``dynvision register`` runs its models on this class (it
only runs them, and Lightning is not installed there).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Sequence

import torch
import torch.nn.functional as F

from .base import DynamicsModel


def _torch_class(module, name: str, kind: str):
    import difflib

    cls = getattr(module, str(name), None)
    if not isinstance(cls, type):
        names = [n for n in dir(module) if isinstance(getattr(module, n), type) and not n.startswith("_")]
        close = difflib.get_close_matches(str(name), names, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"unknown {kind} {name!r}{hint}; see {module.__name__}")
    return cls


def temporal_cross_entropy(logits: torch.Tensor, labels: torch.Tensor, first_step: int = 0) -> torch.Tensor:
    """Cross-entropy averaged over the steps from ``first_step`` on."""
    scored = logits[:, first_step:]
    if scored.shape[1] == 0:
        raise ValueError(
            f"no time step is scored: the reaction time skips {first_step} of {logits.shape[1]} steps"
        )
    return F.cross_entropy(scored.reshape(-1, scored.shape[-1]), labels.repeat_interleave(scored.shape[1]))


class TrainableModel(DynamicsModel):
    """A :class:`DynamicsModel` with its training settings (no training loop).

    Training arguments (saved with the model's hyperparameters, so a
    checkpoint alone rebuilds and resumes it):

    - ``optimizer`` / ``optimizer_args``: a ``torch.optim`` class by name.
    - ``param_groups``: ``[{"match": regex, "lr": ...}, ...]``; a parameter
      joins the first group whose regex matches its name (e.g. slower
      recurrent weights: ``{"match": "recurrence", "lr": 1e-4}``).
    - ``scheduler`` / ``scheduler_args`` / ``scheduler_interval`` /
      ``scheduler_monitor``: a ``torch.optim.lr_scheduler`` class by name.
    - ``t_reaction``: ms; the loss scores only steps ending after it.
    - ``energy_weight``: weight of the mean squared rate of recorded layers.
    """

    __abstract_model__ = True

    def __init__(
        self,
        optimizer: str = "Adam",
        optimizer_args: Optional[Dict[str, Any]] = None,
        param_groups: Optional[Sequence[Dict[str, Any]]] = None,
        scheduler: Optional[str] = None,
        scheduler_args: Optional[Dict[str, Any]] = None,
        scheduler_interval: str = "epoch",
        scheduler_monitor: str = "val_loss",
        t_reaction: float = 0.0,
        energy_weight: float = 0.0,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        _torch_class(torch.optim, optimizer, "optimizer")
        if scheduler is not None:
            _torch_class(torch.optim.lr_scheduler, scheduler, "scheduler")
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"scheduler_interval={scheduler_interval!r}: use 'epoch' or 'step'")
        if t_reaction < 0 or energy_weight < 0:
            raise ValueError(f"t_reaction={t_reaction} and energy_weight={energy_weight} must be >= 0")
        self.optimizer_name, self.optimizer_args = optimizer, dict(optimizer_args or {"lr": 1e-3})
        self.param_groups = [dict(g) for g in (param_groups or [])]
        for group in self.param_groups:
            if "match" not in group:
                raise ValueError(f"param_groups entry {group} needs a 'match' regex on parameter names")
            re.compile(group["match"])
        self.scheduler_name, self.scheduler_args = scheduler, dict(scheduler_args or {})
        self.scheduler_interval, self.scheduler_monitor = scheduler_interval, scheduler_monitor
        self.t_reaction, self.energy_weight = float(t_reaction), float(energy_weight)

    @property
    def reaction_steps(self) -> int:
        """Steps that end at or before ``t_reaction`` (not scored by the loss)."""
        return int(self.t_reaction // self.dt)
