"""``LightningBase``: a DynVision model that trains with PyTorch Lightning."""
from __future__ import annotations

import os
import warnings
from typing import Any, Dict, Optional

import pytorch_lightning as pl
import torch

from ..fileio import atomic_path
from .trainable import TrainableModel, temporal_cross_entropy

__all__ = ["LightningBase", "temporal_cross_entropy"]


class LightningBase(TrainableModel, pl.LightningModule):
    """A :class:`TrainableModel` that trains with Lightning (see its arguments).

    Lightning saves the model's constructor arguments as hyperparameters, so
    a checkpoint alone rebuilds and resumes it.
    """

    def _save_model_args(self, model_args: Dict[str, Any]) -> None:
        self.save_hyperparameters(model_args)

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

    def configure_optimizers(self) -> Any:
        """The optimizer (and scheduler) of the model's training settings, built by the one builder
        (:mod:`dynvision.config.builders`) that ``dynvision train`` configures."""
        from dynvision.config.builders import build_optimizer, build_scheduler

        optimizer = build_optimizer(self.named_parameters(), self.optimizer_name, self.optimizer_args,
                                    self.param_groups)
        scheduler = build_scheduler(optimizer, self.scheduler_name, self.scheduler_args,
                                    interval=self.scheduler_interval, monitor=self.scheduler_monitor)
        return optimizer if scheduler is None else {"optimizer": optimizer, "lr_scheduler": scheduler}

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
