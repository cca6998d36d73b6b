"""Known answers for the solvers of ``tau dx/dt = -x + I``: every registered solver
gets the same tests (its stated convergence order, fixed point, shapes, dtypes,
determinism, through the model engine) without being listed here."""
import math

import numpy as np
import pytest
import torch

from dynvision.model_components import EulerStep, RungeKuttaStep, make_solver, solvers
from dynvision.model_components.timing import step_end_times
from tests.helpers.models import UnitChain

TAU, DRIVE, T_END = 10.0, 1.0, 20.0  # tau dx/dt = -x + I with I = DRIVE


def integrate(solver_name: str, dt: float) -> float:
    step = make_solver(solver_name, dt=dt, tau=TAU)
    x, drive = torch.zeros((), dtype=torch.float64), torch.tensor(DRIVE, dtype=torch.float64)
    for _ in range(round(T_END / dt)):
        x = step(x, drive)
    return float(x)


def exact(t: float) -> float:
    return DRIVE * (1.0 - math.exp(-t / TAU))


SOLVERS = solvers.names()


def test_the_known_solvers_state_their_order():
    assert EulerStep.order == 1 and RungeKuttaStep.order == 4


@pytest.mark.parametrize("name", SOLVERS)
def test_convergence_order(name):
    order = solvers.get(name).order
    assert isinstance(order, int) and order >= 1, f"solver {name!r} states no convergence order"
    errors = [abs(integrate(name, dt) - exact(T_END)) for dt in (1.0, 0.5)]
    measured = math.log2(errors[0] / errors[1])
    assert measured == pytest.approx(order, abs=0.15)


@pytest.mark.parametrize("name", SOLVERS)
def test_steady_state_is_a_fixed_point(name):
    """x = drive solves ``tau dx/dt = -x + drive``: one step leaves it unchanged."""
    step = make_solver(name, dt=2.0, tau=TAU)
    x = torch.linspace(-3.0, 3.0, 24).reshape(2, 3, 2, 2)
    assert torch.equal(step(x, x.clone()), x)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", SOLVERS)
def test_shape_dtype_and_determinism(name, dtype):
    step = make_solver(name, dt=2.0, tau=TAU)
    generator = torch.Generator().manual_seed(0)
    x, drive = (torch.rand(2, 4, 3, 5, generator=generator, dtype=dtype) for _ in range(2))
    before = x.clone()
    out = step(x, drive)
    assert out.shape == x.shape and out.dtype == dtype
    assert torch.equal(x, before)  # the state passed in is not modified
    assert torch.equal(out, step(x, drive))
    # mixed precision: a half-precision drive leaves the state in its own precision
    assert step(x, drive.to(torch.bfloat16)).dtype == dtype


@pytest.mark.parametrize("name", SOLVERS)
def test_the_engine_takes_the_solvers_steps(name):
    """A one-unit area driven by a step input follows the solver's own recursion, step by step."""
    dt, n = 2.0, 12
    step = make_solver(name, dt=dt, tau=TAU)
    x, expected = torch.zeros((), dtype=torch.float64), []
    for _ in range(n):
        x = step(x, torch.tensor(DRIVE, dtype=torch.float64))
        expected.append(float(x))
    model = UnitChain(input_dims=(n, 1, 1, 1), dt=dt, tau=TAU, solver=name)
    with torch.no_grad():
        model(torch.full((1, 1, 1, 1), DRIVE), store_responses=True)
    np.testing.assert_allclose(model.get_responses()["L0"].reshape(-1).double().numpy(), expected, rtol=1e-6)


def test_registry_names_and_classes():
    assert set(solvers.names()) >= {"euler", "rk4"}
    assert solvers.get("euler") is EulerStep and solvers.get("rk4") is RungeKuttaStep
    with pytest.raises(ValueError, match="valid: euler, rk4"):
        make_solver("heun", 1.0, 5.0)


@pytest.mark.parametrize("name", SOLVERS)
def test_trainable_tau_gets_gradient(name):
    step = make_solver(name, dt=1.0, tau=5.0, trainable_tau=True)
    step(torch.zeros(3), torch.ones(3)).sum().backward()
    assert step.tau.grad is not None and step.tau.grad.abs() > 0


@pytest.mark.parametrize("dt", [1.0, 0.5])
def test_model_unit_follows_analytic_step_response(dt):
    """Through the whole engine: a step input to a one-unit area gives
    1 - exp(-t/tau) at the step end times (k+1)*dt, up to RK4 error."""
    n = round(30.0 / dt)
    model = UnitChain(input_dims=(n, 1, 1, 1), dt=dt, tau=TAU, solver="rk4")
    with torch.no_grad():
        model(torch.ones(1, 1, 1, 1), store_responses=True)
    response = model.get_responses()["L0"].reshape(-1).double().numpy()
    expected = 1.0 - np.exp(-step_end_times(n, dt) / TAU)
    np.testing.assert_allclose(response, expected, atol=1e-5)
