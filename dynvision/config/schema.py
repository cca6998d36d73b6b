"""The configuration schema: one pydantic model per YAML section.

Every section forbids unknown keys. Free-form dictionaries (``model.args``,
``optimizer.args``, ...) hold plain YAML values; tuples are stored as lists so
that a config written to YAML and read back compares equal.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Literal, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from typing_extensions import Annotated

from dynvision.timing import TimeStepError, ms_to_steps

from . import torch_names
from .errors import fail, join_path, non_finite_path, source_for


def _plain(value: Any) -> Any:
    """Tuples -> lists and numpy scalars -> Python scalars, recursively."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        return value.item()
    return value


def _free_dict(value: Any) -> Any:
    """Plain values, all numbers finite: a NaN time constant trains to a NaN loss."""
    if not isinstance(value, dict):
        return value
    value = _plain(value)
    bad = non_finite_path(value)
    if bad is not None:
        node = value
        for part in bad:
            node = node[part]
        raise fail(join_path(bad), f"must be a finite number, got {node}")
    return value


FreeDict = Annotated[Dict[str, Any], BeforeValidator(_free_dict)]


class Section(BaseModel):
    # allow_inf_nan=False: typed float fields refuse NaN/inf too
    model_config = ConfigDict(extra="forbid", validate_assignment=True, validate_default=True, allow_inf_nan=False)


class ModelSection(Section):
    """Which model to build: ``name`` from the model registry, ``args`` its kwargs,
    ``weights`` an optional weights file (state dict) loaded into it (``--weights``)."""

    name: str = Field(min_length=1)
    args: FreeDict = Field(default_factory=dict)
    weights: Optional[str] = None


class DataSection(Section):
    """A dataset by registry name and how to load it (see docs/data.md)."""

    name: str = "digits"
    root: Optional[str] = None
    image_size: int = Field(32, ge=1)
    channels: Literal[1, 3] = 3
    batch_size: int = Field(64, ge=1)
    eval_batch_size: Optional[int] = Field(None, ge=1)
    num_workers: int = Field(0, ge=0)
    pin_memory: bool = False
    shuffle: bool = True
    drop_last: bool = False
    augment: bool = False
    val_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    test_fraction: float = Field(0.15, ge=0.0, lt=1.0)
    split_seed: int = 0
    mean: Optional[List[float]] = None
    std: Optional[List[float]] = None

    @model_validator(mode="after")
    def _check(self) -> "DataSection":
        from dynvision.data.registry import DATASETS  # lazy: dynvision.data imports this module

        if self.name not in DATASETS:
            raise fail("name", DATASETS.unknown_message(self.name))
        spec = DATASETS.get(self.name)
        if spec.needs_root and not self.root:
            raise fail("root", f"dataset {self.name!r} reads files from disk; set data.root ({spec.layout})")
        if self.val_fraction + self.test_fraction >= 1.0:
            raise fail("val_fraction", "val_fraction + test_fraction must be below 1 (nothing left to train on)")
        for key in ("mean", "std"):
            values = getattr(self, key)
            if values is not None and len(values) != self.channels:
                raise fail(key, f"needs {self.channels} value(s), one per channel (data.channels={self.channels})",
                           related=("channels",))
        if self.std is not None and any(s <= 0 for s in self.std):
            raise fail("std", "standard deviations must be > 0")
        if self.augment and not spec.augmentable:
            raise fail("augment", f"dataset {self.name!r} does not support augmentation")
        return self


_PRECISIONS = ["16-true", "16-mixed", "bf16-true", "bf16-mixed", "32-true", "64-true",
               "transformer-engine", "transformer-engine-float16", "16", "32", "64", "bf16", 16, 32, 64]
_ACCELERATORS = ["auto", "cpu", "gpu", "cuda", "mps", "tpu", "hpu"]
#: fields of ``TrainerSection`` that DynVision applies to the model, not ``Trainer`` arguments
MODEL_RUNTIME_KEYS = ("compile", "channels_last")


