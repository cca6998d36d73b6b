"""Callbacks ``train`` always adds, and the list it builds from the config."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytorch_lightning as pl

from dynvision.config import Config
from dynvision.config.builders import build_callbacks
from dynvision.loading import CONFIG_KEY, MODEL_KEY


class RecordRunConfig(pl.Callback):
    """Put the resolved run config and the model's class record into every
    checkpoint (``checkpoint["dynvision_config"]``, ``checkpoint["dynvision_model"]``),
    whichever callback saves it, so that the checkpoint alone rebuilds the model.

    With ``checkpoint_dir``, a ``ModelCheckpoint`` without a ``dirpath`` of its
    own (e.g. one returned by a model's ``configure_callbacks``) saves there
    too instead of under the logger's version folder.
    """

    def __init__(self, config: Config, model_record: Dict[str, Any], checkpoint_dir: Optional[str] = None):
        self.config = config.to_dict()
        self.model_record = dict(model_record)
        self.checkpoint_dir = checkpoint_dir

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        # runs before ModelCheckpoint.setup (Lightning orders checkpoint callbacks last)
        if self.checkpoint_dir is not None:
            for callback in trainer.checkpoint_callbacks:
                if getattr(callback, "dirpath", "") is None:
                    callback.dirpath = self.checkpoint_dir

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: Dict[str, Any]) -> None:
        checkpoint[CONFIG_KEY] = self.config
        checkpoint[MODEL_KEY] = dict(self.model_record)


def default_callbacks(config: Config, checkpoint_dir: Optional[str]) -> List[pl.Callback]:
    """Checkpointing (best by the monitored metric + ``last.ckpt``), learning-rate
    monitor, optional early stopping, then ``callbacks.extra`` in order.

    A model's own ``configure_callbacks`` is applied by Lightning on top of
    these: a callback it returns replaces any of the same type here.
    """
    return build_callbacks(config.callbacks, checkpoint_dir=checkpoint_dir)


def one_bar_progress() -> pl.Callback:
    """Lightning's tqdm progress bar reduced to one bar for the whole fit: the sanity-check,
    validation and test bars are switched off, so they never interleave with it; validation
    metrics still show in its postfix."""
    from pytorch_lightning.callbacks import TQDMProgressBar
    from pytorch_lightning.callbacks.progress.tqdm_progress import Tqdm

    class OneBarProgress(TQDMProgressBar):
        def init_sanity_tqdm(self):
            return Tqdm(disable=True)

        def init_validation_tqdm(self):
            return Tqdm(disable=True)

        def init_test_tqdm(self):
            return Tqdm(disable=True)

    return OneBarProgress()
