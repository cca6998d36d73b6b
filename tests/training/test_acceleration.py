"""Speed options of the trainer section: strategy/num_nodes validation,
precision under autocast, channels-last and compile applied to the model."""
from __future__ import annotations

import copy
import pickle

import pytest
import torch

from dynvision.config import ConfigError
from dynvision.models import DyRCNNx4
from dynvision.training.acceleration import apply_model_options

from .conftest import tiny_config


def _small_model() -> DyRCNNx4:
    torch.manual_seed(0)
    return DyRCNNx4(input_dims=(4, 3, 16, 16), channels=[4, 4, 4, 4], t_feedforward=2, t_recurrence=2,
                    t_skip=2, t_feedback=2)


def test_strategy_and_nodes_reach_the_trainer():
    kwargs = tiny_config("trainer.strategy=ddp_spawn", "trainer.num_nodes=2").trainer.to_trainer_kwargs()
    assert kwargs["strategy"] == "ddp_spawn" and kwargs["num_nodes"] == 2
    # model-side options are not Trainer arguments
    assert "compile" not in kwargs and "channels_last" not in kwargs


def test_unknown_strategy_names_key_and_suggests():
    with pytest.raises(ConfigError) as error:
        tiny_config("trainer.strategy=dpp")
    assert "trainer.strategy" in str(error.value) and "'ddp'" in str(error.value)


def test_half_precision_on_cpu_is_a_config_error():
    with pytest.raises(ConfigError) as error:
        tiny_config("trainer.precision=16-mixed")
    assert "trainer.precision" in str(error.value) and "bf16-mixed" in str(error.value)


def test_bad_compile_mode_is_a_config_error():
    with pytest.raises(ConfigError) as error:
        tiny_config("trainer.compile=fastest")
    assert "trainer.compile" in str(error.value)


@pytest.mark.parametrize("solver", ["euler", "rk4"])
def test_bf16_autocast_keeps_state_in_float32(solver):
    model = _small_model()
    model = DyRCNNx4(**{**model.model_args, "solver": solver})
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        full = model(x)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = model(x)
    assert mixed.dtype == torch.bfloat16
    assert all(rt.x.dtype == torch.float32 for rt in model._runtimes)
    assert (mixed.float() - full).abs().max() < 0.05


def test_channels_last_changes_layout_not_results():
    model = _small_model()
    x = torch.randn(2, 3, 16, 16)
    with torch.no_grad():
        expected = model(x)
    apply_model_options(model, tiny_config("trainer.channels_last=true").trainer)
    assert model.V1.conv.weight.is_contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        assert torch.allclose(model(x), expected, atol=1e-5)


def test_compile_is_applied_in_place_keeping_names():
    model = _small_model()
    names = list(model.state_dict())
    out = apply_model_options(model, tiny_config("trainer.compile=reduce-overhead").trainer)
    assert out is model and isinstance(model, DyRCNNx4)
    assert model._compiled_call_impl is not None  # nn.Module.compile's in-place wrapper
    assert list(model.state_dict()) == names


def test_copies_start_from_rest_and_own_their_weights():
    """Spawned DDP processes receive a pickled model; SWA-style callbacks deepcopy it."""
    model = _small_model()
    x = torch.randn(2, 3, 16, 16)
    y = model(x)  # leaves run state (mid-graph tensors) behind
    clone = copy.deepcopy(model)
    assert torch.equal(pickle.loads(pickle.dumps(model))(x), y)
    with torch.no_grad():
        for p in clone.parameters():
            p.mul_(2)
        assert not torch.equal(clone(x), y)
        assert torch.equal(model(x), y)  # the original still runs its own weights
