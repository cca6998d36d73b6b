"""``register``: a training checkpoint (or a static model's factory and its
weights file) -> a Brain-Score model plugin folder ``<out>/models/<plugin>/``
that rebuilds exactly that model."""
from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from ..settings import AdapterSettings
from . import templates
from .archive import make_zip as _make_zip
from .bundle import RUNTIME_PACKAGE, build_bundle
from .identifiers import plugin_name_for, validate_identifier, validate_plugin_name
from .runtime import COMMITMENT_FILE, FORMAT, REGION_LAYER_MAP_DIR, STANDARD_REGIONS, PluginError
from .weights import check_url, insecure_url, sha1_of, url_file_name, write_weights

PathLike = Union[str, "os.PathLike[str]"]

#: where ``register`` writes when no ``out`` is given
DEFAULT_OUT = "brainscore-submission"
#: the largest archive brain-score.org accepts (50 MB; counted in the smaller unit to be safe)
UPLOAD_LIMIT_BYTES = 50 * 10 ** 6
#: local weights larger than this are better uploaded and registered by URL
LARGE_WEIGHTS_BYTES = UPLOAD_LIMIT_BYTES
#: folder under ``out`` receiving the weights file to upload when registering by URL
UPLOAD_DIR = "upload"


@dataclass
class RegisteredPlugin:
    """What :func:`register` wrote."""

    identifier: str
    plugin_name: str
    root: Path                      #: the submission folder: holds ``models/<plugin>/``
    plugin_dir: Path                #: ``root/models/<plugin>``
    files: List[Path]               #: every file of the plugin, relative to ``plugin_dir``
    weights_file: Path              #: inside the plugin, or (``weights_url``) the file to upload there
    weights_sha1: str
    weights_url: Optional[str] = None
    zip_path: Optional[Path] = None
    notes: List[str] = field(default_factory=list)


#: how a recording's time bins are filled, as committed in the plugin
DYNAMIC_TIME_BINS = ("each requested bin is the mean of the steps ending inside it (model time = recorded time - "
                     "latency); image shown for t_presentation_ms, then blank")
STATIC_TIME_BINS = ("a static model: one forward pass per image, its response the same in every requested bin "
                    "(as Brain-Score's TemporalAligned holds a static model's response)")


def _version(distribution: str) -> Optional[str]:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


class SubmissionError(ValueError):
    """An input ``register`` cannot turn into a plugin Brain-Score accepts."""


class RegionCommitmentError(SubmissionError):
    """A standard region is neither committed to a layer nor left out on purpose."""


class UploadTooLargeError(SubmissionError):
    """The upload archive exceeds what brain-score.org accepts."""


def _requirements(runtime: Sequence[str], extra: Optional[Sequence[str]]) -> List[str]:
    """The runtime's requirements, then the extra lines (none may name dynvision:
    the plugin carries its runtime, and the index's ``dynvision`` is another project)."""
    lines = [str(line).strip() for line in (extra or []) if str(line).strip()]
    for line in lines:
        if re.match(r"dynvision\b", line.lower().replace("_", "-")):
            raise SubmissionError(f"--requirement {line!r}: the plugin carries the DynVision code it runs "
                                  "(_dynvision_runtime/), and 'dynvision' on the package index is another project; "
                                  "drop this requirement")
    return list(runtime) + [line for line in lines if line not in runtime]


def check_regions(committed: Mapping[str, Any], omitted: Sequence[str], model_name: str,
                  layers: Sequence[str]) -> List[str]:
    """The regions left out, after checking that each standard region is either
    committed or left out on purpose (``omitted``)."""
    omitted = list(dict.fromkeys(omitted))
    for region in omitted:
        if region not in STANDARD_REGIONS:
            raise RegionCommitmentError(f"--omit-region {region}: not one of Brain-Score's regions "
                                        f"({', '.join(STANDARD_REGIONS)})")
        if region in committed:
            raise RegionCommitmentError(f"--omit-region {region}: {region} is committed to layer "
                                        f"{committed[region]!r}; drop one of the two")
    missing = [region for region in STANDARD_REGIONS if region not in committed and region not in omitted]
    if missing:
        commit = " ".join(f"--region {region}=LAYER" for region in missing)
        omit = " ".join(f"--omit-region {region}" for region in missing)
        raise RegionCommitmentError(
            f"{model_name} commits no layer to {', '.join(missing)}: Brain-Score's benchmarks record from "
            f"{', '.join(STANDARD_REGIONS)}. Commit one with {commit} (layers: {', '.join(layers)}), or leave "
            f"{'it' if len(missing) == 1 else 'them'} out on purpose with {omit} (the model then cannot be "
            "scored on those regions)")
    return [region for region in STANDARD_REGIONS if region in omitted]


