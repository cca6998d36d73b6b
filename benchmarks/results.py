"""Score results: one JSON file (+ one netCDF file of arrays) per (model, benchmark).

A :class:`Result` holds everything needed to read, compare and reproduce one
score: the ceiled score, raw score, ceiling and error; per-time-bin and
per-layer values; which model (identifier, config hash, weights hash,
checkpoint hash) and which benchmark (identifier, version); the scoring
settings; package versions and the date.

Files, in ``out_dir``::

    <model identifier>__<benchmark>.json     scalars and metadata (this module's schema)
    <model identifier>__<benchmark>.nc       arrays with named dims (per-bin, per-layer, per-neuroid raw values)

The model identifier embeds the config hash and the weights hash
(``DyRCNNx4-c1a2b3c4-w5d6e7f8a9b0``), so results of a retrained or
reconfigured model never overwrite, or get mistaken for, older ones.

Both files are written to temporary names and renamed into place, the netCDF
first: a JSON file exists only when its result is complete.

>>> results = load_results("results/")          # doctest: +SKIP
>>> Result.load("results/DyRCNNx4-c...__Cowley2023.V4-pls.json").score   # doctest: +SKIP
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from dynvision.fileio import atomic_path

SCHEMA_VERSION = 1
PathLike = Union[str, "os.PathLike[str]"]
_SEPARATOR = "__"


def safe_name(text: str) -> str:
    """A file-name-safe version of an identifier (paths of user data files included)."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", str(text)).strip("._") or "x"


def result_stem(model_identifier: str, benchmark: str) -> str:
    """``<model identifier>__<benchmark>``: the file name of a result without suffix."""
    return f"{safe_name(model_identifier)}{_SEPARATOR}{safe_name(benchmark)}"


def result_path(out_dir: PathLike, model_identifier: str, benchmark: str) -> Path:
    """Where the JSON of (model, benchmark) lives in ``out_dir``."""
    return Path(out_dir) / f"{result_stem(model_identifier, benchmark)}.json"


