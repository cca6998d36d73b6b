"""Known answers: duration, contrast and interval sweeps on tiny models."""
from __future__ import annotations

import numpy as np
import pytest

from dynvision.experiments import get_protocol, run_experiment
from tests.helpers.models import TinyModel, tiny_images


def _summary(model, protocol, **kwargs):
    images, labels = tiny_images()
    return run_experiment(model, protocol, images, labels, batch_size=8, **kwargs).summary.set_index("condition")


def test_integrated_response_grows_with_duration():
    summary = _summary(TinyModel(positive=True, recurrence_type="self"), get_protocol("duration", durations_ms=[4, 8, 16, 32], tail_ms=20))
    integrated = summary["integrated_response"].to_numpy()
    assert np.all(np.diff(integrated) > 0), integrated


def test_responses_scale_with_contrast_without_a_saturating_nonlinearity():
    model = TinyModel(positive=True, nonlinearity="relu")
    summary = _summary(model, get_protocol("contrast", contrasts=[0.0, 0.25, 0.5, 1.0], duration_ms=10, total_ms=20))
    peak = summary["peak_response"].to_numpy()
    integrated = summary["integrated_response"].to_numpy()
    assert np.all(np.diff(peak) > 0) and np.all(np.diff(integrated) > 0)
    # linear regime: the response is proportional to contrast
    np.testing.assert_allclose(integrated[1:] / np.array([0.25, 0.5, 1.0]), integrated[-1], rtol=1e-5)
    assert integrated[0] == pytest.approx(0.0, abs=1e-9)


def test_adaptation_suppresses_less_after_longer_gaps():
    protocol = get_protocol("interval", gaps_ms=[40, 80, 120, 160], duration_ms=10, tail_ms=10)
    # dt=5 ms keeps the 190 ms sequences short (38 steps); gaps >= 4 tau let the
    # first response decay, so only adaptation can lower the second
    adapting = _summary(TinyModel(positive=True, adaptation_strength=1.0, dt=5.0, tau=10.0), protocol)
    suppression = adapting["suppression"].to_numpy()
    assert np.all(suppression > 0), suppression
    assert np.all(np.diff(suppression) < 0), suppression
    # without adaptation the repeat is as strong as the first presentation
    plain = _summary(TinyModel(positive=True, dt=5.0, tau=10.0), protocol)
    np.testing.assert_allclose(plain["suppression"].to_numpy(), 0.0, atol=5e-3)
