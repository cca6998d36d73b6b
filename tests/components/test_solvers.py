"""Known answers for the solvers of ``tau dx/dt = -x + I``."""
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


@pytest.mark.parametrize("name, order", [("euler", 1), ("rk4", 4)])
def test_convergence_order(name, order):
    errors = [abs(integrate(name, dt) - exact(T_END)) for dt in (1.0, 0.5)]
    measured = math.log2(errors[0] / errors[1])
    assert measured == pytest.approx(order, abs=0.15)


def test_registry_names_and_classes():
    assert set(solvers.names()) >= {"euler", "rk4"}
    assert solvers.get("euler") is EulerStep and solvers.get("rk4") is RungeKuttaStep
    with pytest.raises(ValueError, match="valid: euler, rk4"):
        make_solver("heun", 1.0, 5.0)


def test_trainable_tau_gets_gradient():
    step = EulerStep(dt=1.0, tau=5.0, trainable_tau=True)
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
