"""``train(config)``: one Lightning run from a validated config."""
from __future__ import annotations

import importlib.util
import json
import math
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities import rank_zero_only

from dynvision.config import Config, ConfigError, load_config, save_config, validate
from dynvision.loading import (
    ModelSourceError,
    apply_weights,
    build_model,
    model_record,
    read_checkpoint,
    reconcile_config,
)

from .acceleration import apply_model_options
from .callbacks import RecordRunConfig, default_callbacks
from .checkpoint_io import SafeCheckpointIO

PathLike = Union[str, "os.PathLike[str]"]

#: ``resume="last"`` continues from ``<output dir>/checkpoints/last.ckpt``
RESUME_LAST = "last"
#: written into the run directory when (and only when) a training finished: the completion record
RECORD_NAME = "training.json"


@dataclass
class TrainResult:
    """Where a run's outputs went and how well it did."""

    output_dir: Path
    config_path: Path
    best_checkpoint: Optional[Path]
    last_checkpoint: Optional[Path]
    log_dir: Optional[Path]
    metrics: Dict[str, float] = field(default_factory=dict)
    resumed_from: Optional[Path] = None
    #: the trained model (holding the tested weights: the best checkpoint's)
    model: Any = field(default=None, repr=False, compare=False)

    @property
    def val_accuracy(self) -> Optional[float]:
        return self.metrics.get("val_acc")

    @property
    def test_accuracy(self) -> Optional[float]:
        return self.metrics.get("test_acc")


def run_directory(config: Config, out: Optional[PathLike] = None) -> Path:
    """``out`` when given, else ``<config.output_dir>/<model name>``."""
    return Path(out) if out is not None else Path(config.output_dir) / config.model.name


def _as_config(config: Union[Config, Mapping[str, Any], PathLike, None]) -> Config:
    if isinstance(config, Config):
        return config
    if isinstance(config, Mapping):
        return validate(dict(config))
    return load_config(config)


def build_loggers(run_dir: Path) -> List[Any]:
    """CSV always; TensorBoard as well when it is installed. Never an
    account-based logger."""
    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    loggers: List[Any] = [CSVLogger(save_dir=str(run_dir), name="logs")]
    if importlib.util.find_spec("tensorboard") or importlib.util.find_spec("tensorboardX"):
        loggers.append(TensorBoardLogger(save_dir=str(run_dir), name="tensorboard", default_hp_metric=False))
    return loggers


def build_trainer(config: Config, run_dir: Path, extra_callbacks: Optional[List[pl.Callback]] = None,
                  **overrides: Any) -> pl.Trainer:
    """The Lightning ``Trainer`` of a run: the config's trainer section, the
    default callbacks, CSV (+TensorBoard) logging under ``run_dir``, and
    checkpoints read as plain data only (:class:`SafeCheckpointIO`)."""
    kwargs = config.trainer.to_trainer_kwargs()
    kwargs.update(overrides)
    kwargs["plugins"] = [*kwargs.get("plugins", []), SafeCheckpointIO()]
    callbacks = default_callbacks(config, checkpoint_dir=str(run_dir / "checkpoints")) + list(extra_callbacks or [])
    if config.callbacks.checkpoint is None:
        kwargs.setdefault("enable_checkpointing", False)
    return pl.Trainer(default_root_dir=str(run_dir), callbacks=callbacks, logger=build_loggers(run_dir), **kwargs)


def _resume_path(resume: Optional[PathLike], run_dir: Path, overwrite: bool) -> Optional[Path]:
    last = run_dir / "checkpoints" / "last.ckpt"
    if resume is None:
        if last.exists() and not overwrite:
            raise FileExistsError(
                f"{run_dir} already holds a training run ({last}); continue it with --resume "
                f"(resume='last'), start over with --overwrite, or write elsewhere with --out DIR"
            )
        if overwrite and rank_zero_only.rank == 0 and (run_dir / "checkpoints").exists():
            shutil.rmtree(run_dir / "checkpoints")
        return None
    path = last if str(resume) == RESUME_LAST else Path(resume)
    if not path.is_file():
        raise FileNotFoundError(f"cannot resume: no checkpoint at {path}")
    return path


