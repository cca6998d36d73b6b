"""``dynvision report``: one self-contained HTML page (table + plots) from a results folder."""
from __future__ import annotations

import argparse

from dynvision.verbosity import report_error


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report of score results",
        description=("Read every result written by `dynvision score` in RESULTS_DIR and write one self-contained "
                     "HTML page: a table, scores per benchmark with error bars, score over time for temporal "
                     "benchmarks (plots embedded as PNG)."),
    )
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="folder of results (dynvision score --out)")
    parser.add_argument("-o", "--output", default=None, metavar="FILE",
                        help="HTML file to write (default: RESULTS_DIR/report.html)")
    parser.add_argument("--title", default=None, help="page title")
    parser.add_argument("--recursive", action="store_true", help="also read results in sub-folders")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from benchmarks.report import write_report

    output = args.output or str(Path(args.results_dir) / "report.html")
    try:
        path = write_report(args.results_dir, output, title=args.title, recursive=args.recursive)
    except (FileNotFoundError, ValueError) as error:
        return report_error("report", error)
    print(f"report: {path}")
    return 0
