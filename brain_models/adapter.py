"""``DynVisionBrainModel``: a DynVision model as a Brain-Score ``BrainModel``
whose recordings resolve time."""
from __future__ import annotations

import json
import logging
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_vision.model_interface import BrainModel
from torch import nn

from dynvision.identity import weights_hash
from dynvision.models.static import DEFAULT_VISUAL_DEGREES, is_static

from .features import LayerReducer
from .paths import region_layer_map_path
from .recording import CLASSIFIER, engine_layers, layer_shapes, run_binned
from .settings import AdapterSettings, LayerSpec
from .stimuli import ImageLoader, Stimuli, as_stimuli
from .time_bins import TimePlan, plan_time, static_plan

_logger = logging.getLogger(__name__)

#: ``progress(done, total)``: images recorded so far out of ``total`` in the current recording
ProgressHook = Callable[[int, int], None]
#: Brain-Score's name for the classifier output in behavioural readouts
LOGITS = "logits"
#: Brain-Score's standard recording window when a benchmark gives none
DEFAULT_TIME_BINS = [(70, 170)]
#: PCA loadings fitted on the reference images, by (weights, layer, settings): fitted once per process
_FITTED_PCA: Dict[Tuple[Any, ...], Tuple[torch.Tensor, Dict[str, Any]]] = {}


def load_stored_region_layer_map(identifier: str) -> Dict[str, LayerSpec]:
    """The region->layer choices stored by :func:`brain_models.select_layer` (empty if none)."""
    path = region_layer_map_path(identifier)
    if not path.is_file():
        return {}
    with open(path) as handle:
        stored = json.load(handle)
    return dict(stored.get("region_layer_map", {}))


def _coord_value(value: float) -> Union[int, float]:
    return int(value) if float(value).is_integer() else float(value)


def _neuroid_coords(layer_regions: Sequence[Tuple[str, str]], reducers: Mapping[str, LayerReducer]) -> Dict[str, List[Any]]:
    """The ``neuroid`` coordinates of the recorded features, layer after layer."""
    neuroid: Dict[str, List[Any]] = {k: [] for k in ("neuroid_id", "neuroid_num", "layer", "region",
                                                     "channel", "channel_x", "channel_y")}
    for layer, region in layer_regions:
        reducer = reducers[layer]
        n = reducer.n_features
        neuroid["neuroid_id"] += [f"{layer}.{i}" for i in range(n)]
        neuroid["neuroid_num"] += list(range(n))
        neuroid["layer"] += [layer] * n
        neuroid["region"] += [region] * n
        for key in ("channel", "channel_x", "channel_y"):
            neuroid[key] += reducer.coords[key].tolist()
    return neuroid


