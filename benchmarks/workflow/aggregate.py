"""Gather per-run outputs into one table per experiment and one of scores.

Every row carries the run's variant columns (``variant``, ``label``,
``seed``, ``arg.<model argument>``), so a sweep is one ``groupby`` away.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Sequence, Tuple

import pandas as pd

from dynvision.experiments.io import write_atomic

SCORE_KEYS = ("score", "raw", "ceiling", "error")


def _with_variant(frame: pd.DataFrame, row: Mapping[str, Any]) -> pd.DataFrame:
    frame = frame.copy()
    for i, (key, value) in enumerate(row.items()):
        frame.insert(i, key, value)
    return frame


def concat_tables(items: Iterable[Tuple[Mapping[str, Any], Path]]) -> pd.DataFrame:
    """Read each CSV and prepend its run's variant columns."""
    return pd.concat([_with_variant(pd.read_csv(path), row) for row, path in items], ignore_index=True)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False))


def _scalars(data: Mapping[str, Any], prefix: str = "") -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, bool) or value is None or isinstance(value, (int, float, str)):
            out[name] = value
        elif isinstance(value, Mapping) and not prefix:  # one level: e.g. {"settings": {"latency": ...}}
            out.update(_scalars(value, f"{name}."))
    return out


def aggregate_scores(items: Sequence[Tuple[Mapping[str, Any], str, Path]], out: Path) -> pd.DataFrame:
    """``items``: (run row, benchmark name, item record of the comparison) -> ``scores.csv``: the
    scalar fields of each item's result (nested dicts one level deep, lists dropped)."""
    rows = []
    for row, benchmark, record_file in items:
        record = json.loads(Path(record_file).read_text(encoding="utf-8"))
        result_file = Path(record_file).parent.parent / record["result"]
        result = _scalars(json.loads(result_file.read_text(encoding="utf-8")))
        result["benchmark_id"] = result.pop("benchmark", None)  # the result's own id; ours is the name asked for
        rows.append({**row, "benchmark": benchmark, "result_file": str(result_file), **result})
    columns = ["variant", "label", "seed", "benchmark", *SCORE_KEYS]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    write_csv(frame, out)
    return frame