def _check_resume_matches(path: Path, config: Config, allow_model_change: bool) -> None:
    """Read the checkpoint as plain data (refusing one that would run code) and compare its
    config: a different ``model`` section is refused unless ``allow_model_change``."""
    from dynvision.loading import checkpoint_config

    stored = checkpoint_config(path, read_checkpoint(path)).to_dict()
    current = config.to_dict()
    if stored.get("model") != current["model"]:
        before, after = stored.get("model") or {}, current["model"]
        changed = sorted(k for k in set(before.get("args", {})) | set(after.get("args", {}))
                         if before.get("args", {}).get(k) != after.get("args", {}).get(k))
        changed = [f"model.args.{k}" for k in changed] + [f"model.{k}" for k in ("name", "weights")
                                                          if before.get(k) != after.get(k)]
        if not allow_model_change:
            raise ModelSourceError(
                f"cannot resume from {path}: it was trained with a different model section ({', '.join(changed)}); "
                "resume with the config it was trained with, or pass --allow-model-change to continue its weights "
                "in the changed model (the new config is then stored with it)")
        warnings.warn(f"resuming {path} with a changed model section ({', '.join(changed)}): its weights continue "
                      "in the model of the current config")
    if stored.get("data") != current["data"]:
        warnings.warn(f"resuming from {path}, which was trained with a different `data` section")


def _check_accelerator(config: Config) -> None:
    from dynvision.devices import check_accelerator

    try:
        check_accelerator(config.trainer.accelerator)
    except ValueError as error:
        raise ConfigError(f"{config.source_of('trainer.accelerator')}: trainer.accelerator: {error}") from None


def read_training_record(run_dir: PathLike) -> Optional[Dict[str, Any]]:
    """The completion record of a finished :func:`train` in ``run_dir`` (None when the run did not
    finish, was interrupted, or its checkpoint is gone)."""
    path = Path(run_dir) / RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    checkpoint = record.get("checkpoint") if isinstance(record, dict) else None
    return record if checkpoint and Path(checkpoint).is_file() else None


