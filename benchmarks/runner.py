"""Score a DynVision model on benchmarks: the engine behind ``dynvision score``.

>>> from benchmarks.runner import score_model
>>> results = score_model("DyRCNNx4", ["cowley2023"], "results/")          # doctest: +SKIP
>>> results = score_model(ModelSpec("DyRCNNx4", checkpoint="runs/best.ckpt"), ["majajhong"], "results/")  # doctest: +SKIP

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

import contextlib
import hashlib
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .results import Result, find_result

PathLike = Union[str, "os.PathLike[str]"]

#: Brain-Score ``@store`` caches whose key includes the model (prefixes of their function identifiers).
#: They are switched off while scoring (unless the user set ``RESULTCACHING_DISABLE``), on top of
#: the identifier embedding the config and weights hashes.
MODEL_DEPENDENT_CACHES = (
    "brainscore_vision.model_helpers",  # activations, layer selection, PCA
    "brainscore_vision.benchmark_helpers.properties_common",  # firing rates keyed by model identifier
    "brainscore_vision.benchmarks.marques2020",  # model properties keyed by model identifier
    "brainscore_vision._run_score",
    "brainscore_vision.score",
)
CHECKPOINT_SUFFIXES = (".ckpt", ".pt", ".pth")


class ScoringError(RuntimeError):
    """Scoring could not run (bad model specification, uncommitted region, ...)."""


# ----------------------------------------------------------------- specifications
@dataclass
class ModelSpec:
    """What to score.

    :param model: a registered model name, a checkpoint path, or an ``nn.Module``.
    :param checkpoint: weights to load (a checkpoint written by ``dynvision train``).
    :param config: YAML config to build the model from (registered names only).
    :param overrides: ``key=value`` config overrides (``--set``).
    :param model_module: a Python file defining user models (imported first).
    :param name: display name (default: the registry name).
    """

    model: Any
    checkpoint: Optional[PathLike] = None
    config: Optional[PathLike] = None
    overrides: Sequence[str] = ()
    model_module: Optional[PathLike] = None
    name: Optional[str] = None


@dataclass
class ScoreOptions:
    """How the model is shown the stimuli and recorded (adapter settings; see
    :class:`brain_models.DynVisionBrainModel`). Everything but ``batch_size``,
    ``device`` and ``progress`` enters the settings hash that decides whether
    a stored result can be reused."""

    visual_degrees: float = 8.0
    t_presentation: Optional[float] = 100.0
    latency: float = 0.0
    reduction: str = "pool"
    max_features: int = 1000
    seed: int = 0
    region_layer_map: Mapping[str, Any] = field(default_factory=dict)
    select_layers: bool = False  # choose a layer for an uncommitted region with the benchmark itself
    per_layer: bool = False  # also score every layer for the benchmark's region
    batch_size: int = 32
    device: Optional[str] = None
    progress: bool = True

    def settings(self) -> Dict[str, Any]:
        return {
            "visual_degrees": float(self.visual_degrees),
            "t_presentation": None if self.t_presentation is None else float(self.t_presentation),
            "latency": float(self.latency),
            "reduction": self.reduction,
            "max_features": int(self.max_features),
            "seed": int(self.seed),
            "region_layer_map": {k: v for k, v in sorted(dict(self.region_layer_map).items())},
            "select_layers": bool(self.select_layers),
            "per_layer": bool(self.per_layer),
        }


@dataclass
class LoadedModel:
    """A built model and everything that identifies it."""

    model: Any
    name: str
    identifier: str
    config: Any = None  # dynvision.config.Config or None
    config_hash: Optional[str] = None
    weights_hash: str = ""
    checkpoint: Optional[str] = None
    checkpoint_hash: Optional[str] = None
    trained: Optional[bool] = False
    mean: Optional[Sequence[float]] = None
    std: Optional[Sequence[float]] = None
    notes: List[str] = field(default_factory=list)


# ----------------------------------------------------------------- environment
def prepare_environment() -> Dict[str, str]:
    """Brain-Score's caches under ``$DYNVISION_HOME``, no plugin installs, and the
    model-dependent result caches off (a user's own ``RESULTCACHING_DISABLE`` wins)."""
    from .brainscore_env import configure_brainscore_environment

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "configured after import" matters only for the first import
        values = configure_brainscore_environment()
    if not os.environ.get("RESULTCACHING_DISABLE"):
        os.environ["RESULTCACHING_DISABLE"] = ",".join(MODEL_DEPENDENT_CACHES)
    values["RESULTCACHING_DISABLE"] = os.environ["RESULTCACHING_DISABLE"]
    return values


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


# ----------------------------------------------------------------- models
def _looks_like_checkpoint(model: Any) -> bool:
    if not isinstance(model, (str, os.PathLike)):
        return False
    text = os.fspath(model)
    return text.lower().endswith(CHECKPOINT_SUFFIXES) or os.path.isfile(text)


def load_model(spec: Union[ModelSpec, str, Any]) -> LoadedModel:
    """Build or load the model of ``spec`` and work out its identifier.

    Identifier: ``<name>-c<config hash>-w<weights hash>`` (``<name>-w<weights hash>``
    without a config). The config hash covers the whole resolved config; the
    weights hash every parameter and buffer.
    """
    from torch import nn

    if not isinstance(spec, ModelSpec):
        spec = ModelSpec(spec)
    if spec.model_module:
        from dynvision.models import load_model_module

        load_model_module(os.fspath(spec.model_module))
    if isinstance(spec.model, nn.Module):
        if spec.checkpoint or spec.config or spec.overrides:
            raise ScoringError("an nn.Module is scored as it is: no checkpoint, config or overrides")
        model = spec.model
        config = getattr(model, "dynvision_config", None)
        loaded = _describe(model, spec.name or _registered_name(model), config, trained=None)
    elif spec.checkpoint is not None or _looks_like_checkpoint(spec.model):
        loaded = _from_checkpoint(spec)
    else:
        loaded = _from_config(spec)
    return loaded


def _registered_name(model: Any) -> str:
    try:
        from dynvision.models import models
        for name, cls in models.items():
            if cls is type(model):
                return name
    except ImportError:  # pragma: no cover
        pass
    return type(model).__name__


def _normalization(config: Any) -> Tuple[Optional[Sequence[float]], Optional[Sequence[float]]]:
    if config is None:
        return None, None
    from dynvision.data.registry import DATASETS
    from dynvision.data.transforms import resolve_stats

    try:
        return resolve_stats(DATASETS.get(config.data.name), config.data)
    except Exception as error:  # an unregistered dataset: say so, use the adapter's default
        warnings.warn(f"normalization of dataset {config.data.name!r} unknown ({error}); using ImageNet's")
        return None, None


def _describe(model: Any, name: str, config: Any, trained: Optional[bool], checkpoint: Optional[str] = None,
              checkpoint_hash: Optional[str] = None) -> LoadedModel:
    from brain_models import weights_hash
    from dynvision.config import config_hash as hash_config

    weights = weights_hash(model, length=12)
    c_hash = hash_config(config) if config is not None else None
    identifier = f"{name}-c{c_hash[:8]}-w{weights[:10]}" if c_hash else f"{name}-w{weights[:10]}"
    mean, std = _normalization(config)
    return LoadedModel(model=model, name=name, identifier=identifier, config=config, config_hash=c_hash,
                       weights_hash=weights, checkpoint=checkpoint, checkpoint_hash=checkpoint_hash,
                       trained=trained, mean=mean, std=std)


def _from_config(spec: ModelSpec) -> LoadedModel:
    import torch

    from dynvision.commands.train import resolve_config
    from dynvision.training import build_model

    name = str(spec.model)
    config = resolve_config(None if spec.config is None else os.fspath(spec.config), name, list(spec.overrides),
                            None if spec.model_module is None else os.fspath(spec.model_module))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(config.seed))
        model = build_model(config, None if spec.model_module is None else os.fspath(spec.model_module))
    model.eval()
    loaded = _describe(model, spec.name or config.model.name, config, trained=False)
    loaded.notes.append(f"UNTRAINED: {config.model.name} with random initial weights (seed {config.seed}); "
                        "pass --checkpoint to score trained weights")
    return loaded


