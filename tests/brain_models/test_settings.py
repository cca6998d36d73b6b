"""One settings object for the adapter, one REGION=LAYER parser, one set of flags; progress through a hook."""
import argparse

import pytest

from brain_models import AdapterSettings, DynVisionBrainModel, parse_region_layers
from brain_models.flags import add_adapter_arguments, settings_from_args


def test_region_layer_entries():
    assert parse_region_layers(["V4=V4", " IT = V4, IT "]) == {"V4": "V4", "IT": ["V4", "IT"]}
    assert parse_region_layers([]) == {}
    for bad in ("V4", "=V4", "V4=", "V4=,"):
        with pytest.raises(ValueError, match=r"^--region .*expected REGION=LAYER"):
            parse_region_layers([bad], flag="--region")
    with pytest.raises(ValueError, match="V4 is given twice"):
        parse_region_layers(["V4=V1", "V4=V2"])


def test_recorded_settings_keep_the_stored_result_hashes():
    # the keys and values the settings hash of stored results was computed from; the field of view
    # defaults to what the model declares, so a scoring run resolves it (to 8 without a declaration)
    assert AdapterSettings().visual_degrees is None and "visual_degrees" not in AdapterSettings().recorded()
    assert AdapterSettings(visual_degrees=8.0).recorded() == {
        "visual_degrees": 8.0, "t_presentation": 100.0, "latency": 0.0, "reduction": "pca", "max_features": 1000,
        "seed": 0, "reference_images": 1000, "region_layer_map": {}}
    changed = AdapterSettings(t_presentation=None, region_layer_map={"V4": ("V1", "V2")}, readout_time=50,
                              batch_size=4, device="cpu")
    assert changed.recorded()["t_presentation"] is None
    assert changed.recorded()["region_layer_map"] == {"V4": ["V1", "V2"]}
    assert changed.recorded()["readout_time"] == 50.0
    assert "batch_size" not in changed.recorded() and "device" not in changed.recorded()


def test_defaults_are_the_libraries_defaults():
    from brain_models.features import DEFAULT_REDUCTION
    from brain_models.reference_images import DEFAULT_REFERENCE_IMAGES

    assert (AdapterSettings().reduction, AdapterSettings().reference_images) == (DEFAULT_REDUCTION,
                                                                                 DEFAULT_REFERENCE_IMAGES)


def test_bad_settings_name_the_setting():
    for changes, message in (({"latency": -1}, "latency=-1"), ({"visual_degrees": 0}, "visual_degrees=0"),
                             ({"batch_size": 0}, "batch_size=0"), ({"t_presentation": 0}, "t_presentation=0")):
        with pytest.raises(ValueError, match=message):
            AdapterSettings(**changes)
    with pytest.raises(TypeError, match="unknown adapter setting.*t_present"):
        AdapterSettings().replace(t_present=10)


def test_flags_give_the_settings():
    parser = argparse.ArgumentParser()
    add_adapter_arguments(parser)
    args = parser.parse_args(["--t-presentation", "-1", "--latency", "20", "--layer", "IT=V4,IT",
                              "--region", "V4=V4", "--batch-size", "4"])
    settings = settings_from_args(args)
    assert settings == AdapterSettings(t_presentation=None, latency=20.0, batch_size=4,
                                       region_layer_map={"IT": ["V4", "IT"], "V4": "V4"})
    assert settings_from_args(parser.parse_args([])) == AdapterSettings()
    with pytest.raises(ValueError, match="^--layer 'IT': expected REGION=LAYER"):
        settings_from_args(parser.parse_args(["--layer", "IT"]))
    plugin = argparse.ArgumentParser()
    add_adapter_arguments(plugin, runtime=False)
    assert not hasattr(plugin.parse_args([]), "batch_size")


def test_adapter_takes_settings_and_single_changes(tiny_model):
    settings = AdapterSettings(t_presentation=30, latency=10, region_layer_map={"V4": "IT"})
    brain_model = DynVisionBrainModel(tiny_model, settings=settings, latency=20)
    assert (brain_model.t_presentation, brain_model.latency) == (30.0, 20.0)
    assert brain_model.region_layer_map["V4"] == "IT"
    with pytest.raises(TypeError, match="unknown adapter setting.*latencyy"):
        DynVisionBrainModel(tiny_model, latencyy=20)


def test_progress_hook_sees_every_image(tiny_model, stimulus_set):
    calls = []
    brain_model = DynVisionBrainModel(tiny_model, batch_size=3, progress=lambda done, total: calls.append((done, total)))
    brain_model.start_recording("IT", time_bins=[(0, 10), (10, 20)])
    brain_model.look_at(stimulus_set)
    n = len(stimulus_set)
    assert calls[0] == (0, n) and calls[-1] == (n, n)
    assert [done for done, _ in calls[1:]] == sorted(min(i + 3, n) for i in range(0, n, 3))
    assert brain_model.recorded_layers == ["IT"] and brain_model.recorded_bins == [(0.0, 10.0), (10.0, 20.0)]
    assert brain_model.extraction_seconds > 0


@pytest.mark.parametrize("command", [["score", "DyRCNNx2", "--benchmark", "synthetic"],
                                     ["compare", "DyRCNNx2", "--benchmark", "synthetic"]])
def test_a_bad_layer_flag_is_a_one_line_input_error(command, tmp_path, capsys):
    from dynvision.cli import main

    assert main([*command, "--out", str(tmp_path / "out"), "--layer", "V4"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--layer 'V4': expected REGION=LAYER" in err[0]
    assert not (tmp_path / "out").exists()