def _write_training_record(run_dir: Path, config: Config, best: Optional[Path], last: Optional[Path],
                           metrics: Dict[str, float]) -> Path:
    from datetime import datetime, timezone

    from dynvision.config import config_hash
    from dynvision.fileio import write_text_atomically

    record = {"config_hash": config_hash(config), "checkpoint": str(best or last) if (best or last) else None,
              "best_checkpoint": None if best is None else str(best),
              "last_checkpoint": None if last is None else str(last), "metrics": metrics,
              "finished": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    return write_text_atomically(run_dir / RECORD_NAME, json.dumps(record, indent=2) + "\n")


def _fit_or_raise(trainer: pl.Trainer, action) -> None:
    """Run ``action`` (fit or test); an interruption raises instead of returning as if done.

    Lightning turns SIGTERM into a ``SystemExit`` without a code (exit 0) and Ctrl-C into
    ``sys.exit(1)``; both become :class:`~dynvision.signals.Terminated` / ``KeyboardInterrupt``.
    """
    from dynvision.signals import Terminated

    try:
        action()
    except SystemExit:
        if trainer.received_sigterm:
            raise Terminated() from None
        if trainer.interrupted:
            raise KeyboardInterrupt from None
        raise
    if trainer.received_sigterm:  # stopped early at a batch boundary: not a finished run
        raise Terminated()


def _scalars(metrics: Mapping[str, Any]) -> Dict[str, float]:
    out: Dict[str, float] = {}
    for key, value in metrics.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[key] = float(value)
    return out


def train(
    config: Union[Config, Mapping[str, Any], PathLike, None] = None,
    *,
    out: Optional[PathLike] = None,
    resume: Optional[PathLike] = None,
    model_module: Optional[PathLike] = None,
    overwrite: bool = False,
    test: bool = True,
    trainer_kwargs: Optional[Dict[str, Any]] = None,
    allow_model_change: bool = False,
    callbacks: Sequence[pl.Callback] = (),
) -> TrainResult:
    """Train the configured model and test the best checkpoint.

    - ``config``: a :class:`~dynvision.config.Config`, a dict, a YAML path, or
      None for the packaged default.
    - ``out``: the run directory (default ``<output_dir>/<model name>``). It
      receives ``config.yaml`` (the resolved config), ``checkpoints/``
      (best + ``last.ckpt``) and ``logs/`` (CSV; TensorBoard under
      ``tensorboard/`` when installed).
    - ``resume``: a checkpoint path, or ``"last"`` for ``checkpoints/last.ckpt``
      in the run directory. Without it, a run directory that already holds a
      run is an error unless ``overwrite``.
    - ``model_module``: a Python file with user models to import first; it is
      recorded in the checkpoints.
    - ``trainer_kwargs``: extra ``Trainer`` arguments (tests, benchmarks).
    - ``allow_model_change``: resume a checkpoint whose ``model`` section differs from ``config``'s.
    - ``callbacks``: extra Lightning callbacks (e.g. :func:`~dynvision.training.callbacks.one_bar_progress`).

    The model's declared input (normalisation, size) is written into the
    config's data section before anything is saved (see
    :func:`dynvision.loading.reconcile_config`); ``model.weights`` initialises
    a fresh run (a resumed run continues its checkpoint's weights).

    When training and testing finished, ``training.json`` in the run directory records it (config
    hash, checkpoints, metrics; see :func:`read_training_record`); it is removed when a run starts.
    SIGTERM raises :class:`~dynvision.signals.Terminated` and Ctrl-C ``KeyboardInterrupt``, so an
    interrupted run never looks finished.
    """
    config = _as_config(config)
    run_dir = run_directory(config, out)
    _check_accelerator(config)
    pl.seed_everything(config.seed, workers=True, verbose=False)
    model = build_model(config, model_module)  # a bad model argument fails before anything is touched
    resume_path = _resume_path(resume, run_dir, overwrite)  # --overwrite deletes: only a config that builds
    config = reconcile_config(config, model)
    if resume_path is not None:
        _check_resume_matches(resume_path, config, allow_model_change)
    elif config.model.weights is not None:
        apply_weights(model, config.model.weights)
    model = apply_model_options(model, config.trainer)
    config_path = run_dir / "config.yaml"
    if rank_zero_only.rank == 0:  # under DDP every process runs this function; one writes
        stale = run_dir / RECORD_NAME
        if stale.exists():  # this run directory holds a new, unfinished run until train() returns
            stale.unlink()
        config_path = save_config(config, config_path)
    from dynvision.data import DataModule

    datamodule = DataModule(config.data)
    record = RecordRunConfig(config, model_record(model, model_module), checkpoint_dir=str(run_dir / "checkpoints"))
    trainer = build_trainer(config, run_dir, extra_callbacks=[record, *callbacks],
                            **(trainer_kwargs or {}))
    _fit_or_raise(trainer, lambda: trainer.fit(model, datamodule=datamodule,
                                               ckpt_path=str(resume_path) if resume_path else None))
    metrics = _scalars(trainer.callback_metrics)

    checkpoint = trainer.checkpoint_callback
    best = Path(checkpoint.best_model_path) if checkpoint is not None and checkpoint.best_model_path else None
    last = Path(checkpoint.last_model_path) if checkpoint is not None and checkpoint.last_model_path else None
    if test and trainer.limit_test_batches != 0:
        results: List[Dict[str, Any]] = []
        _fit_or_raise(trainer, lambda: results.extend(
            trainer.test(model, datamodule=datamodule, ckpt_path=str(best) if best else None, verbose=False)))
        for result in results:
            metrics.update(_scalars(result))
    log_dir = Path(trainer.log_dir) if trainer.log_dir else None
    if rank_zero_only.rank == 0:
        _write_training_record(run_dir, config, best, last, metrics)
    return TrainResult(
        output_dir=run_dir, config_path=Path(config_path), best_checkpoint=best, last_checkpoint=last,
        log_dir=log_dir, metrics=metrics, resumed_from=resume_path, model=model,
    )
