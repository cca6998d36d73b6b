"""Generate, cache and load the synthetic temporal data set.

The ground-truth network (:mod:`.network`) looks at procedurally generated
images (:mod:`.stimuli`) for ``t_presentation`` ms, then at a blank screen;
its IT units are averaged into ``bin_ms`` bins from 0 to ``t_stop`` ms. Each
synthetic "neuron" is a fixed random linear readout of the 64 IT units (all
readouts mix the same ``n_latents`` random directions: a low-rank population),
recorded ``n_repetitions`` times with independent Gaussian noise whose
standard deviation is ``noise`` times that neuron's across-stimulus signal
standard deviation in that bin (a fixed signal-to-noise ratio per bin, so
every bin, including the weak first one, has the same reliability).

Everything is seeded. The images (PNG) and trial responses are written
once, atomically, under ``$DYNVISION_HOME/cache/synthetic/<content hash>/``
where the hash covers every generator parameter and the network's true
parameters; a changed parameter gives a new folder, never a stale one.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from dynvision.timing import ms_to_steps

from ..paths import cache_dir
from .parameters import IMAGE_MEAN, IMAGE_STD, TRUE_PARAMETERS
from .stimuli import generate_stimuli

#: bump when the generator's output changes for the same parameters
GENERATOR_VERSION = 1
REGION = "IT"
RECORDED_LAYER = "IT"
IMAGE_SIZE = 32


@dataclass(frozen=True)
class SyntheticConfig:
    """Every parameter of the synthetic data; its :meth:`content_hash` names the cache folder."""

    seed: int = 0
    n_per_family: int = 10  # patterns per stimulus family (grating, blob, shape)
    contrasts: Tuple[float, ...] = (0.25, 0.5, 1.0)
    n_neurons: int = 40
    n_latents: int = 10  # the neurons mix this many random directions of IT's units
    n_repetitions: int = 8
    noise: float = 1.0  # trial noise sd / across-stimulus signal sd, per neuron and bin
    bin_ms: float = 10.0
    t_stop: float = 200.0
    t_presentation: float = 100.0
    network: Tuple[Tuple[str, Any], ...] = field(default_factory=lambda: tuple(sorted(TRUE_PARAMETERS.items())))

    def __post_init__(self) -> None:
        if self.n_repetitions < 2:
            raise ValueError(f"n_repetitions={self.n_repetitions}: the split-half ceiling needs at least 2")
        if min(self.n_per_family, self.n_neurons, self.n_latents) < 1 or not self.contrasts:
            raise ValueError("n_per_family, n_neurons, n_latents and contrasts must be non-empty")
        dt = dict(self.network)["dt"]
        for name in ("bin_ms", "t_stop", "t_presentation"):
            ms_to_steps(getattr(self, name), dt, name, "synthetic data", minimum_steps=1)

    @property
    def time_bins(self) -> List[Tuple[float, float]]:
        """``[(0, 10), (10, 20), ...]`` up to ``t_stop`` (ms after onset)."""
        n = int(round(self.t_stop / self.bin_ms))
        return [(i * self.bin_ms, (i + 1) * self.bin_ms) for i in range(n)]

    def to_dict(self) -> Dict[str, Any]:
        values = dataclasses.asdict(self)
        values["contrasts"] = list(self.contrasts)
        values["network"] = dict(self.network)
        return values

    def content_hash(self) -> str:
        payload = json.dumps({"generator_version": GENERATOR_VERSION, "image_size": IMAGE_SIZE,
                              "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD, **self.to_dict()},
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def data_dir(config: SyntheticConfig) -> Path:
    """``$DYNVISION_HOME/cache/synthetic/<content hash>`` (exists only once complete)."""
    return cache_dir("synthetic", config.content_hash())


# ---------------------------------------------------------------- generation

def ground_truth_units(images: np.ndarray, config: SyntheticConfig) -> np.ndarray:
    """Bin means of the network's IT units: ``(n_images, n_bins, 64)``.

    ``images`` are ``uint8`` ``N x H x W x 3``; they are normalized exactly as
    a Brain-Score adapter feeds them (``/255``, then ``IMAGE_MEAN``/``IMAGE_STD``).
    A bin holds the steps that *end* inside ``(start, end]`` (step ``k`` ends at ``(k+1)*dt``).
    """
    import torch

    from brain_models.time_bins import plan_time

    from .network import ground_truth_network

    network = dict(config.network)
    dt = float(network["dt"])
    n_steps = ms_to_steps(config.t_stop, dt, "t_stop", "synthetic data")
    model = ground_truth_network(n_timesteps=n_steps, **network)
    model.t_presentation = config.t_presentation
    x = torch.from_numpy(images).float().permute(0, 3, 1, 2) / 255.0
    x = (x - torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    with torch.no_grad():
        model(x, store_responses=True)
    units = model.get_responses()[RECORDED_LAYER].reshape(len(images), n_steps, -1).double().numpy()
    # the bins average the steps that end inside them, exactly as the adapter records a model
    plan = plan_time(config.time_bins, dt, config.t_presentation)
    weights = np.zeros((len(config.time_bins), n_steps))
    weights[:, :plan.n_steps] = plan.weights
    return np.einsum("bt,ntu->nbu", weights, units)


def neuron_responses(units: np.ndarray, config: SyntheticConfig) -> Tuple[np.ndarray, np.ndarray]:
    """Noise-free ``signal`` ``(stimulus, neuron, bin)`` and noisy ``trials``
    ``(repetition, stimulus, neuron, bin)`` of the random linear readouts."""
    rng = np.random.default_rng([config.seed, 1])  # its own stream: independent of the stimuli's
    # low rank, as real populations are: the neurons share n_latents directions of IT's
    # 64-d state, so a linear map from the true units (PLS, 25 components) can recover them
    latents = rng.standard_normal((units.shape[-1], config.n_latents)) / np.sqrt(units.shape[-1])
    readout = latents @ rng.standard_normal((config.n_latents, config.n_neurons)) / np.sqrt(config.n_latents)
    signal = np.einsum("nbu,uk->nkb", units, readout)
    noise_sd = config.noise * signal.std(axis=0, keepdims=True)  # (1, neuron, bin)
    trials = signal[None] + noise_sd[None] * rng.standard_normal((config.n_repetitions,) + signal.shape)
    return signal, trials


def _write(folder: Path, config: SyntheticConfig) -> None:
    from PIL import Image

    stimuli = generate_stimuli(config.seed, config.n_per_family, config.contrasts, IMAGE_SIZE)
    (folder / "images").mkdir(parents=True)
    rows = []
    for stimulus in stimuli:
        filename = f"images/{stimulus.stimulus_id}.png"
        Image.fromarray(stimulus.image, mode="RGB").save(folder / filename)
        parameters = {k: v for k, v in stimulus.parameters.items() if k not in ("object_name", "variant", "contrast")}
        rows.append({"stimulus_id": stimulus.stimulus_id, "object_name": stimulus.parameters["object_name"],
                     "variant": stimulus.parameters["variant"], "contrast": stimulus.parameters["contrast"],
                     "filename": filename, "parameters": json.dumps(parameters, sort_keys=True)})
    pd.DataFrame(rows).to_csv(folder / "stimuli.csv", index=False)
    units = ground_truth_units(np.stack([s.image for s in stimuli]), config)
    signal, trials = neuron_responses(units, config)
    np.savez(folder / "responses.npz", trials=trials.astype(np.float32), signal=signal.astype(np.float32))
    (folder / "config.json").write_text(json.dumps(config.to_dict(), indent=2, sort_keys=True))


def ensure_data(config: Optional[SyntheticConfig] = None) -> Path:
    """Generate the data set for ``config`` unless it is cached; return its folder.

    Built in a temporary sibling folder and renamed into place, so the folder
    exists only when complete; a concurrent run that finished first wins.
    """
    config = config or SyntheticConfig()
    target = data_dir(config)
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        _write(tmp, config)
        try:
            os.rename(tmp, target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# ---------------------------------------------------------------- loading

def identifier(config: SyntheticConfig) -> str:
    return f"DynVision.synthetic.{config.content_hash()}"


def load_stimulus_set(config: Optional[SyntheticConfig] = None):
    """The images as a Brain-Score ``StimulusSet`` (``stimulus_id``, ``object_name``
    = family, ``variant``, ``contrast``, ``filename``, ``parameters`` as JSON)."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    config = config or SyntheticConfig()
    folder = ensure_data(config)
    frame = pd.read_csv(folder / "stimuli.csv")
    stimulus_set = StimulusSet(frame)
    stimulus_set.stimulus_paths = {row.stimulus_id: folder / row.filename for row in frame.itertuples()}
    stimulus_set.identifier = identifier(config)
    return stimulus_set


