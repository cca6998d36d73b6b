"""Render results into one self-contained HTML page (jinja2 template + embedded PNGs)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from dynvision.fileio import write_text_atomically

from ..figures import data_uri
from ..results import Result, iter_table_rows, load_results
from ..summary import summary_sentences
from . import plots

TEMPLATE = "template.html.j2"


def _environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
                              autoescape=jinja2.select_autoescape(["html", "j2"]),
                              undefined=jinja2.StrictUndefined)


def context(results: Sequence[Result], title: Optional[str] = None, source: Optional[str] = None) -> Dict[str, Any]:
    """Everything the template shows."""
    results = list(results)
    figures: List[Dict[str, str]] = []
    if results:
        figures.append({"title": "Score per benchmark", "src": data_uri(plots.bar_plot(results)),
                        "alt": "Bar chart: the ceiled score of each model on each benchmark, with error bars.",
                        "caption": "Ceiled score (the benchmark's headline number) for each model. Error bars: "
                                   "Brain-Score's standard error over cross-validation splits, propagated to the "
                                   "ceiled score (2·r·SE/ceiling for r²/ceiling scores)."})
        temporal = plots.temporal_plot(results)
        if temporal is not None:
            figures.append({"title": "Score over time", "src": data_uri(temporal),
                            "alt": "Line plots: ceiled score (top) and raw score with the ceiling (bottom) of each "
                                   "model in each time bin after stimulus onset.",
                            "caption": "Temporal benchmarks: ceiled score (top) and raw score with the per-bin "
                                       "ceiling (bottom, dashed) in each time bin after stimulus onset."})
        layers = plots.layer_plot(results)
        if layers is not None:
            figures.append({"title": "Score per layer", "src": data_uri(layers),
                            "alt": "Line plot: the ceiled score when each layer in turn is committed to the "
                                   "benchmark's region.",
                            "caption": "Benchmarks scored with --per-layer: each layer committed to the region in turn."})
    rows = iter_table_rows(results)
    for row, result in zip(rows, results):
        row["trained"] = {True: "yes", False: "UNTRAINED", None: "?"}[result.trained]
        row["date"] = (result.date or "")[:16].replace("T", " ")
        row["config_hash"] = result.config_hash or "-"
        row["weights_hash"] = result.weights_hash or "-"
        row["checkpoint"] = result.checkpoint or "-"
        row["file"] = result.path.name if result.path else "-"
        row["seconds"] = f"{result.timings.get('total', 0):.0f}" if result.timings else "-"
    notes = sorted({f"{r.model_identifier}: {note}" for r in results for note in r.notes})
    versions = sorted({", ".join(f"{k} {v}" for k, v in r.versions.items()) for r in results if r.versions})
    return {
        "title": title or "DynVision scores",
        "source": source,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "summary": summary_sentences(results),
        "rows": rows,
        "figures": figures,
        "notes": notes,
        "versions": versions,
        "n_models": len({r.model_identifier for r in results}),
        "n_benchmarks": len({r.benchmark for r in results}),
    }


def render_report(results: Sequence[Result], title: Optional[str] = None, source: Optional[str] = None) -> str:
    return _environment().get_template(TEMPLATE).render(**context(results, title, source))


def write_report(results_dir, output, title: Optional[str] = None, recursive: bool = False) -> Path:
    results = load_results(results_dir, recursive=recursive)
    if not results:
        raise FileNotFoundError(f"no DynVision results (<model>__<benchmark>.json) in {results_dir}; "
                                "run `dynvision score MODEL --benchmark NAME --out DIR` first")
    html = render_report(results, title=title, source=str(results_dir))
    return write_text_atomically(Path(output), html)