def load_region_layer_map(value: Union[None, PathLike, Mapping[str, Any]]) -> Dict[str, Any]:
    """A ``{region: layer}`` mapping, or a JSON file holding one (also the
    ``{"region_layer_map": {...}}`` files :func:`brain_models.select_layer` stores)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    with open(value, encoding="utf-8") as handle:
        data = json.load(handle)
    if isinstance(data, Mapping) and isinstance(data.get("region_layer_map"), Mapping):
        data = data["region_layer_map"]
    if not isinstance(data, Mapping):
        raise SubmissionError(f"{value}: expected a JSON object {{region: layer}}")
    return dict(data)


def _check_model_name(requested: Optional[str], record: Mapping[str, Any], path: Path) -> None:
    if not requested:
        return
    class_path = str(record.get("class_path") or "")
    names = {record.get("name"), class_path, class_path.rpartition(":")[2]}
    if requested not in names:
        raise SubmissionError(f"checkpoint {path} holds a {record.get('name')} ({class_path}), not {requested}: "
                              "pass the model the checkpoint was trained as, or the right checkpoint")


@dataclass
class _Source:
    """The model to register and how the plugin rebuilds it."""

    loaded: Any                     #: dynvision.loading.LoadedModel
    record: Dict[str, Any]          #: ``name`` and ``class_path`` of the model
    builder: Any                    #: the class (or a static model's factory) the plugin calls
    model_args: Dict[str, Any]      #: the arguments it is called with
    config: Any                     #: the resolved training config (None for a static model)
    source: Dict[str, Any]          #: where the registered weights came from
    label: str                      #: what the model came from, for the plugin's docstring


def _from_checkpoint(checkpoint: Path, model: Optional[str], model_module: Optional[PathLike]) -> _Source:
    from dynvision.loading import CONFIG_KEY, MODEL_KEY, ModelSource, load_model, read_checkpoint

    stored = read_checkpoint(checkpoint)
    missing = [key for key in (MODEL_KEY, CONFIG_KEY) if key not in stored]
    if missing:
        raise SubmissionError(f"checkpoint {checkpoint} has no {' / '.join(repr(k) for k in missing)} entry: it was "
                              "not written by `dynvision train`, so it cannot rebuild its model alone")
    record = dict(stored[MODEL_KEY])
    _check_model_name(model, record, checkpoint)
    loaded = load_model(ModelSource(os.fspath(checkpoint), model_module=model_module))
    source = {"checkpoint": checkpoint.name, "checkpoint_sha1": sha1_of(checkpoint),
              "epoch": stored.get("epoch"), "global_step": stored.get("global_step")}
    return _Source(loaded=loaded, record=record, builder=type(loaded.model), model_args=dict(loaded.model.model_args),
                   config=stored[CONFIG_KEY], source=source,
                   label=f"a DynVision {record.get('name')} trained with `dynvision train`")


def _from_static_factory(model: Optional[str], weights: Optional[PathLike], model_module: Optional[PathLike]) -> _Source:
    """A static model (:func:`dynvision.models.static_model`) built by its registered factory,
    with the weights of ``weights`` (a state dict): the plugin calls the factory and loads them."""
    from dynvision.loading import ModelSource, load_model, load_model_module
    from dynvision.loading.loader import static_factory

    if not model:
        raise SubmissionError("nothing to register: give --checkpoint CKPT (a model trained with `dynvision train`) "
                              "or MODEL --weights FILE (a static model's registered factory and its weights)")
    if model_module is not None:
        load_model_module(model_module)
    factory = static_factory(model)
    if factory is None:
        raise SubmissionError(f"{model} is not a static model (dynvision.models.static_model): a DynVision model is "
                              "registered from its training checkpoint, with --checkpoint CKPT")
    loaded = load_model(ModelSource(model, model_module=model_module, weights=weights))
    record = {"name": model, "class_path": f"{factory.__module__}:{factory.__qualname__}", "static": True}
    source = {"weights": loaded.weights.kind, "weights_file": Path(os.fspath(weights)).name if weights else None,
              "weights_sha1": loaded.weights.sha1, "seed": loaded.weights.seed}
    label = f"the static model {model}" + (f" with the weights of {Path(os.fspath(weights)).name}" if weights
                                           else " with random initial weights")
    return _Source(loaded=loaded, record=record, builder=factory, model_args={}, config=None, source=source,
                   label=label)


def _json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=False)
        handle.write("\n")


def register(
    checkpoint: Optional[PathLike],
    identifier: str,
    out: PathLike = DEFAULT_OUT,
    model: Optional[str] = None,
    *,
    settings: Optional[AdapterSettings] = None,
    region_layer_map: Union[None, PathLike, Mapping[str, Any]] = None,
    mean: Optional[Sequence[float]] = None,
    std: Optional[Sequence[float]] = None,
    omit_regions: Sequence[str] = (),
    weights_url: Optional[str] = None,
    plugin_name: Optional[str] = None,
    requirements: Optional[Sequence[str]] = None,
    bibtex: str = "",
    model_module: Optional[PathLike] = None,
    overwrite: bool = False,
    make_zip: bool = False,
    check_registry: bool = True,
    weights: Optional[PathLike] = None,
) -> RegisteredPlugin:
    """Write the Brain-Score plugin ``<out>/models/<plugin>/`` for the model in ``checkpoint``.

    Without a checkpoint, ``model`` names a static model's registered factory
    (:func:`dynvision.models.static_model`; from ``model_module`` or the zoo)
    and ``weights`` its state dict: the plugin carries the factory, calls it
    and loads the weights, and the adapter runs the model once per image,
    holding its response in every time bin.

    The plugin rebuilds the exact trained model and needs nothing of this
    project installed: it carries the code that runs the model as the private
    package ``_dynvision_runtime/`` (see :mod:`.bundle`), and its
    ``requirements.txt`` names only the packages that code imports. The
    model's constructor arguments and weights (no optimizer state) are stored
    in the plugin (``weights/``), or -- with ``weights_url``, an ``https://``
    URL -- written to ``<out>/upload/`` for you to upload there and fetched
    (SHA-1 checked) when Brain-Score loads the model.

    ``settings`` (:class:`~brain_models.AdapterSettings`, as ``dynvision score``
    takes them) are committed: the time mapping (presentation time, latency,
    readout), visual degrees and feature reduction; ``mean``/``std`` override the
    model's normalisation. The region->layer map (the model's declared map,
    updated by ``region_layer_map``, a mapping or a JSON file, and then by
    ``settings.region_layer_map``) must cover V1, V2, V4 and IT, except regions
    named in ``omit_regions``. Before anything is written, the plugin's own code
    rebuilds the model and must give the trained model's outputs. ``model``, if
    given, must be the model the checkpoint holds. With ``make_zip``, an archive
    above :data:`UPLOAD_LIMIT_BYTES` is refused. Nothing is left behind when a
    step fails.
    """
    plugin_name = _check_destination(identifier, plugin_name, weights_url, check_registry)
    root = Path(out)
    plugin_dir = root / "models" / plugin_name
    if plugin_dir.exists() and not overwrite:
        raise FileExistsError(f"{plugin_dir} already exists; pass --overwrite to replace it, or --out another folder")
    chosen = _chosen_model(checkpoint, weights, model, model_module)
    settings = settings or AdapterSettings()
    settings = settings.replace(region_layer_map={**load_region_layer_map(region_layer_map),
                                                  **dict(settings.region_layer_map)})
    brain_model = _committed_brain_model(chosen, identifier, settings, mean, std)
    committed = {region: brain_model.region_layer_map[region] for region in sorted(brain_model.region_layer_map)}
    omitted = check_regions(committed, omit_regions, str(chosen.record.get("name") or type(chosen.loaded.model).__name__),
                            brain_model.available_layers())
    notes: List[str] = [note for note in chosen.loaded.notes if note.startswith("UNTRAINED")]
    if omitted:
        notes.append(f"left out on purpose: {', '.join(omitted)}; Brain-Score cannot score the model on benchmarks "
                     "recording from there")
    user_module = Path(model_module) if model_module else None
    bundle = _bundle(chosen, user_module, brain_model, notes)

    root.mkdir(parents=True, exist_ok=True)
    (root / "models").mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{plugin_name}.", dir=root / "models"))
    written = _Written()
    try:
        _stage(staging, written, root, plugin_name, identifier, chosen, brain_model, bundle, user_module, committed,
               omitted, weights_url=weights_url, requirements=requirements, bibtex=bibtex, make_zip=make_zip)
        if plugin_dir.exists():
            shutil.rmtree(plugin_dir)
        os.replace(staging, plugin_dir)
        zip_path = None
        if written.zip_tmp is not None:
            zip_path = root / f"{plugin_name}.zip"
            os.replace(written.zip_tmp, zip_path)
        if weights_url is None:
            weights_file = plugin_dir / written.weights_rel
        else:
            weights_file = root / UPLOAD_DIR / written.file_name
            os.replace(written.upload_tmp, weights_file)
            notes.append(f"upload {weights_file} to {weights_url} (SHA-1 {written.sha1}); the plugin downloads it "
                         "from there and refuses any other file")
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        for leftover in (written.upload_tmp, written.zip_tmp):
            if leftover is not None and leftover.exists():
                leftover.unlink()

    files = sorted(p.relative_to(plugin_dir) for p in plugin_dir.rglob("*") if p.is_file())
    return RegisteredPlugin(identifier=identifier, plugin_name=plugin_name, root=root, plugin_dir=plugin_dir,
                            files=files, weights_file=weights_file, weights_sha1=written.sha1,
                            weights_url=weights_url, zip_path=zip_path, notes=notes)


def _check_destination(identifier: str, plugin_name: Optional[str], weights_url: Optional[str],
                       check_registry: bool) -> str:
    """The plugin's name, after checking the identifier, the name and the weights URL."""
    validate_identifier(identifier, check_registry=check_registry)
    name = validate_plugin_name(plugin_name or plugin_name_for(identifier), check_installed=check_registry)
    if weights_url is not None:
        check_url(weights_url)
        if insecure_url(weights_url):
            warnings.warn(f"weights URL {weights_url}: plain http:// can be tampered with in transit (the plugin "
                          "refuses a file whose SHA-1 differs, so the model then fails to load); prefer https://",
                          stacklevel=3)
    return name


