"""Sweep plots (variants compared, mean over seeds) and the HTML report."""
from __future__ import annotations

import html
from pathlib import Path
from typing import List, Mapping, Sequence

import pandas as pd

from dynvision.experiments.io import write_atomic
from dynvision.experiments.plots import _pyplot, _save

#: (summary column, y label, one panel per layer?)
SWEEP_METRICS = (
    ("integrated_response", "integrated response", True),
    ("peak_latency_ms", "peak latency (ms)", True),
    ("final_accuracy", "accuracy at the last step", False),
)


def plot_sweep(summary: pd.DataFrame, column: str, ylabel: str, per_layer: bool, path: Path) -> Path:
    """``column`` vs condition, one line per variant label: the mean over
    seeds, with the seeds' range shaded."""
    plt = _pyplot()
    layers = list(dict.fromkeys(summary["layer"].fillna(""))) if per_layer else [None]
    fig, axes = plt.subplots(1, len(layers), figsize=(3.6 * len(layers), 3.0), squeeze=False)
    for ax, layer in zip(axes[0], layers):
        rows = summary if layer is None else summary[summary["layer"].fillna("") == layer]
        if layer is None:  # behaviour repeats on every layer's row
            rows = rows.drop_duplicates(["variant", "condition"])
        for label, group in rows.groupby("label", sort=False):
            stats = group.groupby("condition")[column].agg(["mean", "min", "max"])
            ax.plot(stats.index, stats["mean"], "o-", label=label)
            ax.fill_between(stats.index, stats["min"], stats["max"], alpha=0.2)
        ax.set_title(layer or "")
        ax.set_xlabel(str(summary["parameter"].iloc[0]))
    axes[0][0].set_ylabel(ylabel)
    axes[0][-1].legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(f"{summary['experiment'].iloc[0]}: {ylabel}", y=1.04)
    return _save(fig, path)


def sweep_plots(summary: pd.DataFrame, out_dir: Path, prefix: str) -> List[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return [plot_sweep(summary, column, label, per_layer, out_dir / f"{prefix}_{column}.png")
            for column, label, per_layer in SWEEP_METRICS]


def plot_scores(scores: pd.DataFrame, path: Path) -> Path:
    """Score per benchmark and variant (mean over seeds, seeds as dots)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * scores["benchmark"].nunique() * scores["label"].nunique()), 3.0))
    benchmarks, labels = list(dict.fromkeys(scores["benchmark"])), list(dict.fromkeys(scores["label"]))
    width = 0.8 / max(1, len(labels))
    for j, label in enumerate(labels):
        for i, benchmark in enumerate(benchmarks):
            values = pd.to_numeric(scores[(scores["label"] == label) & (scores["benchmark"] == benchmark)]["score"],
                                   errors="coerce")
            x = i + (j - (len(labels) - 1) / 2) * width
            ax.bar(x, values.mean(), width, color=f"C{j}", label=label if i == 0 else None)
            ax.plot([x] * len(values), values, "k.", ms=3)
    ax.set_xticks(range(len(benchmarks)), benchmarks)
    ax.set_ylabel("score")
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return _save(fig, path)


_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>DynVision sweep {{ name }}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1200px} table{border-collapse:collapse;font-size:90%}
td,th{border:1px solid #ccc;padding:2px 6px} img{max-width:100%}</style></head><body>
<h1>DynVision sweep: {{ name }}</h1>
<h2>Runs</h2>{{ variants }}
{% if scores %}<h2>Benchmark scores</h2>{% if scores_plot %}<img src="{{ scores_plot }}">{% endif %}{{ scores }}{% endif %}
{% for e in experiments %}<h2>Experiment {{ e.id }}</h2>
<p>Tables: <a href="{{ e.summary }}">summary.csv</a>, <a href="{{ e.responses }}">responses.csv</a></p>
{% for p in e.plots %}<img src="{{ p }}">{% endfor %}{% endfor %}
</body></html>
"""


def write_report(path: Path, name: str, variants: pd.DataFrame, scores: pd.DataFrame,
                 experiments: Sequence[Mapping[str, object]], scores_plot: str = "") -> Path:
    """A self-contained HTML page linking tables and plots (paths relative to it)."""
    import jinja2

    template = jinja2.Environment(autoescape=False).from_string(_TEMPLATE)
    text = template.render(
        name=html.escape(name),
        variants=variants.to_html(index=False, escape=True),
        scores=scores.to_html(index=False, escape=True, na_rep="") if len(scores) else "",
        scores_plot=scores_plot, experiments=experiments,
    )
    return write_atomic(path, lambda tmp: tmp.write_text(text))