def _from_checkpoint(spec: ModelSpec) -> LoadedModel:
    if spec.config is not None or spec.overrides:
        raise ScoringError("a checkpoint carries its own config: --config/--set apply only to models built "
                           "from a registered name (score the checkpoint as it was trained)")
    path = Path(os.fspath(spec.checkpoint if spec.checkpoint is not None else spec.model)).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    from .fileio import sha1_of
    from dynvision.training import load_checkpoint

    module = None if spec.model_module is None else os.fspath(spec.model_module)
    try:
        model = load_checkpoint(path, model_module=module)
    except KeyError:  # not written by `dynvision train`: the adapter's loader knows other layouts
        from brain_models import load_model as load_plain

        requested = None if spec.checkpoint is None else str(spec.model)
        model, info = load_plain(path, model_class=requested)
        config = None
        if info.get("config") is not None:
            from dynvision.config import validate
            with contextlib.suppress(Exception):
                config = validate(dict(info["config"]))
        model.dynvision_config = config
    config = getattr(model, "dynvision_config", None)
    stored_name = config.model.name if config is not None else _registered_name(model)
    if spec.checkpoint is not None and not _looks_like_checkpoint(spec.model) and str(spec.model) != stored_name:
        raise ScoringError(f"checkpoint {path} holds a {stored_name}, not a {spec.model}; "
                           f"run `dynvision score {stored_name} --checkpoint {path}`")
    return _describe(model, spec.name or stored_name, config, trained=True, checkpoint=str(path),
                     checkpoint_hash=sha1_of(path)[:12])


