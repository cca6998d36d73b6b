"""Contract tests generated from the model registry: every registered model
(plus one this file registers itself) on tiny images and few steps."""
from __future__ import annotations

import math

import pytest
import torch

from dynvision.model_components import RecurrentConnectedConv2d
from dynvision.models import get_model
from tests.helpers.models import (
    ZOO_CLASSES,
    ZOO_IMAGE,
    ZOO_TEST_MODEL,
    build_registered,
    latency_steps,
    registered_model_names,
    tiny_registered,
    zoo_test_model_registered,
)

IMAGE, N_CLASSES = ZOO_IMAGE, ZOO_CLASSES
BATCH = 2
REGIONS = {"V1", "V2", "V4", "IT"}
TEST_MODEL = ZOO_TEST_MODEL
MODEL_NAMES = registered_model_names()


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny tensors: one thread is fastest and keeps timings stable on busy CPUs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module", autouse=True)
def test_model_registered():
    with zoo_test_model_registered():
        yield


@pytest.fixture(scope="module", params=MODEL_NAMES)
def case(request, test_model_registered):
    """(model, n_steps, image): the model runs long enough for the image to reach its readout."""
    model, n_steps = tiny_registered(request.param)
    torch.manual_seed(1)
    return model, n_steps, torch.rand(BATCH, *IMAGE)


def test_forward_backward_reaches_first_area(case):
    model, n_steps, image = case
    model.train()
    model.zero_grad()
    logits = model(image, store_responses=True)
    assert logits.shape == (BATCH, n_steps, N_CLASSES)
    assert torch.isfinite(logits).all()
    logits[:, -1].logsumexp(-1).sum().backward()
    first = getattr(model, model.layer_names[0])
    grads = [p.grad for p in first.conv.parameters()]
    assert grads and all(g is not None for g in grads), "no gradient reached the first area"
    assert any(g.abs().sum() > 0 for g in grads), "the first area's gradient is all zero"

    responses = model.get_responses()
    assert set(responses) == set(model.layer_names) | {"classifier"}
    for name in model.layer_names:
        r = responses[name]
        assert r.dim() == 5 and r.shape[:2] == (BATCH, n_steps), (name, tuple(r.shape))
        assert r.shape[2] == getattr(model, name).out_channels


def test_deterministic(case):
    model, _, image = case
    model.eval()
    with torch.no_grad():
        assert torch.equal(model(image), model(image))


def test_reset(case):
    model, _, image = case
    model.eval()
    with torch.no_grad():
        fresh = model(image)
        continued = model(image, reset=False)  # the state carries on
        assert not torch.equal(fresh, continued)
        model.reset()
        assert torch.equal(model(image, reset=False), fresh)


def test_static_and_sequence_input_agree(case):
    model, n_steps, image = case
    model.eval()
    with torch.no_grad():
        movie = image.unsqueeze(1).expand(-1, n_steps, -1, -1, -1)
        assert torch.allclose(model(image), model(movie))


def test_region_map_points_to_layers(case):
    model, _, _ = case
    regions = type(model).region_layer_map
    assert regions, f"{type(model).__name__} declares no region_layer_map"
    assert set(regions) <= REGIONS
    assert set(regions.values()) <= set(model.layer_names)
    for layer in regions.values():  # area-named submodules
        assert isinstance(getattr(model, layer), RecurrentConnectedConv2d)


@pytest.mark.parametrize("name", [n for n in MODEL_NAMES if n != TEST_MODEL])
def test_zoo_defaults_are_consistent(name):
    """Default delays are whole numbers of steps and Euler is stable at the default dt."""
    from dynvision.models import model_info

    defaults = model_info(get_model(name))["defaults"]
    dt = defaults["dt"]
    assert dt <= defaults["tau"]
    for arg in ("t_feedforward", "t_recurrence", "t_skip", "t_feedback"):
        value = defaults.get(arg)
        if value is not None:
            assert math.isclose(value / dt, round(value / dt)), (arg, value, dt)


def test_default_delays_reach_first_area():
    """With its default (ms) delays DyRCNNx4 still trains its first area."""
    model = build_registered("DyRCNNx4", 1, channels=(4, 4, 9, 9))
    n_steps = latency_steps(model) + 2
    model = build_registered("DyRCNNx4", n_steps, channels=(4, 4, 9, 9))
    model(torch.rand(BATCH, *IMAGE))[:, -1].sum().backward()
    assert model.V1.conv.weight.grad.abs().sum() > 0


def test_load_state_dict_round_trip(tmp_path):
    source = build_registered("DyRCNNx4", 6, channels=(4, 4, 9, 9))
    path = tmp_path / "weights.pt"
    torch.save(source.state_dict(), path)
    torch.manual_seed(123)
    target = get_model("DyRCNNx4")(input_dims=(6,) + IMAGE, n_classes=N_CLASSES, channels=(4, 4, 9, 9))
    image = torch.rand(BATCH, *IMAGE)
    with torch.no_grad():
        assert not torch.equal(source(image), target(image))
        target.load_state_dict(torch.load(path, weights_only=True))
        assert torch.equal(source(image), target(image))
