"""``dynvision register``: a trained checkpoint becomes a Brain-Score model plugin
that Brain-Score's own loader finds and loads offline, that passes Brain-Score's
generic plugin checks, and whose recordings are those of the trained model.
(tests/brain_models/test_submission_clean_env.py installs plugins into a clean
environment without this project, as Brain-Score does.)

A tiny DyRCNNx2 is trained for two steps (the real ``train`` path, so the
checkpoint is what users register); the plugin is written into a temporary
folder, copied into the installed ``brainscore_vision/models/`` for the tests
that load it, and removed again at the end.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import types
import uuid
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from brain_models.submission import (
    COMMITMENT_FILE,
    RUNTIME_PACKAGE,
    BundleError,
    IdentifierError,
    RegionCommitmentError,
    UploadTooLargeError,
    WeightsError,
    build_bundle,
    load_plugin,
    make_zip,
    plugin_name_for,
    read_commitment,
    register,
    registered_identifiers,
    sha1_of,
    validate_identifier,
    validate_plugin_name,
)
from brain_models.submission.identifiers import installed_models_dir
from tests.helpers.configs import X2_RGB16_RUN

pytestmark = [pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning"),
              pytest.mark.filterwarnings("ignore:'multi_class' was deprecated:FutureWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]

#: a DyRCNNx2 on 3-channel 16x16 digits, 4 steps of 2 ms, trained for two batches
TINY_RUN = X2_RGB16_RUN
#: the committed regions: the model's declared V1 and V2, plus IT committed on the command line; V4 left out
EXTRA_REGIONS = {"IT": "V2"}
EXPECTED_REGIONS = {"IT": "V2", "V1": "V1", "V2": "V2"}
OMITTED = ["V4"]
IDENTIFIER = f"dynvision-test-{uuid.uuid4().hex[:8]}.run1"
PLUGIN = plugin_name_for(IDENTIFIER)


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from dynvision.config import load_config
    from dynvision.training import train

    result = train(load_config(None, TINY_RUN), out=tmp_path_factory.mktemp("run"), test=False)
    assert result.last_checkpoint is not None and result.last_checkpoint.is_file()
    return result.last_checkpoint


@pytest.fixture(scope="module")
def registered(checkpoint, tmp_path_factory):
    out = tmp_path_factory.mktemp("submission")
    return register(checkpoint, IDENTIFIER, out=out, model="DyRCNNx2", region_layer_map=EXTRA_REGIONS,
                    omit_regions=OMITTED, make_zip=True)


@pytest.fixture(scope="module")
def installed(registered, tmp_path_factory):
    """The plugin inside the installed ``brainscore_vision/models/``, offline
    (no dependency installs), on CPU; removed again afterwards."""
    import brainscore_vision

    target = Path(brainscore_vision.__file__).parent / "models" / PLUGIN
    assert not target.exists(), f"{target} exists already"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BS_INSTALL_DEPENDENCIES", "no")
        patch.setenv("DYNVISION_DEVICE", "cpu")
        patch.setenv("DYNVISION_HOME", str(tmp_path_factory.mktemp("dynvision_home")))
        try:
            shutil.copytree(registered.plugin_dir, target)
            yield target
        finally:
            shutil.rmtree(target, ignore_errors=True)
            brainscore_vision.model_registry.pop(IDENTIFIER, None)
            for name in [m for m in sys.modules if m.startswith(f"brainscore_vision.models.{PLUGIN}")]:
                del sys.modules[name]


def _png_stimuli(folder: Path, n: int = 3):
    """``n`` tiny PNGs and Brain-Score's generic stimulus set on them."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    ids = [f"stimid{i + 1}" for i in range(n)]
    paths = {}
    for i, stimulus_id in enumerate(ids):
        paths[stimulus_id] = folder / f"rgb{i + 1}.png"
        Image.fromarray((rng.uniform(size=(24, 24, 3)) * 255).astype(np.uint8)).save(paths[stimulus_id])

    def make_stimulus_set():
        stimuli = StimulusSet({"stimulus_id": ids, "object_name": ["rgb"] * n,
                               "image_label": (["label1", "label1", "label2"] * n)[:n],
                               "filename": [f"rgb{i + 1}" for i in range(n)]})
        stimuli.stimulus_paths = dict(paths)
        stimuli.identifier = f"dynvision-register-test.rgb{n}"
        return stimuli

    return make_stimulus_set


@pytest.fixture
def generic(monkeypatch, tmp_path):
    """Brain-Score's generic model-plugin tests, their stimuli written as local PNGs."""
    name = "brainscore_vision.model_helpers.generic_plugin_tests"
    helper = "brainscore_core.plugin_management.generic_plugin_tests_helper"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:  # the helper needs Brain-Score's CI extras (pytest_check)
        if error.name != "pytest_check":
            raise
        stub = types.ModuleType(helper)
        stub.pytest_generate_tests = lambda metafunc: None
        monkeypatch.setitem(sys.modules, helper, stub)
        module = importlib.import_module(name)
    monkeypatch.setattr(module, "_make_stimulus_set", _png_stimuli(tmp_path / "images"))
    return module


# --------------------------------------------------------------- the plugin

