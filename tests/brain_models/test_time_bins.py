"""Time bins in every form Brain-Score passes them, and the step plan."""
import numpy as np
import pytest

from brain_models.time_bins import normalize_time_bins, plan_time, suggest_dt


@pytest.mark.parametrize("bins, expected", [
    ([(70, 170)], [(70.0, 170.0)]),
    ([[50, 100], [100, 150]], [(50.0, 100.0), (100.0, 150.0)]),
    ((70, 170), [(70.0, 170.0)]),
    (np.array([(70, 170), (170, 270)]), [(70.0, 170.0), (170.0, 270.0)]),
    (np.array([(70, 170), (170, 270)], dtype=object), [(70.0, 170.0), (170.0, 270.0)]),
    ([np.array((70, 170), dtype=object)], [(70.0, 170.0)]),  # timebins_from_assembly of a squeezed assembly
    (np.array((70, 170), dtype=object), [(70.0, 170.0)]),
    ([(np.int64(0), np.int64(10))], [(0.0, 10.0)]),
])
def test_normalize_accepts_brainscore_forms(bins, expected):
    assert normalize_time_bins(bins) == expected


def test_object_array_of_tuples_from_an_assembly():
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    assembly = NeuroidAssembly(np.zeros((1, 1, 2)), coords={
        "stimulus_id": ("presentation", ["a"]), "neuroid_id": ("neuroid", ["n"]),
        "time_bin_start": ("time_bin", [0, 10]), "time_bin_end": ("time_bin", [10, 20])},
        dims=["presentation", "neuroid", "time_bin"])
    assert normalize_time_bins(assembly["time_bin"].values) == [(0.0, 10.0), (10.0, 20.0)]


@pytest.mark.parametrize("bad", [None, [], [(10, 5)], [(1, 2, 3)], ["ab"], [(0, float("nan"))]])
def test_normalize_rejects_malformed(bad):
    with pytest.raises(ValueError):
        normalize_time_bins(bad)


def test_plan_maps_steps_to_bins_by_end_time():
    plan = plan_time([(0, 10), (10, 30)], dt=5, t_presentation=15)
    assert plan.n_steps == 6  # last step ends at 30 ms
    assert plan.n_presentation_steps == 3
    np.testing.assert_allclose(plan.step_end_times, [5, 10, 15, 20, 25, 30])
    np.testing.assert_allclose(plan.weights, [[0.5, 0.5, 0, 0, 0, 0], [0, 0, 0.25, 0.25, 0.25, 0.25]])


def test_plan_skips_recording_before_the_first_bin_and_splits_at_offset():
    plan = plan_time([(70, 170)], dt=10, t_presentation=100)
    segments = plan.segments(max_steps=4)
    assert sum(k1 - k0 for k0, k1, _, _ in segments) == plan.n_steps == 17
    assert [s for s in segments if not s[3]][-1][1] == 7  # steps 0..6 end at <= 70 ms: not recorded
    assert all(on == (k1 <= 10) for k0, k1, on, _ in segments)
    assert all(k1 - k0 <= 4 for k0, k1, _, _ in segments)


def test_bin_edge_off_the_step_grid_names_the_values_and_a_working_dt():
    with pytest.raises(ValueError, match=r"time bin \(70, 75\) ms: end=75 ms is not a whole number of the model's "
                                         r"dt=10 ms steps; nearest valid values: 70 or 80 ms.*dt=5 ms"):
        plan_time([(0, 70), (70, 75)], dt=10, t_presentation=None)
    # a bin that would hold whole steps but starts between two steps is refused too (no silent widening)
    with pytest.raises(ValueError, match=r"start=70 ms .* dt=4 ms .* 68 or 72 ms.*dt=10 ms"):
        plan_time([(70, 170)], dt=4, t_presentation=None)
    assert suggest_dt([70, 170, 175]) == 5
    assert suggest_dt([0, 2.5, 10]) == 2.5


def test_presentation_time_is_whole_steps_or_an_error():
    assert plan_time([(0, 10)], dt=2, t_presentation=6).n_presentation_steps == 3
    with pytest.raises(ValueError, match=r"t_presentation=5 ms is not a whole number of the model's dt=2 ms steps; "
                                         r"nearest valid values: 4 or 6 ms"):
        plan_time([(0, 10)], dt=2, t_presentation=5)


def test_latency_off_the_step_grid_is_an_error():
    with pytest.raises(ValueError, match=r"model time \(47, 57\) after latency=3 ms"):
        plan_time([(50, 60)], dt=2, t_presentation=None, latency=3)


def test_latency_shifts_model_time():
    plan = plan_time([(50, 60)], dt=2, t_presentation=None, latency=40)
    assert np.flatnonzero(plan.weights[0]).tolist() == [5, 6, 7, 8, 9]  # steps ending 12..20 ms
    with pytest.raises(ValueError, match="before the model sees the stimulus"):
        plan_time([(0, 30)], dt=2, t_presentation=None, latency=40)
    with pytest.raises(ValueError, match="ends before the stimulus reaches the model"):
        plan_time([(0, 30), (40, 60)], dt=2, t_presentation=None, latency=40)


def test_recording_past_the_trained_horizon_warns_and_keeps_a_note(tiny_model):
    import warnings

    from brain_models import DynVisionBrainModel

    brain_model = DynVisionBrainModel(tiny_model, t_presentation=10)  # 10 steps of 2 ms: trained over 20 ms
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        brain_model.start_recording("IT", [(0, 10), (10, 20)])
    assert brain_model.horizon_notes == [] and brain_model.scored_horizon_ms == 20.0
    with pytest.warns(RuntimeWarning, match=r"scored up to 40 ms of model time, beyond its trained horizon of 20 ms"):
        brain_model.start_recording("IT", [(20, 40)])
    assert len(brain_model.horizon_notes) == 1
