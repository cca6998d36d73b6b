"""``dynvision train``: train a model from a YAML config with Lightning."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional


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
    parser.add_argument("--out", metavar="DIR", help="run directory (default: <output_dir>/<model name>)")
    parser.add_argument("--overwrite", action="store_true",
                        help="start over in a run directory that already holds checkpoints")
    parser.add_argument("--no-test", action="store_true", help="skip testing the best checkpoint")
    parser.set_defaults(run=run)
    return parser


def resolve_config(config_file: Optional[str], model: Optional[str], overrides: List[str],
                   model_module: Optional[str] = None):
    """The config file (or default) with MODEL and the overrides applied.

    When MODEL replaces the file's model, ``model.args`` the new model does
    not accept are dropped (with a note), so ``dynvision train CorNetRT``
    works with the default config written for DyRCNNx4.
    """
    from dynvision.config import DEFAULT_CONFIG_PATH, apply_overrides, load_config, validate

    base = load_config(config_file)
    source = str(config_file or DEFAULT_CONFIG_PATH)
    data: Dict[str, Any] = base.to_dict()
    if model and model != base.model.name:
        from dynvision.training.model_io import accepted_arguments, resolve_model_class

        accepted, open_ended = accepted_arguments(resolve_model_class(model, model_module))
        if not open_ended:
            dropped = [k for k in data["model"]["args"] if k not in accepted]
            for key in dropped:
                del data["model"]["args"][key]
            if dropped:
                print(f"note: {model} takes no {', '.join(dropped)}; dropped from the model.args "
                      f"of {source} (written for {base.model.name})", file=sys.stderr)
        data["model"]["name"] = model
    sources = apply_overrides(data, overrides)
    return validate(data, source=source, sources=sources)


def _fmt(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def run(args: argparse.Namespace) -> int:
    from dynvision.config import ConfigError
    from dynvision.data import DataError
    from dynvision.registry import UnknownNameError

    try:
        if args.model_module:
            from dynvision.models import load_model_module

            load_model_module(args.model_module)
        config = resolve_config(args.config, args.model, args.overrides, args.model_module)
        from dynvision.training import train

        result = train(config, out=args.out, resume=args.resume, model_module=args.model_module,
                       overwrite=args.overwrite, test=not args.no_test)
    except (ConfigError, DataError, UnknownNameError, FileExistsError, FileNotFoundError, LookupError) as error:
        print(f"dynvision train: error: {error}", file=sys.stderr)
        return 2
    print(f"outputs:         {result.output_dir}")
    print(f"config:          {result.config_path}")
    print(f"best checkpoint: {result.best_checkpoint or 'n/a'}")
    print(f"last checkpoint: {result.last_checkpoint or 'n/a'}")
    print(f"logs:            {result.log_dir or 'n/a'}")
    print(f"val accuracy:    {_fmt(result.val_accuracy)}")
    print(f"test accuracy:   {_fmt(result.test_accuracy)}")
    return 0