def _record_both(original, registered, region, bins, stimuli):
    """The same recording from this project's adapter and from the registered plugin."""
    recordings = []
    for brain_model in (original, registered):
        brain_model.start_recording(region, time_bins=bins)
        recording = brain_model.look_at(stimuli, number_of_trials=1)
        assert recording.dims == ("presentation", "neuroid", "time_bin") and recording.sizes["time_bin"] == len(bins)
        recordings.append(recording)
    return recordings

def test_plugin_layout(registered):
    assert registered.plugin_dir == registered.root / "models" / PLUGIN
    files = sorted(str(p.relative_to(registered.plugin_dir)) for p in registered.plugin_dir.rglob("*") if p.is_file())
    runtime = [name for name in files if name.startswith(f"{RUNTIME_PACKAGE}/")]
    assert sorted(set(files) - set(runtime)) == sorted([
        "__init__.py", "model.py", "test.py", "requirements.txt", COMMITMENT_FILE,
        f"region_layer_map/{IDENTIFIER}.json", f"weights/{PLUGIN}.pt"])
    assert f"{RUNTIME_PACKAGE}/dynvision/models/dyrcnn.py" in runtime
    assert f"{RUNTIME_PACKAGE}/brain_models/adapter.py" in runtime
    assert not any("/training/" in name or "/config/" in name for name in runtime)  # no training code travels
    init = (registered.plugin_dir / "__init__.py").read_text()
    registrations = [line for line in init.splitlines() if "model_registry[" in line]
    assert registrations == [f"model_registry['{IDENTIFIER}'] = lambda: get_model('{IDENTIFIER}')"]
    model_py = (registered.plugin_dir / "model.py").read_text()
    assert f"from .{RUNTIME_PACKAGE}.dynvision.models.dyrcnn import DyRCNNx2 as MODEL_CLASS" in model_py


def test_requirements_name_only_real_packages_without_upper_bounds(registered):
    """What the runtime imports, under the names the package index knows, with
    this project's lower bounds; never dynvision (another project on the index),
    Lightning (the plugin does not train) or the host brainscore-vision."""
    from importlib import metadata

    lines = (registered.plugin_dir / "requirements.txt").read_text().split()
    names = [re.match(r"[A-Za-z0-9._-]+", line).group(0) for line in lines]
    assert "torch>=2.1" in lines and "numpy>=1.24" in lines and "pillow>=9" in lines
    assert not any("<" in line or "==" in line for line in lines)
    for name in names:
        assert metadata.version(name)  # an installed distribution: a real name
        assert name.lower() not in ("dynvision", "pytorch-lightning", "lightning", "brainscore-vision")


