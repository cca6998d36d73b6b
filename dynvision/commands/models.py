"""``dynvision models``: list the registered models with their parameter
count (at a stated input size), region->layer map and default time constants."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, List, Optional

from dynvision import arguments

TIME_ARGS = ("dt", "tau", "t_feedforward", "t_recurrence", "t_skip", "t_feedback")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "models",
        help="list the available models",
        description="List the registered models: parameters at an input size, regions, default dt/tau/delays (ms).",
    )
    parser.add_argument("names", nargs="*", metavar="MODEL", help="only these models (default: all)")
    parser.add_argument(
        "--input-size", nargs=3, type=arguments.positive_int, default=[3, 64, 64], metavar=("C", "H", "W"),
        help="image size the parameter count is computed at (default: 3 64 64)",
    )
    parser.add_argument("--n-classes", type=arguments.positive_int, default=10, help="classes of the readout (default: 10)")
    parser.add_argument("--no-params", action="store_true", help="skip building the models (faster)")
    parser.add_argument(
        "--model-module", action="append", default=[], metavar="FILE",
        help="also load user models from this Python file (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run)
    return parser


def _parameter_count(cls: type, input_size: List[int], n_classes: int) -> int:
    import torch

    with torch.device("cpu"):
        # a static model's factory builds it at the size it declares
        model = cls(input_dims=(1, *input_size), n_classes=n_classes) if isinstance(cls, type) else cls()
    return sum(p.numel() for p in model.parameters())


def describe(name: str, input_size: Optional[List[int]], n_classes: int = 10) -> Dict[str, Any]:
    """One row of the listing; ``input_size=None`` skips the parameter count."""
    from ..models import get_model, model_info

    cls = get_model(name)
    info = model_info(cls)
    defaults = info["defaults"]
    row: Dict[str, Any] = {
        "name": name,
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "regions": info["regions"],
        **{arg: defaults.get(arg) for arg in TIME_ARGS},
        "input_dims": list(defaults["input_dims"]) if defaults.get("input_dims") is not None else None,
        "description": info["doc"],
    }
    if row["t_recurrence"] is None:
        row["t_recurrence"] = row["dt"]
    if row["t_feedback"] is None:
        row["t_feedback"] = row["dt"]
    if input_size is not None:
        try:
            row["parameters"] = _parameter_count(cls, input_size, n_classes)
        except Exception as error:  # one broken user model must not hide the rest
            row["parameters"] = None
            row["error"] = f"{type(error).__name__}: {error}"
    return row


def _ms(value: Any) -> str:
    return "-" if value is None else f"{float(value):g}"


def _table(rows: List[Dict[str, Any]], input_size: Optional[List[int]], n_classes: int) -> str:
    size = "x".join(map(str, input_size)) if input_size else None
    header = ["model", f"params@{size}" if size else None, "regions", "dt", "tau", "t_ff", "t_rec", "t_skip", "t_fb", "description"]
    header = [h for h in header if h is not None]
    lines = [header]
    for row in rows:
        regions = " ".join(f"{r}={layer}" for r, layer in row["regions"].items()) or "-"
        cells = [row["name"]]
        if size:
            cells.append("error" if row.get("parameters") is None else f"{row['parameters']:,}")
        cells += [regions] + [_ms(row[a]) for a in TIME_ARGS] + [row["description"]]
        lines.append(cells)
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(header) - 1)]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)) + "  " + str(line[-1]) for line in lines]
    note = f"parameters with n_classes={n_classes}; " if size else ""
    out.append(f"{note}times in ms; regions: brain region = model layer")
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    from ..models import list_models, load_model_module
    from ..registry import UnknownNameError

    for path in args.model_module:
        load_model_module(path)
    names = args.names or list_models()
    input_size = None if args.no_params else list(args.input_size)
    rows, status = [], 0
    for name in names:
        try:
            rows.append(describe(name, input_size, args.n_classes))
        except UnknownNameError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        if "error" in rows[-1]:
            print(f"error: {name} does not build at {input_size}: {rows[-1]['error']}", file=sys.stderr)
            status = 1
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(_table(rows, input_size, args.n_classes))
    return status
