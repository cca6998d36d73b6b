"""Any ``torch.nn.Module`` as a model DynVision can score: a *static* model.

A static model has no dynamics: its response to an image does not change
over time. :func:`static_model` declares, once and next to the network,
what the adapter needs to know about it -- its input size, the normalisation
its weights expect, the field of view (degrees of visual angle) its input
spans, and which of its submodules stands for which brain region -- as
attributes on the module itself (so its state dict and submodule names stay
those of the network):

>>> import torchvision
>>> net = static_model(torchvision.models.alexnet(weights=None), input_size=(3, 224, 224),
...                    mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), visual_degrees=8,
...                    region_layer_map={"V4": "features.7", "IT": "features.12"})  # doctest: +SKIP

The adapter (``brain_models``) runs such a model once per image and holds its
response over every requested time bin, as Brain-Score's ``TemporalAligned``
does for static models; a DynVision model is still simulated step by step.
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from torch import nn

#: the attribute that marks a module as static (``model.static is True``)
STATIC = "static"
#: Brain-Score's convention for the degrees of visual angle a model's input spans
DEFAULT_VISUAL_DEGREES = 8.0


def static_model(
    module: nn.Module,
    *,
    input_size: Sequence[int],
    mean: Optional[Sequence[float]] = None,
    std: Optional[Sequence[float]] = None,
    visual_degrees: Optional[float] = None,
    region_layer_map: Optional[Mapping[str, Union[str, Sequence[str]]]] = None,
) -> nn.Module:
    """Declare ``module`` a static model and return it (the same object).

    :param input_size: ``(C, H, W)`` of the images it takes (stimuli are resized to ``H x W``).
    :param mean, std: per-channel normalisation its weights expect, applied to pixels in [0, 1]
        (pixels 0-255 minus RGB means ``m``: ``mean = m / 255``, ``std = (1/255,) * 3``).
    :param visual_degrees: degrees of visual angle its input spans (default: the scoring run's, 8).
    :param region_layer_map: ``{region: submodule path or [paths]}``, e.g. ``{"V4": "features.7"}``;
        ``"classifier"`` is the module's output.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"static_model: expected a torch.nn.Module, got {type(module).__name__}")
    size = tuple(int(v) for v in input_size)
    if len(size) != 3 or min(size) < 1:
        raise ValueError(f"static_model: input_size={tuple(input_size)}: expected (channels, height, width)")
    for label, values in (("mean", mean), ("std", std)):
        if values is not None and len(values) != size[0]:
            raise ValueError(f"static_model: {label}={list(values)} needs one value per channel ({size[0]})")
    if (mean is None) != (std is None):
        raise ValueError("static_model: give both mean and std (or neither)")
    if std is not None and min(float(v) for v in std) <= 0:
        raise ValueError(f"static_model: std={list(std)} must be positive")
    if visual_degrees is not None and not 0 < float(visual_degrees) < 9000:
        raise ValueError(f"static_model: visual_degrees={visual_degrees}: expected a positive number of degrees")
    regions = dict(region_layer_map or {})
    _check_regions(module, regions)
    module.static = True
    module.input_dims = (1,) + size  # one frame: the response does not depend on time
    module.image_mean = None if mean is None else tuple(float(v) for v in mean)
    module.image_std = None if std is None else tuple(float(v) for v in std)
    module.visual_degrees = None if visual_degrees is None else float(visual_degrees)
    module.region_layer_map = regions
    return module


def _check_regions(module: nn.Module, regions: Mapping[str, Union[str, Sequence[str]]]) -> None:
    names = {name for name, _ in module.named_modules()} | {"classifier"}
    for region, layers in regions.items():
        for layer in [layers] if isinstance(layers, str) else list(layers):
            if layer not in names:
                raise ValueError(f"static_model: region_layer_map[{region!r}]={layer!r} is not a submodule of "
                                 f"{type(module).__name__} (e.g. {', '.join(sorted(names - {''})[:6])})")


def is_static(model: Any) -> bool:
    """Whether ``model`` was declared static (its response does not change over time)."""
    return getattr(model, STATIC, False) is True


def declaration(model: Any) -> Dict[str, Any]:
    """What a static model declares (it identifies the model next to its weights)."""

    def plain(values: Optional[Tuple[float, ...]]) -> Optional[list]:
        return None if values is None else list(values)

    return {
        "input_dims": list(getattr(model, "input_dims", ())),
        "image_mean": plain(getattr(model, "image_mean", None)),
        "image_std": plain(getattr(model, "image_std", None)),
        "visual_degrees": getattr(model, "visual_degrees", None),
        "region_layer_map": {k: v if isinstance(v, str) else list(v)
                             for k, v in sorted(dict(getattr(model, "region_layer_map", {}) or {}).items())},
    }