class TrainerSection(Section):
    """The Lightning ``Trainer`` arguments users commonly set; anything else goes
    in ``extra`` and is passed through unchanged. ``compile`` (``torch.compile``
    mode, ``true`` = ``"default"``) and ``channels_last`` are applied to the model
    before training, not passed to the ``Trainer``."""

    max_epochs: int = Field(5, ge=-1)
    max_steps: int = Field(-1, ge=-1)
    accelerator: str = "auto"
    devices: Union[int, str, List[int]] = "auto"
    strategy: str = "auto"
    num_nodes: int = Field(1, ge=1)
    precision: Union[int, str] = "32-true"
    compile: Union[bool, Literal["default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"]] = False
    channels_last: bool = False
    log_every_n_steps: int = Field(10, ge=1)
    limit_train_batches: Union[int, float] = 1.0
    limit_val_batches: Union[int, float] = 1.0
    limit_test_batches: Union[int, float] = 1.0
    check_val_every_n_epoch: int = Field(1, ge=1)
    num_sanity_val_steps: int = Field(2, ge=-1)
    gradient_clip_val: Optional[float] = Field(None, ge=0.0)
    gradient_clip_algorithm: Literal["norm", "value"] = "norm"
    accumulate_grad_batches: int = Field(1, ge=1)
    deterministic: Union[bool, Literal["warn"]] = False
    enable_progress_bar: bool = True
    enable_model_summary: bool = True
    extra: FreeDict = Field(default_factory=dict)

    @field_validator("limit_train_batches", "limit_val_batches", "limit_test_batches")
    @classmethod
    def _limit(cls, value: Union[int, float]) -> Union[int, float]:
        # Lightning reads an int as a batch count and a float as a fraction.
        if isinstance(value, bool):
            raise ValueError("must be a number: an int (batches) or a float in [0, 1] (fraction)")
        if isinstance(value, float) and not 0.0 <= value <= 1.0:
            raise ValueError("a float limit is a fraction and must lie in [0, 1]; use an int for a batch count")
        if isinstance(value, int) and value < 0:
            raise ValueError("must be >= 0")
        return value

    @field_validator("precision")
    @classmethod
    def _precision(cls, value: Union[int, str]) -> Union[int, str]:
        if value not in _PRECISIONS:
            raise ValueError(f"unknown precision {value!r}; valid: {', '.join(map(str, _PRECISIONS))}")
        return value

    @field_validator("accelerator")
    @classmethod
    def _accelerator(cls, value: str) -> str:
        if value not in _ACCELERATORS:
            raise ValueError(f"unknown accelerator {value!r}; valid: {', '.join(_ACCELERATORS)}")
        return value

    @field_validator("strategy")
    @classmethod
    def _strategy(cls, value: str) -> str:
        if value == "auto":
            return value
        from pytorch_lightning.strategies import StrategyRegistry  # only paid for when a strategy is named

        names = StrategyRegistry.available_strategies()
        if value not in names:
            import difflib

            close = difflib.get_close_matches(value, names, n=3)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            raise ValueError(f"unknown strategy {value!r}{hint}; valid: auto, {', '.join(names)}")
        return value

    @model_validator(mode="after")
    def _check_extra(self) -> "TrainerSection":
        if self.accelerator == "cpu" and str(self.precision) in ("16-mixed", "16", "16-true"):
            raise fail("precision", f"{self.precision!r} needs a GPU; on accelerator 'cpu' use 'bf16-mixed' or '32-true'")
        typed = set(type(self).model_fields) - {"extra"}
        for key in self.extra:
            if key in typed:
                raise fail(f"extra.{key}", f"set this as trainer.{key}, not in trainer.extra")
        if self.extra:
            from pytorch_lightning import Trainer  # only paid for when extra is used

            bad = torch_names.check_arguments(Trainer, self.extra, required=False)
            if bad:
                raise fail(f"extra.{bad[0]}", bad[1])
        return self

    def to_trainer_kwargs(self) -> Dict[str, Any]:
        """Keyword arguments for ``pytorch_lightning.Trainer``."""
        kwargs = self.model_dump(exclude={"extra", *MODEL_RUNTIME_KEYS})
        for key in ("limit_train_batches", "limit_val_batches", "limit_test_batches"):
            if kwargs[key] == 1.0 and isinstance(kwargs[key], float):
                del kwargs[key]  # Lightning's own default; passed explicitly, Lightning announces it
        kwargs.update(self.extra)
        return kwargs


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


