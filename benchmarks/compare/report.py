"""The comparison report: tables, plots and statistics from a plan's item records and result files.

``write_comparison_report(plan)`` writes, in the plan's ``out`` folder:

- ``report.html``: self-contained (PNG plots embedded as base64), opens from disk;
- ``comparison.csv``: every number in the report, tidy (one value per row);
- ``plots/*.png``: the plots of the page.

Numbers are taken from the per-variant result files (``results/*.json``)
that the item records point to, never recomputed; the CSV keeps full
precision, the page rounds to three decimals.
"""
from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from dynvision.fileio import write_text_atomically

from ..figures import data_uri
from ..results import Result
from .execute import load_record
from .plan import ComparePlan, WorkItem
from .stats import ALPHA, BenchmarkComparison, Spread, compare_variants, spread

TEMPLATE = "template.html.j2"
CSV_COLUMNS = ["benchmark", "variant", "label", "seed", "quantity", "time_bin_start", "time_bin_end", "value",
               "source"]


@dataclass
class Entry:
    """One finished item: its record and result."""

    item: WorkItem
    record: Dict[str, Any]
    result: Result


@dataclass
class BenchmarkData:
    benchmark: str
    entries: Dict[str, Dict[int, Entry]]  # variant -> seed -> entry
    stats: BenchmarkComparison
    bins: List[Tuple[float, float]] = field(default_factory=list)  # time bins when temporal

    @property
    def temporal(self) -> bool:
        return len(self.bins) > 1

    def bin_scores(self, variant: str) -> Dict[int, List[Optional[float]]]:
        """``seed -> [ceiled score per bin]``."""
        return {seed: [b.get("score") for b in entry.result.per_bin]
                for seed, entry in self.entries.get(variant, {}).items()}

    def bin_spreads(self, variant: str) -> List[Spread]:
        per_seed = list(self.bin_scores(variant).values())
        return [spread([values[i] for values in per_seed if i < len(values)]) for i in range(len(self.bins))]


@dataclass
class ComparisonData:
    plan: ComparePlan
    variants: List[str]
    labels: Dict[str, str]
    benchmarks: List[BenchmarkData]
    n_params: Dict[str, Optional[int]]
    accuracy: Dict[str, Spread]  # over seeds (n=0: untrained or unknown)
    accuracy_metric: Optional[str]
    missing: List[str]
    trained: bool

    @property
    def n_items(self) -> int:
        return len(self.plan.items)


def collect(plan: ComparePlan) -> ComparisonData:
    """Read every finished item (record + result file); unfinished ones are listed as missing."""
    entries: List[Entry] = []
    missing: List[str] = []
    for item in plan.items:
        record = load_record(plan, item)
        if record is None:
            missing.append(item.id)
            continue
        entries.append(Entry(item, record, Result.load(Path(plan.out) / record["result"])))
    variants = plan.variants()
    benchmarks = [_benchmark_data(benchmark, entries, variants)
                  for benchmark in dict.fromkeys(item.benchmark for item in plan.items)]
    n_params: Dict[str, Optional[int]] = {}
    accuracy: Dict[str, Spread] = {}
    metric = None
    for variant in variants:
        mine = [e for e in entries if e.item.variant == variant]
        params = sorted({int(e.record["n_params"]) for e in mine if e.record.get("n_params") is not None})
        n_params[variant] = params[0] if params else None
        per_seed = {e.item.seed: e.record.get("accuracy") for e in mine if e.record.get("trained")}
        accuracy[variant] = spread([v for v in per_seed.values() if v is not None])
        metric = metric or next((e.record.get("accuracy_metric") for e in mine if e.record.get("accuracy_metric")),
                                None)
    return ComparisonData(plan=plan, variants=variants, labels=plan.labels(), benchmarks=benchmarks,
                          n_params=n_params, accuracy=accuracy, accuracy_metric=metric, missing=missing,
                          trained=plan.source != "untrained")


def _benchmark_data(benchmark: str, entries: List[Entry], variants: List[str]) -> BenchmarkData:
    """One benchmark's entries by variant and seed, their statistics and (temporal) time bins."""
    by_variant: Dict[str, Dict[int, Entry]] = {}
    for entry in entries:
        if entry.item.benchmark == benchmark:
            by_variant.setdefault(entry.item.variant, {})[entry.item.seed] = entry
    scores = {v: {s: e.result.score for s, e in by_variant.get(v, {}).items()} for v in variants}
    # the bins of the first result of each variant; a temporal benchmark records the same bins for all
    first = [next(iter(seeds.values())).result for seeds in by_variant.values() if seeds]
    temporal = next((result for result in first if result.temporal), None)
    bins: List[Tuple[float, float]] = [] if temporal is None else [
        (b["time_bin_start"], b["time_bin_end"]) for b in temporal.per_bin]
    return BenchmarkData(benchmark, by_variant, compare_variants(scores, benchmark), bins)