@dataclass
class Result:
    """One score of one model on one benchmark (see the module docstring).

    ``score`` is the ceiled score (the benchmark's headline number), ``raw``
    the un-ceiled metric value, ``ceiling`` the benchmark's ceiling, ``error``
    the standard error Brain-Score reports (None if none). For temporal
    benchmarks ``score``/``raw``/``ceiling`` are means over ``per_bin``.
    """

    model: str
    model_identifier: str
    benchmark: str
    score: float
    raw: Optional[float] = None
    ceiling: Optional[float] = None
    error: Optional[float] = None
    benchmark_version: Optional[str] = None
    benchmark_source: Optional[str] = None  # the name given on the command line (alias, id or path)
    region: Optional[str] = None
    layers: List[str] = field(default_factory=list)  # committed layer(s) recorded for the region
    time_bins: List[List[float]] = field(default_factory=list)  # [[start_ms, end_ms], ...]
    per_bin: List[Dict[str, Any]] = field(default_factory=list)  # {time_bin_start, time_bin_end, score, raw, ceiling}
    per_layer: Dict[str, float] = field(default_factory=dict)  # {layer: ceiled score}
    # {region: {layer, scores, benchmark, split}}: layers chosen with --select-layers, on held-out stimuli
    layer_selection: Dict[str, Any] = field(default_factory=dict)
    # with --latency auto: {latency, scores: {candidate ms: headline}, split}: fitted on held-out stimuli
    latency_fit: Dict[str, Any] = field(default_factory=dict)
    config_hash: Optional[str] = None
    weights_hash: Optional[str] = None
    checkpoint: Optional[str] = None
    checkpoint_hash: Optional[str] = None
    trained: Optional[bool] = None
    weights_source: Dict[str, Any] = field(default_factory=dict)  # {kind, path, sha1, seed}: where the weights came from
    normalization: Dict[str, Any] = field(default_factory=dict)  # {mean, std, source}: how images were normalised
    # {model_degrees, model_degrees_source, stimulus_degrees, stimulus_degrees_source, scale, input_size}:
    # the field of view the stimuli were placed in and the size they were resized to
    field_of_view: Dict[str, Any] = field(default_factory=dict)
    static: Optional[bool] = None  # True: run once per image, the same response in every time bin
    # model time (ms) the model was trained over, and the latest model time this score ran it to;
    # scored > trained: a note says so (the responses after the trained horizon were never trained)
    trained_horizon_ms: Optional[float] = None
    scored_horizon_ms: Optional[float] = None
    settings: Dict[str, Any] = field(default_factory=dict)  # adapter settings used for scoring
    settings_hash: Optional[str] = None
    versions: Dict[str, str] = field(default_factory=dict)
    date: Optional[str] = None
    timings: Dict[str, float] = field(default_factory=dict)  # seconds: extraction, ceiling, metric, total
    notes: List[str] = field(default_factory=list)
    arrays_file: Optional[str] = None  # the .nc next to the JSON (file name only)
    schema_version: int = SCHEMA_VERSION
    path: Optional[Path] = field(default=None, compare=False, repr=False)  # where it was loaded from / saved to

    # ----------------------------------------------------------------- derived
    @property
    def stem(self) -> str:
        return result_stem(self.model_identifier, self.benchmark)

    @property
    def temporal(self) -> bool:
        """True when the benchmark scores several time bins."""
        return len(self.per_bin) > 1

    @property
    def score_error(self) -> Optional[float]:
        """The error bar of the ceiled score.

        Brain-Score reports the standard error of the *raw* metric (e.g. Pearson r over
        cross-validation splits; :attr:`error`). When the score is ``r**2 / ceiling`` (neural PLS
        benchmarks) it is propagated to ``2 r SE / ceiling``; when the score is ``raw / ceiling``
        it is ``SE / ceiling``; otherwise (temporal means over bins) it is shown as reported.
        """
        if self.error is None:
            return None
        raw, ceiling, score = self.raw, self.ceiling, self.score
        if raw is not None and ceiling not in (None, 0) and not self.temporal:
            if math.isclose(score, raw ** 2 / ceiling, rel_tol=1e-4, abs_tol=1e-9):
                return abs(2 * raw * self.error / ceiling)
            if math.isclose(score, raw / ceiling, rel_tol=1e-4, abs_tol=1e-9):
                return abs(self.error / ceiling)
        return abs(self.error)

    def arrays(self) -> Any:
        """The netCDF arrays as an ``xarray.Dataset`` (None when there are none)."""
        if not self.arrays_file or self.path is None:
            return None
        import xarray as xr

        nc = Path(self.path).with_name(self.arrays_file)
        if not nc.is_file():
            raise FileNotFoundError(f"result {self.path} refers to {nc}, which is missing")
        with xr.open_dataset(nc) as dataset:
            return dataset.load()

    # ----------------------------------------------------------------- (de)serialise
    def to_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data.pop("path")
        return _json_safe(data)

    @classmethod
    def from_dict(cls, data: Dict[str, Any], path: Optional[PathLike] = None) -> "Result":
        known = {f.name for f in fields(cls)} - {"path"}
        missing = [name for name in ("model", "model_identifier", "benchmark", "score") if name not in data]
        if missing:
            raise ValueError(f"{path or 'result'}: not a DynVision result (missing {', '.join(missing)})")
        if int(data.get("schema_version", 1)) > SCHEMA_VERSION:
            raise ValueError(f"{path}: written by a newer DynVision (schema {data['schema_version']} > "
                             f"{SCHEMA_VERSION}); upgrade dynvision to read it")
        kwargs = {key: value for key, value in data.items() if key in known}
        for key in ("score", "raw", "ceiling", "error"):
            if kwargs.get(key) is not None:
                kwargs[key] = float(kwargs[key])
        return cls(**kwargs, path=None if path is None else Path(path))

    @classmethod
    def load(cls, path: PathLike) -> "Result":
        """Read a result JSON (``.json``; a ``.nc`` path is mapped to its JSON)."""
        path = Path(path)
        if path.suffix == ".nc":
            path = path.with_suffix(".json")
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
        return cls.from_dict(data, path)

    def save(self, out_dir: PathLike, arrays: Any = None) -> Path:
        """Write ``<stem>.nc`` (if ``arrays``, an ``xarray.Dataset``) then ``<stem>.json``, atomically."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = self.stem
        if arrays is not None and len(arrays.data_vars):
            nc = out_dir / f"{stem}.nc"
            _atomic_write(nc, lambda tmp: arrays.to_netcdf(tmp))
            self.arrays_file = nc.name
        json_path = out_dir / f"{stem}.json"
        text = json.dumps(self.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"
        _atomic_write(json_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
        self.path = json_path
        return json_path

    def summary(self) -> str:
        ceiling = "-" if self.ceiling is None else f"{self.ceiling:.3f}"
        return f"{self.model_identifier} on {self.benchmark}: {self.score:.3f} (raw {_fmt(self.raw)}, ceiling {ceiling})"


def load_results(directory: PathLike, recursive: bool = False) -> List[Result]:
    """Every result JSON in ``directory`` (sorted by model identifier, then benchmark).

    Files that are not DynVision results (other JSON) are skipped; a result
    file that cannot be read is an error naming it.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"results directory {directory} does not exist")
    pattern = "**/*.json" if recursive else "*.json"
    results = []
    for path in sorted(directory.glob(pattern)):
        if path.name.startswith(".") or _SEPARATOR not in path.stem:
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
        if not isinstance(data, dict) or "model_identifier" not in data or "benchmark" not in data:
            continue
        results.append(Result.from_dict(data, path))
    return sorted(results, key=lambda r: (r.model_identifier, r.benchmark))