class ParamGroup(Section):
    """Parameters whose name matches ``match`` (``re.search``) get their own
    options; the first matching group wins, the rest use ``optimizer.args``."""

    match: Annotated[str, Field(min_length=1)]
    lr: Optional[float] = Field(None, gt=0.0)
    weight_decay: Optional[float] = Field(None, ge=0.0)
    args: FreeDict = Field(default_factory=dict)

    @field_validator("match")
    @classmethod
    def _check_match(cls, value: str) -> str:
        return _regex(value)


class OptimizerSection(Section):
    """A ``torch.optim`` optimizer by class name, its arguments and parameter groups."""

    name: str = "Adam"
    args: FreeDict = Field(default_factory=lambda: {"lr": 0.001})
    param_groups: List[ParamGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "OptimizerSection":
        try:
            cls = torch_names.optimizer_class(self.name)
        except ValueError as exc:
            raise fail("name", str(exc)) from None
        bad = torch_names.check_arguments(cls, self.args, required=False)
        if bad:
            raise fail(f"args.{bad[0]}", bad[1])
        self._check_rates()
        for i, group in enumerate(self.param_groups):
            _check_group(cls, i, group)
        return self

    def _check_rates(self) -> None:
        for key, low, strict in (("lr", 0.0, True), ("weight_decay", 0.0, False)):
            if key in self.args:
                value = self.args[key]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise fail(f"args.{key}", f"must be a number (got {value!r})")
                if value < low or (strict and value == low):
                    raise fail(f"args.{key}", f"must be {'>' if strict else '>='} {low} (got {value!r})")


def _check_group(cls: type, index: int, group: ParamGroup) -> None:
    """A parameter group's own options: lr/weight_decay on the group, the rest accepted by ``cls``."""
    for key in ("lr", "weight_decay", "params"):
        if key in group.args:
            raise fail(f"param_groups[{index}].args.{key}", f"set {key} directly on the group, not in args")
    bad = torch_names.check_arguments(cls, group.args, required=False)
    if bad:
        raise fail(f"param_groups[{index}].args.{bad[0]}", bad[1])


class SchedulerSection(Section):
    """An optional ``torch.optim.lr_scheduler`` class by name; ``interval`` says
    whether it steps per epoch or per optimizer step; ``monitor`` feeds
    ``ReduceLROnPlateau``."""

    name: Optional[str] = None
    args: FreeDict = Field(default_factory=dict)
    interval: Literal["epoch", "step"] = "epoch"
    frequency: int = Field(1, ge=1)
    monitor: str = "val_loss"

    @model_validator(mode="after")
    def _check(self) -> "SchedulerSection":
        if self.name is None:
            if self.args:
                raise fail("args", "scheduler.args given but scheduler.name is null")
            return self
        try:
            cls = torch_names.scheduler_class(self.name)
        except ValueError as exc:
            raise fail("name", str(exc)) from None
        bad = torch_names.check_arguments(cls, self.args, required=True)
        if bad:
            raise fail(f"args.{bad[0]}", bad[1])
        return self


class LossSection(Section):
    """Cross-entropy over time plus an optional activity (energy) penalty."""

    t_reaction: float = Field(0.0, ge=0.0, description="ms; only steps ending after this time enter the loss")
    energy_weight: float = Field(0.0, ge=0.0, description="weight of the mean activity of recorded layers")


class CheckpointSection(Section):
    monitor: Optional[str] = "val_loss"
    mode: Literal["min", "max"] = "min"
    save_last: bool = True
    save_top_k: int = Field(1, ge=-1)


class EarlyStoppingSection(Section):
    monitor: str = "val_loss"
    patience: int = Field(3, ge=0)
    mode: Literal["min", "max"] = "min"
    min_delta: float = Field(0.0, ge=0.0)


class CallbackSpec(Section):
    """Any callback by import path, e.g. ``lightning.pytorch.callbacks.StochasticWeightAveraging``."""

    class_path: str
    init_args: FreeDict = Field(default_factory=dict)

    @field_validator("class_path")
    @classmethod
    def _dotted(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", value):
            raise ValueError(f"expected a dotted import path like lightning.pytorch.callbacks.EarlyStopping, got {value!r}")
        return value


class CallbacksSection(Section):
    """Default callbacks (each can be switched off with null/false) plus extras."""

    checkpoint: Optional[CheckpointSection] = Field(default_factory=CheckpointSection)
    lr_monitor: bool = True
    early_stopping: Optional[EarlyStoppingSection] = None
    extra: List[CallbackSpec] = Field(default_factory=list)


class Config(Section):
    """A complete, validated DynVision run configuration."""

    model: ModelSection
    data: DataSection = Field(default_factory=DataSection)
    trainer: TrainerSection = Field(default_factory=TrainerSection)
    optimizer: OptimizerSection = Field(default_factory=OptimizerSection)
    scheduler: SchedulerSection = Field(default_factory=SchedulerSection)
    loss: LossSection = Field(default_factory=LossSection)
    callbacks: CallbacksSection = Field(default_factory=CallbacksSection)
    seed: int = 0
    output_dir: str = "runs"
    #: where each value came from: ``{key.path: "file:line" | "--set k=v"}`` and the fallback
    _sources: Dict[str, str] = PrivateAttr(default_factory=dict)
    _default_source: str = PrivateAttr("<config>")

    def source_of(self, path: str) -> str:
        """Where the value at ``path`` (e.g. ``model.args.tau``) came from: the
        ``--set`` override, ``file:line``, or the file/dict the config was read from."""
        return source_for(path, self._sources, self._default_source)

    def __eq__(self, other: Any) -> bool:
        # where the values came from is no part of the config
        if not isinstance(other, Config):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    @property
    def sources(self) -> Dict[str, str]:
        """``{key.path: origin}`` recorded when the config was validated."""
        return dict(self._sources)

    @model_validator(mode="after")
    def _cross_check(self) -> "Config":
        args = self.model.args
        dims = args.get("input_dims")
        if isinstance(dims, list) and len(dims) == 4 and all(isinstance(d, int) for d in dims):
            n_steps, channels, height, width = dims
            if channels != self.data.channels or height != self.data.image_size or width != self.data.image_size:
                raise fail(
                    "model.args.input_dims",
                    f"{dims} (T, C, H, W) does not match the data: data.channels={self.data.channels}, "
                    f"data.image_size={self.data.image_size}",
                    related=("data.channels", "data.image_size"),
                )
            dt = args.get("dt")
            if isinstance(dt, (int, float)) and not isinstance(dt, bool) and dt > 0:
                try:
                    ms_to_steps(self.loss.t_reaction, dt, "loss.t_reaction")
                except TimeStepError as error:
                    raise fail("loss.t_reaction", str(error).split("=", 1)[1]) from None
                if self.loss.t_reaction >= n_steps * dt:
                    raise fail(
                        "loss.t_reaction",
                        f"{self.loss.t_reaction} ms leaves no step in the loss: the run lasts "
                        f"{n_steps} steps x {dt} ms = {n_steps * dt} ms",
                        related=("model.args.input_dims", "model.args.dt"),
                    )
        from dynvision.data.registry import DATASETS

        n_classes = args.get("n_classes")
        expected = DATASETS.get(self.data.name).n_classes
        if isinstance(n_classes, int) and expected is not None and n_classes != expected:
            raise fail("model.args.n_classes", f"{n_classes} but dataset {self.data.name!r} has {expected} classes",
                       related=("data.name",))
        return self

    # -- conversion -----------------------------------------------------------------
    def to_dict(self) -> Dict[str, Any]:
        """Plain nested dict (YAML-safe); :func:`dynvision.config.validate` reverses it exactly."""
        return _plain(self.model_dump())

    def to_yaml(self) -> str:
        from .yaml_io import dump_yaml

        return dump_yaml(self.to_dict())