# ----------------------------------------------------------------- brain model
def make_brain_model(loaded: LoadedModel, options: ScoreOptions, benchmark: Any = None):
    """The :class:`ProgressBrainModel` for ``loaded`` with ``options``."""
    from brain_models import DynVisionBrainModel

    global ProgressBrainModel
    if ProgressBrainModel is None:
        ProgressBrainModel = _progress_class(DynVisionBrainModel)
    region_benchmarks = {}
    if options.select_layers and benchmark is not None and getattr(benchmark, "region", None):
        region_benchmarks[benchmark.region] = benchmark
    brain_model = ProgressBrainModel(
        loaded.model, identifier=loaded.identifier, visual_degrees=options.visual_degrees,
        region_layer_map=dict(options.region_layer_map) or None, t_presentation=options.t_presentation,
        latency=options.latency, batch_size=options.batch_size, mean=loaded.mean, std=loaded.std,
        reduction=options.reduction, max_features=options.max_features, seed=options.seed,
        region_benchmarks=region_benchmarks or None, device=options.device)
    brain_model.progress = options.progress
    return brain_model


ProgressBrainModel = None  # built lazily: importing brain_models imports Brain-Score


def _progress_class(base):
    from brain_models.stimuli import as_stimuli
    from brain_models.time_bins import normalize_time_bins

    class _ProgressBrainModel(base):
        """The adapter, plus a progress bar over images, the time spent recording,
        and which layers/time bins the benchmark asked for."""

        progress: bool = True
        progress_label: str = "activations"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extraction_seconds = 0.0
            self.recorded_layers: List[str] = []
            self.recorded_bins: List[Tuple[float, float]] = []

        def start_recording(self, recording_target, time_bins=None):
            super().start_recording(recording_target, time_bins)
            self.recorded_layers = self.layers_for(recording_target)
            from brain_models import DEFAULT_TIME_BINS
            self.recorded_bins = normalize_time_bins(DEFAULT_TIME_BINS if time_bins is None else time_bins)

        def start_task(self, task, fitting_stimuli=None, *args, **kwargs):
            super().start_task(task, fitting_stimuli, *args, **kwargs)
            if task != "passive":
                self.recorded_layers = [self.readout_layer()]
                self.recorded_bins = [self.readout_bin()]

        def record(self, stimuli, layer_regions, plan):
            stimuli = as_stimuli(stimuli)
            n_images = len(stimuli.unique_paths()[0])
            bar = _bar(total=n_images, desc=self.progress_label, unit="img", enabled=self.progress)
            loader = self.loader
            original = loader.load_batch

            def counting(paths, ids):
                batch = original(paths, ids)
                bar.update(len(paths))
                return batch

            loader.load_batch = counting
            start = time.perf_counter()
            try:
                return super().record(stimuli, layer_regions, plan)
            finally:
                self.extraction_seconds += time.perf_counter() - start
                del loader.load_batch  # back to the class's method
                bar.close()

    return _ProgressBrainModel


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, file=sys.stderr,
                dynamic_ncols=True)