def _chosen_model(checkpoint: Optional[PathLike], weights: Optional[PathLike], model: Optional[str],
                  model_module: Optional[PathLike]) -> _Source:
    if checkpoint is not None and weights is not None:
        raise SubmissionError(f"--weights {weights}: a checkpoint carries its weights; --weights is for a static "
                              "model registered without --checkpoint")
    if checkpoint is not None:
        return _from_checkpoint(Path(checkpoint), model, model_module)
    return _from_static_factory(model, weights, model_module)


def _committed_brain_model(chosen: _Source, identifier: str, settings: AdapterSettings,
                           mean: Optional[Sequence[float]], std: Optional[Sequence[float]]) -> Any:
    """The adapter the plugin will rebuild, after checking that every committed layer can be
    recorded and that behaviour is not read out before input reaches the readout layer."""
    from ..adapter import DynVisionBrainModel
    from ..recording import CLASSIFIER

    loaded = chosen.loaded
    brain_model = DynVisionBrainModel(loaded.model, identifier=identifier, settings=settings,
                                      mean=loaded.mean if mean is None else mean,
                                      std=loaded.std if std is None else std)
    for region in brain_model.region_layer_map:  # every committed layer must be recordable
        start, width = brain_model.latency, brain_model.dt or brain_model.readout_window  # static: dt is 0
        brain_model.check_recording(region, [(start, start + width)])
    readout = settings.behavioral_readout_layer
    if readout is not None and readout not in brain_model.available_layers():
        raise SubmissionError(f"behavioral_readout_layer {readout!r} is not a layer of the model; "
                              f"layers: {', '.join(brain_model.available_layers())}")
    for layer in dict.fromkeys((CLASSIFIER, brain_model.readout_layer())):  # behaviour reads these at readout_time
        try:
            brain_model.check_readout_time(layer)
        except ValueError as error:
            raise SubmissionError(str(error)) from None
    return brain_model


