"""A registered plugin installs and runs where Brain-Score runs it: in a clean
environment holding only ``brainscore-vision`` and ``torch``.

This plays Brain-Score's CI: a fresh virtualenv (no system site packages,
nothing of this project) is made from the package index with
``brainscore-vision[test]`` at the version installed here and ``torch``: the
CPU build when pip's ``find-links`` hold one (``torch-X+cpu`` wheel; any
torch meets the plugin's ``torch>=2.1`` and the CPU build is a fraction of the
CUDA one's gigabytes), else the version installed here; each
plugin is put into its ``brainscore_vision/models/`` and its requirements are
installed with the command Brain-Score runs (``pip install -r
requirements.txt``; offline here, so every requirement must already be met by
that environment). Then, in that environment and offline, the plugin's own
``test.py`` (Brain-Score's generic plugin checks and the time-resolved ones)
passes, and ``brainscore_vision.load_model`` gives a model whose V1 recording
at ``[(50, 100)]``, 18-bin IT recording from 70 to 250 ms (changing over
time) and probabilities task equal what this project's own adapter records
from the trained checkpoint. Two plugins: a tiny DyRCNNx4 from the zoo, and
a user's model defined in a ``--model-module`` file that is deleted before
the plugin is used.

One virtualenv per session (about 1 GB with the CPU torch, several GB with
the CUDA one; minutes to install) is made and removed at the end.
``DYNVISION_TEST_PIP_CACHE`` names a pip cache to reuse between runs;
``DYNVISION_TEST_CLEAN_VENV`` an existing virtualenv made the same way to use
instead (checked to hold neither dynvision nor Lightning; kept afterwards).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from tests.helpers.configs import TWO_STEPS_RGB16, X4_RGB16

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::UserWarning"),
              pytest.mark.filterwarnings("ignore:'multi_class' was deprecated:FutureWarning")]

#: a tiny DyRCNNx4: 3x16x16 images, 4 steps of 2 ms, trained for two batches
TINY_X4, TRAINING = X4_RGB16, TWO_STEPS_RGB16
USER_MODEL = '''"""A user's own model, in their own file (spec/creating-custom-models.md)."""
from dynvision.model_components import LightningBase, RecurrentConnectedConv2d
from dynvision.models import register_model


@register_model
class CleanEnvNet(LightningBase):
    region_layer_map = {"V1": "V1", "IT": "IT"}

    def __init__(self, units: int = 4, **kwargs):
        self.units = units
        super().__init__(**kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, self.units, kernel_size=3, recurrence_type="self")
        self.IT = RecurrentConnectedConv2d(self.units, self.units, kernel_size=3, stride=2, recurrence_type="full")
'''
V1_BINS = [(50, 100)]
IT_BINS = [(start, start + 10) for start in range(70, 250, 10)]

#: run inside the clean environment: Brain-Score loads the model and records
CHECK = r'''
import json, sys
from pathlib import Path

import numpy as np
from PIL import Image
from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet
from brainscore_vision import load_model

identifier, images, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
for package in ("dynvision", "brain_models"):
    try:
        __import__(package)
    except ModuleNotFoundError:
        pass
    else:
        raise SystemExit(f"{package} is importable in the clean environment")
stimuli = StimulusSet({"stimulus_id": ["s1", "s2", "s3", "s4"], "object_name": ["rgb"] * 4,
                       "image_label": ["a", "a", "b", "b"], "filename": ["1", "2", "3", "4"]})
stimuli.stimulus_paths = {f"s{i}": images / f"{i}.png" for i in range(1, 5)}
stimuli.identifier = "dynvision-clean-env"
model = load_model(identifier)
result = {"identifier": model.identifier, "class": type(model).__name__, "degrees": model.visual_degrees(),
          "regions": sorted(model.region_layer_map), "omitted": {}}
arrays = {}
if "V1" in model.region_layer_map:
    model.start_recording("V1", time_bins=[(50, 100)])
    v1 = model.look_at(stimuli, number_of_trials=1)
    result["v1_dims"] = list(v1.dims)
    arrays["v1"] = v1.values
