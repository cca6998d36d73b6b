"""Score a DynVision model on benchmarks: the engine behind ``dynvision score``.

>>> from benchmarks.runner import score_model
>>> results = score_model("DyRCNNx4", ["cowley2023"], "results/")          # doctest: +SKIP
>>> results = score_model(ModelSource("DyRCNNx4", checkpoint="runs/best.ckpt"), ["majajhong"], "results/")  # doctest: +SKIP

Steps: configure Brain-Score's environment (caches under ``$DYNVISION_HOME``,
no plugin installs), resolve benchmark names with the catalog, build the model
(registered name + config, a checkpoint, or an ``nn.Module``), wrap it as a
:class:`~brain_models.DynVisionBrainModel` whose identifier embeds the config
and weights hashes, reuse stored results that match, load the remaining
benchmarks (failing fast when data is missing), score each with Brain-Score
(``benchmark(brain_model)``) and write one :class:`~benchmarks.results.Result`
per benchmark.

Stale results are impossible by construction: every cache that Brain-Score
keys by model identifier sees an identifier that changes with the weights and
the config, and the model-dependent Brain-Score caches are switched off as
well (``RESULTCACHING_DISABLE``), while model-independent ones (ceilings,
stimuli resized to the model's visual field) stay on.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from brain_models.settings import AdapterSettings
from dynvision.models.static import DEFAULT_VISUAL_DEGREES, is_static

from .brainscore_env import prepare_environment, quiet_metrics
from .errors import ScoringError
from .field_of_view import describe as describe_field_of_view
from .field_of_view import field_of_view, model_degrees_source, needs_attention
from .latency import AUTO, fit_latency
from .latency import candidates as latency_candidates
from .model_source import LoadedModel, ModelSource, load_model
from .paths import PathLike
from .progress import PhaseProgress
from .results import Result, find_result
from .score_values import score_arrays, summarize_score

__all__ = ["ScoreOptions", "ScoringError", "make_brain_model", "run_benchmark", "score_model", "versions"]


@dataclass
class ScoreOptions(AdapterSettings):
    """How the model is shown the stimuli and recorded (the adapter's settings,
    :class:`brain_models.AdapterSettings`) plus how a scoring run goes. What the
    recording depends on (not batch size, device or progress) enters the settings
    hash that decides whether a stored result can be reused."""

    # ms, or "auto": fitted on held-out stimuli (benchmarks.latency) before the adapter records
    latency: Union[float, str] = 0.0  # type: ignore[assignment]
    select_layers: bool = False  # choose a layer for an uncommitted region with the benchmark itself
    per_layer: bool = False  # also score every layer for the benchmark's region
    progress: bool = True

    def settings(self) -> Dict[str, Any]:
        return {**self.recorded(), "select_layers": bool(self.select_layers), "per_layer": bool(self.per_layer)}

    def _check_latency(self) -> None:
        if self.latency != AUTO:
            super()._check_latency()

    def adapter_settings(self) -> AdapterSettings:
        """The adapter's settings (an ``"auto"`` latency starts at 0 ms until it is fitted)."""
        values = {item.name: getattr(self, item.name) for item in dataclasses.fields(AdapterSettings)}
        return AdapterSettings(**{**values, "latency": 0.0 if self.latency == AUTO else self.latency})


def make_brain_model(loaded: LoadedModel, options: ScoreOptions, benchmark: Any = None,
                     progress: Optional[PhaseProgress] = None) -> Any:
    """The :class:`~brain_models.DynVisionBrainModel` of ``loaded`` with ``options``; with
    ``select_layers``, ``benchmark`` chooses the layer of its region when none is committed."""
    from brain_models import DynVisionBrainModel

    region_benchmarks = {}
    if options.select_layers and benchmark is not None and getattr(benchmark, "region", None):
        region_benchmarks[benchmark.region] = benchmark
    return DynVisionBrainModel(loaded.model, identifier=loaded.identifier, settings=options.adapter_settings(),
                               mean=loaded.mean, std=loaded.std, region_benchmarks=region_benchmarks or None,
                               progress=progress)


