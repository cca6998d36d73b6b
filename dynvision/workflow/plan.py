"""Expand a workflow config into its runs: model variants x seeds, the
experiments and benchmarks, and where every output goes.

Output names carry hashes so that a rerun skips finished work and a changed
config reruns only what depends on it:

- a training run is ``<model_name>-<hash of its resolved training config>``
  (model args, seed, data, trainer, ...: the same hash ``dynvision train``
  records), so changing an experiment never retrains;
- an experiment is ``<name>-<hash of its protocol parameters, images and split>``.
"""
from __future__ import annotations

import copy
import hashlib
import itertools
import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from . import DEFAULT_CONFIG

LIST_KEYS = ("seeds", "experiment", "benchmarks")


class WorkflowConfigError(ValueError):
    """A workflow config key with a bad value; the message names the key."""


def defaults() -> Dict[str, Any]:
    return yaml.safe_load(DEFAULT_CONFIG.read_text())


def resolve(config: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
    """Defaults + the user's keys, lists normalized; unknown keys are errors."""
    merged = defaults()
    user = dict(config or {})
    unknown = sorted(set(user) - set(merged))
    if unknown:
        raise WorkflowConfigError(f"unknown workflow config key(s) {unknown}; valid: {', '.join(merged)}")
    merged.update(copy.deepcopy(user))
    for key in LIST_KEYS:
        value = merged[key]
        merged[key] = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    if not merged["seeds"]:
        raise WorkflowConfigError("seeds: give at least one seed")
    if isinstance(merged["data"], str):  # data=cifar10 on the command line
        merged["data"] = {"name": merged["data"]}
    for key in ("data", "train", "experiment_args"):
        merged[key] = merged[key] or {}
        if not isinstance(merged[key], Mapping):
            raise WorkflowConfigError(f"{key}: expected a mapping, got {merged[key]!r}")
    merged["name"] = merged["name"] or merged["model_name"]
    return merged


def _short_hash(data: Any, length: int = 10) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def grid(model_args: Any) -> List[Dict[str, Any]]:
    """Model-argument variants: a mapping whose list values are grid axes
    (cartesian product), or a list of mappings taken literally."""
    if model_args in (None, {}):
        return [{}]
    if isinstance(model_args, list):
        if not all(isinstance(v, Mapping) for v in model_args):
            raise WorkflowConfigError("model_args: a list must hold one mapping per variant")
        return [dict(v) for v in model_args]
    if not isinstance(model_args, Mapping):
        raise WorkflowConfigError(f"model_args: expected a mapping or a list of mappings, got {model_args!r}")
    axes = [(k, v if isinstance(v, list) else [v]) for k, v in model_args.items()]
    for key, values in axes:
        if not values:
            raise WorkflowConfigError(f"model_args.{key}: an empty list gives no variants")
    keys = [k for k, _ in axes]
    return [dict(zip(keys, combo)) for combo in itertools.product(*(v for _, v in axes))]


def _set(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"  # JSON is YAML: --set parses it back exactly


@dataclass
class Variant:
    """One training run: a model-argument variant at one seed."""

    id: str
    model_name: str
    args: Dict[str, Any]
    seed: int
    overrides: List[str]
    config_hash: str
    #: the model arguments that differ between the sweep's variants
    varying: List[str] = field(default_factory=list)

    def label(self) -> str:
        """Human-readable variant name without the seed (for legends): the
        arguments that vary across the sweep."""
        return ", ".join(f"{k}={self.args[k]}" for k in self.varying if k in self.args) or self.model_name

    def row(self) -> Dict[str, Any]:
        return {"variant": self.id, "model_name": self.model_name, "label": self.label(), "seed": self.seed,
                "config_hash": self.config_hash, **{f"arg.{k}": json.dumps(v) if isinstance(v, (list, dict)) else v
                                                   for k, v in self.args.items()}}


@dataclass
class Experiment:
    id: str
    name: str
    params: Dict[str, Any]


@dataclass
class Plan:
    config: Dict[str, Any]
    variants: List[Variant]
    experiments: List[Experiment]
    benchmarks: List[str]
    dynvision: str = field(default="")

    # -- paths (relative to the working directory) -------------------------------
    @property
    def out(self) -> str:
        return str(self.config["out"])

    @property
    def summary_dir(self) -> str:
        return f"{self.out}/summary/{self.config['name']}"

    def variant(self, variant_id: str) -> Variant:
        return {v.id: v for v in self.variants}[variant_id]

    def experiment(self, experiment_id: str) -> Experiment:
        return {e.id: e for e in self.experiments}[experiment_id]


def _training_overrides(cfg: Mapping[str, Any], args: Mapping[str, Any], seed: int) -> List[str]:
    overrides = [_set(f"model.args.{k}", v) for k, v in args.items()]
    overrides += [_set(f"data.{k}", v) for k, v in cfg["data"].items()]
    overrides += [_set(str(k), v) for k, v in cfg["train"].items()]
    overrides.append(_set("seed", int(seed)))
    return overrides


def make_variant(cfg: Mapping[str, Any], args: Mapping[str, Any], seed: int) -> Variant:
    """Resolve the training config exactly as ``dynvision train`` will, and name the run by its hash."""
    from dynvision.config import resolve_config
    from dynvision.config import config_hash

    overrides = _training_overrides(cfg, args, seed)
    try:
        config = resolve_config(cfg["base_config"], cfg["model_name"], overrides, cfg["model_module"])
    except Exception as error:
        raise WorkflowConfigError(f"variant {dict(args)} seed {seed}: {error}") from None
    digest = config_hash(config)
    return Variant(f"{cfg['model_name']}-{digest}", cfg["model_name"], dict(args), int(seed), overrides, digest)


def make_experiment(cfg: Mapping[str, Any], name: str) -> Experiment:
    from dynvision.experiments import get_protocol

    params = dict((cfg["experiment_args"] or {}).get(name) or {})
    try:
        protocol = get_protocol(name, **params)
    except (KeyError, ValueError, TypeError) as error:
        raise WorkflowConfigError(f"experiment {name!r}: {error}") from None
    # hash the full parameters (defaults included) + which images
    digest = _short_hash({"params": protocol.parameters(), "n_images": cfg["n_images"], "split": cfg["split"]})
    return Experiment(f"{name}-{digest}", name, params)


def default_command() -> str:
    """This interpreter's ``-m dynvision``: the CLI of the environment that runs snakemake."""
    return f"{shlex.quote(sys.executable)} -m dynvision"


def build_plan(config: Optional[Mapping[str, Any]] = None) -> Plan:
    cfg = resolve(config)
    if cfg["model_module"]:
        from dynvision.models import load_model_module

        cfg["model_module"] = str(Path(cfg["model_module"]).resolve())
        load_model_module(cfg["model_module"])
    if cfg["base_config"]:
        cfg["base_config"] = str(Path(cfg["base_config"]).resolve())
    variants = [make_variant(cfg, args, seed) for args in grid(cfg["model_args"]) for seed in cfg["seeds"]]
    ids = [v.id for v in variants]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise WorkflowConfigError(f"model_args/seeds give identical runs {duplicates}: remove the repeated values")
    keys = list(dict.fromkeys(k for v in variants for k in v.args))
    varying = [k for k in keys if len({json.dumps(v.args.get(k), sort_keys=True) for v in variants}) > 1]
    for variant in variants:
        variant.varying = varying
    experiments = [make_experiment(cfg, name) for name in dict.fromkeys(cfg["experiment"])]
    return Plan(cfg, variants, experiments, list(dict.fromkeys(cfg["benchmarks"])),
                cfg["dynvision"] or default_command())


def experiment_args(plan: Plan, experiment: Experiment) -> str:
    """The ``dynvision experiment`` options of one experiment, shell-quoted."""
    cfg = plan.config
    parts = [f"--n-images {int(cfg['n_images'])}", f"--split {shlex.quote(str(cfg['split']))}",
             f"--batch-size {int(cfg['batch_size'])}"]
    parts += [f"--param {shlex.quote(_set(k, v))}" for k, v in experiment.params.items()]
    if cfg["model_module"]:
        parts.append(f"--model-module {shlex.quote(cfg['model_module'])}")
    return " ".join(parts)


def score_args(plan: Plan) -> str:
    """The extra ``dynvision score`` options (``score_args``), plus the user's model file."""
    cfg = plan.config
    extra = cfg["score_args"] or ""
    parts = [" ".join(shlex.quote(str(a)) for a in extra) if isinstance(extra, list) else str(extra), "--no-progress"]
    if cfg["model_module"]:
        parts.append(f"--model-module {shlex.quote(cfg['model_module'])}")
    return " ".join(p for p in parts if p)


def train_args(plan: Plan, variant: Variant) -> str:
    """The ``dynvision train`` options of one run, shell-quoted."""
    cfg = plan.config
    parts = [f"--config {shlex.quote(cfg['base_config'])}"] if cfg["base_config"] else []
    parts += [f"--set {shlex.quote(o)}" for o in variant.overrides]
    if cfg["model_module"]:
        parts.append(f"--model-module {shlex.quote(cfg['model_module'])}")
    return " ".join(parts)
