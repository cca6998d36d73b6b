"""The ``dynvision`` command line.

Each sub-command lives in its own module under ``dynvision.commands`` with
``add_parser(subparsers)`` and ``run(args) -> int``; heavy libraries
(Lightning, Brain-Score) are imported inside ``run`` so that every command
starts fast and ``dynvision train`` never imports Brain-Score.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import List, Optional

from . import __version__

#: sub-command modules, in the order ``--help`` lists them
COMMANDS = ("quickstart", "models", "train", "score", "benchmarks", "report", "compare", "register", "experiment", "workflow")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dynvision",
        description="Recurrent vision models with continuous-time dynamics, scored against the brain over time.",
    )
    parser.add_argument("--version", action="version", version=f"dynvision {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"dynvision.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    # Brain-Score's Score class warns about xarray __slots__ on every import; nothing a user can act on
    warnings.filterwarnings("ignore", message="xarray subclass .* should explicitly define __slots__")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `dynvision models | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