def test_runtime_imports_nothing_outside_itself(registered):
    """Every import of dynvision/brain_models inside the plugin is relative, so
    the plugin never resolves to an installed dynvision."""
    import ast

    for path in (registered.plugin_dir / RUNTIME_PACKAGE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert not any(a.name.split(".")[0] in ("dynvision", "brain_models") for a in node.names), path
            elif isinstance(node, ast.ImportFrom) and not node.level:
                assert (node.module or "").split(".")[0] not in ("dynvision", "brain_models", "pytorch_lightning"), \
                    f"{path}:{node.lineno}"
    lightning = (registered.plugin_dir / RUNTIME_PACKAGE / "dynvision/model_components/lightning.py").read_text()
    assert "TrainableModel as LightningBase" in lightning


def test_commitment_is_data(registered, checkpoint):
    from dynvision.loading import load_model

    commitment = read_commitment(registered.plugin_dir)
    stored = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert commitment["identifier"] == IDENTIFIER and commitment["plugin"] == PLUGIN
    assert commitment["config"] == stored["dynvision_config"]
    assert commitment["model"]["name"] == "DyRCNNx2"
    assert commitment["time"]["dt_ms"] == 2.0 and commitment["time"]["n_timesteps"] == 4
    assert commitment["time"]["t_presentation_ms"] == 100.0 and commitment["time"]["latency_ms"] == 0.0
    assert commitment["visual_degrees"] == 8.0
    normalization = load_model(checkpoint).normalization  # the training data's
    assert commitment["input"]["mean"] == pytest.approx(normalization.mean)
    assert commitment["input"]["std"] == pytest.approx(normalization.std)
    assert commitment["weights"]["sha1"] == sha1_of(registered.weights_file) == registered.weights_sha1
    assert commitment["source"]["checkpoint_sha1"] == sha1_of(checkpoint)
    with open(registered.plugin_dir / "region_layer_map" / f"{IDENTIFIER}.json") as handle:
        assert json.load(handle) == EXPECTED_REGIONS
    assert commitment["omitted_regions"] == OMITTED
    # the weights file: constructor arguments and tensors, plain data (no optimizer state, no pickled objects)
    slim = torch.load(registered.weights_file, map_location="cpu", weights_only=True)
    assert sorted(slim) == ["format", "model_args", "state_dict"]
    assert slim["model_args"]["channels"] == [4, 4] and slim["model_args"]["dt"] == 2.0
    for key, value in stored["state_dict"].items():
        assert torch.equal(slim["state_dict"][key], value)


# ------------------------------------------------------------- Brain-Score
def test_brainscore_finds_and_loads_offline(installed):
    import brainscore_vision
    from brainscore_core.plugin_management.import_plugin import ImportPlugin

    assert os.environ["BS_INSTALL_DEPENDENCIES"] == "no"
    assert ImportPlugin("brainscore_vision", "models", IDENTIFIER).plugin_dirname == PLUGIN
    model = brainscore_vision.load_model(IDENTIFIER)
    # built by the plugin's own runtime copy, not by this installed project
    assert type(model).__name__ == "RegisteredBrainModel"
    assert type(model).__module__.startswith(f"brainscore_vision.models.{PLUGIN}.{RUNTIME_PACKAGE}.")
    runtime = f"brainscore_vision.models.{PLUGIN}.{RUNTIME_PACKAGE}"
    assert type(model.model).__module__ == f"{runtime}.dynvision.models.dyrcnn"
    assert model.identifier == IDENTIFIER
    assert model.region_layer_map == EXPECTED_REGIONS
    assert (model.dt, model.t_presentation, model.latency, model.visual_degrees()) == (2.0, 100.0, 0.0, 8.0)
    assert registered_identifiers()[IDENTIFIER] == PLUGIN
    with pytest.raises(ValueError, match=r"commits no layer to region 'V4': it was left out .*--omit-region V4\); "
                                         r"committed regions: IT, V1, V2"):
        model.start_recording("V4", time_bins=[(70, 170)])


@pytest.mark.parametrize("check", ["test_identifier", "test_visual_degrees", "test_start_task_or_recording",
                                   "test_look_at_neural_V1", "test_look_at_behavior_probabilities"])
def test_brainscore_generic_plugin_checks(installed, generic, check):
    getattr(generic, check)(IDENTIFIER)


def test_recordings_equal_the_trained_model(installed, checkpoint, tmp_path):
    """Same images, same bins: the registered model records what the trained
    checkpoint records through the adapter, to float32 rounding (the weights are
    bit-identical; each adapter fits its PCA afresh, and BLAS may round a float64
    sum differently for differently aligned buffers, moving a loading by one ulp)."""
    import brainscore_vision

    from brain_models import from_checkpoint

    stimuli = _png_stimuli(tmp_path / "images", n=4)()
    original = from_checkpoint(checkpoint, identifier=IDENTIFIER, region_layer_map=EXTRA_REGIONS)
    registered_model = brainscore_vision.load_model(IDENTIFIER)
    for name, tensor in original.model.state_dict().items():
        assert torch.equal(registered_model.model.state_dict()[name], tensor), name
    bins = [(0, 2), (2, 4), (4, 8), (8, 20), (90, 110), (120, 130)]
    for region in ("V1", "V2", "IT"):
        ours, theirs = _record_both(original, registered_model, region, bins, stimuli)
        np.testing.assert_allclose(theirs.values, ours.values, rtol=1e-6, atol=1e-7)
        for coord in ("stimulus_id", "neuroid_id", "layer", "region", "time_bin_start", "time_bin_end"):
            np.testing.assert_array_equal(theirs[coord].values, ours[coord].values)
        assert np.abs(theirs.values).sum() > 0


@pytest.mark.slow
def test_generated_test_py_passes(installed, tmp_path):
    """The plugin's own test.py, as Brain-Score's CI runs it (pytest on the file)."""
    env = dict(os.environ, BS_INSTALL_DEPENDENCIES="no", DYNVISION_DEVICE="cpu", RESULTCACHING_DISABLE="1")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                             str(installed / "test.py")], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "9 passed" in result.stdout


# -------------------------------------------------------------------- zip
def test_zip_has_the_layout_the_site_expects(registered, tmp_path):
    from brainscore_core.submission.repository import extract_zip_file

    assert registered.zip_path == registered.root / f"{PLUGIN}.zip"
    with zipfile.ZipFile(registered.zip_path) as archive:
        names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {PLUGIN}  # one top-level folder
    assert all(name.startswith(f"{PLUGIN}/models/{PLUGIN}/") for name in names
               if name not in (f"{PLUGIN}/", f"{PLUGIN}/models/"))
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    # unpack it the way the submission site does
    config_path, work_dir = tmp_path / "config", tmp_path / "work"
    config_path.mkdir()
    shutil.copy(registered.zip_path, config_path / "submission_7.zip")
    submission = extract_zip_file(7, str(config_path), str(work_dir))
    assert submission == (work_dir / PLUGIN).absolute()
    assert sorted(p.name for p in (submission / "models").iterdir()) == [PLUGIN]
    unpacked = submission / "models" / PLUGIN
    ours = sorted(p.relative_to(registered.plugin_dir) for p in registered.plugin_dir.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(unpacked) for p in unpacked.rglob("*") if p.is_file())
    assert theirs == ours
    for relative in ours:
        assert (unpacked / relative).read_bytes() == (registered.plugin_dir / relative).read_bytes()


def test_zip_is_reproducible(registered, tmp_path):
    again = make_zip(registered.plugin_dir, tmp_path / "again.zip")
    assert again.read_bytes() == registered.zip_path.read_bytes()