def versions() -> Dict[str, str]:
    """Versions of the packages a score depends on."""
    from importlib import metadata

    found = {"python": platform.python_version()}
    for package in ("dynvision", "brainscore-vision", "brainscore-core", "torch", "numpy", "scikit-learn", "xarray"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def _hash_json(data: Any, length: int = 12) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]


# ----------------------------------------------------------------- scoring
@dataclass
class _Outcome:
    score: Any
    extraction: float
    ceiling: float
    total: float



def _timed_ceiling(benchmark: Any) -> Tuple[Any, float]:
    start = time.perf_counter()
    try:
        with quiet_metrics():
            ceiling = benchmark.ceiling
    except Exception as error:  # some benchmarks have none: let the benchmark itself decide
        ceiling = None
        warnings.warn(f"{getattr(benchmark, 'identifier', benchmark)}: ceiling could not be computed ahead "
                      f"({type(error).__name__}: {error})")
    return ceiling, time.perf_counter() - start


def run_benchmark(brain_model: Any, benchmark: Any, log: Callable[[str], None] = print,
                  progress: Optional[PhaseProgress] = None) -> _Outcome:
    """``benchmark(brain_model)`` with timings: the ceiling first (cached by Brain-Score under the
    benchmark's identifier), then the benchmark's own call (activations + metric)."""
    identifier = getattr(benchmark, "identifier", str(benchmark))
    log(f"[{identifier}] ceiling ...")
    _, ceiling_seconds = _timed_ceiling(benchmark)
    before = brain_model.extraction_seconds
    if progress is not None:
        progress.phase(f"[{identifier}] activations")
    log(f"[{identifier}] recording the model and fitting the metric ...")
    start = time.perf_counter()
    try:
        with quiet_metrics():
            score = benchmark(brain_model)
    finally:
        if progress is not None:
            progress.close()
    total = time.perf_counter() - start
    return _Outcome(score, brain_model.extraction_seconds - before, ceiling_seconds, total)


def _per_layer_scores(brain_model: Any, benchmark: Any, log: Callable[[str], None],
                      progress: PhaseProgress) -> Dict[str, float]:
    region = getattr(benchmark, "region", None)
    if not region:
        log(f"[{benchmark.identifier}] --per-layer: the benchmark records no region; skipped")
        return {}
    committed = brain_model.region_layer_map.get(region)
    values: Dict[str, float] = {}
    try:
        for layer in [layer for layer in brain_model.available_layers() if layer != "classifier"]:
            brain_model.region_layer_map[region] = layer
            progress.phase(f"[{benchmark.identifier}] layer {layer}")
            with quiet_metrics():
                values[layer] = summarize_score(benchmark(brain_model))["score"]
            progress.close()  # before the log line: a bar and a message never share the terminal line
            log(f"[{benchmark.identifier}] layer {layer}: {_fmt(values[layer])}")
    finally:
        progress.close()
        if committed is None:
            brain_model.region_layer_map.pop(region, None)
        else:
            brain_model.region_layer_map[region] = committed
    return values


def _sign_notes(summary: Dict[str, Any], own_convention: bool) -> List[str]:
    """Result notes for bins whose r is undefined or below 0 (see docs/scoring.md)."""
    def bins(items: List[List[float]]) -> str:
        return ", ".join(f"{start:g}-{end:g} ms" for start, end in items)

    credit = ("scored 0 (this project's convention)" if own_convention else
              "Brain-Score's r**2/ceiling credits it as if r were positive (kept for comparability)")
    notes = []
    if summary["undefined_bins"]:
        notes.append(f"undefined r (silent model) in {bins(summary['undefined_bins'])}: scored 0")
    if summary["negative_r_bins"]:
        notes.append(f"r < 0 in {bins(summary['negative_r_bins'])}: {credit}")
    if not summary["per_bin"] and summary["raw"] is not None and summary["raw"] < 0:
        notes.append(f"r = {summary['raw']:.3f} < 0: {credit}")
    return notes


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


@dataclass
class _Run:
    """What every benchmark of one :func:`score_model` call shares."""

    loaded: LoadedModel
    options: ScoreOptions
    out_dir: PathLike
    log: Callable[[str], None]
    settings_hash: str
    common: Dict[str, Any]
    degrees_source: str = ""  # who decided the model's field of view (benchmarks.field_of_view)


