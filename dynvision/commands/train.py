"""``dynvision train``: train a model from a YAML config with Lightning."""
from __future__ import annotations

import argparse
from typing import Optional

from dynvision.verbosity import progress_enabled, report_error


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "train",
        help="train a model (Lightning) from a YAML config",
        description=(
            "Train MODEL with the packaged default config (DyRCNNx4 on the offline digits data) "
            "or --config FILE, with --set overrides. Writes the resolved config.yaml, checkpoints "
            "(best + last.ckpt) and CSV logs to the run directory, then tests the best checkpoint."
        ),
    )
    parser.add_argument("model", nargs="?", metavar="MODEL",
                        help="registered model name (default: the config's model.name)")
    parser.add_argument("--config", metavar="FILE", help="YAML config (default: the packaged default.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key, e.g. --set optimizer.args.lr=3e-3 (repeatable)")
    parser.add_argument("--model-module", metavar="FILE",
                        help="Python file defining your own model(s) to import first")
    parser.add_argument("--resume", nargs="?", const="last", metavar="CKPT",
                        help="continue from CKPT, or from last.ckpt in the run directory when no path is given")
    parser.add_argument("--allow-model-change", action="store_true",
                        help="with --resume: continue the checkpoint's weights in a changed model section")
    parser.add_argument("--weights", metavar="FILE",
                        help="initial weights (a state dict) for a new run; same as --set model.weights=FILE")
    parser.add_argument("--out", metavar="DIR", help="run directory (default: <output_dir>/<model name>)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start over in a run directory that already holds checkpoints")
    parser.add_argument("--no-test", action="store_true", help="skip testing the best checkpoint")
    parser.set_defaults(run=run)
    return parser


def _fmt(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def run(args: argparse.Namespace) -> int:
    from dynvision.config import ConfigError, resolve_config
    from dynvision.data import DataError
    from dynvision.loading import CheckpointRefused, ModelSourceError
    from dynvision.registry import UnknownNameError

    try:
        if args.model_module:
            from dynvision.models import load_model_module

            load_model_module(args.model_module)
        overrides = [*args.overrides, *([f"model.weights={args.weights}"] if args.weights else [])]
        config = resolve_config(args.config, args.model, overrides, args.model_module)
        from dynvision.training import train

        quiet = {} if progress_enabled() else {"enable_progress_bar": False, "enable_model_summary": False}
        result = train(config, out=args.out, resume=args.resume, model_module=args.model_module,
                       overwrite=args.overwrite, test=not args.no_test, trainer_kwargs=quiet,
                       allow_model_change=args.allow_model_change)
    except (ConfigError, DataError, UnknownNameError, FileExistsError, FileNotFoundError, LookupError,
            CheckpointRefused, ModelSourceError) as error:
        return report_error("train", error)
    from pytorch_lightning.utilities import rank_zero_only

    if rank_zero_only.rank != 0:  # data-parallel: every process returns here; one reports
        return 0
    print(f"outputs:         {result.output_dir}")
    print(f"config:          {result.config_path}")
    print(f"best checkpoint: {result.best_checkpoint or 'n/a'}")
    print(f"last checkpoint: {result.last_checkpoint or 'n/a'}")
    print(f"logs:            {result.log_dir or 'n/a'}")
    print(f"val accuracy:    {_fmt(result.val_accuracy)}")
    print(f"test accuracy:   {_fmt(result.test_accuracy)}")
    return 0