# ------------------------------------------------------------ identifiers
@pytest.mark.parametrize("identifier, message", [
    ("", "empty"),
    ("my model", "' '"),
    ("model's", '"\'"'),
    ("a[1]", "'['"),
    ("-leading-dash", "start with a letter or digit"),
    ("x" * 101, "at most 100"),
])
def test_identifier_syntax_is_checked(identifier, message):
    with pytest.raises(IdentifierError, match=re.escape(message)):
        validate_identifier(identifier)


def test_identifier_must_be_new():
    assert "alexnet" in registered_identifiers()
    with pytest.raises(IdentifierError, match="already registered by the Brain-Score plugin models/alexnet"):
        validate_identifier("alexnet")
    with pytest.raises(IdentifierError, match="ignoring case"):
        validate_identifier("AlexNet")
    assert validate_identifier("alexnet", check_registry=False) == "alexnet"
    assert validate_identifier("DyRCNNx4-digits_run1.v2") == "DyRCNNx4-digits_run1.v2"


def test_plugin_names():
    assert plugin_name_for("DyRCNNx4-digits.run1") == "DyRCNNx4_digits_run1"
    with pytest.raises(IdentifierError, match="skips folders"):
        validate_plugin_name("_hidden")
    with pytest.raises(IdentifierError, match="is taken"):
        validate_plugin_name("alexnet")
    assert (installed_models_dir() / "alexnet" / "__init__.py").is_file()


# ------------------------------------------------------------------ errors
def test_existing_plugin_is_not_overwritten(registered, checkpoint):
    with pytest.raises(FileExistsError, match="--overwrite"):
        register(checkpoint, IDENTIFIER, out=registered.root, check_registry=False)  # (it may be installed now)


def test_wrong_model_name(checkpoint, tmp_path):
    with pytest.raises(ValueError, match="holds a DyRCNNx2"):
        register(checkpoint, f"{IDENTIFIER}-x", out=tmp_path, model="DyRCNNx4")
    assert not (tmp_path / "models").exists()


def test_foreign_checkpoint_is_refused_and_leaves_nothing(tmp_path):
    foreign = tmp_path / "plain.ckpt"
    torch.save({"state_dict": {}}, foreign)
    with pytest.raises(ValueError, match="not written by `dynvision train`"):
        register(foreign, f"{IDENTIFIER}-foreign", out=tmp_path / "out")
    assert not (tmp_path / "out" / "models").exists()


def test_unknown_region_layer_is_refused(checkpoint, tmp_path):
    with pytest.raises(ValueError, match="cannot record layer 'V9'"):
        register(checkpoint, f"{IDENTIFIER}-v9", out=tmp_path, region_layer_map={"V4": "V9", "IT": "V2"})
    assert not (tmp_path / "models").exists()  # no plugin, no staging folder


def test_changed_local_weights_are_refused(registered, tmp_path):
    copy = tmp_path / "models" / PLUGIN
    shutil.copytree(registered.plugin_dir, copy)
    with open(copy / "weights" / f"{PLUGIN}.pt", "r+b") as handle:
        handle.seek(0, 2)
        handle.write(b"\0")
    # the errors come from the plugin's own runtime copy (its classes, its module)
    with pytest.raises(Exception, match="SHA-1") as error:
        load_plugin(copy, IDENTIFIER)
    assert type(error.value).__name__ == "WeightsError"
    with pytest.raises(Exception, match="not 'other'") as error:
        load_plugin(registered.plugin_dir, "other")
    assert type(error.value).__name__ == "PluginError"


