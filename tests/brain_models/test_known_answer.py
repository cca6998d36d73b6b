"""Known answer: one Euler unit ``tau dx/dt = -x + u`` driven by a step input.

The unit is a 1x1 convolution with weight 1 and no bias, no recurrence and
an identity nonlinearity, fed a white image normalized to 1.0. Explicit
Euler with ``h = dt/tau`` gives exactly ``x_k = 1 - (1 - h)^(k+1)`` at the
end of step ``k`` (time ``(k+1) dt``); the continuous solution is
``1 - exp(-t/tau)``.

Tolerance against the continuous solution: ``e^{-nh} - (1-h)^n`` lies in
``[0, n (e^{-h} - (1 - h)) e^{-(n-1)h}] <= [0, (h^2/2) n e^{-(n-1)h}]``, and
``n h e^{-(n-1)h} <= e^{h-1}`` (max of ``x e^{-x}`` is ``1/e``), so every step
-- and so every bin mean -- is within ``h e^{h-1} / 2`` of the analytic value
(first order in dt), and never below it. The same bound holds for the decay
after the image is switched off (the error at offset only shrinks, and the
decay itself adds at most the same bound with the opposite sign).
"""
import math

import numpy as np
import pytest
from PIL import Image

from brain_models import DynVisionBrainModel
from tests.helpers.models import UnitNet

TAU = 10.0
BINS = [(0, 10), (10, 20), (20, 40), (40, 80)]


def euler_bound(h: float) -> float:
    return h * math.exp(h - 1) / 2


@pytest.fixture
def white_image(tmp_path):
    path = tmp_path / "white.png"
    Image.fromarray(np.full((4, 4), 255, dtype=np.uint8)).save(path)
    return str(path)


def unit_bins(dt, image, t_presentation=None, latency=0.0, bins=BINS):
    brain_model = DynVisionBrainModel(UnitNet(dt=dt, tau=TAU), mean=[0.0], std=[1.0],
                                      t_presentation=t_presentation, latency=latency, squeeze_single_bin=False,
                                      region_layer_map={"unit": "unit"})
    brain_model.start_recording("unit", bins)
    assembly = brain_model.look_at([image])
    values = assembly.values[0]  # neuroid x time_bin: 16 identical pooled units
    np.testing.assert_allclose(values, values[:1].repeat(len(values), 0), rtol=1e-6)
    return values[0]


def step_mean(bins, dt, f):
    out = []
    for start, end in bins:
        ends = dt * np.arange(1, int(round(end / dt)) + 1)
        ends = ends[ends > start + 1e-9]
        out.append(np.mean([f(t) for t in ends]))
    return np.array(out)


@pytest.mark.parametrize("dt", [1.0, 2.0])
def test_step_response_matches_euler_exactly_and_analytic_to_first_order(dt, white_image):
    h = dt / TAU
    got = unit_bins(dt, white_image)
    exact_euler = step_mean(BINS, dt, lambda t: 1 - (1 - h) ** round(t / dt))
    np.testing.assert_allclose(got, exact_euler, atol=1e-5)
    analytic = step_mean(BINS, dt, lambda t: 1 - math.exp(-t / TAU))
    error = got - analytic
    assert (error >= -1e-6).all() and (error <= euler_bound(h) + 1e-6).all(), (error, euler_bound(h))
    # the check is sharp enough to see a one-step error in the time mapping
    shifted = step_mean(BINS, dt, lambda t: 1 - math.exp(-(t - dt) / TAU))
    assert abs(got[0] - shifted[0]) > euler_bound(h)


def test_error_is_first_order_in_dt(white_image):
    errors = []
    for dt in (1.0, 2.0):
        analytic = step_mean(BINS, dt, lambda t: 1 - math.exp(-t / TAU))
        errors.append(np.abs(unit_bins(dt, white_image) - analytic).max())
    assert 1.5 < errors[1] / errors[0] < 2.7  # halving dt about halves the error


@pytest.mark.parametrize("dt", [1.0, 2.0])
def test_decay_after_the_image_is_switched_off(dt, white_image):
    h, t_off = dt / TAU, 20.0
    bins = [(0, 20), (20, 30), (30, 60)]
    got = unit_bins(dt, white_image, t_presentation=t_off, bins=bins)
    n_off = round(t_off / dt)

    def euler(t):
        k = round(t / dt)
        return 1 - (1 - h) ** k if k <= n_off else (1 - (1 - h) ** n_off) * (1 - h) ** (k - n_off)

    def analytic(t):
        return 1 - math.exp(-t / TAU) if t <= t_off else (1 - math.exp(-t_off / TAU)) * math.exp(-(t - t_off) / TAU)

    np.testing.assert_allclose(got, step_mean(bins, dt, euler), atol=1e-5)
    np.testing.assert_allclose(got, step_mean(bins, dt, analytic), atol=euler_bound(h) + 1e-6)


def test_latency_delays_the_response(white_image):
    plain = unit_bins(1.0, white_image, bins=[(0, 10), (10, 20)])
    delayed = unit_bins(1.0, white_image, latency=30, bins=[(30, 40), (40, 50)])
    np.testing.assert_allclose(delayed, plain, atol=1e-6)
