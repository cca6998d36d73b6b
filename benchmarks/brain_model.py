"""The adapter for one scoring run: a :class:`~brain_models.DynVisionBrainModel` built from the
loaded model and the score options, with a progress bar and a record of what the benchmark asked for."""
from __future__ import annotations

import sys
import time
from typing import Any, List, Tuple

from .model_source import LoadedModel


def make_brain_model(loaded: LoadedModel, options: Any, benchmark: Any = None):
    """The :class:`ProgressBrainModel` for ``loaded`` with ``options``."""
    from brain_models import DynVisionBrainModel

    global ProgressBrainModel
    if ProgressBrainModel is None:
        ProgressBrainModel = _progress_class(DynVisionBrainModel)
    brain_model = ProgressBrainModel(
        loaded.model, identifier=loaded.identifier, visual_degrees=options.visual_degrees,
        region_layer_map=dict(options.region_layer_map) or None, t_presentation=options.t_presentation,
        latency=0.0 if options.latency == "auto" else options.latency, batch_size=options.batch_size, mean=loaded.mean, std=loaded.std,
        reduction=options.reduction, max_features=options.max_features, seed=options.seed,
        device=options.device)
    brain_model.progress = options.progress
    return brain_model


ProgressBrainModel = None  # built lazily: importing brain_models imports Brain-Score


def _progress_class(base):
    from brain_models.stimuli import as_stimuli
    from brain_models.time_bins import normalize_time_bins

    class _ProgressBrainModel(base):
        """The adapter, plus a progress bar over images, the time spent recording,
        and which layers/time bins the benchmark asked for."""

        progress: bool = True
        progress_label: str = "activations"

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.extraction_seconds = 0.0
            self.recorded_layers: List[str] = []
            self.recorded_bins: List[Tuple[float, float]] = []

        def start_recording(self, recording_target, time_bins=None):
            super().start_recording(recording_target, time_bins)
            self.recorded_layers = self.layers_for(recording_target)
            from brain_models import DEFAULT_TIME_BINS
            self.recorded_bins = normalize_time_bins(DEFAULT_TIME_BINS if time_bins is None else time_bins)

        def start_task(self, task, fitting_stimuli=None, *args, **kwargs):
            super().start_task(task, fitting_stimuli, *args, **kwargs)
            if task != "passive":
                self.recorded_layers = [self.readout_layer()]
                self.recorded_bins = [self.readout_bin()]

        def record(self, stimuli, layer_regions, plan):
            stimuli = as_stimuli(stimuli)
            n_images = len(stimuli.unique_paths()[0])
            bar = _bar(total=n_images, desc=self.progress_label, unit="img", enabled=self.progress)
            loader = self.loader
            original = loader.load_batch

            def counting(paths, ids):
                batch = original(paths, ids)
                bar.update(len(paths))
                return batch

            loader.load_batch = counting
            start = time.perf_counter()
            try:
                return super().record(stimuli, layer_regions, plan)
            finally:
                self.extraction_seconds += time.perf_counter() - start
                del loader.load_batch  # back to the class's method
                bar.close()

    return _ProgressBrainModel


def _bar(total: int, desc: str, unit: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=False, file=sys.stderr,
                dynamic_ncols=True)
