"""Compare model variants across seeds and benchmarks: the engine behind ``dynvision compare``.

>>> from benchmarks.compare import parse_vary, build_plan, run_plan, write_comparison_report
>>> plan = build_plan("DyRCNNx4", parse_vary(["recurrence_type=self,full"]), ["synthetic"], "compare/",
...                   seeds=[0, 1, 2], source="train")                       # doctest: +SKIP
>>> plan.save(); run_plan(plan); write_comparison_report(plan)             # doctest: +SKIP

- :mod:`.grid`: ``--vary`` flags -> variants (their product);
- :mod:`.plan`: the explicit work list (runs: variant x seed; items: run x benchmark),
  ``plan.json``, checkpoint matching; the one plan format, also run by the Snakemake
  workflow (:mod:`benchmarks.workflow`);
- :mod:`.execute`: one item after another, reusing finished trainings and scores
  (an interrupted comparison resumes);
- :mod:`.stats`: spread over seeds, paired tests against the best variant;
- :mod:`.report`, :mod:`.plots`: the HTML report and ``comparison.csv``.
"""
from .execute import RunSummary, load_record, record_path, run_plan, score_options, train_runs
from .grid import GridError, Variant, make_grid, parse_seeds, parse_vary
from .plan import ComparePlan, PlanError, Run, WorkItem, build_plan, match_checkpoints
from .report import collect, csv_rows, read_csv, write_comparison_report
from .stats import compare_variants, holm, paired_comparison, spread

__all__ = [
    "ComparePlan", "GridError", "PlanError", "Run", "RunSummary", "Variant", "WorkItem", "build_plan", "collect",
    "compare_variants", "csv_rows", "holm", "load_record", "make_grid", "match_checkpoints", "paired_comparison",
    "parse_seeds", "parse_vary", "read_csv", "record_path", "run_plan", "score_options", "spread", "train_runs",
    "write_comparison_report",
]
