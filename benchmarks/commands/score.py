"""``dynvision score``: score a model on benchmarks with Brain-Score and print a table."""
from __future__ import annotations

import argparse

from benchmarks.latency import parse_latency
from brain_models.flags import add_adapter_arguments, settings_from_args
from dynvision.verbosity import info, progress_enabled, report_error

#: --latency of score and compare: a number of ms, or 'auto'
LATENCY_HELP = ("ms the model lags the recordings (default: 0), or 'auto': fitted over 0-100 ms on held-out "
                "stimuli, the rest scored")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "score",
        help="score a model against neural/behavioural benchmarks (Brain-Score)",
        description=(
            "Score MODEL (a registered name, a checkpoint file, or a model from --model-module) on one or "
            "more benchmarks (`dynvision benchmarks` lists the names; a path to an .nc file scores your own "
            "data). Without --checkpoint or --weights the untrained model is scored. Writes one JSON (+ netCDF) result "
            "per benchmark to --out and reuses results that match the model, its weights, config and settings."
        ),
    )
    parser.add_argument("model", metavar="MODEL", help="registered model name or checkpoint path")
    parser.add_argument("--benchmark", "-b", dest="benchmarks", action="append", required=True, metavar="NAME",
                        help="alias, benchmark identifier or path to a .nc file (repeatable)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--checkpoint", metavar="PATH", help="trained weights (a checkpoint of `dynvision train`)")
    weights.add_argument("--config", metavar="FILE", help="YAML config to build the (untrained) model from")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, e.g. --set model.args.tau=10 (repeatable)")
    parser.add_argument("--model-module", metavar="FILE", help="Python file defining your own model(s)")
    parser.add_argument("--weights", metavar="FILE",
                        help="weights file (a state dict, e.g. published weights) to load into MODEL; recorded by SHA-1")
    parser.add_argument("--data-dir", metavar="DIR", help="folder holding the datasets (cowley2023/, ...); "
                                                          "default $DYNVISION_DATA, then $DYNVISION_HOME/data")
    parser.add_argument("--out", metavar="DIR", default="results", help="results folder (default: results)")
    parser.add_argument("--force", action="store_true", help="re-score even when a matching result exists")
    parser.add_argument("--offline", action="store_true", help="never download data (same as DYNVISION_OFFLINE=1)")
    adapter = add_adapter_arguments(parser, latency_type=parse_latency, latency_help=LATENCY_HELP)
    adapter.add_argument("--select-layers", action="store_true",
                         help="choose a layer for an uncommitted region by scoring every layer on the benchmark")
    adapter.add_argument("--per-layer", action="store_true",
                         help="also score every layer for the benchmark's region (slower)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from dynvision.config import ConfigError
    from dynvision.registry import UnknownNameError

    try:
        from benchmarks.errors import DataNotAvailableError, ScoringError
        from benchmarks.model_source import ModelSource
        from benchmarks.results import format_table
        from benchmarks.runner import ScoreOptions, score_model
        from benchmarks.user_data.layout import UserDataError

        options = settings_from_args(args, ScoreOptions, select_layers=args.select_layers,
                                     per_layer=args.per_layer, progress=not args.no_progress and progress_enabled())
        spec = ModelSource(args.model, checkpoint=args.checkpoint, config=args.config, overrides=args.overrides,
                         model_module=args.model_module, weights=args.weights)
        results = score_model(spec, args.benchmarks, args.out, options=options, data_dir=args.data_dir,
                              offline=True if args.offline else None, force=args.force,
                              log=info)
    except (DataNotAvailableError, UserDataError, UnknownNameError, ConfigError, ScoringError,
            FileNotFoundError, LookupError, ValueError) as error:
        return report_error("score", error)
    print(f"model: {results[0].model_identifier}" + ("" if results[0].trained is not False else "  (UNTRAINED)"))
    print(format_table(results))
    print(f"results: {args.out}/  (dynvision report {args.out} -o report.html)")
    return 0