def load_assembly(config: Optional[SyntheticConfig] = None, average_repetitions: bool = False):
    """Responses as a ``NeuroidAssembly`` ``presentation x neuroid x time_bin``.

    Single trials: one presentation per (stimulus, repetition) with a 0-based
    ``repetition`` coordinate; ``average_repetitions=True``: one per stimulus.
    ``region`` is ``IT``; ``time_bin_start``/``time_bin_end`` in ms.
    """
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition

    config = config or SyntheticConfig()
    stimulus_set = load_stimulus_set(config)
    with np.load(data_dir(config) / "responses.npz") as stored:
        trials = stored["trials"]  # (repetition, stimulus, neuroid, bin)
    n_rep, n_stim, n_neuroid, n_bin = trials.shape
    values = trials.reshape(n_rep * n_stim, n_neuroid, n_bin)
    presentation = {column: ("presentation", np.tile(stimulus_set[column].values, n_rep))
                    for column in ("stimulus_id", "object_name", "variant", "contrast")}
    presentation["repetition"] = ("presentation", np.repeat(np.arange(n_rep), n_stim))
    bins = config.time_bins
    assembly = NeuroidAssembly(values, dims=["presentation", "neuroid", "time_bin"], coords={
        **presentation,
        "neuroid_id": ("neuroid", [f"synthetic.{i:03d}" for i in range(n_neuroid)]),
        "region": ("neuroid", [REGION] * n_neuroid),
        "time_bin_start": ("time_bin", [_ms(s) for s, _ in bins]),
        "time_bin_end": ("time_bin", [_ms(e) for _, e in bins]),
    })
    assembly.attrs["stimulus_set"] = stimulus_set
    assembly.attrs["stimulus_set_identifier"] = stimulus_set.identifier
    assembly.attrs["identifier"] = identifier(config)
    if average_repetitions:
        assembly = average_repetition(assembly)
    return assembly


def _ms(value: float):
    return int(value) if float(value).is_integer() else float(value)
