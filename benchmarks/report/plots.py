"""Plots of score results as PNG bytes (matplotlib's Agg canvas; no pyplot, no global state)."""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence

from ..figures import COLORS, new_figure, png_bytes, short_label
from ..results import Result


def bar_plot(results: Sequence[Result]) -> bytes:
    """Ceiled score per benchmark (groups), one bar per model, error bars where known."""
    benchmarks = list(dict.fromkeys(r.benchmark for r in results))
    models = list(dict.fromkeys(r.model_identifier for r in results))
    lookup: Dict[tuple, Result] = {(r.model_identifier, r.benchmark): r for r in results}
    width = 0.8 / max(len(models), 1)
    figure = new_figure(max(4.5, 1.2 + 1.1 * len(benchmarks) * max(1, len(models)) ** 0.5), 3.6)
    axes = figure.add_subplot(1, 1, 1)
    for m, model in enumerate(models):
        xs, ys, errs = [], [], []
        for b, benchmark in enumerate(benchmarks):
            result = lookup.get((model, benchmark))
            if result is None:
                continue
            xs.append(b - 0.4 + width * (m + 0.5))
            ys.append(result.score)
            error = result.score_error
            errs.append(0.0 if error is None else error)
        axes.bar(xs, ys, width=width * 0.92, yerr=errs, capsize=3, color=COLORS[m % len(COLORS)],
                 label=short_label(model, 48), edgecolor="black", linewidth=0.4)
    axes.set_xticks(range(len(benchmarks)))
    axes.set_xticklabels([short_label(b) for b in benchmarks], rotation=20 if len(benchmarks) > 2 else 0, ha="right"
                         if len(benchmarks) > 2 else "center", fontsize=8)
    axes.set_ylabel("ceiled score")
    axes.axhline(0, color="black", linewidth=0.6)
    top = max([r.score + (r.score_error or 0) for r in results] + [0.05])
    axes.set_ylim(min(0.0, min(r.score for r in results) * 1.1), max(0.1, top * 1.15))
    axes.set_title("score per benchmark (error bars: Brain-Score's standard error)", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    if len(models) > 1 or models:
        axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)


def temporal_plot(results: Sequence[Result]) -> Optional[bytes]:
    """Ceiled score over time bins, one panel per temporal benchmark, one line per model; the
    raw score on a second row. None when no result has several bins."""
    temporal = [r for r in results if r.temporal]
    if not temporal:
        return None
    benchmarks = list(dict.fromkeys(r.benchmark for r in temporal))
    models = list(dict.fromkeys(r.model_identifier for r in results))
    columns = len(benchmarks)
    figure = new_figure(max(4.8, 4.2 * columns), 5.2)
    for b, benchmark in enumerate(benchmarks):
        top = figure.add_subplot(2, columns, b + 1)
        bottom = figure.add_subplot(2, columns, columns + b + 1, sharex=top)
        for result in [r for r in temporal if r.benchmark == benchmark]:
            color = COLORS[models.index(result.model_identifier) % len(COLORS)]
            centers = [(bin_["time_bin_start"] + bin_["time_bin_end"]) / 2 for bin_ in result.per_bin]
            scores = [math.nan if bin_["score"] is None else bin_["score"] for bin_ in result.per_bin]
            raws = [math.nan if bin_["raw"] is None else bin_["raw"] for bin_ in result.per_bin]
            top.plot(centers, scores, marker="o", markersize=3, color=color, label=short_label(result.model_identifier, 48))
            negative = [(c, v) for c, v, bin_ in zip(centers, scores, result.per_bin) if bin_.get("negative_r")]
            if negative:  # bins with r < 0: Brain-Score's r**2/ceiling credits them; flagged
                top.scatter(*zip(*negative), marker="x", s=36, color="red", zorder=3,
                            label="r < 0" if result is temporal[0] else None)
            bottom.plot(centers, raws, marker="o", markersize=3, color=color)
            ceilings = [bin_["ceiling"] for bin_ in result.per_bin]
            if all(c is not None for c in ceilings):
                bottom.plot(centers, ceilings, linestyle="--", color="gray", linewidth=1,
                            label="ceiling" if result is temporal[0] else None)
        top.set_title(short_label(benchmark, 48), fontsize=9)
        top.set_ylabel("ceiled score")
        bottom.set_ylabel("raw score / ceiling")
        bottom.set_xlabel("time after stimulus onset (ms, bin centre)")
        for axes in (top, bottom):
            axes.axhline(0, color="black", linewidth=0.5)
            axes.spines[["top", "right"]].set_visible(False)
        if b == columns - 1:
            top.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
            bottom.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)


def layer_plot(results: Sequence[Result]) -> Optional[bytes]:
    """Score of every layer for benchmarks scored with ``--per-layer``; None when there are none."""
    layered = [r for r in results if len(r.per_layer) > 1]
    if not layered:
        return None
    figure = new_figure(max(4.8, 1.0 + 1.0 * max(len(r.per_layer) for r in layered)), 3.4)
    axes = figure.add_subplot(1, 1, 1)
    for i, result in enumerate(layered):
        layers: List[str] = list(result.per_layer)
        values = [math.nan if result.per_layer[k] is None else result.per_layer[k] for k in layers]
        axes.plot(range(len(layers)), values, marker="o", color=COLORS[i % len(COLORS)],
                  label=short_label(f"{result.model_identifier} / {result.benchmark}", 60))
        axes.set_xticks(range(len(layers)))
        axes.set_xticklabels(layers, fontsize=8)
    axes.set_ylabel("ceiled score")
    axes.set_xlabel("layer committed to the benchmark's region")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)