# ------------------------------------------------------------ weights by URL
@pytest.fixture
def http_folder(tmp_path):
    """A folder served over HTTP on the loopback interface: ``(folder, base URL)``."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "hosted"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_weights_from_a_url_with_sha1_check(checkpoint, tmp_path, monkeypatch, http_folder):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DYNVISION_DEVICE", "cpu")
    folder, base = http_folder
    url = f"{base}/tiny-weights.pt"
    with pytest.warns(UserWarning, match="plain http:// can be tampered with"):
        plugin = register(checkpoint, f"{IDENTIFIER}-url", out=tmp_path / "out", weights_url=url,
                          region_layer_map=EXTRA_REGIONS, omit_regions=OMITTED)
    assert plugin.weights_file == tmp_path / "out" / "upload" / "tiny-weights.pt"
    assert not (plugin.plugin_dir / "weights").exists()
    commitment = read_commitment(plugin.plugin_dir)
    assert commitment["weights"]["url"] == url and commitment["weights"]["file"] is None
    assert any("upload" in note for note in plugin.notes)

    # not uploaded yet (or offline): a clear error naming where a copy may be put
    with pytest.raises(Exception, match=r"cannot download .* put it at .*tiny-weights.pt"):
        load_plugin(plugin.plugin_dir)
    cached = tmp_path / "home" / "weights" / plugin.weights_sha1 / "tiny-weights.pt"
    assert not cached.exists()

    # a different file at the URL is refused and not kept
    (folder / "tiny-weights.pt").write_bytes(b"not the registered weights")
    with pytest.raises(Exception, match="SHA-1"):
        load_plugin(plugin.plugin_dir)
    assert not cached.exists() and list(cached.parent.iterdir()) == []

    # the uploaded file is fetched, checked, cached, and builds the trained model
    shutil.copy(plugin.weights_file, folder / "tiny-weights.pt")
    brain_model = load_plugin(plugin.plugin_dir)
    assert cached.is_file() and sha1_of(cached) == plugin.weights_sha1
    trained = torch.load(checkpoint, map_location="cpu", weights_only=True)["state_dict"]
    for name, tensor in brain_model.model.state_dict().items():
        assert torch.equal(tensor, trained[name])
    (folder / "tiny-weights.pt").unlink()  # cached now: no download needed
    assert load_plugin(plugin.plugin_dir).identifier == plugin.identifier


def test_unreachable_weights_url_fails_clearly(checkpoint, tmp_path, monkeypatch):
    monkeypatch.setenv("DYNVISION_HOME", str(tmp_path / "home"))
    with pytest.warns(UserWarning, match="http://"):
        plugin = register(checkpoint, f"{IDENTIFIER}-offline", out=tmp_path / "out", region_layer_map=EXTRA_REGIONS,
                          omit_regions=OMITTED, weights_url="http://127.0.0.1:9/models/w.pt")
    with pytest.raises(Exception, match=r"cannot download the weights of .* from http://127.0.0.1:9/models/w.pt"):
        load_plugin(plugin.plugin_dir)


@pytest.mark.parametrize("url", ["ftp://example.org/w.pt", "file:///tmp/w.pt", "s3://bucket/w.pt", "https:///w.pt"])
def test_weights_url_schemes_brainscore_cannot_reach_are_refused(checkpoint, tmp_path, url):
    with pytest.raises(WeightsError, match="give an https:// URL"):
        register(checkpoint, f"{IDENTIFIER}-scheme", out=tmp_path, weights_url=url, region_layer_map=EXTRA_REGIONS,
                 omit_regions=OMITTED)
    assert not (tmp_path / "models").exists()


# ------------------------------------------------------------ upload limits
def test_zip_above_the_upload_limit_is_refused(checkpoint, tmp_path, monkeypatch):
    """The site takes archives up to 50 MB; the limit is lowered here to this tiny model's size."""
    from brain_models.submission import writer

    monkeypatch.setattr(writer, "UPLOAD_LIMIT_BYTES", 1000)
    with pytest.raises(UploadTooLargeError, match=r"would take .* MB, but brain-score.org takes at most 0 MB: "
                                                  r"register with --weights-url"):
        register(checkpoint, f"{IDENTIFIER}-big", out=tmp_path, region_layer_map=EXTRA_REGIONS, omit_regions=OMITTED,
                 make_zip=True)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["models"]  # nothing left behind


# ---------------------------------------------------------------- regions
def test_uncommitted_standard_regions_are_refused(checkpoint, tmp_path):
    with pytest.raises(RegionCommitmentError, match=re.escape(
            "DyRCNNx2 commits no layer to V4, IT: Brain-Score's benchmarks record from V1, V2, V4, IT. Commit one "
            "with --region V4=LAYER --region IT=LAYER (layers: V1, V2, classifier), or leave them out on purpose "
            "with --omit-region V4 --omit-region IT")):
        register(checkpoint, f"{IDENTIFIER}-regions", out=tmp_path)
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("omit, message", [(["V3"], "--omit-region V3: not one of Brain-Score's regions"),
                                           (["V1", "V4"], "--omit-region V1: V1 is committed to layer 'V1'")])
def test_bad_omitted_regions(checkpoint, tmp_path, omit, message):
    with pytest.raises(RegionCommitmentError, match=re.escape(message)):
        register(checkpoint, f"{IDENTIFIER}-omit", out=tmp_path, region_layer_map=EXTRA_REGIONS, omit_regions=omit)


def test_the_adapter_settings_are_committed(checkpoint, tmp_path):
    """register takes the settings as one AdapterSettings (as score does) and commits them; a layer in
    the settings wins over the same region in ``region_layer_map``."""
    from brain_models import AdapterSettings

    settings = AdapterSettings(latency=4.0, t_presentation=50.0, max_features=64, region_layer_map={"IT": "V1"})
    plugin = register(checkpoint, f"{IDENTIFIER}-settings", out=tmp_path, settings=settings, omit_regions=OMITTED,
                      region_layer_map={"IT": "V2"})
    commitment = json.loads((plugin.plugin_dir / COMMITMENT_FILE).read_text())
    assert (commitment["time"]["latency_ms"], commitment["time"]["t_presentation_ms"]) == (4.0, 50.0)
    assert commitment["features"]["max_features"] == 64 and commitment["features"]["reduction"] == "pca"
    committed = json.loads((plugin.plugin_dir / "region_layer_map" / f"{IDENTIFIER}-settings.json").read_text())
    assert committed == {"IT": "V1", "V1": "V1", "V2": "V2"}


