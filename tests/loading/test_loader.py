"""The one loader: sources, identity, weights provenance, normalisation (the model decides)."""
from __future__ import annotations

import pytest
import torch

from dynvision.config import ConfigError
from dynvision.loading import (
    CONFIG_KEY,
    MODEL_KEY,
    ModelSource,
    ModelSourceError,
    build_model,
    load_model,
    model_record,
    resolve_model_class,
)
from dynvision.models import register_model
from dynvision.models.dyrcnn import DyRCNNx2
from dynvision.models.registry import unregister_model
from tests.helpers.configs import X2_8PX as TINY


@pytest.fixture
def declared():
    """A DyRCNNx2 that declares its input normalisation (as a wrapped published model would)."""
    cls = register_model("DeclaredNormNet")(
        type("DeclaredNormNet", (DyRCNNx2,), {"image_mean": (0.5,), "image_std": (0.25,)}))
    yield cls
    unregister_model("DeclaredNormNet")


def test_a_registered_name_builds_a_seeded_random_model():
    first = load_model(ModelSource("DyRCNNx2", overrides=TINY))
    again = load_model(ModelSource("DyRCNNx2", overrides=TINY))
    other = load_model(ModelSource("DyRCNNx2", overrides=[*TINY, "seed=1"]))
    assert first.weights.kind == "random-init" and first.weights.seed == 0 and first.trained is False
    assert first.identifier == again.identifier == f"DyRCNNx2-c{first.config_hash[:8]}-w{first.weights_hash[:10]}"
    assert other.weights_hash != first.weights_hash and other.config_hash != first.config_hash
    assert any(note.startswith("UNTRAINED") for note in first.notes)
    # the digits data set's statistics (1 channel), and where they came from
    assert first.normalization.mean == (0.305,) and first.normalization.source == "dataset digits"


def test_a_weights_file_is_loaded_and_recorded(tmp_path):
    source = load_model(ModelSource("DyRCNNx2", overrides=[*TINY, "seed=3"]))
    torch.save(source.model.state_dict(), tmp_path / "w.pt")
    loaded = load_model(ModelSource("DyRCNNx2", overrides=TINY, weights=tmp_path / "w.pt"))
    assert loaded.weights.kind == "weights-file" and loaded.trained is True and not loaded.notes
    assert loaded.weights_hash == source.weights_hash
    from dynvision.fileio import sha1_of

    assert loaded.weights.sha1 == sha1_of(tmp_path / "w.pt")
    # the config key does the same
    keyed = load_model(ModelSource("DyRCNNx2", overrides=[*TINY, f"model.weights={tmp_path / 'w.pt'}"]))
    assert keyed.weights_hash == source.weights_hash and keyed.weights.kind == "weights-file"
    wrong = load_model(ModelSource("DyRCNNx2", overrides=[*TINY[:1], "model.args.channels=[8, 4]", *TINY[2:]]))
    torch.save(wrong.model.state_dict(), tmp_path / "wrong.pt")
    with pytest.raises(ModelSourceError, match=r"--weights .*wrong.pt: does not fit DyRCNNx2"):
        load_model(ModelSource("DyRCNNx2", overrides=TINY, weights=tmp_path / "wrong.pt"))


def test_torchvision_weights_map_onto_a_zoo_model(tmp_path):
    from torchvision.models import resnet18

    torch.manual_seed(5)
    published = resnet18(weights=None)  # stands in for the published file (nothing is downloaded)
    torch.save(published.state_dict(), tmp_path / "resnet18.pth")
    overrides = ["model.args.input_dims=[2, 3, 32, 32]", "data.image_size=32", "data.channels=3", "loss.t_reaction=0"]
    loaded = load_model(ModelSource("ResNet18", overrides=overrides, weights=tmp_path / "resnet18.pth"))
    assert loaded.weights.kind == "torchvision-weights"
    assert loaded.weights.skipped and all(entry.startswith("fc.") for entry in loaded.weights.skipped)  # 1000 classes
    own = dict(loaded.model.named_parameters())
    torch.testing.assert_close(own[_mapped(loaded.model, "conv1.weight")], published.conv1.weight)
    torch.testing.assert_close(own[_mapped(loaded.model, "layer4.1.conv2.weight")], published.layer4[1].conv2.weight)


