"""Standard experiment plots (matplotlib, Agg backend: no display needed)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import pandas as pd

from ..fileio import atomic_path


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _label(metadata: Mapping[str, Any]) -> str:
    unit = metadata.get("unit") or ""
    return f"{metadata.get('parameter', 'condition')}" + (f" ({unit})" if unit else "")


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def plot_timecourses(responses: pd.DataFrame, path: Path, metadata: Mapping[str, Any]) -> Path:
    """Mean response over time, one panel per layer, one line per condition."""
    plt = _pyplot()
    layers = [name for name in responses["layer"].unique() if name != ""] or [""]
    fig, axes = plt.subplots(1, len(layers), figsize=(3.6 * len(layers), 3.0), squeeze=False, sharex=True)
    conditions = sorted(responses["condition"].unique())
    cmap = plt.get_cmap("viridis")
    for ax, layer in zip(axes[0], layers):
        for i, value in enumerate(conditions):
            rows = responses[(responses["layer"] == layer) & (responses["condition"] == value)]
            ax.plot(rows["time_ms"], rows["response"], color=cmap(i / max(1, len(conditions) - 1)), label=f"{value:g}")
        ax.set_title(layer or "(no recorded layer)")
        ax.set_xlabel("time (ms)")
    axes[0][0].set_ylabel("mean response")
    axes[0][-1].legend(title=_label(metadata), fontsize="small", frameon=False)
    fig.suptitle(f"{metadata.get('experiment', '')}: response time courses", y=1.04)
    return _save(fig, path)


def plot_accuracy(summary: pd.DataFrame, path: Path, metadata: Mapping[str, Any]) -> Path:
    """Accuracy (at the last step, and its mean over time) vs condition."""
    plt = _pyplot()
    per_condition = summary.groupby("condition")[["final_accuracy", "mean_accuracy"]].first()
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    ax.plot(per_condition.index, per_condition["final_accuracy"], "o-", label="last step")
    ax.plot(per_condition.index, per_condition["mean_accuracy"], "s--", label="mean over time")
    ax.set_xlabel(_label(metadata))
    ax.set_ylabel("accuracy")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(f"{metadata.get('experiment', '')}: accuracy")
    return _save(fig, path)


def plot_latency(summary: pd.DataFrame, path: Path, metadata: Mapping[str, Any]) -> Path:
    """Peak latency (ms after the first onset) vs condition, one line per layer."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    for layer, rows in summary.groupby("layer", sort=False):
        ax.plot(rows["condition"], rows["peak_latency_ms"], "o-", label=layer or "-")
    ax.set_xlabel(_label(metadata))
    ax.set_ylabel("peak latency (ms)")
    ax.legend(frameon=False, fontsize="small")
    ax.set_title(f"{metadata.get('experiment', '')}: peak latency")
    return _save(fig, path)


def standard_plots(responses: pd.DataFrame, summary: pd.DataFrame, out_dir: os.PathLike,
                   metadata: Optional[Mapping[str, Any]] = None) -> Dict[str, Path]:
    """``timecourses.png``, ``accuracy.png``, ``latency.png`` in ``out_dir``."""
    out, metadata = Path(out_dir), dict(metadata or {})
    out.mkdir(parents=True, exist_ok=True)
    return {
        "plot_timecourses": plot_timecourses(responses, out / "timecourses.png", metadata),
        "plot_accuracy": plot_accuracy(summary, out / "accuracy.png", metadata),
        "plot_latency": plot_latency(summary, out / "latency.png", metadata),
    }