# ----------------------------------------------------------------- CSV
def csv_rows(data: ComparisonData) -> List[Dict[str, Any]]:
    """Every number of the report, one per row (see ``CSV_COLUMNS``)."""
    rows: List[Dict[str, Any]] = []

    def add(benchmark, variant, seed, quantity, value, start=None, end=None, source=""):
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            return
        rows.append({"benchmark": benchmark, "variant": variant, "label": data.labels.get(variant, variant),
                     "seed": "" if seed is None else seed, "quantity": quantity,
                     "time_bin_start": "" if start is None else start, "time_bin_end": "" if end is None else end,
                     "value": value, "source": source})

    for bench in data.benchmarks:
        for variant in data.variants:
            _seed_rows(add, data, bench, variant)
            _variant_rows(add, bench, variant)
    for variant in data.variants:
        add("", variant, None, "n_params", data.n_params.get(variant))
        acc = data.accuracy.get(variant)
        if acc is not None and acc.n:
            add("", variant, None, f"{data.accuracy_metric or 'accuracy'}_mean", acc.mean)
            add("", variant, None, f"{data.accuracy_metric or 'accuracy'}_std", acc.std)
    return rows


def _seed_rows(add: Callable[..., None], data: ComparisonData, bench: BenchmarkData, variant: str) -> None:
    """Rows of each seed's result: headline numbers and per-bin scores."""
    for seed, entry in sorted(bench.entries.get(variant, {}).items()):
        result = entry.result
        source = os.path.relpath(result.path, data.plan.out) if result.path else ""
        for quantity in ("score", "raw", "ceiling", "error"):
            add(bench.benchmark, variant, seed, quantity, getattr(result, quantity), source=source)
        for bin_ in result.per_bin if result.temporal else []:
            add(bench.benchmark, variant, seed, "score_per_bin", bin_.get("score"), bin_["time_bin_start"],
                bin_["time_bin_end"], source)


def _variant_rows(add: Callable[..., None], bench: BenchmarkData, variant: str) -> None:
    """Rows of a variant's statistics across seeds and its comparison with the best variant."""
    b = bench.benchmark
    s = bench.stats.spreads.get(variant)
    if s is not None:
        for quantity, value in (("n_seeds", s.n), ("score_mean", s.mean), ("score_std", s.std),
                                ("score_sem", s.sem)):
            add(b, variant, None, quantity, value)
    add(b, variant, None, "best", int(variant == bench.stats.best))
    if bench.temporal:
        for (start, end), bs in zip(bench.bins, bench.bin_spreads(variant)):
            add(b, variant, None, "score_per_bin_mean", bs.mean, start, end)
            add(b, variant, None, "score_per_bin_sem", bs.sem, start, end)
    comparison = bench.stats.comparisons.get(variant)
    if comparison is not None:
        for quantity, value in (("n_paired_seeds", comparison.n), ("difference_from_best", comparison.mean_difference),
                                ("difference_ci95_low", comparison.ci_low), ("difference_ci95_high", comparison.ci_high),
                                ("t", comparison.t), ("p_ttest", comparison.p_ttest), ("p_holm", comparison.p_holm),
                                ("p_wilcoxon", comparison.p_wilcoxon)):
            add(b, variant, None, quantity, value)


def write_csv(rows: List[Dict[str, Any]], path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})
    write_text_atomically(path, buffer.getvalue())
    return path


