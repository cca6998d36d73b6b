"""Run a comparison's work list one item after another, reusing whatever is already done.

Per item (variant x seed x benchmark):

1. the model of (variant, seed): trained into ``<out>/runs/<variant>/seed<k>/``
   unless that folder's ``training.json`` records a finished run of the same
   config (config hash) whose checkpoint still exists; or the matched
   checkpoint; or the untrained model built from the config (seeded);
2. its score: :func:`benchmarks.runner.score_model` into ``<out>/results/``,
   which reuses a stored result of the same model identifier (config and
   weights hashes) and scoring settings;
3. a small record ``<out>/items/<item>.json`` tying the item to its result
   file, parameter count and training metrics (what the report reads).

Everything is written atomically, so an interrupted comparison (Ctrl-C, a
crash, a killed job, ``limit``) resumes where it stopped when run again:
only the missing trainings and scores are computed. ``on_event(event, item)``
is called after each step with ``event`` one of ``train``, ``reuse-train``,
``score``, ``reuse-score`` (tests count computations with it).
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from ..results import Result, _atomic_write, safe_name
from .plan import ComparePlan, Run, WorkItem

Log = Callable[[str], None]
EventHook = Callable[[str, WorkItem], None]
#: training metrics shown as the variant's accuracy, first found wins
ACCURACY_KEYS = ("test_acc", "val_acc", "train_acc")


@dataclass
class RunSummary:
    """What one execution did."""

    trained: int = 0
    reused_training: int = 0
    scored: int = 0
    reused_scores: int = 0
    done: List[str] = field(default_factory=list)  # item ids with a result
    remaining: List[str] = field(default_factory=list)  # item ids not reached (limit)

    @property
    def complete(self) -> bool:
        return not self.remaining


def record_path(plan: ComparePlan, item: WorkItem) -> Path:
    return plan.records_dir / f"{safe_name(item.id.replace('/', '__'))}.json"


def load_record(plan: ComparePlan, item: WorkItem) -> Optional[Dict[str, Any]]:
    """The item's record when it and its result file exist (else None: the item is missing)."""
    path = record_path(plan, item)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    result = Path(plan.out) / record.get("result", "")
    return record if result.is_file() else None


def _write_json(path: Path, data: Dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, default=str) + "\n"
    _atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def accuracy_of(metrics: Dict[str, Any]) -> Tuple[Optional[str], Optional[float]]:
    for key in ACCURACY_KEYS:
        if metrics.get(key) is not None:
            return key, float(metrics[key])
    return None, None


# ----------------------------------------------------------------- models
def _config(plan: ComparePlan, item: WorkItem):
    from dynvision.config import resolve_config

    return resolve_config(plan.config, plan.model, list(item.overrides), plan.model_module)


def ensure_trained(plan: ComparePlan, item: Union[WorkItem, Run], log: Log, on_event: Optional[EventHook]
                   ) -> Dict[str, Any]:
    """The completion record (``training.json``, written by :func:`dynvision.training.train` when
    a training finished) of the item's run, training it first unless the record is there with the
    same config hash and an existing checkpoint."""
    from dynvision.config import config_hash
    from dynvision.training import read_training_record, train

    run_dir = Path(item.run_dir)
    config = _config(plan, item)
    c_hash = config_hash(config)
    record = read_training_record(run_dir)
    if record is not None and record.get("config_hash") == c_hash:
        log(f"[{item.variant} seed {item.seed}] reusing training run {run_dir} (same config {c_hash})")
        if on_event:
            on_event("reuse-train", item)
        return record
    log(f"[{item.variant} seed {item.seed}] training -> {run_dir}")
    train(config, out=run_dir, overwrite=True, model_module=plan.model_module)
    record = read_training_record(run_dir)
    if record is None:
        raise RuntimeError(f"training {item.variant} seed {item.seed} wrote no checkpoint: the comparison "
                           "scores checkpoints, keep callbacks.checkpoint enabled")
    accuracy = accuracy_of(record.get("metrics") or {})
    log(f"[{item.variant} seed {item.seed}] trained"
        + (f": {accuracy[0]} {100 * accuracy[1]:.1f}%" if accuracy[0] else ""))
    if on_event:
        on_event("train", item)
    return record


def _checkpoint_metrics(checkpoint: Path) -> Dict[str, Any]:
    """Training metrics of a checkpoint's run when its folder has them (a ``training.json`` of an
    earlier ``dynvision compare --train``, or Lightning's CSV log)."""
    run = checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint.parent
    record = run / "training.json"
    if record.is_file():
        try:
            return dict(json.loads(record.read_text(encoding="utf-8")).get("metrics") or {})
        except json.JSONDecodeError:
            pass
    metrics: Dict[str, Any] = {}
    for csv in sorted(run.glob("logs/version_*/metrics.csv")):
        import csv as csv_module

        with open(csv, newline="", encoding="utf-8") as handle:
            for row in csv_module.DictReader(handle):
                for key in ACCURACY_KEYS:
                    if row.get(key):
                        metrics[key] = float(row[key])
    return metrics


@dataclass
class _Model:
    spec: Any
    loaded: Any
    n_params: int
    metrics: Dict[str, Any]
    trained: bool


