"""``dynvision quickstart``: the main job on the embedded offline default.

Trains the default model briefly on the bundled digits data, scores it and
the same model untrained (random initial weights, same config) on the offline
benchmarks (the synthetic temporal benchmark always, the Cowley et al. V4
data when its files are on this machine), prints the score table with one
sentence per benchmark saying which model is better by more than the error
bars, the next commands to run, and writes an HTML report that opens with the
same summary. A second run reuses the trained model and the scores when
nothing changed.

Third-party warnings and log lines (Brain-Score's metrics, xarray, Lightning)
are hidden and counted in one line at the end; -v shows them as they come.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Iterator, List, Optional

from dynvision.verbosity import CHATTY, PACKAGES, VERBOSE, info, progress_enabled, report_error, verbosity

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


@contextlib.contextmanager
def _third_party_hidden(hidden: List[warnings.WarningMessage]) -> Iterator[None]:
    """Collect third-party warnings into ``hidden`` instead of printing them, keep Lightning's
    INFO lines ("GPU available", "Tip: ...") and Brain-Score's cross-validation bars off the
    screen. tqdm reads ``TQDM_DISABLE`` when it is first imported, so this must be entered
    before torch is; our own progress bars pass ``disable`` explicitly and ignore it.
    Under ``-v`` nothing is hidden."""
    if verbosity() <= VERBOSE:
        yield
        return
    loggers = [logging.getLogger(name) for name in CHATTY]
    levels = [logger.level for logger in loggers]
    tqdm_before = os.environ.get("TQDM_DISABLE")
    try:
        for logger in loggers:
            logger.setLevel(logging.WARNING)
        os.environ["TQDM_DISABLE"] = "1"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        hidden.extend(caught)
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
        if tqdm_before is None:
            os.environ.pop("TQDM_DISABLE", None)
        else:
            os.environ["TQDM_DISABLE"] = tqdm_before


def _is_ours(warning: warnings.WarningMessage) -> bool:
    """A warning raised from DynVision's own packages (shown to the user, not counted as hidden)."""
    import importlib.util

    folders = [Path(folder).resolve() for package in PACKAGES
               for folder in (importlib.util.find_spec(package).submodule_search_locations or [])]
    path = Path(warning.filename).resolve()
    return any(folder in path.parents for folder in folders)


def _hidden_line(hidden: List[warnings.WarningMessage]) -> Optional[str]:
    if not hidden:
        return None
    kinds = sorted({w.category.__name__ for w in hidden})
    return (f"({len(hidden)} warnings from third-party libraries hidden: {', '.join(kinds)}; "
            "-v shows them)")


def next_commands(checkpoint: Path, out: Path) -> List[str]:
    """What to run after the quickstart, with this run's checkpoint."""
    return [
        f"dynvision score {checkpoint} --benchmark majajhong   # MajajHong V4/IT (needs Brain-Score's data: "
        "online once, then cached)",
        f"dynvision compare DyRCNNx4 --vary recurrence_type=self,full --benchmark synthetic --train "
        f"--out {out / 'compare'}   # recurrence types side by side",
        f"dynvision register --checkpoint {checkpoint} --identifier my-dyrcnn --zip   # a Brain-Score "
        "submission",
    ]


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
    hidden: List[warnings.WarningMessage] = []
    with _third_party_hidden(hidden):  # before the config: it imports torch, which imports tqdm
        try:
            config = load_config(None, args.overrides)
        except ConfigError as error:
            return report_error("quickstart", error)
        status = _run(args, config, out)
    for warning in [w for w in hidden if _is_ours(w)]:  # ours are meant for the user
        print(f"warning: {warning.message}", file=sys.stderr)
    line = _hidden_line([w for w in hidden if not _is_ours(w)])
    if line:
        print(line)
    if status == 0:
        print(f"done in {time.perf_counter() - started:.0f} s")
    return status


def _run(args: argparse.Namespace, config, out: Path) -> int:
    run_dir = out / "train"
    checkpoint = None if args.retrain else _trained_checkpoint(run_dir, config)
    if checkpoint is not None:
        _say(f"1/4 reusing the trained {config.model.name} in {run_dir} (same config; --retrain to train again)")
    else:
        _say(f"1/4 training {config.model.name} on {config.data.name} "
             f"({config.trainer.max_epochs} epochs, {config.data.image_size}px, "
             f"{config.model.args.get('input_dims', ['?'])[0]} steps)")
        from dynvision.training import one_bar_progress, train

        if progress_enabled():  # one bar for the whole fit, no model summary table
            shown = {"trainer_kwargs": {"enable_model_summary": False, "enable_progress_bar": True},
                     "callbacks": [one_bar_progress()]}
        else:
            shown = {"trainer_kwargs": {"enable_progress_bar": False, "enable_model_summary": False}}
        result = train(config, out=run_dir, overwrite=True, **shown)
        checkpoint = result.best_checkpoint or result.last_checkpoint
        if result.test_accuracy is not None:
            print(f"    held-out test accuracy: {100 * result.test_accuracy:.1f}%")

    from benchmarks.errors import DataNotAvailableError
    from benchmarks.model_source import ModelSource
    from benchmarks.report import write_report
    from benchmarks.results import format_table
    from benchmarks.runner import ScoreOptions, score_model
    from benchmarks.summary import summary_sentences

    names = _benchmarks(args.data_dir)
    results_dir = out / "results"
    options = ScoreOptions(progress=progress_enabled())
    # the untrained model is built from the run's own resolved config, so both share one config hash
    untrained = ModelSource(config.model.name, config=str(run_dir / "config.yaml"))
    results = []
    try:
        for step, what, spec in (("2/4", "the trained model", ModelSource(str(checkpoint))),
                                 ("3/4", "the same model untrained (random initial weights, same config)",
                                  untrained)):
            _say(f"{step} scoring {what} on {', '.join(names)}")
            results += score_model(spec, names, results_dir, data_dir=args.data_dir, offline=True,
                                   options=options, log=info)
    except DataNotAvailableError as error:
        return report_error("quickstart", error)

    _say("4/4 report")
    report = write_report(results_dir, out / "report.html", title=f"DynVision quickstart: {config.model.name}")
    print(format_table(results))
    print("\nWhat the scores mean (error: Brain-Score's standard error over cross-validation splits):")
    for sentence in summary_sentences(results):
        print(f"  - {sentence}")
    print("\nNext:")
    for command in next_commands(checkpoint, out):
        print(f"  {command}")
    print(f"\ncheckpoint: {checkpoint}\nresults:    {results_dir}/\nreport:     {report}")
    return 0
