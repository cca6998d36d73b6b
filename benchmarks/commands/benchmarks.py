"""``dynvision benchmarks``: every benchmark name ``dynvision score`` accepts, and whether its data is here."""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict, List

from dynvision.verbosity import report_error


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "benchmarks",
        help="list the benchmark names `dynvision score` accepts",
        description=("List aliases and this project's benchmarks with whether their data is on this machine "
                     "now (never downloads). Any exact Brain-Score benchmark identifier is accepted too "
                     "(--all lists them), and so is a path to your own .nc data file."),
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these names (default: aliases and ours)")
    parser.add_argument("--all", action="store_true", help="also list every Brain-Score identifier (no data check)")
    parser.add_argument("--no-check", action="store_true", help="skip the data check")
    parser.add_argument("--data-dir", metavar="DIR", help="folder holding the datasets (as for `dynvision score`)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)
    return parser


def rows(names: List[str], check: bool, data_dir: Any = None, include_brainscore: bool = False) -> List[Dict[str, Any]]:
    """One dict per listed name: name, kind, identifiers, description, available, reason."""
    from pathlib import Path

    from benchmarks import catalog
    from benchmarks.brainscore_env import prepare_environment

    prepare_environment()
    options = catalog.LoadOptions(data_dir=None if data_dir is None else Path(data_dir), offline=True)
    entries = catalog.entries()
    if names:
        by_name = {entry.name: entry for entry in entries}
        selected = []
        for name in names:
            identifiers = catalog.resolve(name)  # raises with a suggestion for a misspelling
            entry = by_name.get(name) or by_name.get(name.lower())
            selected.append(entry or catalog.CatalogEntry(name, "path" if name not in catalog.brainscore_ids()
                                                          else "brainscore", tuple(identifiers)))
        entries = selected
    elif not include_brainscore:
        entries = [entry for entry in entries if entry.kind != "brainscore"]
    out = []
    for entry in entries:
        row: Dict[str, Any] = {"name": entry.name, "kind": entry.kind, "identifiers": list(entry.identifiers),
                               "description": entry.description, "available": None, "reason": ""}
        if check and (entry.kind != "brainscore" or names):
            try:
                row["available"], row["reason"] = catalog.data_available(entry.name, options)
            except Exception as error:  # one broken check must not hide the rest
                row["available"], row["reason"] = False, f"{type(error).__name__}: {error}"
        out.append(row)
    return out


def _table(listing: List[Dict[str, Any]]) -> str:
    def mark(value):
        return "-" if value is None else ("yes" if value else "no")

    lines = [["name", "kind", "data here", "expands to / description"]]
    for row in listing:
        expands = ", ".join(row["identifiers"]) if row["identifiers"] != [row["name"]] else ""
        text = " | ".join(part for part in (expands, row["description"]) if part)
        lines.append([row["name"], row["kind"], mark(row["available"]), text])
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(line[:3], widths)) + "  " + line[3] for line in lines]
    missing = [row for row in listing if row["available"] is False]
    if missing:
        out.append("")
        out.append("data not here:")
        for row in missing:
            lines_ = [line.strip() for line in row["reason"].strip().splitlines()]
            first = " ".join(lines_[:2]) if lines_ and lines_[0].endswith(":") else (lines_ or [""])[0]
            out.append(f"  {row['name']}: {first}")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from dynvision.registry import UnknownNameError

    try:
        listing = rows(args.names, check=not args.no_check, data_dir=args.data_dir, include_brainscore=args.all)
    except (UnknownNameError, FileNotFoundError) as error:
        return report_error("benchmarks", error)
    if args.json:
        print(json.dumps(listing, indent=2))
        return 0
    print(_table(listing))
    from benchmarks import catalog
    print(f"\nAlso accepted: any of the {len(catalog.brainscore_ids())} Brain-Score benchmark identifiers, exactly "
          "as Brain-Score spells them (e.g. MajajHong2015public.IT-pls; `dynvision benchmarks --all` lists them), "
          "and a path to your own data: `--benchmark path/to/assembly.nc` (docs/scoring.md).")
    return 0
