"""Plots of a comparison (PNG bytes), built with the reports' shared figure helpers."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, List, Optional

from ..figures import COLORS, new_figure, png_bytes, short_label

if TYPE_CHECKING:  # pragma: no cover
    from .report import ComparisonData


def _nan(value: Optional[float]) -> float:
    return math.nan if value is None else value


def grouped_bars(data: "ComparisonData") -> bytes:
    """Seed-mean ceiled score per benchmark (groups) and variant (bars); error bars: SEM across
    seeds; dots: the seeds; a star over each benchmark's best variant."""
    variants, benchmarks = data.variants, data.benchmarks
    width = 0.8 / max(len(variants), 1)
    figure = new_figure(max(5.0, 1.6 + 0.45 * len(benchmarks) * len(variants)), 3.8)
    axes = figure.add_subplot(1, 1, 1)
    tops: List[float] = [0.05]
    bottoms: List[float] = [0.0]
    for v, variant in enumerate(variants):
        color = COLORS[v % len(COLORS)]
        xs, ys, errs = [], [], []
        for b, bench in enumerate(benchmarks):
            s = bench.stats.spreads.get(variant)
            if s is None or s.mean is None:
                continue
            x = b - 0.4 + width * (v + 0.5)
            xs.append(x)
            ys.append(s.mean)
            errs.append(s.sem or 0.0)
            seeds = [e.result.score for e in bench.entries.get(variant, {}).values()]
            axes.scatter([x] * len(seeds), seeds, s=9, color="black", zorder=3, linewidths=0)
            tops.append(max(seeds + [s.mean + (s.sem or 0)]))
            bottoms.append(min(seeds + [s.mean - (s.sem or 0)]))
            if variant == bench.stats.best:
                axes.annotate("★", (x, max(seeds + [s.mean + (s.sem or 0)])), xytext=(0, 2), textcoords="offset points",
                              ha="center", va="bottom", fontsize=11, color="#c80")
        axes.bar(xs, ys, width=width * 0.92, yerr=errs, capsize=3, color=color, edgecolor="black", linewidth=0.4,
                 label=short_label(data.labels.get(variant, variant), 40), error_kw={"linewidth": 0.8})
    axes.set_xticks(range(len(benchmarks)))
    axes.set_xticklabels([short_label(b.benchmark) for b in benchmarks], fontsize=8,
                         rotation=15 if len(benchmarks) > 2 else 0)
    axes.axhline(0, color="black", linewidth=0.6)
    span = max(tops) - min(bottoms)
    axes.set_ylim(min(0.0, min(bottoms) - 0.05 * span), max(tops) + 0.15 * span)
    axes.set_ylabel("ceiled score (mean over seeds)")
    axes.set_title(f"{data.plan.model}: error bars SEM over seeds, dots = seeds, ★ = best", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0),
                title=", ".join(data.plan.vary) or None, title_fontsize=7)
    return png_bytes(figure)


def temporal_lines(data: "ComparisonData") -> Optional[bytes]:
    """Seed-mean ceiled score per time bin, one line per variant (band: SEM over seeds), one panel
    per temporal benchmark; None without temporal benchmarks."""
    temporal = [b for b in data.benchmarks if b.temporal]
    if not temporal:
        return None
    figure = new_figure(max(5.0, 4.4 * len(temporal)), 3.4)
    for p, bench in enumerate(temporal):
        axes = figure.add_subplot(1, len(temporal), p + 1)
        centers = [(start + end) / 2 for start, end in bench.bins]
        for v, variant in enumerate(data.variants):
            spreads = bench.bin_spreads(variant)
            if not any(s.n for s in spreads):
                continue
            color = COLORS[v % len(COLORS)]
            means = [_nan(s.mean) for s in spreads]
            sems = [0.0 if s.sem is None else s.sem for s in spreads]
            axes.plot(centers, means, marker="o", markersize=3, color=color,
                      label=short_label(data.labels.get(variant, variant), 40),
                      linewidth=2.0 if variant == bench.stats.best else 1.2)
            axes.fill_between(centers, [m - e for m, e in zip(means, sems)], [m + e for m, e in zip(means, sems)],
                              color=color, alpha=0.15, linewidth=0)
        axes.axhline(0, color="black", linewidth=0.5)
        axes.set_title(short_label(bench.benchmark, 48), fontsize=9)
        axes.set_xlabel("time after stimulus onset (ms, bin centre)")
        axes.set_ylabel("ceiled score (mean ± SEM over seeds)")
        axes.spines[["top", "right"]].set_visible(False)
        if p == len(temporal) - 1:
            axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)


def params_vs_score(data: "ComparisonData") -> Optional[bytes]:
    """Parameter count (x) against seed-mean score (y, ± SEM), one panel per benchmark."""
    if not any(data.n_params.get(v) for v in data.variants):
        return None
    benchmarks = data.benchmarks
    figure = new_figure(max(4.6, 3.6 * len(benchmarks)), 3.2)
    counts = [data.n_params[v] for v in data.variants if data.n_params.get(v)]
    for p, bench in enumerate(benchmarks):
        axes = figure.add_subplot(1, len(benchmarks), p + 1)
        for v, variant in enumerate(data.variants):
            s, n = bench.stats.spreads.get(variant), data.n_params.get(variant)
            if s is None or s.mean is None or not n:
                continue
            axes.errorbar([n], [s.mean], yerr=[s.sem or 0.0], fmt="o", color=COLORS[v % len(COLORS)],
                          capsize=3, markersize=6 if variant == bench.stats.best else 4,
                          label=short_label(data.labels.get(variant, variant), 40))
        if max(counts) > 10 * min(counts):
            axes.set_xscale("log")
        axes.set_xlabel("parameters")
        axes.set_ylabel("ceiled score (mean ± SEM)")
        axes.set_title(short_label(bench.benchmark, 48), fontsize=9)
        axes.spines[["top", "right"]].set_visible(False)
        if p == len(benchmarks) - 1:
            axes.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return png_bytes(figure)