def _mapped(model, key):
    from dynvision.models.torchvision_weights import map_torchvision_keys

    return map_torchvision_keys(key, model.torchvision_key_map)


def test_the_model_declares_its_normalisation(declared):
    loaded = load_model(ModelSource("DeclaredNormNet", overrides=TINY))
    assert loaded.normalization.mean == (0.5,) and loaded.normalization.std == (0.25,)
    assert loaded.normalization.source == "model"
    assert loaded.config.data.mean == [0.5] and loaded.config.data.std == [0.25]  # the stored config says so
    with pytest.raises(ConfigError, match=r"--set data.mean=\[0.3\].*contradicts DeclaredNormNet's declared "
                                          r"image_mean=\[0.5\]"):
        load_model(ModelSource("DeclaredNormNet", overrides=[*TINY, "data.mean=[0.3]", "data.std=[0.25]"]))
    # the same values are no conflict
    same = load_model(ModelSource("DeclaredNormNet", overrides=[*TINY, "data.mean=[0.5]", "data.std=[0.25]"]))
    assert same.normalization.source == "model"


def test_a_checkpoint_refuses_what_would_change_its_model(tmp_path):
    from dynvision.config import load_config

    config = load_config(None, ["model.name=DyRCNNx2", *TINY])
    model = build_model(config)
    path = tmp_path / "run.ckpt"
    torch.save({"state_dict": model.state_dict(), CONFIG_KEY: config.to_dict(), MODEL_KEY: model_record(model)}, path)
    loaded = load_model(ModelSource(path))
    assert loaded.weights.kind == "checkpoint" and loaded.checkpoint == str(path) and loaded.trained is True
    assert loaded.config == config and len(loaded.checkpoint_hash) == 12
    with pytest.raises(ModelSourceError, match="carries its own config: model.args.tau=3"):
        load_model(ModelSource(path, overrides=["model.args.tau=3"]))
    with pytest.raises(ModelSourceError, match="--config/--weights apply only"):
        load_model(ModelSource(path, weights=path))
    with pytest.raises(ModelSourceError, match="holds a DyRCNNx2, not a DyRCNNx4"):
        load_model(ModelSource("DyRCNNx4", checkpoint=path))
    assert load_model(ModelSource(path, overrides=["data.batch_size=4"])).config.data.batch_size == 4


def test_one_resolver_for_names_and_user_files(tmp_path):
    assert resolve_model_class("DyRCNNx2") is DyRCNNx2
    module = tmp_path / "resolver_models.py"
    module.write_text("from dynvision.models.dyrcnn import DyRCNNx2\n\nclass ResolverUserNet(DyRCNNx2):\n    pass\n")
    try:
        assert resolve_model_class("ResolverUserNet", module).__name__ == "ResolverUserNet"
    finally:
        unregister_model("ResolverUserNet")


def test_the_weights_hash_tells_a_fixed_tau_apart():
    """A module scored without a config is identified by its weights hash alone: a fixed tau (a
    non-persistent buffer, not in the state dict) still changes it."""
    from dynvision.loading import weights_hash

    torch.manual_seed(0)
    slow = DyRCNNx2(input_dims=(4, 1, 8, 8), channels=[4, 4], dt=2, tau=8, t_feedforward=2, t_recurrence=2,
                    t_skip=2, t_feedback=2)
    torch.manual_seed(0)
    fast = DyRCNNx2(input_dims=(4, 1, 8, 8), channels=[4, 4], dt=2, tau=4, t_feedforward=2, t_recurrence=2,
                    t_skip=2, t_feedback=2)
    assert slow.state_dict().keys() == fast.state_dict().keys()
    assert weights_hash(slow) != weights_hash(fast)