def _bundle(chosen: _Source, user_module: Optional[Path], brain_model: Any, notes: List[str]) -> Any:
    """The code the plugin carries; a user's model file only when given (``--model-module``),
    never the file a checkpoint names."""
    if user_module is None and chosen.builder.__module__.startswith("dynvision_user_models."):
        raise SubmissionError(f"{chosen.record.get('name')} comes from a model file of yours: pass --model-module FILE "
                              "(the file that defines it) so that the plugin carries it")
    bundle = build_bundle(chosen.builder, user_module)
    class_module, _ = bundle.model_class
    if class_module.startswith("user_models."):
        notes.append(f"the model {'factory' if brain_model.static else 'class'} comes from your file {user_module}; "
                     f"it is carried in the plugin as {RUNTIME_PACKAGE}/{class_module.replace('.', '/')}.py (files it "
                     "imports are not: keep the model in one file)")
    return bundle


@dataclass
class _Written:
    """The files :func:`_stage` wrote outside the staging folder, and the weights' identity."""

    weights_rel: Optional[str] = None   #: the weights inside the plugin (None: registered by URL)
    file_name: str = ""                 #: the weights file's name
    sha1: str = ""
    upload_tmp: Optional[Path] = None   #: the weights to upload, before their final name
    zip_tmp: Optional[Path] = None      #: the upload archive, before its final name


