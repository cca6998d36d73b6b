"""Atomic writes of experiment results (temp file in the same folder, then
rename), so an interrupted run never leaves a half-written table."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict

from ..fileio import PathLike, atomic_path


def write_atomic(path: PathLike, writer: Callable[[Path], Any]) -> Path:
    """``writer(tmp_path)`` then rename onto ``path``."""
    with atomic_path(path) as tmp:
        writer(tmp)
    return Path(path)


def write_json(path: PathLike, data: Any) -> Path:
    return write_atomic(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str) + "\n"))


def save_result(result, out_dir: PathLike, plots: bool = True) -> Dict[str, Path]:
    """Write ``responses.csv``, ``responses.nc``, ``summary.csv``,
    ``experiment.json`` and (``plots``) ``plots/*.png`` under ``out_dir``.

    ``experiment.json`` is written last: its presence marks a finished result.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: Dict[str, Path] = {
        "responses_csv": write_atomic(out / "responses.csv", lambda p: result.responses.to_csv(p, index=False)),
        "responses_nc": write_atomic(out / "responses.nc", lambda p: result.to_xarray().to_netcdf(p)),
        "summary_csv": write_atomic(out / "summary.csv", lambda p: result.summary.to_csv(p, index=False)),
    }
    if plots:
        from .plots import standard_plots

        paths.update(standard_plots(result.responses, result.summary, out / "plots", result.metadata))
    paths["metadata"] = write_json(out / "experiment.json", result.metadata)
    return paths