# ----------------------------------------------------------------- Brain-Score scores -> numbers
def _values(score: Any) -> np.ndarray:
    return np.asarray(getattr(score, "values", score), dtype=float)


def _mean(score: Any) -> Optional[float]:
    if score is None:
        return None
    values = _values(score)
    if values.size == 0 or np.all(np.isnan(values)):
        return None
    return float(np.nanmean(values))


def _time_bins_of(score: Any) -> Optional[List[Tuple[float, float]]]:
    if score is None or "time_bin" not in getattr(score, "dims", ()):
        return None
    if "time_bin_start" in score.coords and "time_bin_end" in score.coords:
        starts, ends = score["time_bin_start"].values, score["time_bin_end"].values
        return [(float(s), float(e)) for s, e in zip(starts, ends)]
    return [tuple(float(v) for v in item) for item in score["time_bin"].values]


def _per_bin(score: Any, raw: Any, ceiling: Any) -> List[Dict[str, Any]]:
    """One entry per time bin when the benchmark scores several."""
    bins = _time_bins_of(score) or _time_bins_of(raw)
    if not bins or len(bins) < 2:
        return []

    def along(value, n):
        if value is None:
            return [None] * n
        values = _values(value).reshape(-1) if "time_bin" in getattr(value, "dims", ()) else None
        if values is None or values.size != n:
            scalar = _mean(value)
            return [scalar] * n
        return [None if np.isnan(v) else float(v) for v in values]

    n = len(bins)
    scores, raws, ceilings = along(score, n), along(raw, n), along(ceiling, n)
    own = getattr(score, "attrs", {}).get("per_bin")  # the benchmark's own per-bin ceiled scores
    if own is not None and "time_bin" in getattr(own, "dims", ()):
        scores = along(own, n)
    elif "time_bin" not in getattr(score, "dims", ()):
        scores = _decompose(_mean(score), raws, ceilings)
    return [{"time_bin_start": s, "time_bin_end": e, "score": scores[i], "raw": raws[i], "ceiling": ceilings[i]}
            for i, (s, e) in enumerate(bins)]


def _decompose(headline: Optional[float], raws: List[Optional[float]], ceilings: List[Optional[float]]):
    """Per-bin ceiled scores when the benchmark returns only their mean: Brain-Score ceils each bin
    (``r**2 / ceiling`` or ``r / ceiling``) and averages; whichever reproduces the headline is used."""
    n = len(raws)
    if headline is None or any(v is None for v in raws + ceilings) or any(c == 0 for c in ceilings):
        return [None] * n
    for ceil in (lambda r, c: r ** 2 / c, lambda r, c: r / c):
        values = [ceil(r, c) for r, c in zip(raws, ceilings)]
        if np.isclose(np.mean(values), headline, rtol=1e-4, atol=1e-9):
            return [float(v) for v in values]
    return [None] * n


def summarize_score(score: Any) -> Dict[str, Any]:
    """Headline numbers of a Brain-Score ``Score``: ceiled score, raw, ceiling, error, per-bin values."""
    attrs = getattr(score, "attrs", {})
    raw = attrs.get("raw")
    ceiling = attrs.get("ceiling")
    error = attrs.get("error")
    if error is None and raw is not None:
        error = getattr(raw, "attrs", {}).get("error")
    return {
        "score": _mean(score),
        "raw": _mean(raw),
        "ceiling": _mean(ceiling),
        "error": _mean(error),
        "per_bin": _per_bin(score, raw, ceiling),
    }


