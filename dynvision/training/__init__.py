"""Training: ``train(config) -> TrainResult`` runs Lightning from a config.
A checkpoint alone rebuilds the trained model (:func:`dynvision.loading.load_checkpoint`).

>>> from dynvision.config import load_config            # doctest: +SKIP
>>> result = train(load_config(None, ["trainer.max_epochs=1"]))
>>> model = load_checkpoint(result.best_checkpoint)
"""
from dynvision.loading import CONFIG_KEY, MODEL_KEY, build_model, checkpoint_config, load_checkpoint

from .callbacks import RecordRunConfig, default_callbacks, one_bar_progress
from .run import (RECORD_NAME, RESUME_LAST, TrainResult, build_loggers, build_trainer, read_training_record,
                  run_directory, train)

__all__ = [
    "CONFIG_KEY", "MODEL_KEY", "RECORD_NAME", "RESUME_LAST", "RecordRunConfig", "TrainResult", "build_loggers",
    "build_model", "build_trainer", "checkpoint_config", "default_callbacks", "load_checkpoint", "one_bar_progress",
    "read_training_record", "run_directory", "train",
]
