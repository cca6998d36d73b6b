"""``dynvision compare``: score a grid of model variants across seeds and benchmarks, in one report."""
from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Dict, List, Sequence, Tuple

from benchmarks.commands.score import LATENCY_HELP
from benchmarks.latency import parse_latency
from brain_models.flags import add_adapter_arguments, settings_from_args
from brain_models.settings import AdapterSettings
from dynvision import arguments
from dynvision.verbosity import progress_enabled, report_error

DESCRIPTION = """\
Build every variant of MODEL (the product of the --vary flags), with --train train it per seed with
the config (else take checkpoints from --checkpoints DIR, else score the untrained variants and say
so), score every variant on every benchmark, and write one comparison report (HTML + CSV) to --out.

The work list has one item per variant x seed x benchmark (--plan prints it as JSON). Finished
trainings and scores are reused (same config and weights hashes), so running the same command again
after an interruption computes only what is missing.

examples:
  dynvision compare DyRCNNx4 --vary recurrence_type=self,full,local --benchmark synthetic --train --seeds 3
  dynvision compare DyRCNNx4 --vary recurrence_type=self,full --vary tau=5,10 --benchmark majajhong \\
      --checkpoints runs/ --seeds 2
  dynvision compare DyRCNNx4 --vary recurrence_type=self,full --benchmark synthetic --plan -
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "compare", help="compare model variants (e.g. recurrence types) across seeds and benchmarks",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", nargs="?", metavar="MODEL",
                        help="registered model name (or one from --model-module); not with --from-plan")
    parser.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="values of a model argument (recurrence_type=self,full) or dotted config key "
                             "(optimizer.args.lr=1e-3,3e-3); values are YAML scalars; several flags form a grid")
    parser.add_argument("--benchmark", "-b", dest="benchmarks", action="append", default=[], metavar="NAME",
                        help="alias, benchmark identifier or .nc path (repeatable; `dynvision benchmarks` lists them)")
    weights = parser.add_mutually_exclusive_group()
    weights.add_argument("--train", action="store_true", help="train every variant and seed with the config first")
    weights.add_argument("--checkpoints", metavar="DIR",
                         help="take each variant's weights from a checkpoint under DIR whose stored config matches "
                              "(model name, every --vary and --set key, seed)")
    parser.add_argument("--seeds", default="1", metavar="N|S1,S2",
                        help="seeds per variant: a count (3 -> 0,1,2) or a list (0,5,7); default 1")
    parser.add_argument("--config", metavar="FILE", help="YAML config (default: the packaged default.yaml)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config key for every variant, e.g. --set trainer.max_epochs=3 (repeatable)")
    parser.add_argument("--model-module", metavar="FILE", help="Python file defining your own model(s)")
    parser.add_argument("--out", metavar="DIR", help="comparison folder (default: compare/<MODEL>)")
    run = parser.add_argument_group("what to run")
    run.add_argument("--plan", nargs="?", const="-", metavar="FILE",
                     help="write the work list as JSON to FILE (stdout without FILE) and stop")
    run.add_argument("--from-plan", metavar="FILE",
                     help="run the work list saved in FILE (by --plan FILE or a comparison's OUT/plan.json) "
                          "instead of building one from MODEL and the flags")
    run.add_argument("--item", dest="items", action="append", metavar="ID",
                     help="run only this work item, or every item of this run (VARIANT/seed=K) "
                          "(repeatable; ids as in --plan)")
    run.add_argument("--train-only", action="store_true",
                     help="only train the models of the selected runs (no scoring, no report)")
    run.add_argument("--limit", type=arguments.positive_int, metavar="N", help="stop after N items that needed computing")
    run.add_argument("--report-only", action="store_true", help="only (re)write the report from finished items")
    run.add_argument("--no-report", action="store_true", help="do not write the report")
    run.add_argument("--force", action="store_true", help="re-score every item even when a result exists")
    data = parser.add_argument_group("data")
    data.add_argument("--data-dir", metavar="DIR", help="folder holding the benchmark datasets")
    data.add_argument("--offline", action="store_true", help="never download data (same as DYNVISION_OFFLINE=1)")
    adapter = add_adapter_arguments(parser, title="how the models see the stimuli (as in `dynvision score`)",
                                    latency_type=parse_latency, latency_help=LATENCY_HELP)
    adapter.add_argument("--select-layers", action="store_true",
                         help="choose a layer for an uncommitted region by scoring every layer")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run_command)
    return parser


#: the adapter settings a comparison's plan records (the flags of :func:`add_adapter_arguments`)
_PLAN_SETTINGS = ("visual_degrees", "t_presentation", "latency", "reduction", "max_features", "region_layer_map",
                  "batch_size", "device")


def _settings(args: argparse.Namespace) -> Dict[str, Any]:
    from benchmarks.runner import ScoreOptions  # the latency may be "auto", which only scoring resolves

    settings = settings_from_args(args, ScoreOptions)
    return {**{name: getattr(settings, name) for name in _PLAN_SETTINGS}, "select_layers": args.select_layers}


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _repeated(values: Dict[str, Any], pairs: Sequence[Tuple[str, str]]) -> List[str]:
    return [part for flag, name in pairs for value in values[name] for part in (flag, str(value))]


def _valued(values: Dict[str, Any], names: Sequence[str]) -> List[str]:
    return [part for name in names if values[name] for part in (_flag(name), str(values[name]))]


def _switches(values: Dict[str, Any], names: Sequence[str]) -> List[str]:
    return [_flag(name) for name in names if values[name]]


def command_line(args: argparse.Namespace, out: str) -> List[str]:
    """The canonical command line of this comparison (per-item commands in the plan extend it)."""
    values = {**vars(args), "out": out}
    defaults = AdapterSettings()
    changed = [name for name in _PLAN_SETTINGS
               if name != "region_layer_map" and values[name] != getattr(defaults, name)]
    return (["dynvision", "compare", args.model]
            + _repeated(values, (("--vary", "vary"), ("--benchmark", "benchmarks")))
            + ["--seeds", str(args.seeds)] + _switches(values, ("train",))
            + _valued(values, ("checkpoints", "config", "model_module", "out", "data_dir"))
            + _repeated(values, (("--set", "overrides"), ("--layer", "layers")))
            + [part for name in changed for part in (_flag(name), str(values[name]))]
            + _switches(values, ("select_layers", "offline", "no_progress")))


def _summary_table(data) -> str:
    """Per benchmark: variant, mean, sem, seeds, best marked (printed at the end)."""
    lines = []
    for bench in data.benchmarks:
        lines.append(bench.benchmark)
        width = max(len(data.labels.get(v, v)) for v in data.variants)
        for variant in data.variants:
            s = bench.stats.spreads[variant]
            mark = "*" if variant == bench.stats.best else " "
            comparison = bench.stats.comparisons.get(variant)
            p = "" if comparison is None or comparison.p_holm is None else f"  p(Holm) vs best {comparison.p_holm:.3f}"
            mean = "-" if s.mean is None else f"{s.mean:.3f}"
            sem = "" if s.sem is None else f" ± {s.sem:.3f}"
            lines.append(f" {mark} {data.labels.get(variant, variant).ljust(width)}  {mean}{sem}  (n={s.n}){p}")
    return "\n".join(lines)


def _plan(args: argparse.Namespace):
    """The comparison's plan: read from ``--from-plan`` or built from MODEL and the flags (validated)."""
    from benchmarks.compare import ComparePlan, PlanError, build_plan, parse_seeds, parse_vary

    if args.from_plan:
        given = [flag for flag, value in (("MODEL", args.model), ("--vary", args.vary), ("--benchmark", args.benchmarks),
                                          ("--train", args.train), ("--checkpoints", args.checkpoints),
                                          ("--config", args.config), ("--set", args.overrides)) if value]
        if given:
            raise PlanError(f"--from-plan {args.from_plan}: the plan fixes {', '.join(given)}; leave them out")
        try:
            plan = ComparePlan.load(args.from_plan)
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise PlanError(f"--from-plan {args.from_plan}: not a comparison plan ({error})") from None
        if plan.model_module:
            from dynvision.models import load_model_module

            load_model_module(plan.model_module)
        return plan, plan.out
    if not args.model:
        raise PlanError("give MODEL (or --from-plan FILE)")
    if not args.benchmarks:
        raise PlanError("give at least one --benchmark NAME (`dynvision benchmarks` lists them)")
    if args.model_module:
        from dynvision.models import load_model_module

        load_model_module(args.model_module)
    out = args.out or f"compare/{args.model}"
    source = "train" if args.train else "checkpoint" if args.checkpoints else "untrained"
    plan = build_plan(args.model, parse_vary(args.vary), args.benchmarks, out, seeds=parse_seeds(args.seeds),
                      source=source, config=args.config, overrides=args.overrides,
                      model_module=args.model_module, checkpoints=args.checkpoints,
                      settings=_settings(args), argv=command_line(args, out))
    return plan, out


