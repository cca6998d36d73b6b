"""Debug mode checks every output of a step, the readout included."""
from __future__ import annotations

import pytest
import torch

from dynvision.model_components import DynamicsError
from tests.helpers.models import UnitChain


def test_debug_mode_catches_an_infinite_readout():
    model = UnitChain(delays=(0.0,), input_dims=(3, 1, 1, 1), n_classes=2, dt=2.0, tau=4.0)
    with torch.no_grad():
        model.classifier[-1].bias.fill_(float("inf"))  # every layer is finite, only the logits are not
    x = torch.ones(1, 1, 1, 1)
    assert torch.isinf(model(x)).all()  # without debug: passes silently
    with pytest.raises(DynamicsError, match=r"UnitChain: the readout \(classifier\) at step 0 \(t=2 ms\): "
                                            r"output contains inf"):
        model(x, debug=True)


def test_debug_mode_passes_finite_logits_unchanged():
    model = UnitChain(delays=(0.0,), input_dims=(3, 1, 1, 1), n_classes=2, dt=2.0, tau=4.0)
    x = torch.ones(1, 1, 1, 1)
    assert torch.equal(model(x, debug=True), model(x))