def _stage(staging: Path, written: _Written, root: Path, plugin_name: str, identifier: str, chosen: _Source,
           brain_model: Any, bundle: Any, user_module: Optional[Path], committed: Dict[str, Any],
           omitted: List[str], *, weights_url: Optional[str], requirements: Optional[Sequence[str]], bibtex: str,
           make_zip: bool) -> None:
    """Write the whole plugin into ``staging`` (and the weights to upload, and the archive,
    beside it, recorded in ``written``), then check that its own code rebuilds the model."""
    trained = chosen.loaded.model
    for relative, text in bundle.files.items():
        target = staging / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if weights_url is None:
        written.weights_rel = f"weights/{plugin_name}.pt"
        weights_file_tmp = write_weights(trained, staging / written.weights_rel, chosen.model_args)
        written.file_name = Path(written.weights_rel).name
    else:
        written.file_name = url_file_name(weights_url, f"{plugin_name}.pt")
        (root / UPLOAD_DIR).mkdir(exist_ok=True)
        written.upload_tmp = root / UPLOAD_DIR / f".{written.file_name}.part"
        weights_file_tmp = write_weights(trained, written.upload_tmp, chosen.model_args)
    written.sha1 = sha1_of(weights_file_tmp)
    size = weights_file_tmp.stat().st_size
    if weights_url is None and size > LARGE_WEIGHTS_BYTES and not make_zip:
        warnings.warn(f"the weights of {identifier} take {size / 10 ** 6:.0f} MB inside the plugin; "
                      f"brain-score.org takes archives up to {UPLOAD_LIMIT_BYTES // 10 ** 6} MB: register with "
                      "--weights-url to host them yourself", stacklevel=3)
    commitment = _commitment(identifier, plugin_name, chosen, brain_model, bundle, user_module, omitted,
                             weights={"file": written.weights_rel, "url": weights_url, "file_name": written.file_name,
                                      "sha1": written.sha1, "size_bytes": size})
    _json(staging / COMMITMENT_FILE, commitment)
    _json(staging / REGION_LAYER_MAP_DIR / f"{identifier}.json", committed)
    (staging / "requirements.txt").write_text(
        "\n".join(_requirements(bundle.requirements, requirements)) + "\n", encoding="utf-8")
    fill = dict(identifier=identifier, plugin=plugin_name, origin=chosen.label, static=bool(brain_model.static),
                dynvision_version=commitment["versions"]["dynvision"], omitted_regions=omitted,
                weights_note=(written.weights_rel if weights_url is None
                              else f"{weights_url} (SHA-1 {written.sha1})"))
    class_module, class_name = bundle.model_class
    (staging / "__init__.py").write_text(templates.INIT.format(**fill), encoding="utf-8")
    (staging / "model.py").write_text(
        templates.MODEL.format(bibtex=bibtex or "", class_module=class_module, class_name=class_name),
        encoding="utf-8")
    (staging / "test.py").write_text(templates.TEST.format(**fill), encoding="utf-8")
    verify_plugin(staging, trained, weights_file_tmp)
    if make_zip:
        written.zip_tmp = _make_zip(staging, root / f".{plugin_name}.zip.part", plugin=plugin_name)
        zip_size = written.zip_tmp.stat().st_size
        if zip_size > UPLOAD_LIMIT_BYTES:
            raise UploadTooLargeError(
                f"the upload archive of {identifier} would take {zip_size / 10 ** 6:.1f} MB, but brain-score.org "
                f"takes at most {UPLOAD_LIMIT_BYTES // 10 ** 6} MB: register with --weights-url https://... to "
                "host the weights yourself (the archive then holds only code and settings)")


