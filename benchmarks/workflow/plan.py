"""The workflow's plan: a comparison plan (:mod:`benchmarks.compare`, the one sweep engine) plus
the temporal experiments to run on every model, and the argument lists of every job.

Two ways in:

- a workflow config (``model_name``, ``model_args``, ``seeds``, ``benchmarks``, ...): the
  variants and the work list are built with :func:`benchmarks.compare.build_plan`, exactly as
  ``dynvision compare --train`` builds them (every variant's model is built and every benchmark
  resolved before a job starts), and saved as ``<out>/plan.json``;
- ``plan: FILE``: a plan written by ``dynvision compare ... --plan FILE`` is run as it is.

Every job runs ``dynvision`` with an argument list (never a shell string), so no value of the
config reaches a shell.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import yaml

from benchmarks.compare.grid import Variant, format_value
from benchmarks.compare.plan import ComparePlan, PlanError, Run, WorkItem
from benchmarks.compare.plan import build_plan as build_compare_plan
from benchmarks.runner import ScoreOptions

from . import DEFAULT_CONFIG

LIST_KEYS = ("seeds", "experiment", "benchmarks")
#: keys a given plan already fixes (an error when given together with ``plan``)
PLAN_KEYS = ("model_name", "model_module", "base_config", "model_args", "seeds", "data", "train", "benchmarks",
             "score")
#: what a workflow config may set under ``score``: the scoring options a comparison plan carries
#: (:class:`benchmarks.runner.ScoreOptions`, as the `dynvision compare` flags set them)
SCORE_KEYS = tuple(item.name for item in dataclasses.fields(ScoreOptions) if item.name != "progress")


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
    if user.get("plan"):
        fixed = sorted(k for k in PLAN_KEYS if k in user)
        if fixed:
            raise WorkflowConfigError(f"plan: the plan fixes {fixed}; leave them out of the workflow config")
    merged.update(copy.deepcopy(user))
    for key in LIST_KEYS:
        value = merged[key]
        merged[key] = [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]
    merged["seeds"] = _seeds(merged["seeds"])
    if isinstance(merged["data"], str):  # data=cifar10 on the command line
        merged["data"] = {"name": merged["data"]}
    _check_sections(merged)
    merged["name"] = merged["name"] or merged["model_name"]
    return merged


def _seeds(seeds: List[Any]) -> List[int]:
    """Distinct whole-number seeds (snakemake's --config seeds=[0,1] gives strings)."""
    if not seeds:
        raise WorkflowConfigError("seeds: give at least one seed")
    try:
        if any(isinstance(s, (bool, float)) for s in seeds):
            raise ValueError
        values = [int(s) for s in seeds]
    except (TypeError, ValueError):
        raise WorkflowConfigError(f"seeds: whole numbers, got {seeds!r}") from None
    if len(set(values)) != len(values):
        raise WorkflowConfigError(f"seeds: {values} repeats a seed (identical runs)")
    return values


def _check_sections(merged: Dict[str, Any]) -> None:
    """The mapping sections are mappings (empty when unset), score settings known, names strings."""
    for key in ("data", "train", "experiment_args", "score"):
        merged[key] = merged[key] or {}
        if not isinstance(merged[key], Mapping):
            raise WorkflowConfigError(f"{key}: expected a mapping, got {merged[key]!r}")
    unknown = sorted(set(merged["score"]) - set(SCORE_KEYS))
    if unknown:
        raise WorkflowConfigError(f"score: unknown setting(s) {unknown}; valid: {', '.join(SCORE_KEYS)}")
    for key in ("experiment", "benchmarks"):
        if not all(isinstance(name, str) for name in merged[key]):
            raise WorkflowConfigError(f"{key}: names (strings), got {merged[key]!r}")


def _short_hash(data: Any, length: int = 10) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _set(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"  # JSON is YAML: --set parses it back exactly


def _listed_variants(model_args: List[Any]) -> Tuple[Dict[str, List[Any]], List[Variant], List[str]]:
    """One variant per mapping of the list; the axes list every value each key takes."""
    if not model_args or not all(isinstance(v, Mapping) for v in model_args):
        raise WorkflowConfigError("model_args: a list must hold one mapping per variant")
    variants = [Variant(tuple(dict(v).items())) for v in model_args]
    axes: Dict[str, List[Any]] = {}
    for variant in variants:
        for key, value in variant.values:
            if value not in axes.setdefault(key, []):
                axes[key].append(value)
    return axes, variants, []


def variants_of(model_args: Any) -> Tuple[Dict[str, List[Any]], List[Variant], List[str]]:
    """``model_args`` -> (the grid's axes, the variants, fixed ``--set`` overrides).

    A mapping: a list value with several entries is a grid axis (the variants are the product,
    as with ``dynvision compare --vary``), any other value is fixed for every variant (a
    list-valued argument goes in one more list). A list of mappings: one variant each.
    """
    if model_args in (None, {}):
        return {}, [Variant(())], []
    if isinstance(model_args, list):
        return _listed_variants(model_args)
    if not isinstance(model_args, Mapping):
        raise WorkflowConfigError(f"model_args: expected a mapping or a list of mappings, got {model_args!r}")
    axes: Dict[str, List[Any]] = {}
    fixed: List[str] = []
    for key, value in model_args.items():
        if isinstance(value, list) and not value:
            raise WorkflowConfigError(f"model_args.{key}: an empty list gives no variants")
        if isinstance(value, list) and len(value) > 1:
            axes[str(key)] = list(value)
        else:
            fixed.append(_set(f"model.args.{key}", value[0] if isinstance(value, list) else value))
    from benchmarks.compare.grid import make_grid

    return axes, make_grid(axes), fixed


@dataclass
class Experiment:
    id: str
    name: str
    params: Dict[str, Any]


@dataclass
class WorkflowPlan:
    """The workflow config, its comparison plan (runs and scoring items) and experiments."""

    config: Dict[str, Any]
    compare: ComparePlan
    experiments: List[Experiment]
    plan_file: str
    command: List[str] = field(default_factory=list)

    # -- paths (relative to the working directory) -------------------------------
    @property
    def out(self) -> str:
        return str(self.compare.out)

    @property
    def summary_dir(self) -> str:
        return f"{self.out}/summary/{self.config['name']}"

    @property
    def runs(self) -> List[Run]:
        return self.compare.runs

    def run(self, run_dir: str) -> Run:
        return {self.run_dir(r): r for r in self.runs}[run_dir]

    def run_dir(self, run: Run) -> str:
        """Where a run's outputs go: its training folder, else ``<out>/runs/<variant>/seed<k>``."""
        return run.run_dir or f"{self.out}/runs/{Variant(tuple(run.values.items())).slug}/seed{run.seed}"

    def record(self, item: WorkItem) -> str:
        from benchmarks.compare import record_path

        return str(record_path(self.compare, item))

    def experiment(self, experiment_id: str) -> Experiment:
        return {e.id: e for e in self.experiments}[experiment_id]

    def row(self, run: Run) -> Dict[str, Any]:
        """A run's columns in every table: variant, label, seed, ``arg.<key>`` per varied value."""
        return {"variant": run.variant, "model_name": self.compare.model, "label": run.label, "seed": run.seed,
                "run": run.id, **{f"arg.{k}": format_value(v) if isinstance(v, (list, dict)) else v
                                  for k, v in run.values.items()}}

    # -- the argument lists of the jobs -----------------------------------------
    def _dynvision(self, *args: str) -> List[str]:
        return [*self.command, *args]

    def train_args(self, run: Run) -> List[str]:
        return self._dynvision("compare", "--from-plan", self.plan_file, "--item", run.id, "--train-only")

    def score_args(self, item: WorkItem) -> List[str]:
        args = self._dynvision("compare", "--from-plan", self.plan_file, "--item", item.id, "--no-report",
                               "--no-progress")
        if self.config["offline"]:
            args.append("--offline")
        if self.config["data_dir"]:
            args += ["--data-dir", str(self.config["data_dir"])]
        return args

    def report_args(self) -> List[str]:
        return self._dynvision("compare", "--from-plan", self.plan_file, "--report-only")

    def experiment_args(self, run: Run, experiment: Experiment, out: str) -> List[str]:
        """``dynvision experiment`` on the run's model: its finished training's checkpoint (read from
        ``training.json`` when the job starts), the matched checkpoint, or the untrained model."""
        cfg, plan = self.config, self.compare
        args = self._dynvision("experiment", experiment.name)
        if run.source == "train":
            from dynvision.training import read_training_record

            record = read_training_record(self.run_dir(run))
            if record is None:
                raise RuntimeError(f"{self.run_dir(run)}: no finished training (training.json)")
            args += ["--checkpoint", str(record["checkpoint"])]
        elif run.source == "checkpoint":
            args += ["--checkpoint", str(run.checkpoint)]
        else:
            args += [plan.model, "--seed", str(run.seed)]
            if plan.config:
                args += ["--config", plan.config]
            for text in run.overrides:
                args += ["--set", text]
        args += ["--n-images", str(int(cfg["n_images"])), "--split", str(cfg["split"]),
                 "--batch-size", str(int(cfg["batch_size"])), "--out", out]
        for key, value in experiment.params.items():
            args += ["--param", _set(key, value)]
        if plan.model_module:
            args += ["--model-module", plan.model_module]
        return args


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


def dynvision_command(value: Any = None) -> List[str]:
    """The program that runs the CLI in jobs: the config's ``dynvision`` (a list of arguments, or a
    string split like a shell would split it, never run by one), else this interpreter's
    ``-m dynvision``."""
    if value in (None, "", []):
        return [sys.executable, "-m", "dynvision"]
    if isinstance(value, str):
        return shlex.split(value)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    raise WorkflowConfigError(f"dynvision: a command (string or list of strings), got {value!r}")


def _compare_plan(cfg: Dict[str, Any]) -> ComparePlan:
    if cfg["model_module"]:
        from dynvision.models import load_model_module

        cfg["model_module"] = str(Path(cfg["model_module"]).resolve())
        load_model_module(cfg["model_module"])
    if cfg["base_config"]:
        cfg["base_config"] = str(Path(cfg["base_config"]).resolve())
    axes, variants, fixed = variants_of(cfg["model_args"])
    overrides = [*fixed, *(_set(f"data.{k}", v) for k, v in cfg["data"].items()),
                 *(_set(str(k), v) for k, v in cfg["train"].items())]
    settings = dict(cfg["score"])
    if "region_layer_map" in settings and not isinstance(settings["region_layer_map"], Mapping):
        raise WorkflowConfigError("score.region_layer_map: a mapping REGION: LAYER, e.g. {IT: V2}")
    try:
        return build_compare_plan(cfg["model_name"], axes, cfg["benchmarks"], cfg["out"], seeds=cfg["seeds"],
                                  source="train", config=cfg["base_config"], overrides=overrides,
                                  model_module=cfg["model_module"], settings=settings, variants=variants,
                                  require_benchmarks=False, origin="model_args")
    except (PlanError, LookupError, ValueError, TypeError) as error:
        raise WorkflowConfigError(str(error)) from None


def build_plan(config: Optional[Mapping[str, Any]] = None) -> WorkflowPlan:
    """The workflow's plan (see the module docstring); every error names its config key."""
    cfg = resolve(config)
    if cfg["plan"]:
        try:
            compare = ComparePlan.load(cfg["plan"])
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise WorkflowConfigError(f"plan: {cfg['plan']} is not a comparison plan ({error})") from None
        if compare.model_module:
            from dynvision.models import load_model_module

            load_model_module(compare.model_module)
        cfg["name"] = cfg["name"] if config and config.get("name") else compare.model
        plan_file = str(cfg["plan"])
    else:
        compare = _compare_plan(cfg)
        plan_file = str(Path(compare.out) / "plan.json")
    experiments = [make_experiment(cfg, name) for name in dict.fromkeys(cfg["experiment"])]
    from benchmarks.compare.execute import check_data
    from benchmarks.errors import DataNotAvailableError

    try:  # offline: every benchmark's data is here before the first job
        check_data(compare.items, data_dir=cfg["data_dir"], offline=True if cfg["offline"] else None)
    except DataNotAvailableError as error:
        raise WorkflowConfigError(f"benchmarks: {error}") from None
    return WorkflowPlan(cfg, compare, experiments, plan_file, dynvision_command(cfg["dynvision"]))


def save_plan(plan: WorkflowPlan) -> None:
    """Write the comparison plan the jobs read, unless the same one is there (its time stamp then
    stays, and nothing downstream reruns)."""
    path = Path(plan.plan_file)
    text = plan.compare.to_json()
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        plan.compare.save(path)


def run_logged(args: Sequence[str], log: str, threads: int = 1) -> None:
    """Run one job's command (an argument list: no shell), output appended to ``log``; a failure
    or an interruption of the command fails the job."""
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(int(threads)))
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(shlex.quote(a) for a in args) + "\n")
        handle.flush()
        subprocess.run(list(args), stdout=handle, stderr=subprocess.STDOUT, env=env, check=True)
