"""Delays in ms arrive exactly at the predicted step."""
import pytest
import torch

from dynvision.model_components import Skip
from tests.helpers.models import UnitChain


def first_response_step(model, name, x):
    model(x, store_responses=True)
    trace = model.get_responses()[name].reshape(-1)
    nonzero = torch.nonzero(trace.abs() > 0)
    return int(nonzero[0]) if len(nonzero) else None


@pytest.mark.parametrize("delays", [(0.0, 2.0, 4.0), (4.0, 0.0, 6.0), (2.0, 2.0, 2.0)])
def test_feedforward_delays_add_up(delays):
    dt = 2.0
    model = UnitChain(delays=delays, input_dims=(12, 1, 1, 1), dt=dt, tau=4.0)
    x = torch.ones(1, 1, 1, 1)
    expected = 0
    for i, delay in enumerate(delays):
        expected += round(delay / dt)
        assert first_response_step(model, f"L{i}", x) == expected


@pytest.mark.parametrize("t_recurrence", [2.0, 6.0])
def test_recurrent_input_arrives_t_recurrence_later(t_recurrence):
    dt = 2.0
    model = UnitChain(delays=(4.0,), recurrence_type="self", t_recurrence=t_recurrence,
                      input_dims=(12, 1, 1, 1), dt=dt, tau=4.0)
    x = torch.ones(1, 1, 1, 1)
    with torch.no_grad():
        model.L0.recurrence.weight.fill_(0.0)
        model(x, store_responses=True)
        without = model.get_responses()["L0"].reshape(-1)
        model.L0.recurrence.weight.fill_(0.5)
        model(x, store_responses=True)
        with_recurrence = model.get_responses()["L0"].reshape(-1)
    onset = int(torch.nonzero(without)[0])
    first_difference = int(torch.nonzero(with_recurrence != without)[0])
    assert onset == 2
    # the rate of step `onset` feeds back t_recurrence later, and changes x one step after it arrives in the drive
    assert first_difference == onset + round(t_recurrence / dt)


def test_delay_not_whole_number_of_steps_is_an_error():
    with pytest.raises(ValueError, match=r"UnitChain: L0.t_feedforward=3 ms is not a whole number of the model's dt=2 ms steps; "
                                         r"nearest valid values: 2 or 4 ms"):
        UnitChain(delays=(3.0,), dt=2.0)


def test_recurrent_delay_under_one_step_is_an_error():
    with pytest.raises(ValueError, match="t_recurrence=0 ms is shorter than 1 step"):
        UnitChain(recurrence_type="self", t_recurrence=0.0, dt=2.0)


@pytest.mark.parametrize("delays", [(0.0, 2.0, 4.0), (4.0, 0.0, 6.0)])
def test_input_arrival_time_is_the_first_responding_step(delays):
    dt = 2.0
    model = UnitChain(delays=delays, input_dims=(12, 1, 1, 1), dt=dt, tau=4.0)
    x = torch.ones(1, 1, 1, 1)
    for i in range(len(delays)):
        # step k ends at (k + 1) * dt: the arrival time is the end of the first step that responds
        assert model.input_arrival_time(f"L{i}") == (first_response_step(model, f"L{i}", x) + 1) * dt
    assert model.input_arrival_time("classifier") == model.input_arrival_time(f"L{len(delays) - 1}")
    assert model.input_arrival_time() == (sum(delays) / dt + 1) * dt


def test_input_arrival_time_takes_the_fastest_path():
    class Shortcut(UnitChain):
        def _define_architecture(self):
            super()._define_architecture()
            self.skip = Skip("L0", "L2", t_delay=2.0)

    model = Shortcut(delays=(0.0, 6.0, 6.0), input_dims=(16, 1, 1, 1), dt=2.0, tau=4.0)
    # L0 at step 0, then the skip (1 step) beats the feedforward path (3 + 3 steps)
    assert model.input_arrival_time("L2") == 4.0
    assert first_response_step(model, "L2", torch.ones(1, 1, 1, 1)) == 1
