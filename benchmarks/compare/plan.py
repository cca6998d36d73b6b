"""The work list of a comparison: one :class:`WorkItem` per variant x seed x benchmark.

A plan is plain data (``plan.json``): everything needed to run any item on
its own (``dynvision compare ... --item ID``), so a workflow engine can fan
the list out. Items of the same variant and seed share one model (one
training run, one checkpoint, or one untrained initialisation).

Where models come from (``source``):

- ``train``: trained with the config (``seed`` set per seed) into
  ``<out>/runs/<variant>/seed<k>/``;
- ``checkpoint``: a checkpoint found under ``--checkpoints DIR`` whose stored
  config matches (see :func:`match_checkpoints`);
- ``untrained``: built from the config with random initial weights (seeded).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dataclass_fields
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from .grid import Variant, config_path, format_value, make_grid

PathLike = Union[str, "os.PathLike[str]"]
PLAN_VERSION = 2  # 2: runs are stored (a plan may have runs and no benchmark)
SOURCES = ("train", "checkpoint", "untrained")


class PlanError(ValueError):
    """The comparison cannot be planned (no matching checkpoint, unknown key, ...)."""


@dataclass
class WorkItem:
    """One score to obtain: ``variant`` at ``seed`` on ``benchmark`` (a catalog identifier)."""

    id: str
    variant: str  # Variant.name
    label: str
    values: Dict[str, Any]
    seed: int
    benchmark: str
    benchmark_source: str  # the name given with --benchmark
    source: str  # train | checkpoint | untrained
    overrides: List[str]  # --set strings of the config (user's, then the variant's, then the seed)
    run_dir: Optional[str] = None  # where the training run lives (source train)
    checkpoint: Optional[str] = None  # the matched checkpoint (source checkpoint)

    @property
    def run_key(self) -> Tuple[str, int]:
        return self.variant, self.seed


@dataclass
class Run:
    """One model of the comparison: a variant at one seed, trained (or loaded, or built
    untrained) once and scored on every benchmark (``items``)."""

    id: str  # "<variant>/seed=<k>"
    variant: str
    label: str
    values: Dict[str, Any]
    seed: int
    source: str
    overrides: List[str]
    run_dir: Optional[str] = None
    checkpoint: Optional[str] = None
    items: List[str] = field(default_factory=list)

    @property
    def run_key(self) -> Tuple[str, int]:
        return self.variant, self.seed


@dataclass
class ComparePlan:
    """The whole comparison (``plan.json``)."""

    model: str
    vary: Dict[str, List[Any]]
    seeds: List[int]
    benchmarks: List[str]
    source: str
    out: str
    items: List[WorkItem]
    config: Optional[str] = None
    overrides: List[str] = field(default_factory=list)
    model_module: Optional[str] = None
    checkpoints: Optional[str] = None
    settings: Dict[str, Any] = field(default_factory=dict)  # ScoreOptions fields (adapter settings)
    argv: List[str] = field(default_factory=list)  # the command line that made it (for per-item commands)
    runs: List[Run] = field(default_factory=list)  # one per variant x seed (also without benchmarks)
    skipped: List[str] = field(default_factory=list)  # "<file>: <why>" for files under --checkpoints not used
    version: int = PLAN_VERSION

    # ------------------------------------------------------------- layout
    @property
    def results_dir(self) -> Path:
        return Path(self.out) / "results"

    @property
    def records_dir(self) -> Path:
        return Path(self.out) / "items"

    def variants(self) -> List[str]:
        return list(dict.fromkeys(run.variant for run in self.runs))

    def labels(self) -> Dict[str, str]:
        return {run.variant: run.label for run in self.runs}

    def item(self, item_id: str) -> WorkItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise PlanError(f"no work item {item_id!r} in the plan; `--plan -` lists them")

    def run(self, run_id: str) -> Run:
        for run in self.runs:
            if run.id == run_id:
                return run
        raise PlanError(f"no run {run_id!r} in the plan; `--plan -` lists them (\"runs\")")

    def select(self, ids: Sequence[str]) -> Tuple[List[Run], List[WorkItem]]:
        """The runs and items that ``ids`` name: an item id, or a run id (all of its items)."""
        runs: Dict[str, Run] = {}
        items: Dict[str, WorkItem] = {}
        run_ids = {run.id for run in self.runs}
        for selected in ids:
            if selected in run_ids:
                run = self.run(selected)
                runs[run.id] = run
                items.update((i, self.item(i)) for i in run.items)
            else:
                item = self.item(selected)
                items[item.id] = item
                runs.update((r.id, r) for r in self.runs if r.run_key == item.run_key)
        return list(runs.values()), list(items.values())

    def command(self, item: WorkItem) -> List[str]:
        """The command line that runs ``item`` alone (no report)."""
        return [*self.argv, "--item", item.id, "--no-report"] if self.argv else []

    # ------------------------------------------------------------- (de)serialise
    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["items"] = [dict(asdict(item), command=self.command(item)) for item in self.items]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, default=str) + "\n"

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "ComparePlan":
        data = dict(data)
        if int(data.get("version", 1)) > PLAN_VERSION:
            raise PlanError(f"plan version {data['version']} is newer than this DynVision reads ({PLAN_VERSION})")
        items = [WorkItem(**{k: v for k, v in item.items() if k != "command"}) for item in data.pop("items")]
        stored = data.pop("runs", None) or []
        known = {f.name for f in dataclass_fields(Run)}
        runs = [Run(**{k: v for k, v in run.items() if k in known}) for run in stored] \
            if all(isinstance(r, dict) and "overrides" in r for r in stored) and stored else runs_of(items)
        data["version"] = PLAN_VERSION
        return cls(items=items, runs=runs, **data)

    @classmethod
    def load(cls, path: PathLike) -> "ComparePlan":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def save(self, path: Optional[PathLike] = None) -> Path:
        from ..results import _atomic_write

        path = Path(path) if path is not None else Path(self.out) / "plan.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = self.to_json()
        _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        return path


# ----------------------------------------------------------------- building
def item_id(variant: Variant, seed: int, benchmark: str) -> str:
    return f"{variant.name}/seed={seed}/{benchmark}"


def resolve_benchmarks(names: Sequence[str]) -> List[Tuple[str, str]]:
    """``[(identifier, name given), ...]`` via the catalog (an alias gives several)."""
    from .. import catalog

    found = catalog.resolve_all(names)
    if not found:
        raise PlanError("no benchmark given (--benchmark NAME)")
    return found


def check_keys(model: str, vary: Dict[str, List[Any]], config: Optional[PathLike], overrides: Sequence[str],
               model_module: Optional[PathLike], variants: Optional[Sequence[Variant]] = None,
               origin: str = "--vary") -> None:
    """Fail before any work when a variant cannot be built: a varied model argument the model does
    not take, a config that does not validate, or a model that its constructor refuses (an
    unknown recurrence type, ...). The error names the variant's values and where they came
    from (``origin``: ``--vary`` or the workflow's ``model_args``)."""
    from dynvision.config import resolve_config
    from dynvision.loading import accepted_arguments, build_model, load_model_module, resolve_model_class
    from dynvision.loading.loader import static_factory

    module = None if model_module is None else os.fspath(model_module)
    config_file = None if config is None else os.fspath(config)
    if module is not None:
        load_model_module(module)
    if static_factory(model) is not None:
        raise PlanError(f"compare {model}: a static model (static_model) has no config to vary or train; score "
                        f"it with `dynvision score {model} --model-module FILE --out DIR` into the comparison's "
                        "results folder and put the results side by side with `dynvision report DIR`")
    accepted, open_ended = accepted_arguments(resolve_model_class(model, module))
    variants = make_grid(vary) if variants is None else variants
    for key in dict.fromkeys(key for variant in variants for key, _ in variant.values):
        path = config_path(key)
        if path.startswith("model.args.") and not open_ended:
            arg = path[len("model.args."):]
            if arg not in accepted:
                raise PlanError(f"{origin} {key}: {model} takes no argument {arg!r} "
                                f"(it takes: {', '.join(sorted(accepted))})")
    resolve_config(config_file, model, list(overrides), module)  # errors of --config/--set, named as such
    for variant in variants:
        try:
            build_model(resolve_config(config_file, model, [*overrides, *variant.overrides()], module), module)
        except (ValueError, TypeError, LookupError, RuntimeError) as error:
            raise PlanError(f"{origin} {_blame(variant, str(error))}: {_reason(error, variant)}") from None


def _reason(error: Exception, variant: Variant) -> str:
    """The error's message; without the config's own attribution (``--set ...``, which the caller
    replaces with the variant's origin) when it is about a value of the variant."""
    problems = getattr(error, "problems", None) or []
    if len(problems) == 1:
        path, message = problems[0][0], str(problems[0][1])
        about_variant = any(format_value(value) in message for _, value in variant.values)
        if about_variant and (path == "model.args" or path in {config_path(k) for k, _ in variant.values}):
            return message
    return str(error)


def _blame(variant: Variant, message: str) -> str:
    """The variant's ``key=value`` pairs that an error message mentions (all of them if none is)."""
    pairs = [(key, format_value(value)) for key, value in variant.values]
    named = [(key, text) for key, text in pairs if text in message or key in message]
    return ",".join(f"{key}={text}" for key, text in (named or pairs)) or "(no variant keys)"


def run_id(variant: Variant, seed: int) -> str:
    return f"{variant.name}/seed={int(seed)}"


def runs_of(items: Sequence[WorkItem]) -> List[Run]:
    """The runs of a list of items (plans of version 1 stored only items)."""
    runs: Dict[Tuple[str, int], Run] = {}
    for item in items:
        run = runs.get(item.run_key)
        if run is None:
            run = runs[item.run_key] = Run(
                id=f"{item.variant}/seed={item.seed}", variant=item.variant, label=item.label, values=item.values,
                seed=item.seed, source=item.source, overrides=list(item.overrides), run_dir=item.run_dir,
                checkpoint=item.checkpoint)
        run.items.append(item.id)
    return list(runs.values())


def build_plan(model: str, vary: Dict[str, List[Any]], benchmarks: Sequence[str], out: PathLike, *,
               seeds: Sequence[int] = (0,), source: str = "untrained", config: Optional[PathLike] = None,
               overrides: Sequence[str] = (), model_module: Optional[PathLike] = None,
               checkpoints: Optional[PathLike] = None, settings: Optional[Dict[str, Any]] = None,
               argv: Sequence[str] = (), validate: bool = True, variants: Optional[Sequence[Variant]] = None,
               require_benchmarks: bool = True, origin: str = "--vary") -> ComparePlan:
    """The work list: variants (grid of ``vary``, or ``variants`` as given) x ``seeds`` x benchmarks.

    Everything is checked before it returns: every benchmark name resolves and (unless the
    weights come from checkpoints) every variant's model is built once from its config.
    ``origin`` names where the variants came from in errors (``--vary``, ``model_args``).
    """
    if source not in SOURCES:
        raise PlanError(f"source {source!r}: one of {', '.join(SOURCES)}")
    if source == "checkpoint" and checkpoints is None:
        raise PlanError("source checkpoint needs a --checkpoints DIR")
    if source == "checkpoint" and config is not None:
        raise PlanError("--config applies to --train and untrained variants; a checkpoint carries its own config")
    variants = make_grid(vary) if variants is None else list(variants)
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise PlanError(f"{origin}: variants {sorted({n for n in names if names.count(n) > 1})} are listed twice")
    resolved = resolve_benchmarks(benchmarks) if (benchmarks or require_benchmarks) else []
    if validate and source != "checkpoint":
        check_keys(model, vary, config, overrides, model_module, variants=variants, origin=origin)
    matched: Dict[Tuple[str, int], Path] = {}
    skipped: List[str] = []
    if source == "checkpoint":
        matched = match_checkpoints(checkpoints, model, variants, seeds, overrides, model_module, skipped=skipped)
    out = Path(out)
    items: List[WorkItem] = []
    runs: List[Run] = []
    for variant in variants:
        for seed in seeds:
            run_dir = str(out / "runs" / variant.slug / f"seed{seed}") if source == "train" else None
            checkpoint = str(matched[(variant.name, seed)]) if source == "checkpoint" else None
            run_overrides = [*overrides, *variant.overrides(), f"seed={int(seed)}"]
            run = Run(id=run_id(variant, seed), variant=variant.name, label=variant.label, values=variant.as_dict(),
                      seed=int(seed), source=source, overrides=run_overrides, run_dir=run_dir, checkpoint=checkpoint)
            runs.append(run)
            for identifier, given in resolved:
                items.append(WorkItem(
                    id=item_id(variant, seed, identifier), variant=variant.name, label=variant.label,
                    values=variant.as_dict(), seed=int(seed), benchmark=identifier, benchmark_source=given,
                    source=source, overrides=list(run_overrides), run_dir=run_dir, checkpoint=checkpoint))
                run.items.append(items[-1].id)
    return ComparePlan(model=model, vary={k: list(v) for k, v in vary.items()}, seeds=[int(s) for s in seeds],
                       benchmarks=[str(b) for b in benchmarks], source=source, out=str(out), items=items,
                       config=None if config is None else str(config), overrides=list(overrides),
                       model_module=None if model_module is None else str(model_module),
                       checkpoints=None if checkpoints is None else str(checkpoints),
                       settings=dict(settings or {}), argv=list(argv), runs=runs,
                       skipped=skipped)


# ----------------------------------------------------------------- checkpoints
def _lookup(data: Dict[str, Any], path: str) -> Tuple[bool, Any]:
    node: Any = data
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    return True, node


def _default_argument(model_class: Any, name: str) -> Tuple[bool, Any]:
    import inspect

    for klass in getattr(model_class, "__mro__", ()):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            parameter = inspect.signature(inspect.unwrap(init)).parameters.get(name)
        except (TypeError, ValueError):
            continue
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            return True, parameter.default
    return False, None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return float(a) == float(b)
    return a == b


def checkpoint_candidates(directory: PathLike, skipped: Optional[List[str]] = None
                          ) -> List[Tuple[Path, Dict[str, Any]]]:
    """Every ``*.ckpt``/``*.pt``/``*.pth`` under ``directory`` holding a DynVision config, with that config,
    read as plain data (:func:`dynvision.loading.read_checkpoint`); every other file is appended to
    ``skipped`` as ``"<file>: <why>"`` (refused because it would run code, unreadable, not from
    ``dynvision train``)."""
    from dynvision.loading import CHECKPOINT_SUFFIXES, CONFIG_KEY, CheckpointRefused, read_checkpoint

    directory = Path(directory)
    if not directory.is_dir():
        raise PlanError(f"--checkpoints {directory}: no such folder")
    found = []
    paths = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in CHECKPOINT_SUFFIXES)
    for path in paths:
        try:
            stored = read_checkpoint(path).get(CONFIG_KEY)
        except (CheckpointRefused, OSError) as error:
            stored = f"{error}".replace(f"{path}: ", "", 1)
        if isinstance(stored, dict):
            found.append((path, stored))
        elif skipped is not None:
            skipped.append(f"{path}: {stored or f'no {CONFIG_KEY} (not written by dynvision train)'}")
    return found