# -------------------------------------------------------------------- CLI
def test_cli_register(checkpoint, tmp_path, capsys):
    from dynvision.cli import main

    identifier = f"{IDENTIFIER}-cli"
    code = main(["register", "DyRCNNx2", "--checkpoint", str(checkpoint), "--identifier", identifier,
                 "--out", str(tmp_path / "sub"), "--zip", "--region", "IT=V2", "--omit-region", "V4",
                 "--t-presentation", "50", "--latency", "10", "--visual-degrees", "4", "--requirement", "scipy>=1.10"])
    out, err = capsys.readouterr()
    plugin = plugin_name_for(identifier)
    assert code == 0, err
    assert f"upload zip:  {tmp_path / 'sub' / f'{plugin}.zip'}" in out
    assert "note: left out on purpose: V4" in out
    commitment = read_commitment(tmp_path / "sub" / "models" / plugin)
    assert (commitment["time"]["t_presentation_ms"], commitment["time"]["latency_ms"]) == (50.0, 10.0)
    assert commitment["visual_degrees"] == 4.0 and commitment["omitted_regions"] == ["V4"]
    assert (tmp_path / "sub" / "models" / plugin / "requirements.txt").read_text().split("\n")[-2] == "scipy>=1.10"


def test_cli_refuses_dyrcnnx2_without_regions(checkpoint, tmp_path, capsys):
    """DyRCNNx2 has no V4 or IT: the message names them and the flags that commit or omit them."""
    from dynvision.cli import main

    code = main(["register", "DyRCNNx2", "--checkpoint", str(checkpoint), "--identifier", f"{IDENTIFIER}-x2",
                 "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("dynvision register: error: DyRCNNx2 commits no layer to V4, IT")
    assert "--region V4=LAYER --region IT=LAYER" in err and "--omit-region V4 --omit-region IT" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "models").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--identifier", "bad id"], "not allowed"),
    (["--identifier", "alexnet"], "already registered"),
    (["--identifier", "fine-id", "--region", "V4"], "REGION=LAYER"),
    (["--identifier", "fine-id", "--region", "IT=V2", "--omit-region", "V4", "--requirement", "dynvision==0.1.0"],
     "'dynvision' on the package index is another project"),
    (["--identifier", "fine-id", "--region", "IT=V2", "--omit-region", "V4", "--weights-url", "file:///w.pt"],
     "give an https:// URL"),
])
def test_cli_errors(checkpoint, tmp_path, capsys, arguments, message):
    from dynvision.cli import main

    code = main(["register", "--checkpoint", str(checkpoint), "--out", str(tmp_path), *arguments])
    assert code == 2
    assert message in capsys.readouterr().err


# ------------------------------------------------------------- user models
USER_MODEL = """
from dynvision.model_components import LightningBase, RecurrentConnectedConv2d
from dynvision.models import register_model


@register_model
class RegisterTestNet(LightningBase):
    \"\"\"A user's model, in their own file.\"\"\"

    region_layer_map = {"V1": "V1"}

    def __init__(self, units: int = 3, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, self.units, kernel_size=3, recurrence_type="self")
"""


@pytest.mark.parametrize("index, helper, message", [
    (0, "from .helpers import x", "helper_0.py:21: a relative import"),
    (1, "import my_helpers_xyz", "imports 'my_helpers_xyz', which is neither installed here nor part of dynvision"),
    (2, "import importlib; importlib.import_module('dynvision.models')", "imports 'dynvision.models' by name"),
])
def test_bundle_refuses_code_it_cannot_carry(tmp_path, index, helper, message):
    """The plugin carries one user file: imports of other local files, of
    packages not installed, or of dynvision by a string are refused."""
    from dynvision.models import get_model, load_model_module

    name = f"HelperNet{index}"
    source = tmp_path / f"helper_{index}.py"
    source.write_text(USER_MODEL.replace("RegisterTestNet", name) + f"\n\ndef _helper():\n    {helper}\n")
    load_model_module(source)
    with pytest.raises(BundleError, match=re.escape(message)):
        build_bundle(get_model(name), source)


def test_bundle_rewrites_every_import_form(tmp_path):
    """Each way of importing dynvision becomes a relative import of the plugin's copy."""
    from dynvision.models import get_model, load_model_module

    source = tmp_path / "import_forms.py"
    source.write_text(
        "import os, dynvision.model_components as components\n"
        "import dynvision.models.registry\n"
        "from typing import TYPE_CHECKING\n"
        "from dynvision.models import (\n    register_model,\n)\n"
        "if TYPE_CHECKING:\n    from brain_models.adapter import DynVisionBrainModel\n\n\n"
        "@register_model\nclass ImportFormsNet(components.LightningBase):\n"
        "    region_layer_map = {'V1': 'V1'}\n\n"
        "    def _define_architecture(self):\n"
        "        self.V1 = components.RecurrentConnectedConv2d(self.n_channels, 2, 3)\n")
    load_model_module(source)
    bundle = build_bundle(get_model("ImportFormsNet"), source)
    text = bundle.files[f"{RUNTIME_PACKAGE}/user_models/import_forms.py"]
    assert text.splitlines()[:8] == [
        "import os; from ..dynvision import model_components as components",
        "from .. import dynvision; from ..dynvision.models import registry as _dv_registry",
        "from typing import TYPE_CHECKING",
        "from ..dynvision.models import (",
        "    register_model,",
        ")",
        "if TYPE_CHECKING:",
        "    from ..brain_models.adapter import DynVisionBrainModel",
    ]
    assert bundle.model_class == ("user_models.import_forms", "ImportFormsNet")
    assert "dynvision.models.registry" in bundle.modules and "dynvision.models.dyrcnn" in bundle.modules


