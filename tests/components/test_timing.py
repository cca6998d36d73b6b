"""The one ms -> steps rule (dynvision.timing.ms_to_steps) and where models apply it."""
import pytest
import torch

from dynvision.timing import TimeStepError, ms_to_steps
from tests.helpers.models import UnitChain


@pytest.mark.parametrize("t_ms, dt, steps", [
    (6.0, 2.0, 3),
    (0.0, 2.0, 0),
    (0.1 * 3, 0.1, 3),  # 3.0000000000000004 steps: float noise, not a fraction of a step
    (0.3, 0.1, 3),
    (200.0, 4.0, 50),
    (100.0, 2.5, 40),
])
def test_whole_steps(t_ms, dt, steps):
    assert ms_to_steps(t_ms, dt, "t") == steps


def test_fraction_of_a_step_names_value_dt_and_nearest_valid_values():
    with pytest.raises(TimeStepError) as error:
        ms_to_steps(5.0, 2.0, "t_presentation", "DyRCNNx4")
    message = str(error.value)
    assert message == ("DyRCNNx4: t_presentation=5 ms is not a whole number of the model's dt=2 ms steps; "
                       "nearest valid values: 4 or 6 ms (or a dt that divides 5 ms)")
    assert "\n" not in message


@pytest.mark.parametrize("bad", [-2.0, float("nan"), float("inf"), None])
def test_negative_or_undefined_time_is_an_error(bad):
    with pytest.raises(TimeStepError, match="t_idle="):
        ms_to_steps(bad, 2.0, "t_idle")


def test_minimum_steps():
    assert ms_to_steps(2.0, 2.0, "t_recurrence", minimum_steps=1) == 1
    with pytest.raises(TimeStepError, match=r"t_recurrence=0 ms is shorter than 1 step\(s\) of dt=2 ms; use at least 2 ms"):
        ms_to_steps(0.0, 2.0, "t_recurrence", minimum_steps=1)


def test_model_presentation_time_is_whole_steps():
    with pytest.raises(ValueError, match=r"UnitChain: t_presentation=5 ms is not a whole number .* 4 or 6 ms"):
        UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_presentation=5.0)
    model = UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_presentation=6.0)
    assert model.presentation_steps == 3
    model(torch.ones(1, 1, 1, 1), store_responses=True)
    trace = model.get_responses()["L0"].reshape(-1)
    assert torch.all(trace[1:3] > trace[:2]) and torch.all(trace[3:] < trace[2:-1])  # shown exactly 3 steps


def test_reaction_time_is_whole_steps():
    with pytest.raises(ValueError, match=r"t_reaction=3 ms is not a whole number of the model's dt=2 ms steps"):
        UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_reaction=3.0)


def test_loss_scores_the_steps_after_the_reaction_time_through_the_blank():
    # image for 8 ms (4 steps), blank to 20 ms; the readout sees the input after 4 ms
    model = UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_presentation=8.0, t_reaction=4.0)
    assert model.loss_steps == (2, 10)
    assert model.loss_window_ms == (4.0, 20.0)
    assert model.trained_horizon_ms == 20.0
    with pytest.raises(ValueError, match="t_reaction=20 ms leaves no step in the loss"):
        UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_reaction=20.0)