def _model_for(plan: ComparePlan, item: WorkItem, log: Log, on_event: Optional[EventHook]) -> _Model:
    from ..model_source import ModelSource, load_model

    if item.source == "train":
        record = ensure_trained(plan, item, log, on_event)
        spec = ModelSource(plan.model, checkpoint=record["checkpoint"], model_module=plan.model_module)
        metrics, trained = dict(record.get("metrics") or {}), True
    elif item.source == "checkpoint":
        spec = ModelSource(plan.model, checkpoint=item.checkpoint, model_module=plan.model_module)
        metrics, trained = _checkpoint_metrics(Path(item.checkpoint)), True
    else:
        spec = ModelSource(plan.model, config=plan.config, overrides=list(item.overrides),
                         model_module=plan.model_module)
        metrics, trained = {}, False
    loaded = load_model(spec)
    n_params = int(sum(p.numel() for p in loaded.model.parameters()))
    return _Model(spec, loaded, n_params, metrics, trained)


# ----------------------------------------------------------------- execution
def score_options(plan: ComparePlan, **extra: Any):
    """The :class:`~benchmarks.runner.ScoreOptions` the plan records (``extra``: batch size, device, progress)."""
    from ..runner import ScoreOptions

    return ScoreOptions(**{**plan.settings, **extra})


def run_plan(plan: ComparePlan, *, item_ids: Optional[Sequence[str]] = None, limit: Optional[int] = None,
             force: bool = False, data_dir: Optional[os.PathLike] = None, offline: Optional[bool] = None,
             options: Any = None, on_event: Optional[EventHook] = None, log: Log = print) -> RunSummary:
    """Run the plan's items (or ``item_ids``) in order; see the module docstring.

    :param limit: stop after this many items that needed a computation (training or
        scoring); the rest are listed in ``RunSummary.remaining`` for the next run.
    :param force: re-score every item (stored results are replaced).
    """
    from ..runner import score_model

    options = options or score_options(plan)
    items = plan.items if item_ids is None else [plan.item(i) for i in item_ids]
    check_data(items, data_dir=data_dir, offline=offline)
    summary = RunSummary()
    models: Dict[Tuple[str, int], _Model] = {}
    computed_items = 0
    for index, item in enumerate(items):
        if limit is not None and computed_items >= limit:
            summary.remaining = [i.id for i in items[index:]]
            log(f"stopping after {computed_items} computed item(s) (limit); {len(summary.remaining)} left: "
                "run the same command again to continue")
            break
        before = (summary.trained, summary.scored)
        model = models.get(item.run_key)
        if model is None:  # items are ordered variant, seed, benchmark: keep one model in memory
            models.clear()
            model = models[item.run_key] = _model_for(plan, item, log, _counting(summary, on_event))
        reused_ids: List[str] = []
        result: Result = score_model(model.spec, [item.benchmark], plan.results_dir, options=options,
                                     data_dir=data_dir, offline=offline, force=force, log=log,
                                     reused=reused_ids)[0]
        reused = bool(reused_ids)  # a stored result (a .nc benchmark's included): no computation
        if reused:
            summary.reused_scores += 1
        else:
            summary.scored += 1
        _write_record(plan, item, model, result)
        summary.done.append(item.id)
        if (summary.trained, summary.scored) != before:
            computed_items += 1
        if on_event:
            on_event("reuse-score" if reused else "score", item)
    return summary


def train_runs(plan: ComparePlan, runs: Sequence[Run], log: Log = print) -> RunSummary:
    """Train (or reuse) the models of ``runs`` without scoring them (a workflow's train jobs)."""
    summary = RunSummary()
    for run in runs:
        if run.source != "train":
            continue
        ensure_trained(plan, run, log, _counting(summary, None))
        summary.done.append(run.id)
    return summary


def check_data(items: Sequence[WorkItem], data_dir: Optional[os.PathLike] = None,
               offline: Optional[bool] = None) -> None:
    """With downloads forbidden (``offline`` or ``$DYNVISION_OFFLINE``), every benchmark's data must
    be on this machine before the first training starts; raises
    :class:`~benchmarks.errors.DataNotAvailableError` naming the data and how to get it."""
    from .. import catalog
    from ..errors import DataNotAvailableError
    from ..paths import offline_requested

    if not offline_requested(offline):
        return  # online: Brain-Score downloads what is missing when it is scored
    options = catalog.LoadOptions(data_dir=None if data_dir is None else Path(data_dir), offline=True)
    for benchmark in dict.fromkeys(item.benchmark for item in items):
        available, reason = catalog.data_available(benchmark, options)
        if not available:
            raise DataNotAvailableError(reason)


def _counting(summary: RunSummary, on_event: Optional[EventHook]) -> EventHook:
    def hook(event: str, item: WorkItem) -> None:
        if event == "train":
            summary.trained += 1
        elif event == "reuse-train":
            summary.reused_training += 1
        if on_event:
            on_event(event, item)
    return hook


def _write_record(plan: ComparePlan, item: WorkItem, model: _Model, result: Result) -> None:
    key, accuracy = accuracy_of(model.metrics)
    out = Path(plan.out).resolve()
    result_file = Path(result.path).resolve()
    try:
        relative = str(result_file.relative_to(out))
    except ValueError:
        relative = str(result_file)
    _write_json(record_path(plan, item), {
        "id": item.id, "variant": item.variant, "label": item.label, "values": item.values, "seed": item.seed,
        "benchmark": item.benchmark, "source": item.source, "trained": model.trained,
        "model_identifier": model.loaded.identifier, "config_hash": model.loaded.config_hash,
        "weights_hash": model.loaded.weights_hash, "checkpoint": model.loaded.checkpoint,
        "n_params": model.n_params, "accuracy_metric": key, "accuracy": accuracy,
        "training_metrics": model.metrics, "result": relative,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    })


def stderr_log(message: str) -> None:
    print(message, file=sys.stderr)
