"""The engine skips convolutions of resting (all-zero) delayed inputs; results
and gradients must equal the full computation, and user modules that do not
map zero to zero are never skipped."""
from __future__ import annotations

import importlib

import torch
from torch import nn

from dynvision.model_components.recurrence import FullRecurrence
from dynvision.models import DyRCNNx4

ops = importlib.import_module("dynvision.model_components.operations")  # the package re-exports a registry by that name

ARGS = dict(input_dims=(12, 3, 16, 16), channels=[4, 5, 6, 7], dt=2.0, tau=5.0, t_feedforward=4.0,
            t_recurrence=6.0, t_skip=4.0, t_feedback=4.0)


def _run(model, x):
    model.zero_grad(set_to_none=True)
    y = model(x)
    y[:, -1].sum().backward()
    return y.detach(), {k: p.grad.clone() for k, p in model.named_parameters() if p.grad is not None}


def test_skipping_rest_changes_nothing(monkeypatch):
    torch.manual_seed(0)
    x = torch.randn(3, 3, 16, 16)
    fast = DyRCNNx4(**ARGS)
    y_fast, g_fast = _run(fast, x)
    monkeypatch.setattr(ops, "_vanishes_at_rest", lambda module: False)
    monkeypatch.setattr(ops, "_at_rest_drive", lambda rt: None)
    full = DyRCNNx4(**ARGS)
    full.load_state_dict(fast.state_dict())
    y_full, g_full = _run(full, x)
    assert torch.allclose(y_fast, y_full, atol=1e-6)
    assert g_fast.keys() == g_full.keys()
    for name in g_full:
        assert torch.allclose(g_fast[name], g_full[name], atol=1e-6), name


class _OffsetRecurrence(FullRecurrence):
    """Not zero at rest: a user subclass with its own forward."""

    def forward(self, r):
        return super().forward(r) + 0.5


def test_only_modules_that_map_zero_to_zero_are_skipped():
    assert ops._vanishes_at_rest(FullRecurrence(4))
    assert not ops._vanishes_at_rest(_OffsetRecurrence(4))
    model = DyRCNNx4(**ARGS)
    skip = model.skip_V1_V4
    assert ops._vanishes_at_rest(skip)
    skip.projection = nn.Conv2d(skip.projection.in_channels, skip.projection.out_channels, 1, bias=True)
    assert not ops._vanishes_at_rest(skip)


def test_offset_recurrence_acts_from_the_first_step():
    torch.manual_seed(0)
    model = DyRCNNx4(**ARGS, skip=False, feedback=False)
    model.V1.recurrence = _OffsetRecurrence(4)
    model.V1.recurrence.weight.data.zero_()
    with torch.no_grad():
        model(torch.zeros(1, 3, 16, 16))
        x_v1 = model._runtimes[0].x
    # drive = bias + 0.5 at every step (the input is zero): the state moves toward it
    bias = model.V1.conv.bias.view(1, -1, 1, 1)
    expected = (bias + 0.5) * (1 - (1 - 2.0 / 5.0) ** 12)
    assert torch.allclose(x_v1, expected.expand_as(x_v1), atol=1e-5)


def test_hooked_modules_run_every_step():
    """A recorder hooked on a submodule (as the Brain-Score adapter hooks sub-paths)
    must see one output per step, rest or not."""
    model = DyRCNNx4(**ARGS)
    calls = {"V2.conv": 0, "V2.recurrence": 0, "skip_V1_V4": 0}
    handles = [model.get_submodule(name).register_forward_hook(
        lambda module, inputs, output, name=name: calls.__setitem__(name, calls[name] + 1)) for name in calls]
    with torch.no_grad():
        model(torch.randn(1, 3, 16, 16))
    for handle in handles:
        handle.remove()
    assert calls == {name: 12 for name in calls}


def test_blank_steps_after_the_image_skip_the_first_convolution(monkeypatch):
    """The blank after ``t_presentation`` is the resting input: V1 convolves only the steps
    whose delayed input is an image (4 shown steps of 12), with the results of the full computation."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 16, 16)
    args = {**ARGS, "t_presentation": 8.0}  # 4 steps of 2 ms, then blank; V1 sees input 2 steps later
    fast = DyRCNNx4(**args)
    calls = []
    conv_forward = fast.V1.conv.forward
    monkeypatch.setattr(fast.V1.conv, "forward", lambda t: calls.append(1) or conv_forward(t))
    y_fast = fast(x).detach()
    assert len(calls) == 4
    monkeypatch.setattr(ops, "_at_rest_drive", lambda rt: None)
    full = DyRCNNx4(**args)
    full.load_state_dict(fast.state_dict())
    assert torch.allclose(y_fast, full(x).detach(), atol=1e-6)
