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
from typing import Any, Dict, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .base import DynamicsModel
from .timing import ms_to_steps


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
    - ``t_reaction``: ms, a whole number of steps; the loss scores the steps
      ending after it, to the end of the run (with ``t_presentation`` set:
      through the blank after the image, so the whole horizon the model is
      later scored over is trained; see :attr:`loss_window_ms`).
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
        first, stop = self.loss_steps  # a reaction time that is not whole steps fails here
        if first >= stop:
            raise ValueError(f"{type(self).__name__}: t_reaction={self.t_reaction:g} ms leaves no step in the loss "
                             f"(a run lasts {self.n_timesteps} steps x dt={self.dt:g} ms); lower t_reaction")

    @property
    def reaction_steps(self) -> int:
        """Steps that end at or before ``t_reaction`` (not scored by the loss)."""
        return ms_to_steps(self.t_reaction, self.dt, "t_reaction", type(self).__name__)

    @property
    def loss_steps(self) -> Tuple[int, int]:
        """``(first, stop)``: the loss scores steps ``first <= k < stop`` of a static
        image's run: those ending in ``(t_reaction, n_timesteps * dt]`` ms."""
        return self.reaction_steps, self.n_timesteps

    @property
    def loss_window_ms(self) -> Tuple[float, float]:
        """The loss window of :attr:`loss_steps` in ms after the first frame."""
        first, stop = self.loss_steps
        return first * self.dt, stop * self.dt