def find_result(out_dir: PathLike, model_identifier: str, benchmark: str) -> Optional[Result]:
    """The stored result of (model, benchmark) in ``out_dir``, or None."""
    path = result_path(out_dir, model_identifier, benchmark)
    if not path.is_file():
        return None
    result = Result.load(path)
    if result.arrays_file and not path.with_name(result.arrays_file).is_file():
        return None  # incomplete: treat as absent
    return result


# --------------------------------------------------------------------- helpers
def _atomic_write(path: Path, write: Callable[[str], Any]) -> None:
    with atomic_path(path) as tmp:
        write(str(tmp))


def _json_safe(value: Any) -> Any:
    """NaN/inf -> None, numpy scalars -> Python, Paths -> str, tuples -> lists."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "item") and getattr(value, "shape", None) == ():
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def iter_table_rows(results: Iterable[Result]) -> List[Dict[str, str]]:
    """Rows (strings) for tables: benchmark, raw, ceiling, ceiled score, its error bar, layers, time bins."""
    rows = []
    for r in results:
        bins = r.time_bins
        if not bins:
            span = "-"
        elif len(bins) == 1:
            span = f"{bins[0][0]:g}-{bins[0][1]:g} ms"
        else:
            span = f"{len(bins)} bins {bins[0][0]:g}-{bins[-1][1]:g} ms"
        rows.append({
            "model": r.model_identifier,
            "benchmark": r.benchmark,
            "raw": _fmt(r.raw),
            "ceiling": _fmt(r.ceiling),
            "score": _fmt(r.score),
            "error": _fmt(r.score_error),
            "layer": ",".join(r.layers) or "-",
            "time bins": span,
        })
    return rows


def format_table(results: Iterable[Result]) -> str:
    """The plain-text score table ``dynvision score`` prints (one row per benchmark); with results
    of several models, a first column says whose weights each row scored (trained or untrained)."""
    results = list(results)
    rows = iter_table_rows(results)
    header = ["benchmark", "raw", "ceiling", "score", "error", "layer", "time bins"]
    if len({r.model_identifier for r in results}) > 1:
        header.insert(0, "weights")
        for row, result in zip(rows, results):
            row["weights"] = {True: "trained", False: "untrained", None: "?"}[result.trained]
    lines = [header] + [[row[h] for h in header] for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    out.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(out)


def to_frame(results: Iterable[Result]) -> Any:
    """A pandas DataFrame, one row per result: the scalar fields (lists and dicts left out)."""
    import pandas as pd

    rows = []
    for result in results:
        data = result.to_dict()
        row = {k: v for k, v in data.items() if not isinstance(v, (list, dict))}
        row["layers"] = ",".join(result.layers)
        row["n_time_bins"] = len(result.time_bins)
        row["path"] = None if result.path is None else str(result.path)
        rows.append(row)
    return pd.DataFrame(rows)