def test_bundle_refuses_a_class_outside_the_given_file(tmp_path):
    from dynvision.models import get_model, load_model_module

    source = tmp_path / "elsewhere.py"
    source.write_text(USER_MODEL.replace("RegisterTestNet", "ElsewhereNet"))
    load_model_module(source)
    with pytest.raises(BundleError, match="define it in one file and register with --model-module FILE"):
        build_bundle(get_model("ElsewhereNet"), None)


@pytest.mark.slow
def test_user_model_file_travels_with_the_plugin(tmp_path):
    """A model class from the user's own file is carried in the plugin, so a
    machine without that file (a fresh process here) rebuilds it."""
    from dynvision.config import load_config
    from dynvision.training import train

    source = tmp_path / "mine" / "my_models.py"
    source.parent.mkdir()
    source.write_text(USER_MODEL)
    run = [o for o in TINY_RUN if not o.startswith(("model.", "data.image_size", "data.channels"))]
    config = load_config(None, [*run, "model.name=RegisterTestNet", "model.args={input_dims: [3, 1, 8, 8], units: 2}",
                                "data.image_size=8", "data.channels=1"])
    result = train(config, out=tmp_path / "run", model_module=source, test=False)
    identifier = f"{IDENTIFIER}-user"
    with pytest.raises(ValueError, match="--model-module"):  # the file the checkpoint names is never taken
        register(result.last_checkpoint, identifier, out=tmp_path / "out", model="RegisterTestNet",
                 omit_regions=["V2", "V4", "IT"])
    plugin = register(result.last_checkpoint, identifier, out=tmp_path / "out", model="RegisterTestNet",
                      model_module=source, omit_regions=["V2", "V4", "IT"])
    carried = (plugin.plugin_dir / RUNTIME_PACKAGE / "user_models" / "my_models.py").read_text()
    assert carried == USER_MODEL.replace("from dynvision.", "from ..dynvision.")
    assert any("my_models.py" in note for note in plugin.notes)
    shutil.rmtree(source.parent)  # the user's file is gone: the plugin's copy must do
    script = ("from brain_models.submission import load_plugin\n"
              f"m = load_plugin({str(plugin.plugin_dir)!r}, {identifier!r})\n"
              "print(type(m.model).__name__, m.model.units, sorted(m.region_layer_map))\n")
    env = dict(os.environ, DYNVISION_DEVICE="cpu")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split("\n")[-2] == "RegisterTestNet 2 ['V1']"


# ------------------------------------------------------------ a static model
STATIC_FILE = '''"""A user's own static network (a tiny CNN), declared with static_model."""
import torch
from torch import nn

from dynvision.models import register_model, static_model

#: batch sizes of every forward pass (the test counts passes per image)
FORWARD_BATCHES = []


class RegisterTinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.hidden = nn.Linear(16, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x):
        FORWARD_BATCHES.append(int(x.shape[0]))
        return self.out(torch.relu(self.hidden(self.pool(torch.relu(self.conv(x))).flatten(1))))


@register_model("RegisterTinyStatic")
def register_tiny_static():
    return static_model(RegisterTinyNet(), input_size=(3, 16, 16), mean=(0.5, 0.4, 0.3), std=(0.25, 0.2, 0.3),
                        visual_degrees=6.0, region_layer_map={"V4": "hidden"})
'''
STATIC_REGIONS = ["--region", "V1=conv", "--region", "IT=hidden", "--omit-region", "V2"]


@pytest.fixture
def static_model_files(tmp_path):
    """The user's file and a weights file (a state dict, not the factory's initialisation)."""
    from dynvision.models import get_model, load_model_module, unregister_model

    source = tmp_path / "mine" / "static_models.py"
    source.parent.mkdir()
    source.write_text(STATIC_FILE)
    load_model_module(source)
    torch.manual_seed(7)
    net = get_model("RegisterTinyStatic")()
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(0.1 * torch.randn_like(parameter))
    weights = tmp_path / "tiny_static.pt"
    torch.save(net.state_dict(), weights)
    yield source, weights
    unregister_model("RegisterTinyStatic")