if "IT" in model.region_layer_map:
    model.start_recording("IT", time_bins=[(t, t + 10) for t in range(70, 250, 10)])
    it = model.look_at(stimuli, number_of_trials=1)
    result["it_dims"] = list(it.dims)
    result["it_bins"] = [[int(s), int(e)] for s, e in zip(it["time_bin_start"].values, it["time_bin_end"].values)]
    arrays["it"] = it.values
for region in ("V1", "V2", "V4", "IT"):
    if region not in model.region_layer_map:
        try:
            model.start_recording(region, time_bins=[(70, 170)])
        except ValueError as error:
            result["omitted"][region] = str(error)
model.start_task("probabilities", fitting_stimuli=stimuli)
probabilities = model.look_at(stimuli, number_of_trials=1)
result["probabilities_dims"] = sorted(probabilities.dims)
result["choices"] = sorted(str(c) for c in probabilities["choice"].values)
arrays["probabilities"] = probabilities.sel(choice=sorted(probabilities["choice"].values)).values
np.savez(out / "arrays.npz", **arrays)
(out / "result.json").write_text(json.dumps(result))
'''


def _version(distribution: str) -> str:
    return metadata.version(distribution)


def _cpu_torch_on_find_links(env: dict) -> str | None:
    """The newest ``torch-X+cpu`` wheel installable here on pip's find-links
    (pip's configuration and ``PIP_FIND_LINKS``), as ``X+cpu``; None if none."""
    from packaging.tags import sys_tags
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    listed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], env=env, capture_output=True,
                            text=True, timeout=120).stdout
    places = [value for value in re.findall(r"^\S*find-links='(.*)'$", listed, re.M)]
    places.append(os.environ.get("PIP_FIND_LINKS", ""))
    supported = set(sys_tags())
    found = []
    for place in " ".join(places).split():
        folder = Path(place.removeprefix("file://"))
        for wheel in folder.glob("torch-*+cpu-*.whl") if folder.is_dir() else ():
            try:
                _, version, _, tags = parse_wheel_filename(wheel.name)
            except InvalidWheelFilename:
                continue
            if supported & tags:
                found.append(version)
    return str(max(found)) if found else None


def _offline_env(root: Path) -> dict:
    """The environment of every command in the clean env: nothing of this
    project on the path, Brain-Score installs nothing, caches in ``root``,
    and any HTTP(S) request goes to a closed local port."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    home = root / "home"
    home.mkdir(exist_ok=True)
    env.update({
        "HOME": str(home), "PYTHONNOUSERSITE": "1", "BS_INSTALL_DEPENDENCIES": "no", "RESULTCACHING_DISABLE": "1",
        "BRAINIO_HOME": str(home / "brainio"), "RESULTCACHING_HOME": str(home / "result_caching"),
        "BRAINSCORE_HOME": str(home / "brain-score"), "MT_HOME": str(home / "model-tools"),
        "TORCH_HOME": str(home / "torch"), "DYNVISION_HOME": str(home / "dynvision"), "DYNVISION_DEVICE": "cpu",
        "CUDA_VISIBLE_DEVICES": "", "HF_HUB_OFFLINE": "1", "PIP_NO_INDEX": "1", "OMP_NUM_THREADS": "1",
        "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": "",
        "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
    })
    return env


@pytest.fixture(scope="session")
def clean_env(tmp_path_factory):
    """A virtualenv with brainscore-vision[test] and torch only (removed at the end)."""
    root = tmp_path_factory.mktemp("clean_env")
    given = os.environ.get("DYNVISION_TEST_CLEAN_VENV")
    venv = Path(given) if given else root / "venv"
    python = venv / "bin" / "python"
    cache = os.environ.get("DYNVISION_TEST_PIP_CACHE") or str(root / "pip-cache")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_CACHE_DIR=cache, PYTHONNOUSERSITE="1")
    torch_version = _cpu_torch_on_find_links(env) or _version("torch")
    wanted = [f"brainscore-vision[test]=={_version('brainscore-vision')}", f"torch=={torch_version}"]
    started = time.monotonic()
    if not given:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        install = subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted], env=env,
                                 capture_output=True, text=True, timeout=3000)
        assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    seconds = time.monotonic() - started
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()  # no system packages
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], env=env, capture_output=True, text=True,
                            check=True).stdout
    versions = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line)
    print(f"\nclean env: {', '.join(wanted)} installed in {seconds:.0f} s "
          f"(torch {versions.get('torch')}, brainscore-core {versions.get('brainscore_core') or versions.get('brainscore-core')}, "
          f"numpy {versions.get('numpy')}, python {sys.version.split()[0]})")
    assert not any(name.lower().replace("_", "-") in ("dynvision", "pytorch-lightning") for name in versions)
    site = subprocess.run([str(python), "-c", "import brainscore_vision, pathlib; "
                           "print(pathlib.Path(brainscore_vision.__file__).parent)"],
                          env=_offline_env(root), cwd=root, capture_output=True, text=True, timeout=600)
    assert site.returncode == 0, site.stderr[-3000:]
    yield {"python": python, "root": root, "models": Path(site.stdout.strip()) / "models"}
    if not given:
        shutil.rmtree(venv, ignore_errors=True)


def _train(out: Path, options, model_module=None) -> Path:
    from dynvision.config import load_config
    from dynvision.training import train

    result = train(load_config(None, [*options, *TRAINING]), out=out, model_module=model_module, test=False)
    return result.last_checkpoint


def _images(folder: Path) -> Path:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    for i in range(1, 5):
        Image.fromarray((rng.uniform(size=(24, 24, 3)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    return folder


def _reference(brain_model, images: Path) -> dict:
    """What this project's own adapter records from the trained checkpoint."""
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    stimuli = StimulusSet({"stimulus_id": ["s1", "s2", "s3", "s4"], "object_name": ["rgb"] * 4,
                           "image_label": ["a", "a", "b", "b"], "filename": ["1", "2", "3", "4"]})
    stimuli.stimulus_paths = {f"s{i}": images / f"{i}.png" for i in range(1, 5)}
    stimuli.identifier = "dynvision-clean-env"
    arrays = {}
    if "V1" in brain_model.region_layer_map:
        brain_model.start_recording("V1", time_bins=V1_BINS)
        arrays["v1"] = brain_model.look_at(stimuli).values
    if "IT" in brain_model.region_layer_map:
        brain_model.start_recording("IT", time_bins=IT_BINS)
        arrays["it"] = brain_model.look_at(stimuli).values
    brain_model.start_task("probabilities", fitting_stimuli=stimuli)
    probabilities = brain_model.look_at(stimuli)
    arrays["probabilities"] = probabilities.sel(choice=sorted(probabilities["choice"].values)).values
    return arrays


def _plugin_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def plugins(tmp_path_factory):
    """Two registered plugins and what the project's adapter records from their checkpoints."""
    from brain_models import from_checkpoint
    from brain_models.submission import register

    root = tmp_path_factory.mktemp("plugins")
    images = _images(root / "images")
    made = {}
    checkpoint = _train(root / "run-x4", TINY_X4)
    plugin = register(checkpoint, "dynvision-clean-env-x4", out=root / "out", model="DyRCNNx4", make_zip=True)
    reference = from_checkpoint(checkpoint, identifier=plugin.identifier)
    made["x4"] = (plugin, _reference(reference, images))

    source = root / "mine" / "clean_env_net.py"
    source.parent.mkdir()
    source.write_text(USER_MODEL)
    checkpoint = _train(root / "run-user", ["model.name=CleanEnvNet", "model.args={input_dims: [4, 3, 16, 16]}"],
                        model_module=source)
    plugin = register(checkpoint, "dynvision-clean-env-user", out=root / "out", model="CleanEnvNet",
                      model_module=source, omit_regions=["V2", "V4"], make_zip=True)
    reference = from_checkpoint(checkpoint, model_module=source, identifier=plugin.identifier)
    made["user"] = (plugin, _reference(reference, images))
    shutil.rmtree(source.parent)  # the plugin must carry the user's model itself
    for plugin, _ in made.values():
        print(f"\nplugin {plugin.identifier}: {_plugin_size(plugin.plugin_dir) / 1e3:.0f} kB in "
              f"{len(list(plugin.plugin_dir.rglob('*.py')))} Python files, zip "
              f"{plugin.zip_path.stat().st_size / 1e3:.0f} kB")
    return made, images


@pytest.fixture(scope="module")
def installed(clean_env, plugins):
    """The plugins inside the clean env's brainscore_vision/models/, their
    requirements installed with Brain-Score's command (offline)."""
    made, _ = plugins
    env = _offline_env(clean_env["root"])
    targets = []
    for plugin, _ in made.values():
        target = clean_env["models"] / plugin.plugin_name
        shutil.rmtree(target, ignore_errors=True)  # (left by an earlier run in a reused virtualenv)
        shutil.copytree(plugin.plugin_dir, target)
        targets.append(target)
        started = time.monotonic()
        result = subprocess.run([str(clean_env["python"]), "-m", "pip", "install", "-r", "requirements.txt"],
                                cwd=target, env=env, capture_output=True, text=True, timeout=600)
        print(f"\n{plugin.identifier}: pip install -r requirements.txt took {time.monotonic() - started:.1f} s")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "Successfully installed" not in result.stdout  # brainscore-vision and torch already meet them
    yield made
    for target in targets:
        shutil.rmtree(target, ignore_errors=True)


@pytest.mark.parametrize("name", ["x4", "user"])
def test_plugin_test_py_passes_in_the_clean_env(clean_env, installed, name):
    plugin, _ = installed[name]
    test_py = clean_env["models"] / plugin.plugin_name / "test.py"
    run = clean_env["root"] / f"pytest-{name}"
    run.mkdir()
    result = subprocess.run([str(clean_env["python"]), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-m", "not slow", str(test_py)], cwd=run, env=_offline_env(clean_env["root"]),
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    assert re.match(r"9 passed\b", last) and "failed" not in last and "skipped" not in last, last


@pytest.mark.parametrize("name", ["x4", "user"])
def test_brainscore_loads_and_records_like_the_trained_model(clean_env, installed, plugins, name):
    plugin, reference = installed[name]
    _, images = plugins
    out = clean_env["root"] / f"check-{name}"
    out.mkdir()
    script = out / "check.py"
    script.write_text(CHECK)
    result = subprocess.run([str(clean_env["python"]), str(script), plugin.identifier, str(images), str(out)],
                            cwd=out, env=_offline_env(clean_env["root"]), capture_output=True, text=True,
                            timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    summary = json.loads((out / "result.json").read_text())
    arrays = np.load(out / "arrays.npz")
    assert summary["identifier"] == plugin.identifier
    assert summary["class"] == "RegisteredBrainModel" and summary["degrees"] == 8.0
    assert summary["v1_dims"] == ["presentation", "neuroid"]  # one bin: squeezed, as Brain-Score's own models
    assert summary["it_dims"] == ["presentation", "neuroid", "time_bin"]
    assert summary["it_bins"] == [list(b) for b in IT_BINS]
    it = arrays["it"]
    assert it.shape[2] == 18 and np.abs(np.diff(it, axis=2)).max() > 1e-4  # IT responses change over time
    assert summary["probabilities_dims"] == ["choice", "presentation"] and summary["choices"] == ["a", "b"]
    np.testing.assert_allclose(arrays["probabilities"].sum(axis=1), 1, rtol=1e-5)
    for key in ("v1", "it", "probabilities"):
        np.testing.assert_allclose(arrays[key], reference[key], rtol=1e-4, atol=1e-6, err_msg=key)
    if name == "x4":
        assert summary["regions"] == ["IT", "V1", "V2", "V4"] and summary["omitted"] == {}
    else:
        assert summary["regions"] == ["IT", "V1"]
        assert sorted(summary["omitted"]) == ["V2", "V4"]
        assert "left out when the model was registered (dynvision register --omit-region V4)" in \
            summary["omitted"]["V4"]