def score_model(model_spec: Union[ModelSource, str, Any], benchmark_names: Sequence[str], out_dir: PathLike, *,
                options: Optional[ScoreOptions] = None, data_dir: Optional[PathLike] = None,
                offline: Optional[bool] = None, force: bool = False,
                log: Callable[[str], None] = print,
                reused: Optional[List[str]] = None) -> List[Result]:
    """Score a model on benchmarks and write (or reuse) one result per benchmark identifier.

    :param model_spec: a :class:`ModelSource`, a registered name, a checkpoint path or an ``nn.Module``.
    :param benchmark_names: catalog names (aliases, identifiers, paths to ``.nc`` files).
    :param out_dir: where results are written and looked up for reuse.
    :param force: re-score even when a matching result exists.
    :param log: where progress messages go (``print`` by default; ``lambda _: None`` silences them).
    :param reused: a list that receives the identifiers whose stored result was reused (not scored).
    :returns: the results in the order of the resolved identifiers.
    :raises benchmarks.errors.DataNotAvailableError: a benchmark's data is missing (before anything is scored).
    """
    options = options or ScoreOptions()
    prepare_environment()
    from . import catalog

    identifiers = catalog.resolve_all(benchmark_names)
    if not identifiers:
        raise ScoringError("no benchmark given")
    load_options = catalog.LoadOptions(data_dir=None if data_dir is None else Path(data_dir), offline=offline)
    # a data file is checked (layout, size, stimuli) before any time goes into building the model
    preloaded = {identifier: _load_benchmark(catalog, identifier, load_options, log)
                 for identifier, _ in identifiers if _is_path_benchmark(identifier)}
    loaded = load_model(model_spec)
    log(f"model: {loaded.identifier}; weights: {loaded.weights.describe()}; normalisation: "
        f"{_normalization_text(loaded)}")
    static = is_static(loaded.model)
    if static and options.latency == AUTO:
        raise ScoringError(f"--latency auto: {loaded.name} is a static model, its response is the same at every "
                           "time, so there is no latency to fit; drop --latency")
    if static:
        log("model: static (no dynamics): run once per image, its response held in every time bin "
            "(as Brain-Score's TemporalAligned)")
    for note in loaded.notes:
        log(_loud(note))
    degrees_source = model_degrees_source(options.visual_degrees, loaded.model)
    if options.visual_degrees is None:  # the degrees used, whoever decided them, enter the settings (and hash)
        options = dataclasses.replace(options, visual_degrees=float(
            getattr(loaded.model, "visual_degrees", None) or DEFAULT_VISUAL_DEGREES))
    settings = options.settings()
    settings_hash = _hash_json(settings)
    common: Dict[str, Any] = dict(model=loaded.name, model_identifier=loaded.identifier, config_hash=loaded.config_hash,
                  weights_hash=loaded.weights_hash, checkpoint=loaded.checkpoint,
                  checkpoint_hash=loaded.checkpoint_hash, trained=loaded.trained,
                  weights_source=loaded.weights.to_dict(), settings=settings, static=static,
                  settings_hash=settings_hash, versions=versions())
    run = _Run(loaded, options, out_dir, log, settings_hash, common, degrees_source)
    results, pending = _stored_or_loaded(run, catalog, identifiers, load_options, force, preloaded)
    if reused is not None:
        reused.extend(results)
    for identifier, source, benchmark in pending:
        results[identifier] = _score_one(run, benchmark, source)
    return [results[identifier] for identifier, _ in identifiers]


def _stored_or_loaded(run: _Run, catalog: Any, identifiers: Sequence[Tuple[str, str]], load_options: Any,
                      force: bool, preloaded: Dict[str, Any]) -> Tuple[Dict[str, Result], List[Tuple[str, str, Any]]]:
    """The stored results that match, and every other benchmark loaded (all before any scoring, so
    missing data fails fast; data files, in ``preloaded``, before the model was built). A data
    file's benchmark identifier is known only once it is loaded."""
    results: Dict[str, Result] = {}
    pending: List[Tuple[str, str, Any]] = []
    for identifier, source in identifiers:
        is_path = _is_path_benchmark(identifier)
        stored = None if force or is_path else _reusable(run, identifier)
        benchmark = None
        if stored is None:
            benchmark = preloaded.get(identifier) or _load_benchmark(catalog, identifier, load_options, run.log)
            stored = _reusable(run, benchmark.identifier) if is_path and not force else None
        if stored is not None:
            run.log(f"[{stored.benchmark}] reusing {stored.path} (same model, weights, config, data and settings; "
                    "--force to re-score)")
            results[identifier] = stored
        else:
            pending.append((identifier, source, benchmark))
    return results, pending


