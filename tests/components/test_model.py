"""Behaviour of the engine: gradients through time, determinism, reset,
input checks, schedules, adaptation, debug mode."""
import warnings

import pytest
import torch
from torch import nn

from dynvision.model_components import (
    Adaptation,
    DynamicsError,
    RecurrentConnectedConv2d,
    SupraLinear,
    operations,
)
from tests.helpers.models import TwoAreas, UnitChain


@pytest.fixture
def model():
    return TwoAreas(input_dims=(6, 3, 8, 8), n_classes=5)


def test_output_and_response_shapes(model):
    y = model(torch.randn(2, 3, 8, 8), store_responses=True)
    assert y.shape == (2, 6, 5)
    responses = model.get_responses()
    assert responses["V1"].shape == (2, 6, 4, 8, 8)
    assert responses["V2"].shape == (2, 6, 9, 4, 4)
    assert responses["classifier"].shape == (2, 6, 5)


def test_sequence_input_sets_number_of_steps(model):
    assert model(torch.randn(2, 9, 3, 8, 8)).shape == (2, 9, 5)


def test_gradients_reach_first_layer_and_first_step(model):
    x = torch.randn(2, 6, 3, 8, 8, requires_grad=True)
    model(x)[:, -1].sum().backward()
    assert model.V1.conv.weight.grad.abs().sum() > 0
    assert model.V1.recurrence.weight.grad.abs().sum() > 0
    assert model.feedback.projection.weight.grad.abs().sum() > 0
    assert x.grad[:, 0].abs().sum() > 0  # the first frame still matters at the last step


def test_identical_calls_identical_outputs(model):
    x = torch.randn(2, 3, 8, 8)
    assert torch.equal(model(x), model(x))


def test_reset_restores_fresh_state(model):
    x, other = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    fresh = model(x)
    model(other)
    continued = model(x, reset=False)
    assert not torch.allclose(continued, fresh)
    model.reset()
    assert torch.equal(model(x, reset=False), fresh)


def test_responses_not_kept_when_not_recording(model):
    model(torch.randn(1, 3, 8, 8))
    assert model.get_responses() == {}
    assert all(rt.responses == [] for rt in model._runtimes)


@pytest.mark.parametrize("shape, message", [
    ((2, 8, 8), r"expected \(B, C, H, W\)"),
    ((2, 1, 8, 8), r"expected \(C, H, W\) = \(3, 8, 8\), got \(1, 8, 8\)"),
    ((2, 3, 16, 16), r"does not match input_dims"),
])
def test_bad_input_shape_is_a_clear_error(model, shape, message):
    with pytest.raises(ValueError, match=message):
        model(torch.randn(*shape))


def test_unknown_operation_and_solver_are_build_errors():
    class Bad(TwoAreas):
        def _define_architecture(self):
            super()._define_architecture()
            self.layer_operations = ["layer", "tstep", "nonlinn"]

    with pytest.raises(ValueError, match=r"unknown layer operation\(s\) \['nonlinn'\]; valid: .*nonlin"):
        Bad()
    with pytest.raises(ValueError, match="unknown solver 'rk5'"):
        TwoAreas(solver="rk5")


def test_unknown_model_argument_names_itself():
    with pytest.raises(TypeError, match=r"unexpected argument\(s\) \['taus'\]"):
        TwoAreas(taus=3.0)