def match_checkpoints(directory: PathLike, model: str, variants: Sequence[Variant], seeds: Sequence[int],
                      overrides: Sequence[str] = (), model_module: Optional[PathLike] = None,
                      skipped: Optional[List[str]] = None) -> Dict[Tuple[str, int], Path]:
    """One checkpoint per (variant, seed), found by the config stored inside each checkpoint.

    A checkpoint matches when its config's ``model.name`` is ``model``, every
    varied key has the variant's value, its ``seed`` is the seed, and every key
    given with ``--set`` has the value given (a model argument absent from the
    stored config counts as the model's default). Several files of one
    training run (``best`` and ``last.ckpt``) count as one match: the best is
    taken. Matches in two different runs are an error (add ``--set KEY=VALUE``
    to tell them apart), so is a variant without a match (all are listed).
    Files that are not readable ``dynvision train`` checkpoints go to ``skipped``.
    """
    from dynvision.config.overrides import parse_override
    from dynvision.loading import resolve_model_class
    module = None if model_module is None else os.fspath(model_module)
    model_class = resolve_model_class(model, module)
    fixed: List[Tuple[str, Any]] = []
    for text in overrides:
        parts, value = parse_override(text)
        fixed.append((".".join(str(p) for p in parts), value))
    candidates = [(p, c) for p, c in checkpoint_candidates(directory, skipped) if _lookup(c, "model.name")[1] == model]

    matched: Dict[Tuple[str, int], Path] = {}
    missing: List[str] = []
    ambiguous: List[str] = []
    for variant in variants:
        required = [(config_path(k), v) for k, v in variant.values] + fixed
        for seed in seeds:
            hits = [p for p, c in candidates if _matches(c, required + [("seed", int(seed))], model_class)]
            runs: Dict[Path, List[Path]] = {}
            for path in hits:
                run = path.parent.parent if path.parent.name == "checkpoints" else path.parent
                runs.setdefault(run, []).append(path)
            chosen = [_one_of_run(run, paths) for run, paths in runs.items()]
            if not runs:
                missing.append(f"{variant.name} seed {seed}")
            elif len(chosen) > 1 or chosen[0] is None:
                ambiguous.append(f"{variant.name} seed {seed}: " + ", ".join(str(p) for p in hits))
            else:
                matched[(variant.name, seed)] = chosen[0]
    if missing or ambiguous:
        raise PlanError(_unmatched_message(model, directory, missing, ambiguous, skipped))
    return matched