def _score_one(run: _Run, benchmark: Any, source: str) -> Result:
    """Score one loaded benchmark and save its result."""
    progress = PhaseProgress(enabled=run.options.progress)
    brain_model = make_brain_model(run.loaded, run.options, benchmark, progress)
    viewing = field_of_view(brain_model, benchmark, run.degrees_source)
    described, attention = describe_field_of_view(viewing), needs_attention(viewing)
    run.log(f"[{benchmark.identifier}] " + (_loud(described) if attention else described))
    # what the data set says about itself (e.g. its cross-validation splits), before a held-out split
    benchmark_notes = [f"{benchmark.identifier}: {note}" for note in getattr(benchmark, "notes", [])]
    if attention:
        benchmark_notes.append(f"{benchmark.identifier}: {described}")
    benchmark, latency_fit = _choose_on_held_out(run, brain_model, benchmark)
    outcome = _run_committed(brain_model, benchmark, run.log, progress)
    summary = summarize_score(outcome.score)
    per_layer: Dict[str, float] = {}
    if len(brain_model.recorded_layers) == 1 and summary["score"] is not None:
        per_layer[brain_model.recorded_layers[0]] = summary["score"]
    if run.options.per_layer:
        per_layer.update(_per_layer_scores(brain_model, benchmark, run.log, progress))
    normalization = {**run.loaded.normalization.to_dict(), "mean": list(brain_model.loader.mean),
                     "std": list(brain_model.loader.std)}  # the values the adapter applied
    result = Result(
        benchmark=str(benchmark.identifier), score=summary["score"], raw=summary["raw"],
        ceiling=summary["ceiling"], error=summary["error"],
        benchmark_version=None if getattr(benchmark, "version", None) is None else str(benchmark.version),
        benchmark_source=source, region=getattr(benchmark, "region", None),
        layers=list(brain_model.recorded_layers),
        time_bins=[[float(s), float(e)] for s, e in brain_model.recorded_bins],
        per_bin=summary["per_bin"], per_layer=per_layer,
        trained_horizon_ms=brain_model.trained_horizon_ms, scored_horizon_ms=brain_model.scored_horizon_ms,
        date=datetime.now(timezone.utc).isoformat(timespec="seconds"), timings=_timings(outcome),
        latency_fit=latency_fit,
        layer_selection={region: {k: v for k, v in chosen.items() if k != "path"}
                         for region, chosen in brain_model.layer_selections.items()},
        notes=benchmark_notes + _notes(run.loaded, benchmark, outcome, summary, latency_fit, brain_model),
        normalization=normalization, field_of_view=viewing, **run.common)
    if result.score is None:
        raise ScoringError(f"{benchmark.identifier} returned no score ({outcome.score!r})")
    path = result.save(run.out_dir, score_arrays(outcome.score, summary["per_bin"], per_layer))
    run.log(f"[{result.benchmark}] score {result.score:.3f} (raw {_fmt(result.raw)}, ceiling "
            f"{_fmt(result.ceiling)}) -> {path}")
    return result


def _run_committed(brain_model: Any, benchmark: Any, log: Callable[[str], None], progress: PhaseProgress) -> _Outcome:
    """:func:`run_benchmark`, with the fix named when the benchmark's region has no layer."""
    try:
        return run_benchmark(brain_model, benchmark, log, progress)
    except ValueError as error:
        if "no layer is committed" in str(error):
            raise ScoringError(f"{error}. Or let DynVision choose one with --select-layers "
                               f"(scores every layer on {benchmark.identifier}).") from None
        raise


