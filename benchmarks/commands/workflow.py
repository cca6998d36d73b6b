"""``dynvision workflow``: the packaged Snakemake workflow.

- ``dynvision workflow path`` prints the Snakefile (``--profile slurm``: the
  SLURM profile folder; ``--config``: the default workflow config);
- ``dynvision workflow run [--slurm] [SNAKEMAKE ARGS...]`` runs snakemake
  with it (``--cores all`` unless cores, jobs, a profile or a dry run is given);
- ``dynvision workflow init [DIR]`` writes a ``Snakefile`` that includes the
  packaged one and an editable ``config.yaml``, so that plain
  ``snakemake --cores all --config model_name=MyModel experiment=contrast`` works in DIR.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

from dynvision.verbosity import report_error

#: snakemake options that already say how many jobs may run (or that nothing runs)
_SCHEDULING = ("--cores", "-c", "--jobs", "-j", "--profile", "--workflow-profile", "-n", "--dry-run",
               "--dryrun", "--executor", "-e", "--help", "-h", "--version", "--list-rules", "-l")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "workflow",
        help="the Snakemake workflow: train variants -> score -> experiments -> report (or run a `dynvision compare` plan)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="workflow_action", metavar="ACTION")
    path = actions.add_parser("path", help="print the path of the packaged Snakefile (or profile/config)")
    which = path.add_mutually_exclusive_group()
    which.add_argument("--profile", metavar="NAME", help="print a packaged profile folder instead (e.g. slurm)")
    which.add_argument("--config", action="store_true", help="print the default workflow config instead")
    # '+' prefix: every '-' option goes to snakemake untouched
    run = actions.add_parser(
        "run", prefix_chars="+", add_help=False,
        help="run snakemake with the packaged Snakefile: dynvision workflow run [--slurm] [SNAKEMAKE ARGS]",
    )
    run.add_argument("snakemake_args", nargs=argparse.REMAINDER)
    init = actions.add_parser("init", help="write a Snakefile (including the packaged one) and config.yaml to DIR")
    init.add_argument("directory", nargs="?", default=".", metavar="DIR")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(run=run_command, workflow_parser=parser)
    return parser


def snakemake_command(args: List[str]) -> List[str]:
    """The snakemake command line for ``dynvision workflow run ARGS``."""
    from benchmarks.workflow import SNAKEFILE, profile_path

    args = list(args)
    extra: List[str] = []
    if "--slurm" in args:
        args.remove("--slurm")
        extra += ["--profile", str(profile_path("slurm"))]
    has_scheduling = extra or any(a.split("=", 1)[0] in _SCHEDULING or
                                  (a.startswith("-c") and a[2:].isdigit()) for a in args)
    if not has_scheduling:
        extra += ["--cores", "all"]
    return [sys.executable, "-m", "snakemake", "--snakefile", str(SNAKEFILE), *extra, *args]


def _init(directory: Path, force: bool) -> int:
    from benchmarks.workflow import DEFAULT_CONFIG, SNAKEFILE

    directory.mkdir(parents=True, exist_ok=True)
    snakefile, config = directory / "Snakefile", directory / "config.yaml"
    existing = [str(p) for p in (snakefile, config) if p.exists()]
    if existing and not force:
        print(f"dynvision workflow init: error: {', '.join(existing)} exist(s); pass --force to overwrite",
              file=sys.stderr)
        return 2
    snakefile.write_text(
        "# DynVision workflow: edit config.yaml, then run\n"
        "#   snakemake --cores all                     (or --config model_name=MyModel experiment=contrast)\n"
        'configfile: "config.yaml"\n'
        f'include: "{SNAKEFILE}"\n'
    )
    shutil.copyfile(DEFAULT_CONFIG, config)
    print(f"wrote {snakefile} and {config}")
    return 0


def run_command(args: argparse.Namespace) -> int:
    from benchmarks.workflow import DEFAULT_CONFIG, SNAKEFILE, profile_path

    action = getattr(args, "workflow_action", None)
    if action == "path":
        if args.profile:
            try:
                print(profile_path(args.profile))
            except ValueError as error:
                return report_error("workflow path", error)
        else:
            print(DEFAULT_CONFIG if args.config else SNAKEFILE)
        return 0
    if action == "init":
        return _init(Path(args.directory), args.force)
    if action == "run":
        import importlib.util

        if importlib.util.find_spec("snakemake") is None:
            print("dynvision workflow run: error: snakemake is not installed; "
                  "pip install 'dynvision[workflow]' (or 'dynvision[slurm]' for clusters)", file=sys.stderr)
            return 2
        command = snakemake_command(args.snakemake_args)
        return subprocess.call(command)
    args.workflow_parser.print_help()
    return 0