def test_euler_with_dt_above_tau_warns():
    with pytest.warns(RuntimeWarning, match="dt=4 ms > tau=2 ms"):
        TwoAreas(dt=4.0, tau=2.0, t_feedback=8.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TwoAreas(dt=4.0, tau=2.0, t_feedback=8.0, solver="rk4")


def test_feedback_needs_one_step():
    class ZeroFeedback(TwoAreas):
        def _define_architecture(self):
            super()._define_architecture()
            self.feedback.t_delay = 0.0

    with pytest.raises(ValueError, match="feedback V2->V1 delay=0 ms is shorter than 1 step"):
        ZeroFeedback()


def test_presentation_schedule_blanks_input():
    model = UnitChain(input_dims=(10, 1, 1, 1), dt=2.0, tau=4.0, t_presentation=8.0)
    model(torch.ones(1, 1, 1, 1), store_responses=True)
    trace = model.get_responses()["L0"].reshape(-1)
    assert torch.all(trace[1:4] > trace[:3])  # rising while shown (steps 0-3 end by 8 ms)
    assert torch.all(trace[5:] < trace[4:-1])  # decaying once blank


def test_idle_steps_run_before_the_stimulus_and_are_not_returned():
    class Biased(UnitChain):
        def _init_parameters(self):
            super()._init_parameters()
            self.L0.conv.bias = nn.Parameter(torch.ones(1))

    without = Biased(input_dims=(4, 1, 1, 1))
    idle = Biased(input_dims=(4, 1, 1, 1), t_idle=20.0)
    x = torch.zeros(1, 1, 1, 1)
    without(x, store_responses=True)
    idle(x, store_responses=True)
    a, b = without.get_responses()["L0"], idle.get_responses()["L0"]
    assert a.shape == b.shape == (1, 4, 1, 1, 1)
    assert torch.all(b > a)  # spontaneous activity built up during the blank


def test_adaptation_suppresses_sustained_response():
    class Adapting(UnitChain):
        def _define_architecture(self):
            super()._define_architecture()
            self.L0.adaptation = Adaptation(tau=20.0, strength=1.0)

    plain = UnitChain(input_dims=(40, 1, 1, 1), dt=1.0, tau=4.0, nonlinearity="relu")
    adapting = Adapting(input_dims=(40, 1, 1, 1), dt=1.0, tau=4.0, nonlinearity="relu")
    for m in (plain, adapting):
        m(torch.ones(1, 1, 1, 1), store_responses=True)
    p = plain.get_responses()["L0"].reshape(-1)
    a = adapting.get_responses()["L0"].reshape(-1)
    assert torch.all(p[1:] >= p[:-1])  # no adaptation: rises monotonically
    assert a.max() > a[-1] + 0.1  # adaptation: peak, then suppression
    assert a[-1] < p[-1]


def test_supralinear_nonlinearity():
    f = SupraLinear(k=0.5, n=2.0)
    assert torch.allclose(f(torch.tensor([-1.0, 0.0, 2.0])), torch.tensor([0.0, 0.0, 2.0]))
    with pytest.raises(ValueError, match="must be > 1"):
        SupraLinear(n=1.0)


def test_multiplicative_integration_gates_feedforward():
    layer = RecurrentConnectedConv2d(1, 1, 1, bias=False, integration="multiplicative", recurrence_type="self",
                                     recurrence_kernel_size=1)
    nn.init.ones_(layer.conv.weight)
    nn.init.constant_(layer.recurrence.weight, 0.5)
    drive = layer.drive(torch.full((1, 1, 1, 1), 2.0), torch.full((1, 1, 1, 1), 1.0))
    assert drive.item() == pytest.approx(2.0 * (1 + 0.5))


def test_debug_mode_names_layer_operation_and_step():
    model = UnitChain(delays=(0.0, 4.0), input_dims=(6, 1, 1, 1), dt=2.0, tau=4.0)
    with torch.no_grad():
        model.L0.conv.weight.fill_(3e38)  # finite in L0, overflows once it reaches L1
        model.L1.conv.weight.fill_(1e10)
    x = torch.ones(1, 1, 1, 1)
    model(x)  # without debug: silently non-finite
    with pytest.raises(DynamicsError, match=r"layer 'L1', operation 'layer', step 2 \(t=6 ms\): output contains inf"):
        model(x, debug=True)


def test_classifier_dataframe_is_tidy(model):
    model(torch.randn(2, 3, 8, 8))
    frame = model.get_classifier_dataframe(labels=torch.tensor([1, 3]))
    assert list(frame.columns) == ["sample", "time_ms", "class", "logit", "probability", "label"]
    assert len(frame) == 2 * 6 * 5
    assert sorted(frame.time_ms.unique()) == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    sums = frame.groupby(["sample", "time_ms"]).probability.sum()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-5)
    assert frame.query("sample == 1").label.unique().tolist() == [3]


def test_hyperparameters_rebuild_the_model(model):
    rebuilt = TwoAreas(**model.hparams)
    rebuilt.load_state_dict(model.state_dict())
    x = torch.randn(1, 3, 8, 8)
    assert torch.equal(rebuilt(x), model(x))


def test_user_operation_from_registry():
    @operations.register("halve")
    def make_halve(rt):
        def halve():
            rt.h = rt.h * 0.5
        return halve

    class Halving(UnitChain):
        def _define_architecture(self):
            super()._define_architecture()
            self.layer_operations = ["layer", "halve", "tstep", "nonlin", "record"]

    try:
        halving, plain = Halving(input_dims=(3, 1, 1, 1)), UnitChain(input_dims=(3, 1, 1, 1))
        for m in (halving, plain):
            m(torch.ones(1, 1, 1, 1), store_responses=True)
        assert torch.allclose(halving.get_responses()["L0"], 0.5 * plain.get_responses()["L0"])
    finally:
        operations._items.pop("halve")