def _announce(plan: Any, out: str, warn_untrained: bool, err: Callable[[str], None]) -> None:
    """What the comparison will do, printed before any work."""
    for entry in plan.skipped:
        err(f"skipped {entry}")
    n_variants, n_benchmarks = len(plan.variants()), len({i.benchmark for i in plan.items})
    err(f"{plan.model}: {n_variants} variant(s) x {len(plan.seeds)} seed(s) x {n_benchmarks} benchmark(s) "
        f"= {len(plan.items)} work items -> {out}/")
    if warn_untrained:
        line = "!" * 78
        err(f"{line}\n!! UNTRAINED: scoring every variant with random initial weights (seeded); pass --train "
            f"to train them\n!! or --checkpoints DIR to score trained checkpoints\n{line}")


def _report(plan: Any) -> None:
    """Write the comparison report and print its summary table."""
    from benchmarks.compare import collect, write_comparison_report

    data = collect(plan)
    paths = write_comparison_report(plan)
    print(_summary_table(data))
    if data.missing:
        print(f"incomplete: {len(data.missing)} of {len(plan.items)} items have no result yet")
    print(f"report: {paths['html']}")
    print(f"csv:    {paths['csv']}")


def run_command(args: argparse.Namespace) -> int:
    from benchmarks.compare import GridError, PlanError, run_plan, score_options, train_runs
    from benchmarks.errors import DataNotAvailableError, ScoringError
    from dynvision.config import ConfigError
    from dynvision.registry import UnknownNameError

    err = lambda message: print(message, file=sys.stderr)  # noqa: E731
    try:
        plan, out = _plan(args)
        source = plan.source
        if args.plan is not None:
            if args.plan == "-":
                sys.stdout.write(plan.to_json())
            else:
                path = plan.save(args.plan)
                print(f"work list: {len(plan.items)} items -> {path}")
            return 0
        _announce(plan, out, warn_untrained=source == "untrained" and not args.report_only, err=err)
        runs, items = plan.select(args.items) if args.items else (plan.runs, plan.items)
        if args.train_only:
            summary = train_runs(plan, runs, log=err)
            err(f"trained {summary.trained} (reused {summary.reused_training})")
            return 0
        if not args.report_only:
            if not args.from_plan:
                plan.save()
            options = score_options(plan, progress=not args.no_progress and progress_enabled())
            summary = run_plan(plan, item_ids=[i.id for i in items], limit=args.limit, force=args.force,
                               data_dir=args.data_dir, offline=True if args.offline else None, options=options,
                               log=err)
            err(f"trained {summary.trained} (reused {summary.reused_training}), scored {summary.scored} "
                f"(reused {summary.reused_scores})")
            if summary.remaining:
                err(f"{len(summary.remaining)} item(s) left; run the same command again to continue")
        if not (args.no_report or args.items):
            _report(plan)
        return 0
    except KeyboardInterrupt:
        err("interrupted: finished items are kept; run the same command again to resume")
        return 130
    except (GridError, PlanError, DataNotAvailableError, UnknownNameError, ConfigError, ScoringError,
            FileNotFoundError, LookupError, ValueError) as error:
        return report_error("compare", error)

