"""The ``dynvision`` command line: the top layer, above all three packages.

Each sub-command is a module with ``add_parser(subparsers)`` and
``run(args) -> int`` that lives beside the package whose job it is: the
core's commands in ``dynvision.commands``, ``register`` in
``brain_models.commands``, scoring and reporting in ``benchmarks.commands``.
:data:`COMMANDS` names them by module path (so the editable install needs no
entry-point metadata). Heavy libraries (Lightning, Brain-Score) are imported
inside ``run`` and the packages import lazily, so every command starts fast
and ``dynvision train`` never imports Brain-Score.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from typing import Dict, List, Optional

from . import __version__
from .verbosity import level_from_flags, report_error, set_verbosity

#: sub-command name -> the module defining it, in the order ``--help`` lists them
COMMANDS: Dict[str, str] = {
    "quickstart": "benchmarks.commands.quickstart",
    "models": "dynvision.commands.models",
    "train": "dynvision.commands.train",
    "score": "benchmarks.commands.score",
    "benchmarks": "benchmarks.commands.benchmarks",
    "report": "benchmarks.commands.report",
    "compare": "benchmarks.commands.compare",
    "register": "brain_models.commands.register",
    "experiment": "dynvision.commands.experiment",
    "workflow": "benchmarks.commands.workflow",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dynvision",
        description="Recurrent vision models with continuous-time dynamics, scored against the brain over time.",
    )
    parser.add_argument("--version", action="version", version=f"dynvision {__version__}")
    add_output_arguments(parser, top_level=True)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(subparsers)
    for command in _subcommands(parser):  # every command takes them, before or after its name
        if "-" in command.prefix_chars:  # not a parser that passes its options through to another tool
            add_output_arguments(command, top_level=False)
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> List[argparse.ArgumentParser]:
    """Every parser below ``parser`` (``workflow run`` too), each once."""
    found: Dict[int, argparse.ArgumentParser] = {}
    for action in parser._actions:  # argparse keeps its sub-parsers only here
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                for each in [sub, *_subcommands(sub)]:
                    found.setdefault(id(each), each)
    return list(found.values())


def add_output_arguments(parser: argparse.ArgumentParser, top_level: bool) -> None:
    """``-q/--quiet``, ``-v/--verbose`` and ``--debug``; a sub-command's copies
    default to SUPPRESS so that ``dynvision -v train`` keeps the top level's value."""
    default = False if top_level else argparse.SUPPRESS
    group = parser.add_argument_group("output")
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="print only results, warnings and errors (no progress)")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="print details too, and the traceback of an error")
    group.add_argument("--debug", action="store_true", default=default,
                       help="show the traceback of an error (otherwise one line)")


def main(argv: Optional[List[str]] = None) -> int:
    # Brain-Score's Score class warns about xarray __slots__ on every import; nothing a user can act on
    warnings.filterwarnings("ignore", message="xarray subclass .* should explicitly define __slots__")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        set_verbosity(level_from_flags(args.quiet, args.verbose), tracebacks=args.debug or args.verbose)
    except ValueError as error:
        parser.error(str(error))
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    from .signals import Terminated, raise_on_sigterm

    try:
        with raise_on_sigterm():
            return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Terminated as terminated:
        print(f"terminated: {terminated}", file=sys.stderr)
        return terminated.exit_code
    except BrokenPipeError:  # e.g. `dynvision models | head`
        sys.stderr.close()
        return 0
    except Exception as error:
        return report_error(args.command, error)


if __name__ == "__main__":
    sys.exit(main())
