"""Load the Cowley et al. (2023) V4 sessions as Brain-Score StimulusSets and NeuroidAssemblies.

Plugin-shaped like ``brainscore_vision/data/*``: one function per object,
everything built from the verified public files (see :mod:`.files`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd
from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

from ..fileio import extract_zip_atomically
from ..paths import PathLike, cache_dir
from . import files

REGION = "V4"
TIME_BIN = (50, 150)  # ms after stimulus onset; spike counts are one 100 ms bin (Cowley et al.)
BIBTEX = """@article{cowley2023compact,
  title={Compact deep neural network models of visual cortex},
  author={Cowley, Benjamin R and Stan, Patricia L and Pillow, Jonathan W and Smith, Matthew A},
  journal={bioRxiv},
  pages={2023--11},
  year={2023},
  url={https://github.com/cowleygroup/V4_compact_models}}"""


def identifier(session: str) -> str:
    """Brain-Score style identifier of a session's data, e.g. ``Cowley2023.210325``."""
    _check_session(session)
    return f"Cowley2023.{session}"


def stimulus_id(session: str, image_number: int) -> str:
    # session in the id: images of different sessions differ, so ids stay unique across sessions
    return f"{session}_image{image_number:04d}"


def load_stimulus_set(session: str, data_dir: Optional[PathLike] = None,
                      offline: Optional[bool] = None) -> StimulusSet:
    """The session's images as a StimulusSet (112x112 RGB jpgs, extracted once under ``$DYNVISION_HOME/cache``).

    Columns: ``stimulus_id``, ``image_number`` (1-based, as in the file names),
    ``filename``, ``session``. ``identifier`` is :func:`identifier`.
    """
    _check_session(session)
    name = files.images_file(session)
    zip_path = files.locate([name], data_dir, offline)[name]
    # keyed by content hash: a different zip can never be served from a stale folder
    folder = extract_zip_atomically(zip_path, cache_dir("cowley2023", f"images_{session}_{files.SHA1[name][:12]}"))
    filenames = sorted(path.name for path in folder.glob("image*.jpg"))
    numbers = [int(Path(filename).stem[len("image"):]) for filename in filenames]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"{folder} should hold image0001.jpg ... image{len(numbers):04d}.jpg without gaps; "
                         f"delete the folder to extract {zip_path} again")
    frame = pd.DataFrame({
        "stimulus_id": [stimulus_id(session, number) for number in numbers],
        "image_number": numbers,
        "filename": filenames,
        "session": session,
    })
    stimulus_set = StimulusSet(frame)
    # stimulus_paths is StimulusSet metadata (kept through pandas operations), as Brain-Score's own loader sets it
    stimulus_set.stimulus_paths = {row.stimulus_id: folder / row.filename for row in frame.itertuples()}
    stimulus_set.identifier = identifier(session)
    return stimulus_set


def load_assembly(session: str, data_dir: Optional[PathLike] = None, offline: Optional[bool] = None,
                  average_repetitions: Optional[bool] = None) -> NeuroidAssembly:
    """Spike counts (50-150 ms) as ``presentation x neuroid x time_bin``.

    Session 210325 has single trials: one presentation row per (image,
    repetition), with a 0-based ``repetition`` coordinate; the NaN padding of
    the upstream file is dropped, so images keep their own number of repeats
    (6-10). ``average_repetitions=True`` gives one row per image instead.
    Session 210224 is published repeat-averaged only (one row per image, no
    ``repetition``). Default: trials where available.

    The StimulusSet is attached as ``assembly.stimulus_set`` (``attrs``).
    """
    _check_session(session)
    has_trials = files.raw_file(session) in files.SHA1
    if average_repetitions is None:
        average_repetitions = not has_trials
    stimulus_set = load_stimulus_set(session, data_dir, offline)
    if average_repetitions:
        name = files.averaged_file(session)
        responses = np.load(files.locate([name], data_dir, offline)[name])  # (neurons, images)
        _check_images(responses.shape[1], stimulus_set, name)
        image_index = np.arange(responses.shape[1])
        repetition = None
        values = responses.T
    else:
        if not has_trials:
            raise ValueError(f"session {session} is published repeat-averaged only; "
                             "use average_repetitions=True (or session 210325 for single trials)")
        name = files.raw_file(session)
        responses = np.load(files.locate([name], data_dir, offline)[name])  # (neurons, images, repeats)
        _check_images(responses.shape[1], stimulus_set, name)
        image_index, repetition = _valid_trials(responses, name)
        values = responses[:, image_index, repetition].T
    n_neurons = responses.shape[0]
    image_number = image_index + 1
    coords = {
        "stimulus_id": ("presentation", [stimulus_id(session, n) for n in image_number]),
        "image_number": ("presentation", image_number),
        "neuroid_id": ("neuroid", [f"{session}_neuron{k:03d}" for k in range(n_neurons)]),
        "region": ("neuroid", [REGION] * n_neurons),
        "session": ("neuroid", [session] * n_neurons),
        "time_bin_start": ("time_bin", [TIME_BIN[0]]),
        "time_bin_end": ("time_bin", [TIME_BIN[1]]),
    }
    if repetition is not None:
        coords["repetition"] = ("presentation", repetition)
    assembly = NeuroidAssembly(values[:, :, np.newaxis], coords=coords,
                               dims=["presentation", "neuroid", "time_bin"])
    assembly.attrs["identifier"] = identifier(session) + (".averaged" if average_repetitions else "")
    assembly.attrs["stimulus_set_identifier"] = stimulus_set.identifier
    assembly.attrs["stimulus_set"] = stimulus_set
    return assembly


def _valid_trials(responses: np.ndarray, name: str):
    """(image index, repetition) of every recorded trial, image-major; checks the NaN padding."""
    recorded = ~np.isnan(responses)
    if not (recorded == recorded[:1]).all():
        raise ValueError(f"{name}: NaN padding differs between neurons; expected whole trials to be missing")
    per_image = recorded[0]  # (images, repeats)
    counts = per_image.sum(axis=1)
    if not all(per_image[i, :c].all() for i, c in enumerate(counts)):
        raise ValueError(f"{name}: NaN padding is not trailing; expected recorded repeats first")
    if (counts == 0).any():
        raise ValueError(f"{name}: images without any repeat: {np.flatnonzero(counts == 0) + 1}")
    image_index = np.repeat(np.arange(len(counts)), counts)
    repetition = np.concatenate([np.arange(c) for c in counts])
    return image_index, repetition


def _check_images(n_images: int, stimulus_set: StimulusSet, name: str) -> None:
    if n_images != len(stimulus_set):
        raise ValueError(f"{name} has {n_images} images but {stimulus_set.identifier} has {len(stimulus_set)}")


def _check_session(session: str) -> bool:
    if session not in files.SESSIONS:
        raise ValueError(f"unknown Cowley2023 session {session!r}; available: {', '.join(files.SESSIONS)}")
    return True
