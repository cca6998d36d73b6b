"""``dynvision experiment``: run a temporal stimulus protocol on a model."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

from dynvision import arguments
from dynvision.verbosity import report_error


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "experiment",
        help="run a temporal stimulus protocol (response, duration, contrast, interval, noise)",
        description=(
            "Show images from the model's data under a protocol's schedule (in ms), record every layer "
            "and the classifier over time, and write responses.csv/.nc, summary.csv, experiment.json "
            "and plots/ to --out. The model is a trained --checkpoint or, untrained, a registered MODEL."
        ),
    )
    parser.add_argument("name", nargs="?", metavar="EXPERIMENT", help="protocol name (see --list)")
    parser.add_argument("model", nargs="?", metavar="MODEL", help="registered model name (untrained) instead of --checkpoint")
    parser.add_argument("--checkpoint", metavar="CKPT", help="checkpoint written by dynvision train")
    parser.add_argument("--model-module", metavar="FILE", help="Python file defining your own model(s)")
    parser.add_argument("--weights", metavar="FILE", help="weights file (a state dict) for MODEL")
    parser.add_argument("--config", metavar="FILE", help="YAML config for an untrained MODEL (default: packaged)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a key of the model's config, e.g. --set data.image_size=32 (repeatable)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="protocol parameter, value read as YAML, e.g. --param contrasts=[0.1,1] (repeatable)")
    parser.add_argument("--n-images", type=arguments.positive_int, default=100, help="images from the split (default: 100)")
    parser.add_argument("--split", default="test", choices=("train", "val", "test"), help="data split (default: test)")
    parser.add_argument("--batch-size", type=arguments.positive_int, default=32, help="images per forward pass (default: 32)")
    parser.add_argument("--layers", nargs="+", metavar="LAYER", help="recorded layers to keep (default: all)")
    parser.add_argument("--device", type=arguments.device, default=None, help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--seed", type=int, default=0, help="seed for an untrained model's weights (default: 0)")
    parser.add_argument("--no-plots", action="store_true", help="skip the plots")
    parser.add_argument("--out", metavar="DIR", help="output directory (default: experiments/<EXPERIMENT>)")
    parser.add_argument("--list", action="store_true", help="list the protocols and their parameters")
    parser.set_defaults(run=run)
    return parser


def parse_params(items: List[str]) -> Dict[str, Any]:
    """``["contrasts=[0.1,1]", "duration_ms=20"]`` -> dict (values as YAML, every number finite)."""
    from dynvision.config.errors import join_path, non_finite_path
    from dynvision.config.yaml_io import parse_yaml

    params: Dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--param {item!r}: expected KEY=VALUE, e.g. --param duration_ms=40")
        value = parse_yaml(raw, name=f"--param {item}") if raw.strip() else ""
        bad = non_finite_path(value)
        if bad is not None:
            raise ValueError(f"--param {item}: {join_path((key.strip(), *bad))} must be a finite number")
        params[key.strip()] = value
    return params


def load_model(args: argparse.Namespace) -> Tuple[Any, Any, Dict[str, Any]]:
    """(model, config or None, record for experiment.json), through the one loader."""
    from dynvision.loading import ModelSource
    from dynvision.loading import load_model as load_source

    loaded = load_source(ModelSource(
        args.model or args.checkpoint, checkpoint=args.checkpoint, config=args.config, overrides=args.overrides,
        model_module=args.model_module, weights=args.weights,
        seed=None if args.checkpoint else args.seed))
    record = {"model_name": loaded.name, "identifier": loaded.identifier, "config_hash": loaded.config_hash,
              "weights_hash": loaded.weights_hash, "weights": loaded.weights.to_dict(),
              "normalization": loaded.normalization.to_dict()}
    return loaded.model, loaded.config, record


def _list() -> int:
    import dataclasses

    from dynvision.experiments import PROTOCOLS

    for name, cls in PROTOCOLS.items():
        fields = ", ".join(
            f"{f.name}={f.default if f.default is not dataclasses.MISSING else f.default_factory()}"
            for f in dataclasses.fields(cls)
        )
        print(f"{name:<10} sweeps {cls.parameter:<12} {fields}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if not args.name:
        print("dynvision experiment: error: name an experiment (see dynvision experiment --list)", file=sys.stderr)
        return 2
    if bool(args.checkpoint) == bool(args.model):
        print("dynvision experiment: error: give either --checkpoint CKPT or a MODEL name (untrained), not both",
              file=sys.stderr)
        return 2
    import torch

    from dynvision.config import ConfigError
    from dynvision.data import DataError
    from dynvision.experiments import ScheduleError, dataset_images, get_protocol, run_experiment
    from dynvision.registry import UnknownNameError

    out = Path(args.out or Path("experiments") / args.name)
    try:
        protocol = get_protocol(args.name, **parse_params(args.param))
        model, config, record = load_model(args)
        device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
        model.to(device)
        protocol.check(float(model.dt))  # fail before reading any data
        images, labels = dataset_images(config.data if config is not None else None, args.n_images, args.split)
        result = run_experiment(model, protocol, images, labels, batch_size=args.batch_size,
                                layers=args.layers, device=device)
    except (ValueError, KeyError, TypeError, ConfigError, DataError, UnknownNameError, ScheduleError,
            FileNotFoundError, LookupError) as error:
        return report_error("experiment", error)
    result.metadata["model"] = record
    result.metadata["data"] = {"split": args.split, "n_images": int(len(images)),
                               "name": config.data.name if config is not None else None}
    result.save(out, plots=not args.no_plots)
    columns = ["condition", "layer", "integrated_response", "peak_latency_ms", "final_accuracy"]
    print(result.summary[columns].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"outputs: {out}")
    return 0