def _choose_on_held_out(run: _Run, brain_model: Any, benchmark: Any) -> Tuple[Any, Dict[str, Any]]:
    """With ``select_layers`` (and no committed layer) or an ``"auto"`` latency: split the
    benchmark's stimuli, choose the layer and fit the latency on one part; the other part is scored.
    Returns the benchmark to score and the latency fit (empty when none)."""
    options, log = run.options, run.log
    region = getattr(benchmark, "region", None)
    choose_layer = options.select_layers and region and region not in brain_model.region_layer_map
    if not (choose_layer or options.latency == AUTO):
        return benchmark, {}
    from .selection import held_out_split

    selection, benchmark, split = held_out_split(benchmark, seed=options.seed)
    what = " and ".join(["a layer for " + str(region)] * bool(choose_layer) + ["the latency"] * (
        options.latency == AUTO))
    log(f"[{benchmark.identifier}] choosing {what} on {split['n_selection']} held-out stimuli; "
        f"scoring the other {split['n_scored']}")
    if choose_layer:
        brain_model.region_benchmarks[region] = selection
    latency_fit: Dict[str, Any] = {}
    if options.latency == AUTO:
        with quiet_metrics():
            latency_fit = fit_latency(brain_model, selection, latency_candidates(brain_model.dt))
        log(f"[{benchmark.identifier}] latency {latency_fit['latency']:g} ms")
    return benchmark, latency_fit


def _notes(loaded: LoadedModel, benchmark: Any, outcome: _Outcome, summary: Dict[str, Any],
           latency_fit: Dict[str, Any], brain_model: Any) -> List[str]:
    notes = list(loaded.notes)
    attrs = getattr(outcome.score, "attrs", {})
    ceiling = attrs.get("ceiling")
    if ceiling is not None and "note" in getattr(ceiling, "attrs", {}):
        notes.append(f"{benchmark.identifier}: {ceiling.attrs['note']}")
    if latency_fit:
        notes.append(f"latency {latency_fit['latency']:g} ms fitted on {latency_fit['split']['n_selection']} "
                     f"held-out stimuli (candidates {', '.join(latency_fit['scores'])} ms); scored on the "
                     f"other {latency_fit['split']['n_scored']}")
    for chosen in brain_model.layer_selections.values():
        split = chosen.get("split") or {}
        notes.append(f"layer {chosen['layer']} chosen for {chosen['region']} on {split.get('n_selection', '?')} "
                     f"held-out stimuli; scored on the other {split.get('n_scored', '?')}")
    if summary["per_bin"]:
        notes.append(f"score, raw and ceiling are means over {len(summary['per_bin'])} time bins; a bin with "
                     "undefined r (the model has not responded yet) counts as 0")
    notes += _sign_notes(summary, own_convention=attrs.get("convention") is not None)
    notes.extend(brain_model.horizon_notes)  # scored beyond the trained horizon (the adapter warned)
    return notes


def _timings(outcome: _Outcome) -> Dict[str, float]:
    return {"extraction": round(outcome.extraction, 3), "ceiling": round(outcome.ceiling, 3),
            "metric": round(max(outcome.total - outcome.extraction, 0.0), 3),
            "total": round(outcome.total + outcome.ceiling, 3)}


def _load_benchmark(catalog: Any, identifier: str, load_options: Any, log: Callable[[str], None]) -> Any:
    log(f"[{identifier}] loading benchmark ...")
    return catalog.load_benchmark(identifier, load_options)


def _is_path_benchmark(identifier: str) -> bool:
    return identifier.lower().endswith(".nc") or os.sep in identifier


def _reusable(run: _Run, benchmark: str) -> Optional[Result]:
    try:
        stored = find_result(run.out_dir, run.loaded.identifier, benchmark)
    except (ValueError, OSError):
        return None  # unreadable: score again and replace it
    if stored is None or stored.settings_hash != run.settings_hash:
        return None
    return stored


def _loud(note: str) -> str:
    line = "!" * 78
    return f"{line}\n!! {note}\n{line}"


def _normalization_text(loaded: LoadedModel) -> str:
    norm = loaded.normalization
    if norm.mean is None:
        return "the adapter's default (ImageNet statistics)"

    def values(numbers: Optional[Sequence[float]]) -> str:
        return "[" + ", ".join(f"{x:.4g}" for x in numbers or ()) + "]"

    return f"mean {values(norm.mean)}, std {values(norm.std)} (from the {norm.source})"