def score_arrays(score: Any, per_bin: List[Dict[str, Any]], per_layer: Dict[str, float]):
    """The arrays of a score as an ``xarray.Dataset`` with plain (netCDF-safe) coordinates."""
    import xarray as xr

    variables: Dict[str, xr.DataArray] = {}
    if per_bin:
        coords = {"time_bin_start": ("time_bin", [b["time_bin_start"] for b in per_bin]),
                  "time_bin_end": ("time_bin", [b["time_bin_end"] for b in per_bin])}
        for key in ("score", "raw", "ceiling"):
            values = [np.nan if b[key] is None else b[key] for b in per_bin]
            variables[f"{key}_per_bin"] = xr.DataArray(np.asarray(values, dtype=float), dims=["time_bin"],
                                                       coords=coords)
    if per_layer:
        layers = list(per_layer)
        variables["score_per_layer"] = xr.DataArray(
            np.asarray([np.nan if per_layer[k] is None else per_layer[k] for k in layers], dtype=float),
            dims=["layer"], coords={"layer": np.asarray(layers, dtype=str)})
    raw = getattr(score, "attrs", {}).get("raw")
    inner = getattr(raw, "attrs", {}).get("raw") if raw is not None else None
    if inner is not None:
        plain = _plain_dataarray(inner)
        if plain is not None:
            variables["raw_values"] = plain  # e.g. split x neuroid correlations
    ceiling = getattr(score, "attrs", {}).get("ceiling")
    inner_ceiling = getattr(ceiling, "attrs", {}).get("raw") if ceiling is not None else None
    if inner_ceiling is not None:
        plain = _plain_dataarray(inner_ceiling)
        if plain is not None:
            variables["ceiling_values"] = plain
    return xr.Dataset(variables)


def _plain_dataarray(array: Any):
    """A copy with plain dims and 1-D string/number coordinates (MultiIndex levels flattened)."""
    import xarray as xr

    if not hasattr(array, "dims") or not hasattr(array, "values"):
        return None
    try:
        values = np.asarray(array.values, dtype=float)
    except (TypeError, ValueError):
        return None
    dims = [str(d) for d in array.dims]
    coords = {}
    for name in array.coords:
        if name in array.dims and hasattr(array.indexes.get(name), "levels"):
            continue  # the MultiIndex itself; its levels are listed as coords too
        coord = array.coords[name]
        if coord.ndim != 1 or coord.dims[0] not in dims:
            continue
        data = np.asarray(coord.values)
        if data.dtype.kind in "OUS":
            data = data.astype(str)
        elif data.dtype.kind not in "biuf":
            continue
        coords[str(name)] = (coord.dims[0], data)
    renamed = {name: (f"{name}_" if name in dims else name) for name in coords}
    coords = {renamed[name]: value for name, value in coords.items()}
    return xr.DataArray(values, dims=dims, coords=coords)


# ----------------------------------------------------------------- scoring
@dataclass
class _Outcome:
    score: Any
    extraction: float
    ceiling: float
    total: float


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hide the xarray/pandas deprecation chatter Brain-Score's metrics emit once per split."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Pandas doesn't allow columns")  # Brain-Score's screen.py
        # a layer that has not responded yet in a time bin gives constant features; the
        # per-bin values in the result show that bin, one warning per split adds nothing
        warnings.filterwarnings("ignore", message="An input array is constant")
        warnings.filterwarnings("ignore", message="Degrees of freedom <= 0")
        yield


def _timed_ceiling(benchmark: Any) -> Tuple[Any, float]:
    start = time.perf_counter()
    try:
        with _quiet():
            ceiling = benchmark.ceiling
    except Exception as error:  # some benchmarks have none: let the benchmark itself decide
        ceiling = None
        warnings.warn(f"{getattr(benchmark, 'identifier', benchmark)}: ceiling could not be computed ahead "
                      f"({type(error).__name__}: {error})")
    return ceiling, time.perf_counter() - start


