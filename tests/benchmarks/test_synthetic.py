"""The offline synthetic temporal benchmark: deterministic data, a cache keyed
by content, Brain-Score-shaped assemblies, and known answers: the ground-truth
network scores near the ceiling in every bin, a wrong tau and a network
without recurrence score clearly lower in the late bins."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks import catalog
from benchmarks.synthetic import IDENTIFIER
from benchmarks.synthetic.data import SyntheticConfig, data_dir, ensure_data, ground_truth_units, load_assembly
from benchmarks.synthetic.stimuli import FAMILIES, generate_stimuli

# tiny but still well posed: 48 images (16 per family), 16 neurons, 4 repeats, 10 bins of 20 ms
TINY = SyntheticConfig(n_per_family=8, contrasts=(0.5, 1.0), n_neurons=16, n_repetitions=4, bin_ms=20.0)
LATE = slice(6, None)  # bins from 120 ms: after the image went blank at 100 ms
WRONG_TAU_SCALE = 2.5


def test_stimuli_are_deterministic():
    first = generate_stimuli(3, 2, (0.5, 1.0))
    again = generate_stimuli(3, 2, (0.5, 1.0))
    other = generate_stimuli(4, 2, (0.5, 1.0))
    assert len(first) == len(FAMILIES) * 2 * 2
    assert [s.stimulus_id for s in first] == [s.stimulus_id for s in again]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(first, again))
    assert not all(np.array_equal(a.image, b.image) for a, b in zip(first, other))
    assert first[0].image.dtype == np.uint8 and first[0].image.shape == (32, 32, 3)


def test_data_are_cached_by_content_hash(isolated_environment):
    folder = ensure_data(TINY)
    assert folder.parent == isolated_environment / "cache" / "synthetic"
    assert ensure_data(TINY) == folder  # served from the cache
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no temporary leftovers
    assert len(list((folder / "images").glob("*.png"))) == 48
    changed = SyntheticConfig(**{**TINY.__dict__, "noise": 0.5})
    assert data_dir(changed) != folder


def test_generation_is_reproducible(tmp_path, monkeypatch):
    arrays = []
    for home in ("a", "b"):
        monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / home))
        with np.load(ensure_data(TINY) / "responses.npz") as stored:
            arrays.append(stored["trials"])
    np.testing.assert_array_equal(*arrays)


def test_assembly_is_brainscore_shaped():
    trials = load_assembly(TINY)
    assert trials.dims == ("presentation", "neuroid", "time_bin")
    assert trials.shape == (48 * 4, 16, 10)
    assert sorted(set(trials["repetition"].values)) == [0, 1, 2, 3]
    assert set(trials["region"].values) == {"IT"}
    assert list(trials["time_bin_start"].values) == list(range(0, 200, 20))
    assert list(trials["time_bin_end"].values) == list(range(20, 220, 20))
    stimulus_set = trials.attrs["stimulus_set"]
    assert set(stimulus_set["object_name"]) == set(FAMILIES)
    assert all(stimulus_set.get_stimulus(i).is_file() for i in stimulus_set["stimulus_id"])
    averaged = load_assembly(TINY, average_repetitions=True)
    assert averaged.sizes["presentation"] == 48


def test_registered_in_the_catalog():
    assert catalog.resolve("synthetic") == [IDENTIFIER]
    assert catalog.resolve(IDENTIFIER) == [IDENTIFIER]
    available, reason = catalog.data_available(IDENTIFIER)
    assert available and "offline" in reason


# ---------------------------------------------------------------- known answers

def _brain_model(model, identifier):
    from brain_models import DynVisionBrainModel

    return DynVisionBrainModel(model, identifier=identifier, visual_degrees=8, t_presentation=100,
                               batch_size=256)


def test_adapter_sees_exactly_the_ground_truth():
    """The true network recorded through the Brain-Score adapter reproduces the
    generator's IT units bin by bin: same images, normalization and time mapping."""
    from benchmarks.synthetic.network import ground_truth_network
    from benchmarks.synthetic.stimuli import generate_stimuli as draw

    stimulus_set = load_assembly(TINY).attrs["stimulus_set"]
    brain_model = _brain_model(ground_truth_network(), "truth")
    brain_model.start_recording("IT", time_bins=TINY.time_bins)
    recorded = brain_model.look_at(stimulus_set).transpose("presentation", "time_bin", "neuroid")
    images = np.stack([s.image for s in draw(TINY.seed, TINY.n_per_family, TINY.contrasts)])
    np.testing.assert_allclose(recorded.values, ground_truth_units(images, TINY), rtol=1e-4, atol=1e-5)


@pytest.fixture(scope="module")
def scores(tmp_path_factory):
    """Per-bin ceiled scores of the true network and the two controls (computed once)."""
    from benchmarks.synthetic.benchmark import SyntheticTemporalBenchmark
    from benchmarks.synthetic.network import ground_truth_network

    with pytest.MonkeyPatch.context() as patch:  # module scope: set up the isolation ourselves
        patch.setenv("DYNVISION_HOME", str(tmp_path_factory.mktemp("synthetic_home")))
        patch.setenv("BS_INSTALL_DEPENDENCIES", "no")
        patch.setenv("RESULTCACHING_DISABLE", "1")
        benchmark = SyntheticTemporalBenchmark(TINY)
        models = {"true": ground_truth_network(), "wrong_tau": ground_truth_network(tau_scale=WRONG_TAU_SCALE),
                  "no_recurrence": ground_truth_network(recurrence=False)}
        results = {name: benchmark(_brain_model(model, name)) for name, model in models.items()}
    return results


def test_score_structure(scores):
    score = scores["true"]
    per_bin = score.attrs["per_bin"]
    assert per_bin.dims == ("time_bin",) and per_bin.sizes["time_bin"] == 10
    assert list(per_bin["time_bin_start"].values) == list(range(0, 200, 20))
    assert float(score) == pytest.approx(float(per_bin.mean()))
    assert score.attrs["ceiling"].sizes["time_bin"] == 10
    assert 0.5 < float(score.attrs["ceiling"].min()) <= 1
    assert "error" in score.attrs and "raw" in score.attrs


def test_true_network_scores_near_the_ceiling_in_every_bin(scores):
    per_bin = scores["true"].attrs["per_bin"].values
    assert per_bin.min() > 0.8, per_bin


@pytest.mark.parametrize("control", ["wrong_tau", "no_recurrence"])
def test_wrong_dynamics_score_lower_in_late_bins(scores, control):
    true = scores["true"].attrs["per_bin"].values[LATE]
    wrong = scores[control].attrs["per_bin"].values[LATE]
    assert wrong.mean() < true.mean() - 0.15, (control, true, wrong)
    assert (wrong < true).all(), (control, true, wrong)
    assert float(scores[control]) < float(scores["true"])
