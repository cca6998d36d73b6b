"""Write a small example data set in the user-data layout (a template for your own, and test data).

>>> from benchmarks.user_data.example import write_example
>>> nc = write_example("my_data")                    # doctest: +SKIP
>>> # dynvision score DyRCNNx4 --benchmark my_data/assembly.nc

The responses are synthetic: each neuroid responds to a fixed random linear
filter of the (downsampled) image, plus trial noise; in the temporal variant
the response rises and decays over the bins.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence, Tuple, Union

import numpy as np


def write_example(folder: Union[str, Path], n_stimuli: int = 40, n_neuroids: int = 12, n_repetitions: int = 3,
                  time_bins: Sequence[Tuple[float, float]] = ((50, 150),), region: str = "V4",
                  image_size: int = 32, noise: float = 0.5, seed: int = 0, name: str = "assembly",
                  visual_degrees: float = 8.0) -> Path:
    """Create ``folder/<name>.nc``, ``folder/<name>.csv`` and ``folder/images/``; returns the ``.nc`` path."""
    import pandas as pd
    import xarray as xr
    from PIL import Image

    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    images = rng.random((n_stimuli, image_size, image_size, 3))
    # smooth blobs so that a downsampled image still carries the signal
    coarse = rng.random((n_stimuli, 4, 4, 3))
    images = 0.3 * images + 0.7 * np.kron(coarse, np.ones((image_size // 4, image_size // 4, 1)))
    ids, filenames = [], []
    for i in range(n_stimuli):
        stimulus_id, filename = f"stim{i:03d}", f"stim{i:03d}.png"
        Image.fromarray((images[i] * 255).astype(np.uint8)).save(folder / "images" / filename)
        ids.append(stimulus_id)
        filenames.append(filename)
    pd.DataFrame({"stimulus_id": ids, "filename": filenames,
                  "object_name": [f"object{i % 4}" for i in range(n_stimuli)]}).to_csv(
        folder / f"{name}.csv", index=False)

    features = coarse.reshape(n_stimuli, -1)
    weights = rng.normal(size=(features.shape[1], n_neuroids))
    signal = (features - features.mean(0)) @ weights  # stimuli x neuroids
    signal /= signal.std(0, keepdims=True)
    n_bins = len(time_bins)
    profile = np.exp(-((np.arange(n_bins) - n_bins / 3) ** 2) / max(n_bins, 1)) if n_bins > 1 else np.ones(1)
    values = np.empty((n_stimuli * n_repetitions, n_neuroids, n_bins))
    stimulus_coord, repetition_coord = [], []
    row = 0
    for repetition in range(n_repetitions):
        for i in range(n_stimuli):
            values[row] = (signal[i][:, None] * profile[None, :] + 2.0
                           + noise * rng.normal(size=(n_neuroids, n_bins)))
            stimulus_coord.append(ids[i])
            repetition_coord.append(repetition)
            row += 1
    coords = {
        "stimulus_id": ("presentation", stimulus_coord),
        "repetition": ("presentation", np.asarray(repetition_coord, dtype=np.int64)),
        "neuroid_id": ("neuroid", [f"unit{k:02d}" for k in range(n_neuroids)]),
        "region": ("neuroid", [region] * n_neuroids),
        "time_bin_start": ("time_bin", [float(s) for s, _ in time_bins]),
        "time_bin_end": ("time_bin", [float(e) for _, e in time_bins]),
    }
    array = xr.DataArray(values, dims=("presentation", "neuroid", "time_bin"), coords=coords, name="responses",
                         attrs={"visual_degrees": float(visual_degrees), "identifier": f"example-{name}"})
    nc = folder / f"{name}.nc"
    array.to_netcdf(nc)
    return nc