def run_benchmark(brain_model: Any, benchmark: Any, log: Callable[[str], None] = print) -> _Outcome:
    """``benchmark(brain_model)`` with timings: the ceiling first (cached by Brain-Score under the
    benchmark's identifier), then the benchmark's own call (activations + metric)."""
    identifier = getattr(benchmark, "identifier", str(benchmark))
    log(f"[{identifier}] ceiling ...")
    _, ceiling_seconds = _timed_ceiling(benchmark)
    before = brain_model.extraction_seconds
    brain_model.progress_label = f"[{identifier}] activations"
    log(f"[{identifier}] recording the model and fitting the metric ...")
    start = time.perf_counter()
    with _quiet():
        score = benchmark(brain_model)
    total = time.perf_counter() - start
    return _Outcome(score, brain_model.extraction_seconds - before, ceiling_seconds, total)


def _per_layer_scores(brain_model: Any, benchmark: Any, log: Callable[[str], None]) -> Dict[str, float]:
    region = getattr(benchmark, "region", None)
    if not region:
        log(f"[{benchmark.identifier}] --per-layer: the benchmark records no region; skipped")
        return {}
    committed = brain_model.region_layer_map.get(region)
    values: Dict[str, float] = {}
    try:
        for layer in [layer for layer in brain_model.available_layers() if layer != "classifier"]:
            brain_model.region_layer_map[region] = layer
            brain_model.progress_label = f"[{benchmark.identifier}] layer {layer}"
            with _quiet():
                values[layer] = summarize_score(benchmark(brain_model))["score"]
            log(f"[{benchmark.identifier}] layer {layer}: {_fmt(values[layer])}")
    finally:
        if committed is None:
            brain_model.region_layer_map.pop(region, None)
        else:
            brain_model.region_layer_map[region] = committed
    return values


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def score_model(model_spec: Union[ModelSpec, str, Any], benchmark_names: Sequence[str], out_dir: PathLike, *,
                options: Optional[ScoreOptions] = None, data_dir: Optional[PathLike] = None,
                offline: Optional[bool] = None, force: bool = False,
                log: Callable[[str], None] = print) -> List[Result]:
    """Score a model on benchmarks and write (or reuse) one result per benchmark identifier.

    :param model_spec: a :class:`ModelSpec`, a registered name, a checkpoint path or an ``nn.Module``.
    :param benchmark_names: catalog names (aliases, identifiers, paths to ``.nc`` files).
    :param out_dir: where results are written and looked up for reuse.
    :param force: re-score even when a matching result exists.
    :param log: where progress messages go (``print`` by default; ``lambda _: None`` silences them).
    :returns: the results in the order of the resolved identifiers.
    :raises benchmarks.errors.DataNotAvailableError: a benchmark's data is missing (before anything is scored).
    """
    options = options or ScoreOptions()
    prepare_environment()
    from . import catalog

    identifiers: List[Tuple[str, str]] = []  # (identifier, name given)
    for name in benchmark_names:
        for identifier in catalog.resolve(name):
            if identifier not in [i for i, _ in identifiers]:
                identifiers.append((identifier, str(name)))
    if not identifiers:
        raise ScoringError("no benchmark given")
    loaded = load_model_spec(model_spec)
    for note in loaded.notes:
        log(_loud(note))
    settings = options.settings()
    settings_hash = _hash_json(settings)
    load_options = catalog.LoadOptions(data_dir=None if data_dir is None else Path(data_dir), offline=offline)

    # reuse what is stored; load every remaining benchmark before scoring any (fail fast on missing data)
    results: Dict[str, Result] = {}
    pending: List[Tuple[str, str, Any]] = []
    for identifier, source in identifiers:
        is_path = _is_path_benchmark(identifier)
        if not is_path:
            stored = None if force else _reusable(out_dir, loaded.identifier, identifier, settings_hash)
            if stored is not None:
                log(f"[{identifier}] reusing {stored.path} (same model, weights, config and settings; "
                    "--force to re-score)")
                results[identifier] = stored
                continue
        log(f"[{identifier}] loading benchmark ...")
        benchmark = catalog.load_benchmark(identifier, load_options)
        if is_path:
            stored = None if force else _reusable(out_dir, loaded.identifier, benchmark.identifier, settings_hash)
            if stored is not None:
                log(f"[{benchmark.identifier}] reusing {stored.path} (same model, data and settings; --force to re-score)")
                results[identifier] = stored
                continue
        pending.append((identifier, source, benchmark))

    common = dict(model=loaded.name, model_identifier=loaded.identifier, config_hash=loaded.config_hash,
                  weights_hash=loaded.weights_hash, checkpoint=loaded.checkpoint,
                  checkpoint_hash=loaded.checkpoint_hash, trained=loaded.trained, settings=settings,
                  settings_hash=settings_hash, versions=versions())
    for identifier, source, benchmark in pending:
        brain_model = make_brain_model(loaded, options, benchmark)
        try:
            outcome = run_benchmark(brain_model, benchmark, log)
        except ValueError as error:
            if "no layer is committed" in str(error):
                raise ScoringError(f"{error}. Or let DynVision choose one with --select-layers "
                                   f"(scores every layer on {benchmark.identifier}).") from None
            raise
        summary = summarize_score(outcome.score)
        per_layer: Dict[str, float] = {}
        if len(brain_model.recorded_layers) == 1 and summary["score"] is not None:
            per_layer[brain_model.recorded_layers[0]] = summary["score"]
        if options.per_layer:
            per_layer.update(_per_layer_scores(brain_model, benchmark, log))
        notes = list(loaded.notes)
        attrs = getattr(outcome.score, "attrs", {})
        ceiling = attrs.get("ceiling")
        if ceiling is not None and "note" in getattr(ceiling, "attrs", {}):
            notes.append(f"{benchmark.identifier}: {ceiling.attrs['note']}")
        if summary["per_bin"]:
            notes.append(f"score, raw and ceiling are means over {len(summary['per_bin'])} time bins")
        result = Result(
            benchmark=str(benchmark.identifier), score=summary["score"], raw=summary["raw"],
            ceiling=summary["ceiling"], error=summary["error"],
            benchmark_version=None if getattr(benchmark, "version", None) is None else str(benchmark.version),
            benchmark_source=source, region=getattr(benchmark, "region", None),
            layers=list(brain_model.recorded_layers),
            time_bins=[[float(s), float(e)] for s, e in brain_model.recorded_bins],
            per_bin=summary["per_bin"], per_layer=per_layer,
            date=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            timings={"extraction": round(outcome.extraction, 3), "ceiling": round(outcome.ceiling, 3),
                     "metric": round(max(outcome.total - outcome.extraction, 0.0), 3),
                     "total": round(outcome.total + outcome.ceiling, 3)},
            notes=notes, **common)
        if result.score is None:
            raise ScoringError(f"{benchmark.identifier} returned no score ({outcome.score!r})")
        path = result.save(out_dir, score_arrays(outcome.score, summary["per_bin"], per_layer))
        log(f"[{result.benchmark}] score {result.score:.3f} (raw {_fmt(result.raw)}, ceiling "
            f"{_fmt(result.ceiling)}) -> {path}")
        results[identifier] = result
    return [results[identifier] for identifier, _ in identifiers]


def load_model_spec(model_spec: Union[ModelSpec, str, Any]) -> LoadedModel:
    """:func:`load_model` for any accepted form of ``model_spec``."""
    return load_model(model_spec)


def _is_path_benchmark(identifier: str) -> bool:
    return identifier.lower().endswith(".nc") or os.sep in identifier


def _reusable(out_dir: PathLike, model_identifier: str, benchmark: str, settings_hash: str) -> Optional[Result]:
    try:
        stored = find_result(out_dir, model_identifier, benchmark)
    except (ValueError, OSError):
        return None  # unreadable: score again and replace it
    if stored is None or stored.settings_hash != settings_hash:
        return None
    return stored


def _loud(note: str) -> str:
    line = "!" * 78
    return f"{line}\n!! {note}\n{line}"
