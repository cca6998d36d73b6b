"""Recurrence types: parameter counts match their formulas; `local` is local; every
registered type keeps the shape, is deterministic and passes gradients to its parameters."""
import pytest
import torch

from dynvision.model_components import RecurrentConnectedConv2d, recurrence_types
from dynvision.model_components.recurrence import from_sheet, make_recurrence, to_sheet

C, K = 9, 3
FORMULAS = {
    "none": 0,
    "self": C,
    "full": C * C * K * K,
    "depthpointwise": C * K * K + C * C,
    "pointdepthwise": C * C + C * K * K,
    "local": K * K,
    "localdepthwise": K * K + C * K * K,
}


def n_params(module):
    return 0 if module is None else sum(p.numel() for p in module.parameters())


def test_all_seven_types_registered():
    assert set(recurrence_types.names()) >= set(FORMULAS)


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_parameter_count_matches_formula(name):
    assert n_params(make_recurrence(name, C, K)) == FORMULAS[name]


#: every registered type that builds a module ("none" builds nothing)
RECURRENCES = [name for name in recurrence_types.names() if make_recurrence(name, C, K) is not None]


def test_none_builds_nothing_and_the_others_a_module():
    assert make_recurrence("none", C, K) is None
    assert set(RECURRENCES) >= set(FORMULAS) - {"none"}


@pytest.mark.parametrize("name", RECURRENCES)
def test_output_keeps_shape(name):
    r = torch.randn(2, C, 5, 6)
    assert make_recurrence(name, C, K)(r).shape == r.shape


@pytest.mark.parametrize("name", RECURRENCES)
def test_deterministic_and_gradient_reaches_every_parameter(name):
    recurrence = make_recurrence(name, C, K)
    r = torch.randn(2, C, 5, 6)
    out = recurrence(r)
    assert torch.equal(out, recurrence(r))
    (out * torch.randn_like(out)).sum().backward()  # linear in out: zero-initialised weights get gradients too
    for param_name, param in recurrence.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, (name, param_name)


@pytest.mark.parametrize("channels", [9, 10, 16])
def test_sheet_round_trip(channels):
    r = torch.randn(2, channels, 4, 3)
    side = int(torch.tensor(channels).float().sqrt().ceil())
    assert torch.equal(from_sheet(to_sheet(r, side), channels, side), r)


@pytest.mark.parametrize("kernel", [3, 5])
def test_local_changes_only_sheet_neighbours(kernel):
    """Perturb one unit of the sheet; after one application only units within
    the kernel radius (on the sheet) change."""
    torch.manual_seed(0)
    recurrence = make_recurrence("local", C, kernel)
    base = torch.rand(1, C, 6, 6)
    perturbed = base.clone()
    channel, h, w = 4, 2, 3  # sheet position (h*3 + 4//3, w*3 + 4%3) = (7, 10)
    perturbed[0, channel, h, w] += 1.0
    with torch.no_grad():
        changed = (to_sheet(recurrence(perturbed) - recurrence(base), 3)[0, 0].abs() > 1e-7)
    rows, cols = torch.nonzero(changed, as_tuple=True)
    radius = kernel // 2
    assert changed.any()
    assert (rows - 7).abs().max() <= radius and (cols - 10).abs().max() <= radius


def test_user_registered_type_works_without_library_edits():
    @recurrence_types.register("scaled_identity")
    class ScaledIdentity(torch.nn.Module):
        def __init__(self, channels, kernel_size=3):
            super().__init__()
            self.gain = torch.nn.Parameter(torch.tensor(0.1))

        def forward(self, r):
            return self.gain * r

    try:
        layer = RecurrentConnectedConv2d(3, 4, recurrence_type="scaled_identity")
        assert n_params(layer.recurrence) == 1
    finally:
        recurrence_types._items.pop("scaled_identity")


def test_unknown_type_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown recurrence type 'ful'.*valid: depthpointwise, full.*did you mean 'full'"):
        RecurrentConnectedConv2d(3, 4, recurrence_type="ful")


@pytest.mark.parametrize("name", recurrence_types.names())
def test_every_registered_type_runs_in_a_model(name):
    """Registry-driven: every recurrence type, including ones users add, trains in a model."""
    from tests.helpers.models import TwoAreas

    model = TwoAreas(recurrence_type=name, input_dims=(4, 3, 8, 8))
    x = torch.randn(2, 3, 8, 8)
    y = model(x)
    assert y.shape == (2, 4, 10) and torch.isfinite(y).all()
    y[:, -1].sum().backward()
    assert model.V1.conv.weight.grad.abs().sum() > 0
    if model.V2.recurrence is not None:
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.V2.recurrence.parameters())
    assert torch.equal(model(x), model(x))
