"""``LightningBase``: a DynVision model that trains with PyTorch Lightning."""
from __future__ import annotations

import os
import re
import warnings
from typing import Any, Dict, List, Optional, Sequence

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from ..fileio import atomic_path
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


class LightningBase(DynamicsModel, pl.LightningModule):
    """A :class:`DynamicsModel` with Lightning training.

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

    def _save_model_args(self, model_args: Dict[str, Any]) -> None:
        self.save_hyperparameters(model_args)

    @property
    def reaction_steps(self) -> int:
        """Steps that end at or before ``t_reaction`` (not scored by the loss)."""
        return int(self.t_reaction // self.dt)

    # --------------------------------------------------------------- training
    def _shared_step(self, batch, stage: str) -> torch.Tensor:
        images, labels = batch[0], batch[1]
        penalize = self.energy_weight > 0 and stage == "train"
        logits = self(images, store_responses=True if penalize else None)
        self._last_labels = labels
        loss = temporal_cross_entropy(logits, labels, self.reaction_steps)
        if penalize:
            rates = [r for name, r in self.get_responses().items() if name != "classifier"]
            if rates:
                energy = torch.stack([r.pow(2).mean() for r in rates]).mean()
                loss = loss + self.energy_weight * energy
                self.log(f"{stage}_energy", energy, on_step=False, on_epoch=True, sync_dist=True)
        accuracy = (logits[:, -1].argmax(-1) == labels).float().mean()
        # sync_dist: under data-parallel training every process sees a shard; checkpoint and
        # early-stopping decisions need the mean over all of them (a no-op in one process)
        self.log(f"{stage}_loss", loss, prog_bar=True, on_step=stage == "train", on_epoch=True,
                 batch_size=len(labels), sync_dist=True)
        self.log(f"{stage}_acc", accuracy, prog_bar=True, on_step=False, on_epoch=True,
                 batch_size=len(labels), sync_dist=True)
        return loss

    def training_step(self, batch, batch_idx):
        return self._shared_step(batch, "train")

    def validation_step(self, batch, batch_idx):
        return self._shared_step(batch, "val")

    def test_step(self, batch, batch_idx):
        return self._shared_step(batch, "test")

    def configure_optimizers(self):
        groups: List[Dict[str, Any]] = [dict(g, params=[]) for g in self.param_groups]
        default: List[torch.nn.Parameter] = []
        for name, parameter in self.named_parameters():
            if not parameter.requires_grad:
                continue
            for group in groups:
                if re.search(group["match"], name):
                    group["params"].append(parameter)
                    break
            else:
                default.append(parameter)
        param_groups = [{"params": default}] + [
            {k: v for k, v in g.items() if k != "match"} for g in groups if g["params"]
        ]
        for group in groups:
            if not group["params"]:
                warnings.warn(f"param_groups: no parameter name matches {group['match']!r}")
        optimizer = _torch_class(torch.optim, self.optimizer_name, "optimizer")(param_groups, **self.optimizer_args)
        if self.scheduler_name is None:
            return optimizer
        scheduler = _torch_class(torch.optim.lr_scheduler, self.scheduler_name, "scheduler")(
            optimizer, **self.scheduler_args)
        return {"optimizer": optimizer, "lr_scheduler": {
            "scheduler": scheduler, "interval": self.scheduler_interval, "monitor": self.scheduler_monitor}}

    # ---------------------------------------------------------------- logging
    def log_table(self, name: str, dataframe) -> Optional[str]:
        """Log a pandas table: through the logger's own ``log_table`` where it
        has one, else as CSV under the logger's directory. Returns the path."""
        logger = self.logger if self._trainer is not None else None
        if logger is not None and hasattr(logger, "log_table"):
            logger.log_table(key=name, dataframe=dataframe)
            return None
        directory = getattr(logger, "log_dir", None) if logger is not None else None
        if directory is None:
            warnings.warn(f"log_table({name!r}): no logger with a directory; table not written")
            return None
        path = os.path.join(directory, "tables", f"{name}_step{self.global_step}.csv")
        with atomic_path(path) as tmp:
            dataframe.to_csv(tmp, index=False)
        return path