def _matches(stored: Dict[str, Any], required: List[Tuple[str, Any]], model_class: type) -> bool:
    """Whether a stored config has every ``(key path, value)`` required (a model argument absent
    from it counts as the model's default)."""
    for path, value in required:
        present, actual = _lookup(stored, path)
        if not present and path.startswith("model.args."):
            present, actual = _default_argument(model_class, path[len("model.args."):])
        if not present or not _same(actual, value):
            return False
    return True


def _unmatched_message(model: str, directory: PathLike, missing: List[str], ambiguous: List[str],
                       skipped: Optional[List[str]]) -> str:
    lines = []
    if missing:
        lines.append(f"no checkpoint of {model} under {directory} matches: " + "; ".join(missing))
    if ambiguous:
        lines.append("several training runs match (add --set KEY=VALUE to tell them apart): "
                     + "; ".join(ambiguous))
    lines.append("a checkpoint matches when the config stored in it has model.name, every --vary key, "
                 "every --set key and the seed equal to the variant's")
    lines += [f"skipped {entry}" for entry in skipped or ()]
    return "\n".join(lines)


def _one_of_run(run: Path, paths: List[Path]) -> Optional[Path]:
    """The checkpoint to use among ``paths`` of one run: the only one, the best of a
    ``dynvision train`` run folder, or the only one not named ``last``."""
    if len(paths) == 1:
        return paths[0]
    if paths[0].parent.name == "checkpoints":
        best = select_checkpoint(run)
        return best if best in paths else None
    not_last = [p for p in paths if not p.stem.startswith("last")]
    return not_last[0] if len(not_last) == 1 else None


def select_checkpoint(run_dir: PathLike) -> Path:
    """The best checkpoint of a ``dynvision train`` run directory: the one non-``last``
    checkpoint (``save_top_k=1``), else the best path recorded in ``last.ckpt``, else ``last.ckpt``."""
    from dynvision.loading import read_checkpoint

    folder = Path(run_dir) / "checkpoints"
    candidates = sorted(p for p in folder.glob("*.ckpt") if p.name != "last.ckpt" and not p.name.startswith("last-"))
    if len(candidates) == 1:
        return candidates[0]
    last = folder / "last.ckpt"
    if last.is_file():
        for key, value in (read_checkpoint(last).get("callbacks") or {}).items():
            best = value.get("best_model_path") if isinstance(value, dict) and "ModelCheckpoint" in str(key) else None
            if best and Path(best).is_file():
                return Path(best)
        return last
    if candidates:
        return max(candidates, key=lambda p: p.stat().st_mtime)
    raise FileNotFoundError(f"no checkpoint in {folder}: did dynvision train finish?")


def describe_values(values: Dict[str, Any]) -> str:
    return ", ".join(f"{k}={format_value(v)}" for k, v in values.items())
