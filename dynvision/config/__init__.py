"""Run configuration: YAML files validated by a strict pydantic schema.

>>> from dynvision.config import load_config
>>> config = load_config(None, ["model.args.tau=5"])   # packaged default + override
>>> config.model.args["tau"]
5
"""
from .builders import build_callbacks, build_optimizer, build_param_groups, build_scheduler
from .errors import ConfigError
from .imports import import_class
from .loader import DEFAULT_CONFIG_PATH, config_hash, load_config, save_config, validate
from .overrides import apply_overrides, parse_override
from .resolve import resolve_config
from .schema import (
    CallbackSpec,
    CallbacksSection,
    CheckpointSection,
    Config,
    DataSection,
    EarlyStoppingSection,
    LossSection,
    ModelSection,
    OptimizerSection,
    ParamGroup,
    SchedulerSection,
    TrainerSection,
)

__all__ = [
    "CallbackSpec",
    "CallbacksSection",
    "CheckpointSection",
    "Config",
    "ConfigError",
    "DataSection",
    "DEFAULT_CONFIG_PATH",
    "EarlyStoppingSection",
    "LossSection",
    "ModelSection",
    "OptimizerSection",
    "ParamGroup",
    "SchedulerSection",
    "TrainerSection",
    "apply_overrides",
    "build_callbacks",
    "build_optimizer",
    "build_param_groups",
    "build_scheduler",
    "config_hash",
    "import_class",
    "load_config",
    "parse_override",
    "resolve_config",
    "save_config",
    "validate",
]