def test_static_model_registers_and_records_like_score(static_model_files, tmp_path, capsys):
    """`dynvision register MODEL --model-module FILE --weights W` writes a plugin that rebuilds the
    static model from its carried factory and records exactly what `dynvision score`'s adapter records
    on the same model: one forward pass per image, the same response in every bin."""
    from brain_models import DynVisionBrainModel
    from brain_models.submission.local import forget, plugin_module
    from dynvision.cli import main
    from dynvision.loading import ModelSource, load_model

    source, weights = static_model_files
    identifier = f"{IDENTIFIER}-static"
    out = tmp_path / "out"
    code = main(["register", "RegisterTinyStatic", "--model-module", str(source), "--weights", str(weights),
                 "--identifier", identifier, "--out", str(out), *STATIC_REGIONS])
    assert code == 0, capsys.readouterr().err
    plugin_dir = out / "models" / plugin_name_for(identifier)
    commitment = read_commitment(plugin_dir)
    assert commitment["model"]["static"] is True and commitment["model"]["name"] == "RegisterTinyStatic"
    assert commitment["model"]["class"] == "register_tiny_static"
    assert commitment["source"]["weights_sha1"] == sha1_of(weights) and commitment["config"] is None
    assert commitment["time"]["dt_ms"] == 0.0 and commitment["visual_degrees"] == 6.0
    assert commitment["input"]["mean"] == [0.5, 0.4, 0.3] and commitment["input"]["std"] == [0.25, 0.2, 0.3]
    assert json.loads((plugin_dir / "region_layer_map" / f"{identifier}.json").read_text()) == {
        "IT": "hidden", "V1": "conv", "V4": "hidden"}
    assert "STATIC = True" in (plugin_dir / "test.py").read_text()

    loaded = load_model(ModelSource("RegisterTinyStatic", model_module=source, weights=weights))
    original = DynVisionBrainModel(loaded.model, identifier=identifier, region_layer_map={"V1": "conv", "IT": "hidden"})
    shutil.rmtree(source.parent)  # the user's file is gone: the plugin's copy must do
    module = plugin_module(plugin_dir, fresh=True)
    try:
        registered_model = module.get_model(identifier)
        assert registered_model.static and registered_model.visual_degrees() == 6.0
        for name, tensor in loaded.model.state_dict().items():
            assert torch.equal(registered_model.model.state_dict()[name], tensor), name
        carried = sys.modules[type(registered_model.model).__module__]
        assert carried.__name__.endswith("user_models.static_models")
        stimuli = _png_stimuli(tmp_path / "images", n=3)()
        bins = [(0, 10), (10, 20), (70, 170)]
        for region in ("V1", "V4", "IT"):
            ours, theirs = _record_both(original, registered_model, region, bins, stimuli)
            np.testing.assert_allclose(theirs.values, ours.values, rtol=1e-6, atol=1e-7)
            np.testing.assert_array_equal(theirs.values[..., 1:], theirs.values[..., :1].repeat(2, axis=2))
            assert np.abs(theirs.values).sum() > 0
        carried.FORWARD_BATCHES.clear()
        registered_model.start_recording("IT", time_bins=bins)
        registered_model.look_at(stimuli, number_of_trials=1)
        assert sum(carried.FORWARD_BATCHES) == len(stimuli)  # one forward pass per image
        with pytest.raises(ValueError, match="commits no layer to region 'V2'"):
            registered_model.start_recording("V2", time_bins=bins)
    finally:
        forget(module)


def test_static_model_refusals(static_model_files, checkpoint, tmp_path):
    """Each standard region committed or left out on purpose; --weights only without a checkpoint;
    a DynVision model is registered from its checkpoint."""
    source, weights = static_model_files
    identifier = f"{IDENTIFIER}-static-refused"
    with pytest.raises(RegionCommitmentError, match="--omit-region V1"):
        register(None, identifier, out=tmp_path / "a", model="RegisterTinyStatic", model_module=source,
                 weights=weights, omit_regions=["V2", "IT"])
    with pytest.raises(ValueError, match="--weights .*checkpoint carries its weights"):
        register(checkpoint, identifier, out=tmp_path / "b", model="DyRCNNx2", weights=weights,
                 omit_regions=["V4"])
    with pytest.raises(ValueError, match="DyRCNNx2 is not a static model.*--checkpoint"):
        register(None, identifier, out=tmp_path / "c", model="DyRCNNx2", weights=weights)
    with pytest.raises(ValueError, match="nothing to register"):
        register(None, identifier, out=tmp_path / "d")
    with pytest.raises(ValueError, match="--model-module"):  # the plugin must carry the user's file
        register(None, identifier, out=tmp_path / "e", model="RegisterTinyStatic", weights=weights,
                 region_layer_map={"V1": "conv", "IT": "hidden"}, omit_regions=["V2"])
    assert not (tmp_path / "a" / "models").exists() or not any((tmp_path / "a" / "models").iterdir())


@pytest.mark.slow
def test_static_plugin_test_py_passes(static_model_files, tmp_path):
    """The static model's plugin passes its own test.py (Brain-Score's generic checks, and IT
    responses that stay the same over 18 bins) inside the installed brainscore_vision."""
    import brainscore_vision

    source, weights = static_model_files
    identifier = f"{IDENTIFIER}-static-test-py"
    plugin = register(None, identifier, out=tmp_path / "out", model="RegisterTinyStatic", model_module=source,
                      weights=weights, region_layer_map={"V1": "conv", "V2": "conv", "IT": "hidden"})
    target = Path(brainscore_vision.__file__).parent / "models" / plugin.plugin_name
    assert not target.exists(), f"{target} exists already"
    env = dict(os.environ, BS_INSTALL_DEPENDENCIES="no", DYNVISION_DEVICE="cpu", RESULTCACHING_DISABLE="1")
    try:
        shutil.copytree(plugin.plugin_dir, target)
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not slow",
                                 str(target / "test.py")], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=600)
    finally:
        shutil.rmtree(target, ignore_errors=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "9 passed" in result.stdout
