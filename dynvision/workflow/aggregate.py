"""Gather per-run outputs into one table per experiment and one of scores.

Every row carries the run's variant columns (``variant``, ``label``,
``seed``, ``arg.<model argument>``), so a sweep is one ``groupby`` away.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import pandas as pd

from dynvision.experiments.io import write_atomic

SCORE_KEYS = ("score", "ceiled_score", "raw_score", "ceiling", "error")


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
        elif isinstance(value, Mapping) and not prefix:  # one level: e.g. {"ceiling": {"value": ...}}
            out.update(_scalars(value, f"{name}."))
    return out


def score_rows(result_dir: Path) -> List[Dict[str, Any]]:
    """The scalar fields of every result JSON written by ``dynvision score``
    into ``result_dir`` (nested dicts one level deep, lists dropped)."""
    rows = []
    for path in sorted(Path(result_dir).rglob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        records = data if isinstance(data, list) else [data]
        for record in records:
            if isinstance(record, Mapping):
                rows.append({"result_file": str(path), **_scalars(record)})
    return rows


def aggregate_scores(items: Sequence[Tuple[Mapping[str, Any], str, Path]], out: Path) -> pd.DataFrame:
    """``items``: (variant row, benchmark, result dir) -> ``scores.csv``."""
    rows = []
    for row, benchmark, result_dir in items:
        found = score_rows(result_dir)
        if not found:
            found = [{"result_file": None, "score": math.nan}]
        for r in found:
            if "benchmark" in r:  # the result's own benchmark id; ours is the name the sweep asked for
                r["benchmark_id"] = r.pop("benchmark")
            rows.append({**row, "benchmark": benchmark, **r})
    columns = ["variant", "label", "seed", "benchmark", *SCORE_KEYS]
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
    write_csv(frame, out)
    return frame
