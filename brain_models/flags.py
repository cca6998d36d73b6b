"""The one set of command-line flags for the adapter's settings, shared by ``dynvision score``,
``compare`` and ``register``: :func:`add_adapter_arguments` adds them, :func:`settings_from_args`
reads them back as :class:`~brain_models.settings.AdapterSettings`.

Importing this module is cheap (no torch, no Brain-Score): command modules use it to build
their ``--help``.
"""
from __future__ import annotations

import argparse
from typing import Any, Callable, Dict, Optional, Type, TypeVar

from .reductions import REDUCTION_HELP, REDUCTIONS
from .settings import AdapterSettings, parse_region_layers

S = TypeVar("S", bound=AdapterSettings)


def add_adapter_arguments(parser: argparse.ArgumentParser, *, runtime: bool = True,
                          title: str = "how the model sees the stimuli",
                          latency_type: Optional[Callable[[str], Any]] = None,
                          latency_help: str = "ms by which the model lags the recordings (default: 0)"
                          ) -> argparse._ArgumentGroup:
    """Add the adapter's flags (``--visual-degrees``, ``--t-presentation``, ``--latency``,
    ``--max-features``, ``--layer``; with ``runtime`` also ``--batch-size`` and ``--device``) to
    ``parser``; :func:`settings_from_args` reads them back."""
    from dynvision import arguments  # argparse types: bad numbers and devices are usage errors naming the flag

    defaults = AdapterSettings()
    group = parser.add_argument_group(title)
    group.add_argument("--visual-degrees", type=arguments.positive_float, default=defaults.visual_degrees, metavar="DEG",
                       help="degrees of visual angle the model's input spans (default: what the model declares, else 8, "
                            "Brain-Score's convention)")
    group.add_argument("--t-presentation", type=arguments.finite_float, default=defaults.t_presentation, metavar="MS",
                       help="ms the image is shown from onset, blank afterwards (default: 100; "
                            "negative: shown throughout)")
    group.add_argument("--latency", type=latency_type or arguments.non_negative_float, default=defaults.latency,
                       metavar="MS", help=latency_help)
    group.add_argument("--reduction", choices=REDUCTIONS, default=defaults.reduction, help=REDUCTION_HELP)
    group.add_argument("--max-features", type=arguments.positive_int, default=defaults.max_features, metavar="N",
                       help="features per layer after reduction (default: 1000)")
    group.add_argument("--layer", "--region", dest="layers", action="append", default=[], metavar="REGION=LAYER",
                       help="commit LAYER (comma-separated for several) to REGION, on top of the model's "
                            "declared map (repeatable), e.g. --layer V4=V4 --layer IT=V4,IT")
    if runtime:
        group.add_argument("--batch-size", type=arguments.positive_int, default=defaults.batch_size, metavar="N",
                           help="images per forward pass (default: 32)")
        group.add_argument("--device", type=arguments.device, default=None, help="torch device (default: where the model is, i.e. cpu)")
    return group


def settings_from_args(args: argparse.Namespace, cls: Type[S] = AdapterSettings, **extra: Any) -> S:  # type: ignore[assignment]
    """The settings (``cls``: :class:`AdapterSettings` or a subclass, given ``extra`` fields) of
    the flags added by :func:`add_adapter_arguments`; a bad ``--layer`` is a :class:`SettingsError`
    naming the flag."""
    values: Dict[str, Any] = dict(
        visual_degrees=args.visual_degrees,
        t_presentation=None if args.t_presentation is not None and args.t_presentation < 0 else args.t_presentation,
        latency=args.latency, reduction=args.reduction, max_features=args.max_features,
        region_layer_map=parse_region_layers(args.layers, "--layer"))
    for name in ("batch_size", "device"):
        if hasattr(args, name):
            values[name] = getattr(args, name)
    return cls(**values, **extra)