def read_csv(path: os.PathLike) -> List[Dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# ----------------------------------------------------------------- HTML
def _fmt(value: Optional[float], digits: int = 3) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _p(value: Optional[float]) -> str:
    if value is None:
        return "–"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _count(n: Optional[int]) -> str:
    if n is None:
        return "–"
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if n >= size:
            return f"{n / size:.3g}{suffix}"
    return str(n)


def table_rows(data: ComparisonData, bench: BenchmarkData) -> List[Dict[str, Any]]:
    """The rows of one benchmark's table (strings), best variant first marked."""
    rows = []
    for variant in data.variants:
        s = bench.stats.spreads[variant]
        per_seed = bench.entries.get(variant, {})
        comparison = bench.stats.comparisons.get(variant)
        acc = data.accuracy.get(variant)
        if not data.trained:
            accuracy = "untrained"
        elif acc is None or not acc.n:
            accuracy = "n/a"
        else:
            accuracy = f"{100 * acc.mean:.1f}%" + (f" ± {100 * acc.std:.1f}" if acc.std is not None else "")
        difference = "best" if variant == bench.stats.best else "–"
        if comparison is not None and comparison.mean_difference is not None:
            difference = f"{comparison.mean_difference:+.3f}"
            if comparison.ci_low is not None:
                difference += f" [{comparison.ci_low:+.3f}, {comparison.ci_high:+.3f}]"
        rows.append({
            "variant": data.labels.get(variant, variant), "name": variant, "best": variant == bench.stats.best,
            "n": s.n, "mean": _fmt(s.mean), "std": _fmt(s.std), "sem": _fmt(s.sem),
            "seeds": ", ".join(f"{entry.result.score:.3f}" for _, entry in sorted(per_seed.items())) or "–",
            "params": _count(data.n_params.get(variant)), "accuracy": accuracy, "difference": difference,
            "p_ttest": _p(comparison.p_ttest) if comparison else "",
            "p_holm": _p(comparison.p_holm) if comparison else "",
            "p_wilcoxon": _p(comparison.p_wilcoxon) if comparison else "",
            "verdict": comparison.verdict if comparison else ("best (highest mean)" if s.n else "missing"),
        })
    return rows


def findings(data: ComparisonData, bench: BenchmarkData) -> List[str]:
    """Plain-language statistical summary of one benchmark (shown next to the plot)."""
    best = bench.stats.best
    if best is None:
        return ["no scores yet"]
    label = data.labels.get(best, best)
    s = bench.stats.spreads[best]
    lines = [f"Best: {label} (mean {_fmt(s.mean)} over {s.n} seed{'s' if s.n != 1 else ''})."]
    worse = [c for c in bench.stats.comparisons.values() if c.p_holm is not None and c.p_holm < ALPHA]
    same = [c for c in bench.stats.comparisons.values() if c not in worse]
    if worse:
        lines.append("Reliably below the best (paired t-test, Holm-corrected p < 0.05): "
                     + ", ".join(f"{data.labels.get(c.variant, c.variant)} (−{c.mean_difference:.3f})"
                                 for c in worse) + ".")
    if same:
        lines.append("Not distinguishable from the best across seeds: "
                     + ", ".join(data.labels.get(c.variant, c.variant) for c in same)
                     + ". Their differences may be seed noise.")
    n = min((c.n for c in bench.stats.comparisons.values()), default=s.n)
    if n < 2:
        lines.append("One seed per variant: no test is possible; run with --seeds 3 or more.")
    elif n < 6:
        lines.append(f"With {n} paired seeds the Wilcoxon test cannot go below p = {2 / 2 ** n:.3g}; "
                     "the t-test assumes normal differences. More seeds make the comparison firmer.")
    return lines


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              undefined=jinja2.StrictUndefined)


def context(data: ComparisonData, figures: Dict[str, Optional[bytes]]) -> Dict[str, Any]:

    plan = data.plan
    source = {"train": "trained here (--train)", "checkpoint": f"checkpoints from {plan.checkpoints}",
              "untrained": "UNTRAINED (random initial weights)"}[plan.source]
    return {
        "title": f"{plan.model}: " + " × ".join(plan.vary) if plan.vary else plan.model,
        "plan": plan, "source": source, "untrained": plan.source == "untrained",
        "vary": [(k, ", ".join(str(v) for v in values)) for k, values in plan.vary.items()],
        "seeds": ", ".join(str(s) for s in plan.seeds),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "missing": data.missing, "n_items": data.n_items,
        "accuracy_metric": (data.accuracy_metric or "accuracy").replace("_acc", " accuracy"),
        "benchmarks": [{"name": b.benchmark, "rows": table_rows(data, b), "findings": findings(data, b),
                        "temporal": b.temporal} for b in data.benchmarks],
        "bars": data_uri(figures.get("scores")), "temporal": data_uri(figures.get("temporal")),
        "params": data_uri(figures.get("params")),
        "overrides": " ".join(plan.overrides), "config": plan.config or "packaged default",
        "layers": ", ".join(f"{k}={v}" for k, v in (plan.settings.get("region_layer_map") or {}).items()),
    }


def write_comparison_report(plan: ComparePlan, out: Optional[os.PathLike] = None) -> Dict[str, Path]:
    """Write ``report.html``, ``comparison.csv`` and ``plots/*.png``; returns their paths."""
    from . import plots

    out = Path(out) if out is not None else Path(plan.out)
    data = collect(plan)
    if all(not b.entries for b in data.benchmarks):
        raise FileNotFoundError(f"no finished item in {plan.out}: run the comparison first")
    figures = {"scores": plots.grouped_bars(data), "temporal": plots.temporal_lines(data),
               "params": plots.params_vs_score(data)}
    paths: Dict[str, Path] = {}
    for name, png in figures.items():
        if png is not None:
            path = out / "plots" / f"{name}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(png)
            paths[f"plot_{name}"] = path
    paths["csv"] = write_csv(csv_rows(data), out / "comparison.csv")
    html = _environment().get_template(TEMPLATE).render(**context(data, figures))
    paths["html"] = out / "report.html"
    write_text_atomically(paths["html"], html)
    return paths


__all__ = ["collect", "csv_rows", "read_csv", "write_comparison_report"]
