"""Cowley2023 loaders on the real shared files: shapes, coordinates, stimulus sets."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from benchmarks.cowley2023 import data, files

pytestmark = pytest.mark.data

# per-image repeat counts of session 210325: 36x6, 261x7, 294x8, 45x9, 4x10
N_TRIALS_210325 = 36 * 6 + 261 * 7 + 294 * 8 + 45 * 9 + 4 * 10


def test_trial_assembly_of_210325(shared_data_dir):
    assembly = data.load_assembly("210325", data_dir=shared_data_dir)
    assert assembly.dims == ("presentation", "neuroid", "time_bin")
    assert assembly.shape == (N_TRIALS_210325, 50, 1)
    assert not np.isnan(assembly.values).any()  # NaN padding dropped
    assert set(assembly["region"].values) == {"V4"}
    assert len(set(assembly["neuroid_id"].values)) == 50
    assert assembly["time_bin_start"].values.tolist() == [50]
    assert assembly["time_bin_end"].values.tolist() == [150]
    counts = {}
    for stimulus_id, repetition in zip(assembly["stimulus_id"].values, assembly["repetition"].values):
        counts.setdefault(stimulus_id, []).append(int(repetition))
    assert len(counts) == 640
    assert all(reps == list(range(len(reps))) for reps in counts.values())  # 0..n-1 per image
    assert {len(reps) for reps in counts.values()} == {6, 7, 8, 9, 10}
    assert set(counts) == set(assembly.stimulus_set["stimulus_id"])
    assert assembly.attrs["stimulus_set_identifier"] == "Cowley2023.210325"
    assert 2.0 < float(assembly.mean()) < 2.8  # README: about 2.4 spikes per 100 ms bin


def test_averaging_reproduces_the_published_averages(shared_data_dir):
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition
    trials = data.load_assembly("210325", data_dir=shared_data_dir).squeeze("time_bin")
    ours = average_repetition(trials)
    published = data.load_assembly("210325", data_dir=shared_data_dir, average_repetitions=True)
    ours = ours.sortby("image_number")
    assert list(ours["stimulus_id"].values) == list(published["stimulus_id"].values)
    neuroids = list(published["neuroid_id"].values)
    assert list(ours.transpose("presentation", "neuroid")["neuroid_id"].values) == neuroids
    np.testing.assert_allclose(ours.transpose("presentation", "neuroid").values,
                               published.values[:, :, 0], rtol=1e-12)


def test_session_210224_is_averaged_only(shared_data_dir):
    assembly = data.load_assembly("210224", data_dir=shared_data_dir)
    assert assembly.shape == (800, 67, 1)
    assert "repetition" not in assembly.coords
    with pytest.raises(ValueError, match="repeat-averaged only"):
        data.load_assembly("210224", data_dir=shared_data_dir, average_repetitions=False)


def test_stimulus_set(shared_data_dir, isolated_environment):
    stimuli = data.load_stimulus_set("210325", data_dir=shared_data_dir)
    assert stimuli.identifier == "Cowley2023.210325"
    assert list(stimuli["image_number"]) == list(range(1, 641))
    assert stimuli["stimulus_id"].is_unique
    first = stimuli.get_stimulus(stimuli["stimulus_id"].iloc[0])
    assert first.name == "image0001.jpg" and str(isolated_environment) in str(first)
    assert all(path.is_file() for path in stimuli.stimulus_paths.values())
    assert Image.open(first).size == (112, 112)
    # stimulus_paths is StimulusSet metadata: it survives a selection
    assert stimuli[stimuli["image_number"] <= 3].stimulus_paths is not None


def test_images_are_extracted_once_and_atomically(shared_data_dir, isolated_environment, all_files):
    first = data.load_stimulus_set("210224", data_dir=shared_data_dir)
    folder = first.get_stimulus(first["stimulus_id"].iloc[0]).parent
    stamp = folder.stat().st_mtime_ns
    data.load_stimulus_set("210224", data_dir=shared_data_dir)
    assert folder.stat().st_mtime_ns == stamp
    assert not [name for name in all_files(isolated_environment) if ".part" in name]


def test_unknown_session_is_named(shared_data_dir):
    with pytest.raises(ValueError, match="210325, 210224"):
        data.load_assembly("190923", data_dir=shared_data_dir)


def test_shared_files_match_the_readme_checksums(shared_data_dir):
    located = files.locate(files.SHA1, data_dir=shared_data_dir, offline=True)
    assert set(located) == set(files.SHA1)