def _commitment(identifier: str, plugin_name: str, chosen: _Source, brain_model: Any, bundle: Any,
                user_module: Optional[Path], omitted: List[str], weights: Dict[str, Any]) -> Dict[str, Any]:
    """Everything the plugin commits about the model but the region->layer map (``COMMITMENT_FILE``)."""
    from ..adapter import weights_hash
    from ..reference_images import REFERENCE_SET

    trained = chosen.loaded.model
    n_timesteps, channels, height, width = (int(d) for d in trained.input_dims)
    class_module, class_name = bundle.model_class
    return {
        "format": FORMAT,
        "identifier": identifier,
        "plugin": plugin_name,
        "model": {
            "name": chosen.record.get("name"),
            "class": class_name,
            "module": f"{RUNTIME_PACKAGE}.{class_module}",
            "source_file": user_module.name if user_module is not None else None,
            "static": bool(brain_model.static),
            "n_parameters": int(sum(p.numel() for p in trained.parameters())),
        },
        "runtime": {"package": RUNTIME_PACKAGE, "modules": bundle.modules, "requirements": bundle.requirements},
        "weights": {**weights, "params_sha256": weights_hash(trained, 64)},
        "time": {
            "dt_ms": brain_model.dt,
            "n_timesteps": n_timesteps,
            "step_end_ms": "(k + 1) * dt_ms for 0-based step k, from stimulus onset",
            "t_presentation_ms": brain_model.t_presentation,
            "latency_ms": brain_model.latency,
            "readout_time_ms": brain_model.readout_time,
            "readout_window_ms": brain_model.readout_window,
            "time_bins": STATIC_TIME_BINS if brain_model.static else DYNAMIC_TIME_BINS,
        },
        "visual_degrees": float(brain_model.visual_degrees()),
        "input": {"channels": channels, "height": height, "width": width,
                  "mean": list(brain_model.loader.mean), "std": list(brain_model.loader.std)},
        "features": {"reduction": brain_model.reduction, "max_features": int(brain_model.max_features),
                     "seed": int(brain_model.seed), "reference_images": brain_model.reference_images,
                     "reference_set": REFERENCE_SET},
        "behavioral_readout_layer": brain_model.behavioral_readout_layer,
        "omitted_regions": omitted,
        "squeeze_single_bin": True,
        "config": chosen.config,
        "source": chosen.source,
        "versions": {name: _version(name) for name in ("dynvision", "torch", "pytorch-lightning", "brainscore-vision")},
    }


def verify_plugin(plugin_dir: Path, trained: Any, weights_file: Path) -> None:
    """The plugin's own code (its runtime copy) must rebuild ``trained``: the
    same parameters, and the same outputs for the same input."""
    import torch

    from .local import forget, plugin_module

    module = plugin_module(plugin_dir, fresh=True)
    try:
        runtime = importlib.import_module(module.load_registered.__module__)
        try:
            rebuilt = runtime.build_model(module.MODEL_CLASS, weights_file)
        except Exception as error:
            raise PluginError(f"the plugin's runtime cannot rebuild {type(trained).__name__}: "
                               f"{type(error).__name__}: {error}") from error
        ours, theirs = trained.state_dict(), rebuilt.state_dict()
        if sorted(ours) != sorted(theirs) or any(not torch.equal(ours[k].cpu(), theirs[k]) for k in ours):
            raise PluginError(f"the plugin's runtime builds {type(trained).__name__} with other parameters than "
                               "the trained model")
        generator = torch.Generator().manual_seed(0)
        _, channels, height, width = (int(d) for d in trained.input_dims)
        images = torch.rand(2, channels, height, width, generator=generator)
        device = next(trained.parameters()).device
        was_training = trained.training
        trained.eval()
        try:
            with torch.no_grad():
                expected = trained(images.to(device)).cpu()
                actual = rebuilt(images)
        finally:
            trained.train(was_training)
        if not torch.allclose(actual, expected, rtol=1e-5, atol=1e-6):
            raise PluginError(f"the plugin's runtime rebuilds {type(trained).__name__} with other outputs than the "
                               f"trained model (largest difference {(actual - expected).abs().max().item():.3g})")
    finally:
        forget(module)
