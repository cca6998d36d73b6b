"""How a DynVision model is shown the stimuli and recorded: the adapter's settings in one object
(:class:`AdapterSettings`) and the one parser of ``REGION=LAYER`` commitments. The command-line
flags that set them are in :mod:`brain_models.flags`.

Importing this module is cheap (no torch, no Brain-Score) and it imports nothing else of the
project: a registered plugin carries it (``dynvision register``).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from .reductions import DEFAULT_REDUCTION, REDUCTIONS

LayerSpec = Union[str, Sequence[str]]

class SettingsError(ValueError):
    """A bad adapter setting or ``REGION=LAYER`` entry; the message names it and how to fix it."""


#: field metadata of settings that change how fast a recording runs, never what it records
_RUNTIME = {"runtime": True}


@dataclass
class AdapterSettings:
    """Settings of :class:`~brain_models.DynVisionBrainModel` (the model's ``dt`` comes from the model).

    :param visual_degrees: degrees of visual angle the model's input spans (default None: what the model
        declares as ``visual_degrees``, else Brain-Score's convention, 8).
    :param t_presentation: ms the image is shown from onset; blank afterwards (None: throughout).
    :param latency: ms by which the model lags the recording (recorded ``t`` = model ``t - latency``).
    :param region_layer_map: ``{region: layer or [layers]}``; overrides the model's declared map per
        region (merged: explicit > declared > stored selection).
    :param reduction, max_features, seed: feature reduction per layer (see :mod:`brain_models.features`;
        default ``"pca"``: layers over ``max_features`` units are projected on principal components).
    :param reference_images: how many images of the fixed reference set PCA is fitted on (default 1000,
        as Brain-Score; see :mod:`brain_models.reference_images`).
    :param behavioral_readout_layer: layer for ``probabilities``/``odd_one_out`` (default: the IT layer,
        else the last layer).
    :param readout_time: ms of model time after onset at which behaviour is read out (default: the end
        of the model's trained loss window, ``model.loss_window_ms``, else its horizon ``n_timesteps * dt``);
        never earlier than input needs to reach the readout layer (an error names both times);
        ``readout_window`` ms before it are averaged (default ``dt``).
    :param batch_size: images per forward pass.
    :param device: torch device the model runs on (default: where it is).
    :param max_segment_steps: most steps run per model call (bounds activation memory per batch).
    :param squeeze_single_bin: with one requested bin, drop the ``time_bin`` dim (as Brain-Score's
        ``TemporalAligned`` does; its neural benchmarks accept both).
    """

    visual_degrees: Optional[float] = None
    t_presentation: Optional[float] = 100.0
    latency: float = 0.0
    region_layer_map: Mapping[str, LayerSpec] = field(default_factory=dict)
    reduction: str = DEFAULT_REDUCTION
    max_features: int = 1000
    seed: int = 0
    reference_images: int = 1000  # = brain_models.reference_images.DEFAULT_REFERENCE_IMAGES (that module imports torch)
    behavioral_readout_layer: Optional[str] = None
    readout_time: Optional[float] = None
    readout_window: Optional[float] = None
    batch_size: int = field(default=32, metadata=_RUNTIME)
    device: Any = field(default=None, metadata=_RUNTIME)
    max_segment_steps: int = field(default=8, metadata=_RUNTIME)
    squeeze_single_bin: bool = field(default=True, metadata=_RUNTIME)

    def __post_init__(self) -> None:
        if self.visual_degrees is not None and not 0 < float(self.visual_degrees) < 9000:
            raise SettingsError(f"visual_degrees={self.visual_degrees}: expected a positive number of degrees")
        if int(self.batch_size) < 1 or int(self.max_segment_steps) < 1:
            raise SettingsError(f"batch_size={self.batch_size} and max_segment_steps={self.max_segment_steps} "
                             "must be >= 1")
        self._check_latency()
        if self.reduction not in REDUCTIONS:
            raise SettingsError(f"reduction={self.reduction!r}: use one of {', '.join(REDUCTIONS)}")
        if int(self.reference_images) < 2:
            raise SettingsError(f"reference_images={self.reference_images}: PCA needs at least 2 images")
        if self.t_presentation is not None and float(self.t_presentation) <= 0:
            raise SettingsError(f"t_presentation={self.t_presentation}: must be > 0 ms (or None: shown throughout)")
        if int(self.max_features) < 1:
            raise SettingsError(f"max_features={self.max_features}: must be >= 1")

    def _check_latency(self) -> None:
        if float(self.latency) < 0:
            raise SettingsError(f"latency={self.latency}: must be >= 0 ms")

    def replace(self, **changes: Any) -> "AdapterSettings":
        """A copy with ``changes``; an unknown name is a ``TypeError`` naming it."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(AdapterSettings)})
        if unknown:
            raise TypeError(f"unknown adapter setting(s) {', '.join(unknown)}; settings: "
                            f"{', '.join(f.name for f in dataclasses.fields(AdapterSettings))}")
        return dataclasses.replace(self, **changes)

    def recorded(self) -> Dict[str, Any]:
        """The settings a recording depends on, as plain JSON values (for a result's settings hash).

        Runtime settings (batch size, device, segment length, bin squeezing) are left out. Settings
        whose default is ``None`` enter only when set, so hashes of results stored before they
        existed stay valid.
        """
        values: Dict[str, Any] = {}
        for item in dataclasses.fields(AdapterSettings):
            value = getattr(self, item.name)
            if item.metadata.get("runtime") or (item.default is None and value is None
                                                 and item.name != "t_presentation"):
                continue
            values[item.name] = _plain(item.name, value)
        return values


def _plain(name: str, value: Any) -> Any:
    if name == "region_layer_map":
        return {region: value[region] if isinstance(value[region], str) else list(value[region])
                for region in sorted(value)}
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if name in ("max_features", "seed"):
        return int(value)
    return float(value)


def parse_region_layers(entries: Sequence[str], flag: str = "--layer") -> Dict[str, LayerSpec]:
    """``["V4=V4", "IT=V4,IT"]`` -> ``{"V4": "V4", "IT": ["V4", "IT"]}``; a bad or repeated entry is a
    :class:`SettingsError` naming ``flag``."""
    regions: Dict[str, LayerSpec] = {}
    for entry in entries:
        region, sep, layers = str(entry).partition("=")
        region = region.strip()
        names = [name.strip() for name in layers.split(",") if name.strip()]
        if not sep or not region or not names:
            raise SettingsError(f"{flag} {entry!r}: expected REGION=LAYER, e.g. {flag} V4=V4 "
                             f"(or {flag} IT=V4,IT for several layers)")
        if region in regions:
            raise SettingsError(f"{flag} {entry!r}: region {region} is given twice; give each region once")
        regions[region] = names[0] if len(names) == 1 else names
    return regions


__all__: List[str] = ["AdapterSettings", "LayerSpec", "SettingsError", "parse_region_layers"]
