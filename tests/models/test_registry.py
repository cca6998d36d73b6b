"""How a model name resolves: the registry, user files, entry points, the
package's exports, dotted paths; torchvision weights; ``dynvision models``."""
from __future__ import annotations

import json
import textwrap
from importlib import metadata

import pytest
import torch

import dynvision.models as zoo
from dynvision.models import get_model, list_models, load_model_module, registry, unregister_model
from dynvision.registry import UnknownNameError

USER_FILE = textwrap.dedent(
    """
    from torch import nn
    from dynvision.model_components import LightningBase, RecurrentConnectedConv2d
    from dynvision.models import register_model

    class PlainUserNet(LightningBase):
        region_layer_map = {"V1": "V1"}

        def _define_architecture(self):
            self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, 3)

    @register_model("FancyName")
    class DecoratedUserNet(PlainUserNet):
        pass
    """
)


@pytest.fixture
def user_file(tmp_path):
    path = tmp_path / "my_models.py"
    path.write_text(USER_FILE)
    yield path
    for name in ("PlainUserNet", "FancyName"):
        unregister_model(name)
    registry._loaded_files.pop(str(path), None)


def test_zoo_is_registered():
    assert {"DyRCNNx2", "DyRCNNx4", "DyRCNNx8", "CorNetRT", "CordsNet", "AlexNet", "ResNet18"} <= set(list_models())
    assert get_model("DyRCNNx4") is zoo.DyRCNNx4
    assert "DyRCNN" not in list_models()  # the family's shared base is not a model


def test_unknown_name_suggests():
    with pytest.raises(UnknownNameError, match="did you mean 'DyRCNNx4'"):
        get_model("DyRCNNx44")


def test_model_module_file(user_file):
    names = load_model_module(user_file)
    assert set(names) == {"PlainUserNet", "FancyName"}
    assert load_model_module(str(user_file)) == names  # loading twice is a no-op
    model = get_model("PlainUserNet")(input_dims=(2, 3, 8, 8), n_classes=2)
    assert model(torch.rand(1, 3, 8, 8)).shape == (1, 2, 2)
    assert get_model("FancyName").__name__ == "DecoratedUserNet"


def test_model_module_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model_module(tmp_path / "missing.py")
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(ValueError, match="defines no model"):
        load_model_module(empty)


def test_package_export_route(monkeypatch):
    """The spec's route: a class in dynvision/models/ exported by __init__."""

    class SpecRouteModel(zoo.DyRCNNx2):  # a name no other test registers
        pass

    monkeypatch.setattr(zoo, "SpecRouteModel", SpecRouteModel, raising=False)
    monkeypatch.setattr(zoo, "__all__", zoo.__all__ + ["SpecRouteModel"])
    assert "SpecRouteModel" in list_models()
    assert get_model("SpecRouteModel") is SpecRouteModel


def test_entry_point(monkeypatch):
    ep = metadata.EntryPoint(name="PluginNet", value="dynvision.models.dyrcnn:DyRCNNx2", group=registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "_entry_points", lambda: {"PluginNet": ep})
    try:
        assert "PluginNet" in list_models()
        assert get_model("PluginNet") is zoo.DyRCNNx2
    finally:
        unregister_model("PluginNet")


def test_dotted_path():
    assert get_model("dynvision.models.cornet.CorNetRT") is zoo.CorNetRT


def test_torchvision_weights_from_file(tmp_path):
    torchvision = pytest.importorskip("torchvision")
    tv = torchvision.models.resnet18(weights=None)
    path = tmp_path / "resnet18.pth"
    torch.save(tv.state_dict(), path)
    model = zoo.ResNet18(input_dims=(2, 3, 16, 16), n_classes=5)
    report = zoo.load_torchvision_weights(model, path)
    assert not report["unmatched"]
    assert [s.split(":")[0] for s in report["skipped"]] == ["fc.weight", "fc.bias"]  # 1000 vs 5 classes
    assert torch.equal(model.V1.conv.conv1.weight, tv.conv1.weight)
    assert torch.equal(model.IT.conv[1].bn2.running_var, tv.layer4[1].bn2.running_var)


def test_models_command(capsys):
    from dynvision.cli import main

    assert main(["models", "DyRCNNx2", "--input-size", "3", "16", "16", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    expected = sum(p.numel() for p in zoo.DyRCNNx2(input_dims=(1, 3, 16, 16)).parameters())
    assert row["parameters"] == expected
    assert row["regions"] == {"V1": "V1", "V2": "V2"} and row["dt"] == 2.0 and row["tau"] == 8.0

    assert main(["models", "--no-params"]) == 0
    table = capsys.readouterr().out
    assert all(name in table for name in ("CorNetRT", "CordsNet", "ResNet18"))
    assert main(["models", "NoSuchNet", "--no-params"]) == 2
