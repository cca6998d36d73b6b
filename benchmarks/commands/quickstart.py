"""``dynvision quickstart``: the main job on the embedded offline default.

Trains the default model briefly on the bundled digits data, scores it on
the offline benchmarks (the synthetic temporal benchmark always, the Cowley
et al. V4 data when its files are on this machine), prints the score table
and writes an HTML report. A second run reuses the trained model and the
scores when nothing changed.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import List, Optional

from dynvision.verbosity import info, progress_enabled, report_error

#: always scored (offline, generated on first use)
OFFLINE_BENCHMARKS = ("synthetic",)
#: scored when their data is on this machine
OPTIONAL_BENCHMARKS = ("cowley2023",)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "quickstart",
        help="train the default model on offline data, score it, write a report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default="dynvision_runs/quickstart", metavar="DIR",
                        help="where the run, results and report go (default: dynvision_runs/quickstart)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a key of the default training config (repeatable)")
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder holding cowley2023/ (default $DYNVISION_DATA, then $DYNVISION_HOME/data)")
    parser.add_argument("--retrain", action="store_true", help="train again even if a matching run exists")
    parser.set_defaults(run=run)
    return parser


def _say(message: str) -> None:
    info(f"\n==> {message}")


def _trained_checkpoint(run_dir: Path, config) -> Optional[Path]:
    """The last checkpoint of a finished run with exactly this config, if any."""
    from dynvision.config import config_hash
    from dynvision.training import checkpoint_config

    last = run_dir / "checkpoints" / "last.ckpt"
    if not last.is_file():
        return None
    try:
        same = config_hash(checkpoint_config(last)) == config_hash(config)
    except (KeyError, ValueError, OSError):
        return None
    if not same:
        return None
    best = sorted(p for p in (run_dir / "checkpoints").glob("epoch=*.ckpt"))
    return best[-1] if best else last


def _benchmarks(data_dir: Optional[str]) -> List[str]:
    from benchmarks import catalog

    options = catalog.LoadOptions(data_dir=Path(data_dir) if data_dir else None, offline=True)
    names = list(OFFLINE_BENCHMARKS)
    for name in OPTIONAL_BENCHMARKS:
        available, reason = catalog.data_available(name, options)
        if available:
            names.append(name)
        else:
            info(f"    skipping {name}: {reason}")
    return names


def run(args: argparse.Namespace) -> int:
    from dynvision.config import ConfigError, load_config

    started = time.perf_counter()
    out = Path(args.out)
    try:
        config = load_config(None, args.overrides)
    except ConfigError as error:
        return report_error("quickstart", error)

    run_dir = out / "train"
    checkpoint = None if args.retrain else _trained_checkpoint(run_dir, config)
    if checkpoint is not None:
        _say(f"1/3 reusing the trained {config.model.name} in {run_dir} (same config; --retrain to train again)")
    else:
        _say(f"1/3 training {config.model.name} on {config.data.name} "
             f"({config.trainer.max_epochs} epochs, {config.data.image_size}px, "
             f"{config.model.args.get('input_dims', ['?'])[0]} steps)")
        from dynvision.training import train

        quiet = {} if progress_enabled() else {"enable_progress_bar": False, "enable_model_summary": False}
        result = train(config, out=run_dir, overwrite=True, trainer_kwargs=quiet)
        checkpoint = result.best_checkpoint or result.last_checkpoint
        if result.test_accuracy is not None:
            print(f"    held-out test accuracy: {100 * result.test_accuracy:.1f}%")

    _say("2/3 scoring on the offline benchmarks")
    from benchmarks.errors import DataNotAvailableError
    from benchmarks.model_source import ModelSpec
    from benchmarks.report import write_report
    from benchmarks.results import format_table
    from benchmarks.runner import ScoreOptions, score_model

    names = _benchmarks(args.data_dir)
    results_dir = out / "results"
    try:
        results = score_model(ModelSpec(str(checkpoint)), names, results_dir, data_dir=args.data_dir,
                              offline=True, options=ScoreOptions(progress=progress_enabled()), log=info)
    except DataNotAvailableError as error:
        return report_error("quickstart", error)

    _say("3/3 report")
    report = write_report(results_dir, out / "report.html", title=f"DynVision quickstart: {config.model.name}")
    print(format_table(results))
    print(f"\ncheckpoint: {checkpoint}\nresults:    {results_dir}/\nreport:     {report}")
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0