class DynVisionBrainModel(BrainModel):
    """A DynVision model (``DynamicsModel``/``LightningBase``) as a Brain-Score ``BrainModel``.

    :param model: the DynVision model (put in eval mode; run under ``torch.no_grad``), or a static
        model (:func:`dynvision.models.static_model`: run once per image, its response held in every
        time bin; its declared ``visual_degrees`` is the default field of view).
    :param identifier: unique name; default ``<ModelClass>-<weights hash>``.
    :param settings: how the model is shown the stimuli and recorded (:class:`~brain_models.AdapterSettings`:
        visual degrees, presentation time, latency, region->layer map, feature reduction, readout,
        batch size, device, ...); keyword arguments named like its fields change single settings,
        e.g. ``DynVisionBrainModel(model, t_presentation=50)``.
    :param image_size: ``(H, W)`` or int; must match the model's ``input_dims`` (default: taken from it).
    :param mean, std: per-channel normalization (default: the model's ``image_mean``/``image_std``
        attributes if it has them, else ImageNet's).
    :param region_benchmarks: ``{region: benchmark}`` used to choose a layer for a region that has none
        (see :func:`brain_models.select_layer`); the choice is stored under ``$DYNVISION_HOME``.
    :param progress: called as ``progress(done, total)`` while images are recorded: ``(0, total)``
        before the first batch of a recording, then after every batch with the images done so far.

    After a recording, :attr:`recorded_layers` and :attr:`recorded_bins` say what the caller asked
    for and :attr:`extraction_seconds` how long recording took in total.
    """

    def __init__(
        self,
        model: nn.Module,
        identifier: Optional[str] = None,
        settings: Optional[AdapterSettings] = None,
        *,
        image_size: Union[int, Tuple[int, int], None] = None,
        mean: Optional[Sequence[float]] = None,
        std: Optional[Sequence[float]] = None,
        region_benchmarks: Optional[Mapping[str, Callable]] = None,
        progress: Optional[ProgressHook] = None,
        **changes: Any,
    ):
        self.static = is_static(model)
        if not isinstance(model, nn.Module) or not hasattr(model, "input_dims") or not (
                self.static or hasattr(model, "dt")):
            raise TypeError(f"expected a DynVision model (with dt and input_dims) or a "
                            f"dynvision.models.static_model, got {type(model).__name__}")
        settings = (settings or AdapterSettings()).replace(**changes)
        self.model = model
        if settings.device is not None:
            self.model.to(settings.device)
        self.model.eval()
        self.device = next(self.model.parameters()).device
        self._identifier = identifier or f"{type(model).__name__}-{weights_hash(model)}"
        self._visual_degrees = float(settings.visual_degrees if settings.visual_degrees is not None
                                     else getattr(model, "visual_degrees", None) or DEFAULT_VISUAL_DEGREES)
        self.dt = 0.0 if self.static else float(model.dt)  # a static model takes no time steps
        self.t_presentation = None if settings.t_presentation is None else float(settings.t_presentation)
        self.latency = float(settings.latency)
        self.batch_size, self.max_segment_steps = int(settings.batch_size), int(settings.max_segment_steps)
        self.reduction, self.max_features, self.seed = settings.reduction, int(settings.max_features), int(settings.seed)
        self.reference_images = int(settings.reference_images)
        self.squeeze_single_bin = bool(settings.squeeze_single_bin)
        _, channels, height, width = (int(d) for d in model.input_dims)
        if image_size is not None:
            size = (int(image_size), int(image_size)) if np.isscalar(image_size) else tuple(int(s) for s in image_size)
            if size != (height, width):
                raise ValueError(f"image_size={size} differs from the model's input (H, W)=({height}, {width}) "
                                 f"(input_dims={tuple(model.input_dims)})")
        mean = mean if mean is not None else getattr(model, "image_mean", None)
        std = std if std is not None else getattr(model, "image_std", None)
        self.loader = ImageLoader(channels, height, width, mean, std)
        declared = dict(getattr(type(model), "region_layer_map", {}) or {})
        declared.update(getattr(model, "region_layer_map", {}) or {})
        self.region_layer_map: Dict[str, LayerSpec] = {
            **load_stored_region_layer_map(self._identifier), **declared, **dict(settings.region_layer_map)}
        self.region_benchmarks = dict(region_benchmarks or {})
        #: {region: what brain_models.select_layer chose in this session (layer, scores, split)}
        self.layer_selections: Dict[str, Dict[str, Any]] = {}
        self.behavioral_readout_layer = settings.behavioral_readout_layer
        #: the time the model was trained over; recordings beyond it are flagged (:attr:`horizon_notes`);
        #: None for a static model, whose response does not depend on time
        self.trained_horizon_ms: Optional[float] = None if self.static else float(
            getattr(model, "trained_horizon_ms", int(model.input_dims[0]) * self.dt))
        self.scored_horizon_ms: Optional[float] = None
        self.horizon_notes: List[str] = []
        window = getattr(model, "loss_window_ms", None)
        if self.trained_horizon_ms is None:  # any bin holds the same response: Brain-Score's standard window
            default_readout = DEFAULT_TIME_BINS[0][1]
            default_window = DEFAULT_TIME_BINS[0][1] - DEFAULT_TIME_BINS[0][0]
        else:
            default_readout = float(window[1]) if window is not None else self.trained_horizon_ms
            default_window = self.dt
        self.readout_time = float(settings.readout_time) if settings.readout_time is not None else default_readout
        self.readout_window = float(settings.readout_window) if settings.readout_window is not None else default_window
        self.progress = progress
        self.extraction_seconds = 0.0
        self.recorded_layers: List[str] = []
        self.recorded_bins: List[Tuple[float, float]] = []
        self._reducers: Dict[str, LayerReducer] = {}
        self._recording: Optional[Tuple[List[Tuple[str, str]], TimePlan]] = None
        self._behavior = None
        self._task: Optional[str] = None

    # --------------------------------------------------------------- identity
    @property
    def identifier(self) -> str:
        return self._identifier

    def visual_degrees(self) -> float:
        return self._visual_degrees

    # ------------------------------------------------------------- recording
    def available_layers(self) -> List[str]:
        """Layers that can be recorded: the model's areas and ``"classifier"``
        (any submodule path works too, through a forward hook)."""
        return engine_layers(self.model) + [CLASSIFIER]

    def layers_for(self, region: str) -> List[str]:
        """The committed layer(s) of ``region``; chooses one with the region's
        benchmark (``region_benchmarks``) if none is committed yet."""
        if region not in self.region_layer_map and region in self.region_benchmarks:
            from .layer_selection import select_layer

            select_layer(self, region, self.region_benchmarks[region])
        if region not in self.region_layer_map:
            raise ValueError(
                f"{self.identifier}: no layer is committed to region {region!r}; committed: "
                f"{self.region_layer_map or 'none'}. Pass region_layer_map={{{region!r}: <layer>}} "
                f"(layers: {', '.join(self.available_layers())}), or choose one with "
                f"brain_models.select_layer(brain_model, {region!r}, benchmark)"
            )
        layers = self.region_layer_map[region]
        return [layers] if isinstance(layers, str) else list(layers)

    def start_recording(self, recording_target: str, time_bins: Any = None) -> None:
        """Record ``recording_target`` (a region) in ``time_bins`` (ms after onset)
        on every following :meth:`look_at`."""
        layers = self.layers_for(recording_target)
        plan = self.plan(DEFAULT_TIME_BINS if time_bins is None else time_bins)
        self._check_horizon(plan)
        self._reducers_for(layers)
        self._recording = ([(layer, recording_target) for layer in layers], plan)
        self.recorded_layers, self.recorded_bins = list(layers), list(plan.bins)
        self._task = None
        self._behavior = None

    def check_recording(self, recording_target: str, time_bins: Any) -> None:
        """What :meth:`start_recording` checks (the region's layers can be recorded, the bins lie
        on the model's time grid), without fitting any feature reduction."""
        self._layer_shapes(self.layers_for(recording_target))
        self.plan(time_bins)

    def _layer_shapes(self, layers: Sequence[str]) -> Dict[str, Any]:
        _, c, h, w = self.model.input_dims
        try:
            return layer_shapes(self.model, layers, c, h, w, self.device)
        except KeyError as error:
            raise ValueError(f"{self.identifier}: cannot record layer {error.args[0]!r}; layers: "
                             f"{', '.join(self.available_layers())} (or a submodule path)") from None

    def _reducers_for(self, layers: Sequence[str]) -> Dict[str, LayerReducer]:
        missing = [layer for layer in layers if layer not in self._reducers]
        if missing:
            shapes = self._layer_shapes(missing)
            for layer in missing:
                # the classifier's outputs are class scores: never mixed by a projection
                reduction = "none" if layer == CLASSIFIER else self.reduction
                reducer = LayerReducer(layer, shapes[layer], self.max_features, reduction, self.seed)
                if reducer.needs_fit:
                    self._fit_on_reference_images(reducer)
                self._reducers[layer] = reducer
                _logger.debug("feature reduction %s", reducer.describe())
        return {layer: self._reducers[layer] for layer in layers}

    def _fit_on_reference_images(self, reducer: LayerReducer) -> None:
        """Fit a PCA reducer on the layer's responses to the fixed reference images
        (:mod:`brain_models.reference_images`), each image shown for the model's whole
        trained horizon and its responses averaged over it. Fitted once per process for
        the same weights, layer, normalization and settings."""
        from .reference_images import REFERENCE_SET, reference_images

        # a static model's response is the same in any window: Brain-Score's standard one is recorded
        horizon = DEFAULT_TIME_BINS[0][1] if self.trained_horizon_ms is None else self.trained_horizon_ms
        key = (weights_hash(self.model), reducer.layer, reducer.shape, reducer.max_features, self.reference_images,
               REFERENCE_SET, self.loader.mean, self.loader.std, self.dt, horizon)
        if key not in _FITTED_PCA:
            window = [(0.0, horizon)]
            plan = static_plan(window) if self.static else plan_time(window, self.dt, None, 0.0)
            rows = []
            for start in range(0, self.reference_images, self.batch_size):
                n = min(self.batch_size, self.reference_images - start)
                images = reference_images(n, self.loader, start=start).to(self.device)
                sums = run_binned(self.model, images, plan, [reducer.layer], {reducer.layer: reducer.prepare},
                                  self.max_segment_steps)
                rows.append(sums[reducer.layer][:, 0].float().cpu())
            try:
                fitted = reducer.fit(torch.cat(rows), {"image_set": REFERENCE_SET, "window_ms": [0.0, horizon]})
            except ValueError:
                raise ValueError(
                    f"{self.identifier}: layer {reducer.layer!r} does not respond to the reference images within "
                    f"0-{horizon:g} ms (the model's trained horizon), so no PCA can be fitted; use reduction='pool' "
                    f"(--reduction pool) or max_features >= {int(np.prod(reducer.shape))} (keeps every unit)") from None
            _FITTED_PCA[key] = (fitted.matrix, fitted.fit_info)
        reducer.use(*_FITTED_PCA[key])

    def feature_reductions(self) -> Dict[str, str]:
        """How each recorded layer's responses were reduced (recorded in results)."""
        return {layer: reducer.describe() for layer, reducer in self._reducers.items()}

    def look_at(self, stimuli: Any, number_of_trials: int = 1, require_variance: bool = False):
        """Recordings (``presentation x neuroid x time_bin``) after :meth:`start_recording`,
        or the behaviour of the current task. The model is deterministic, so
        ``number_of_trials`` repetitions would be identical: it runs once."""
        if self._behavior is not None:
            return self._behavior.look_at(stimuli, number_of_trials=number_of_trials, require_variance=require_variance)
        if self._task == BrainModel.Task.passive and self._recording is None:
            return None
        if self._recording is None:
            raise RuntimeError(f"{self.identifier}: call start_recording(recording_target, time_bins) "
                               "or start_task(task, ...) before look_at")
        layer_regions, plan = self._recording
        assembly = self.record(stimuli, layer_regions, plan)
        if self.squeeze_single_bin and assembly.sizes["time_bin"] == 1:
            assembly = assembly.squeeze("time_bin")
        return assembly

    def record(self, stimuli: Any, layer_regions: Sequence[Tuple[str, str]], plan: TimePlan) -> NeuroidAssembly:
        """Stream ``stimuli`` through the model and return the bin means of the
        reduced responses of each ``(layer, region)``: ``presentation x neuroid x time_bin``."""
        stimuli = stimuli if isinstance(stimuli, Stimuli) else as_stimuli(stimuli)
        layers = [layer for layer, _ in layer_regions]
        if len(set(layers)) != len(layers):
            raise ValueError(f"layer recorded twice in {layer_regions}")
        reducers = self._reducers_for(layers)
        paths, ids, index = stimuli.unique_paths()
        values = self._bin_means(paths, ids, plan, layers, reducers)
        if len(paths) != len(stimuli) or (index != np.arange(len(index))).any():
            values = values[index]  # repeated stimuli share one run
        neuroid = _neuroid_coords(layer_regions, reducers)
        coords = {name: ("presentation", column) for name, column in stimuli.coords.items()}
        coords.update({name: ("neuroid", np.asarray(column)) for name, column in neuroid.items()})
        coords["time_bin_start"] = ("time_bin", [_coord_value(s) for s, _ in plan.bins])
        coords["time_bin_end"] = ("time_bin", [_coord_value(e) for _, e in plan.bins])
        assembly = NeuroidAssembly(values, coords=coords,
                                   dims=["presentation", "neuroid", "time_bin"])
        assembly.attrs["model_identifier"] = self.identifier
        assembly.attrs["dt"] = self.dt
        assembly.attrs["static"] = int(self.static)
        assembly.attrs["latency"] = self.latency
        assembly.attrs["t_presentation"] = -1.0 if self.t_presentation is None else self.t_presentation
        return assembly

    def _bin_means(self, paths: Sequence[Any], ids: Sequence[Any], plan: TimePlan, layers: Sequence[str],
                   reducers: Dict[str, LayerReducer]) -> np.ndarray:
        """``unique images x features x bins``: the model run batch by batch, the reduced responses
        of ``layers`` averaged into the plan's bins on the fly (reported to :attr:`progress`)."""
        offsets = np.concatenate([[0], np.cumsum([reducers[layer].n_features for layer in layers])])
        # filled batch by batch: the only full-size array (unique images x features x bins)
        values = np.empty((len(paths), int(offsets[-1]), len(plan.bins)), dtype=np.float32)
        starts = list(range(0, len(paths), self.batch_size))

        def load(start: int) -> torch.Tensor:
            return self.loader.load_batch(paths[start:start + self.batch_size], ids[start:start + self.batch_size])

        began = time.perf_counter()
        if self.progress is not None:
            self.progress(0, len(paths))
        # the next batch's images are decoded in a thread while the model runs on this one
        with ThreadPoolExecutor(max_workers=1) as prefetch:
            pending = prefetch.submit(load, starts[0])
            for i, start in enumerate(starts):
                images = pending.result()
                if i + 1 < len(starts):
                    pending = prefetch.submit(load, starts[i + 1])
                sums = run_binned(self.model, images.to(self.device), plan, layers, reducers, self.max_segment_steps)
                for layer, lo, hi in zip(layers, offsets[:-1], offsets[1:]):
                    values[start:start + self.batch_size, lo:hi, :] = sums[layer].transpose(1, 2).float().cpu().numpy()
                del sums, images
                if self.progress is not None:
                    self.progress(min(start + self.batch_size, len(paths)), len(paths))
        self.extraction_seconds += time.perf_counter() - began
        return values

    def features(self, stimuli: Any, layers: Sequence[str], time_bins: Any = None,
                 region: str = "") -> NeuroidAssembly:
        """Reduced responses of any ``layers`` in ``time_bins`` (default: the
        readout bin), ``presentation x neuroid x time_bin``; for analysis and readouts."""
        if time_bins is None:
            time_bins = [self.readout_bin()]
        plan = self.plan(time_bins)
        self._check_horizon(plan)
        layers = [CLASSIFIER if layer == LOGITS else layer for layer in layers]
        return self.record(stimuli, [(layer, region) for layer in layers], plan)

    def plan(self, time_bins: Any) -> TimePlan:
        """How a recording in ``time_bins`` runs the model (:func:`plan_time`; one pass for a static model)."""
        if self.static:
            return static_plan(time_bins)
        return plan_time(time_bins, self.dt, self.t_presentation, self.latency)

    def _check_horizon(self, plan: TimePlan) -> None:
        """Warn (once per horizon) and keep a note when a recording runs the model
        past the time it was trained over."""
        if self.trained_horizon_ms is None:
            return
        scored = plan.n_steps * self.dt
        self.scored_horizon_ms = max(scored, self.scored_horizon_ms or 0.0)
        if scored <= self.trained_horizon_ms + 1e-9:
            return
        note = (f"{self.identifier}: scored up to {scored:g} ms of model time, beyond its trained horizon of "
                f"{self.trained_horizon_ms:g} ms (responses after {self.trained_horizon_ms:g} ms were never trained)")
        if note not in self.horizon_notes:
            self.horizon_notes.append(note)
            warnings.warn(note, RuntimeWarning, stacklevel=3)

    # ------------------------------------------------------------- behaviour
    def input_arrival_time(self, layer: str) -> Optional[float]:
        """ms (model time) when input first reaches ``layer``, from the model's delays
        (None when the model cannot say: a per-step ``forward`` or a hooked submodule)."""
        arrival = getattr(self.model, "input_arrival_time", None)
        if arrival is None or layer not in self.available_layers():
            return None
        return arrival(layer)

    def check_readout_time(self, layer: str) -> None:
        """A one-line error when :attr:`readout_time` is earlier than input reaches ``layer``."""
        arrival = self.input_arrival_time(layer)
        if arrival is not None and self.readout_time < arrival - 1e-9:
            raise ValueError(
                f"{self.identifier}: readout_time={self.readout_time:g} ms is earlier than {arrival:g} ms, when input "
                f"first reaches the readout layer {layer!r} (from the model's delays); read out at {arrival:g} ms or later")

    def readout_bin(self) -> Tuple[float, float]:
        """The recorded-time bin behaviour is read out in."""
        end = self.readout_time + self.latency
        return (end - self.readout_window, end)

    def readout_layer(self) -> str:
        if self.behavioral_readout_layer is not None:
            return self.behavioral_readout_layer
        if "IT" in self.region_layer_map:
            return self.layers_for("IT")[-1]
        layers = engine_layers(self.model)
        return layers[-1] if layers else CLASSIFIER

    def _readout_activations(self, stimuli, layers, number_of_trials: int = 1, require_variance: bool = False,
                             **_: Any) -> NeuroidAssembly:
        """Brain-Score's behaviour helpers call this like an activations model:
        features in the readout bin, ``presentation x neuroid``."""
        return self.features(stimuli, list(layers)).squeeze("time_bin", drop=True)

    def start_task(self, task: str, fitting_stimuli: Any = None, *args: Any, **kwargs: Any) -> None:
        """``passive``; ``label`` (second argument: ``'imagenet'`` or a list of
        labels); ``probabilities`` (second argument: fitting stimuli with an
        ``image_label`` column); ``odd_one_out``."""
        from . import behavior

        if task == BrainModel.Task.passive:
            self._behavior, self._task = None, task
            return
        self.check_readout_time(CLASSIFIER if task == BrainModel.Task.label else self.readout_layer())
        if task == BrainModel.Task.label:
            choice_labels = kwargs.pop("choice_labels", fitting_stimuli)
            executor = behavior.LabelReadout(self, choice_labels, **kwargs)
        elif task == BrainModel.Task.probabilities:
            if fitting_stimuli is None:
                raise ValueError("the probabilities task needs fitting_stimuli (a StimulusSet with an 'image_label' column)")
            executor = behavior.probabilities_readout(self, fitting_stimuli, *args, **kwargs)
        elif task == BrainModel.Task.odd_one_out:
            if fitting_stimuli is not None:
                raise ValueError("the odd_one_out task takes no fitting stimuli")
            executor = behavior.odd_one_out_readout(self)
        else:
            raise ValueError(f"unknown task {task!r}; tasks: passive, label, probabilities, odd_one_out")
        self._behavior, self._task = executor, task
        self.recorded_layers, self.recorded_bins = [self.readout_layer()], [self.readout_bin()]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.identifier!r}, dt={self.dt:g} ms, t_presentation={self.t_presentation}, "
                f"latency={self.latency:g} ms, regions={self.region_layer_map})")
