"""Throughput and memory of the Brain-Score adapter's ``look_at`` against the bare model.

    python perf/look_at_throughput.py                      # DyRCNNx4, 640 images, 30 bins of 10 ms
    python perf/look_at_throughput.py --images 16 --bins 10 --device cpu   # a quick CPU run

Both runs use the same model, images and steps in the same process:

- floor: ``model(frames)`` over the preloaded image tensors, image for
  ``t_presentation`` then blank, for every step the last bin needs, under
  ``torch.no_grad`` with no recording (what any adapter must at least pay);
- adapter: ``DynVisionBrainModel.start_recording(region, bins)`` +
  ``look_at(stimuli)``: image decoding, streaming, per-bin reduction and the
  NeuroidAssembly included.

Prints images/s of both, their ratio (target <= 1.3), the adapter's peak
memory (growth of resident memory on CPU, peak allocated on CUDA) and the
size that holding every step's activations of the recorded layer (and of
all layers) for all images would need. Images: the Cowley et al. 2023 V4
stimuli (``$DYNVISION_DATA/cowley2023/...``) when present, else generated.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import types
import zipfile
from pathlib import Path

import numpy as np

from dynvision.memory import PeakRSS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COWLEY_ZIP = Path("cowley2023") / "data_V4_responses" / "images" / "images_210325.zip"


def install_brainscore_stub() -> None:
    """Minimal stand-ins for the two Brain-Score names ``brain_models`` imports
    at load, for machines without Brain-Score (e.g. a bare GPU box). The
    assembly is then a plain xarray DataArray (no MultiIndex packing)."""
    import xarray as xr

    class _Assembly(xr.DataArray):
        __slots__ = ()

    core = types.ModuleType("brainscore_core.supported_data_standards.brainio.assemblies")
    core.NeuroidAssembly = type("NeuroidAssembly", (_Assembly,), {"__slots__": ()})
    core.BehavioralAssembly = type("BehavioralAssembly", (_Assembly,), {"__slots__": ()})
    interface = types.ModuleType("brainscore_vision.model_interface")
    interface.BrainModel = type("BrainModel", (), {"Task": types.SimpleNamespace(
        passive="passive", label="label", probabilities="probabilities", odd_one_out="odd_one_out")})
    for name in ("brainscore_core", "brainscore_core.supported_data_standards",
                 "brainscore_core.supported_data_standards.brainio", "brainscore_vision"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules[core.__name__] = core
    sys.modules[interface.__name__] = interface


def stimulus_paths(n: int, workdir: Path, size: int) -> list:
    root = Path(os.environ.get("DYNVISION_DATA") or REPO.parent / "shared" / "data")
    archive = root / COWLEY_ZIP
    if archive.is_file():
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(workdir / "cowley")
        paths = sorted((workdir / "cowley").rglob("*.jpg"))
        source = f"Cowley 2023 V4 stimuli ({archive})"
    else:
        from PIL import Image

        rng = np.random.default_rng(0)
        (workdir / "generated").mkdir()
        paths = []
        for i in range(n):
            path = workdir / "generated" / f"image{i:04d}.jpg"
            Image.fromarray((rng.uniform(size=(size, size, 3)) * 255).astype(np.uint8)).save(path)
            paths.append(path)
        source = "generated random images (Cowley data not found)"
    paths = [str(p) for p in paths]
    while len(paths) < n:
        paths = paths + paths
    return paths[:n], source


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="DyRCNNx4")
    parser.add_argument("--images", type=int, default=640)
    parser.add_argument("--bins", type=int, default=30, help="number of consecutive bins from stimulus onset")
    parser.add_argument("--bin-ms", type=float, default=10.0)
    parser.add_argument("--region", default="V4")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--t-presentation", type=float, default=100.0)
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--repeats", type=int, default=1, help="timed runs of each (the best is kept)")
    parser.add_argument("--stub-brainscore", action="store_true",
                        help="stand in for Brain-Score's assembly/interface classes where it is not installed")
    args = parser.parse_args(argv)

    if args.stub_brainscore:
        install_brainscore_stub()
    import torch

    from brain_models import DynVisionBrainModel, plan_time
    from dynvision.models import get_model

    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    torch.manual_seed(0)
    model = get_model(args.model)().to(device).eval()
    _, channels, height, width = model.input_dims
    bins = [(i * args.bin_ms, (i + 1) * args.bin_ms) for i in range(args.bins)]
    plan = plan_time(bins, model.dt, args.t_presentation)
    brain_model = DynVisionBrainModel(model, identifier=f"perf-{args.model}", batch_size=args.batch_size,
                                      t_presentation=args.t_presentation)
    layers = brain_model.layers_for(args.region)
    sync = (lambda: torch.cuda.synchronize()) if device.type == "cuda" else (lambda: None)

    with tempfile.TemporaryDirectory(prefix="dynvision-perf-") as tmp:
        paths, source = stimulus_paths(args.images, Path(tmp), max(height, width))
        images = brain_model.loader.load_batch(paths, paths)  # the floor's preloaded tensors

        def floor() -> None:
            with torch.no_grad():
                for start in range(0, len(images), args.batch_size):
                    batch = images[start:start + args.batch_size].to(device)
                    frames = batch.new_zeros((batch.shape[0], plan.n_steps) + tuple(batch.shape[1:]))
                    frames[:, :plan.n_presentation_steps] = batch.unsqueeze(1)
                    model(frames, store_responses=False)
            sync()

        def adapter():
            brain_model.start_recording(args.region, bins)
            assembly = brain_model.look_at(paths)
            sync()
            return assembly

        # warm-up on one batch each (kernels, allocator, first-call costs)
        saved = list(paths), images
        paths, images = paths[:args.batch_size], images[:args.batch_size]
        floor(), adapter()
        paths, images = saved

        def timed(run):
            best = float("inf")
            for _ in range(args.repeats):
                begin = time.perf_counter()
                result = run()
                best = min(best, time.perf_counter() - begin)
            return best, result

        floor_s, _ = timed(floor)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        with PeakRSS() as rss:
            adapter_s, assembly = timed(adapter)
        gpu_peak = (torch.cuda.max_memory_allocated() - base) if device.type == "cuda" else None
        floor_again_s, _ = timed(floor)  # the floor once more: load on the machine may drift
        floor_s = min(floor_s, floor_again_s)

    # what holding every step of every image would take
    shapes = {layer: brain_model._reducers[layer].shape for layer in layers}
    recorded_units = sum(int(np.prod(s)) for s in shapes.values())
    all_units = sum(int(np.prod(rt.x_shape)) for rt in model._runtimes) if hasattr(model, "_runtimes") else 0
    every_step = args.images * plan.n_steps * recorded_units * 4
    every_step_all = args.images * plan.n_steps * all_units * 4

    n = args.images
    print(f"model {args.model} {tuple(model.input_dims)} dt={model.dt:g} ms on {device} "
          f"({torch.cuda.get_device_name(device) if device.type == 'cuda' else f'{torch.get_num_threads()} threads'})")
    print(f"stimuli: {n} from {source}; {args.bins} bins of {args.bin_ms:g} ms -> {plan.n_steps} steps, "
          f"image shown {args.t_presentation:g} ms; region {args.region} -> layers {layers} {list(shapes.values())}; "
          f"batch {args.batch_size}")
    print(f"assembly {dict(assembly.sizes)}: {assembly.values.nbytes / 1e6:.1f} MB")
    print(f"floor   (bare forward):   {floor_s:8.2f} s  {n / floor_s:8.1f} images/s")
    print(f"adapter (look_at):        {adapter_s:8.2f} s  {n / adapter_s:8.1f} images/s")
    print(f"ratio adapter/floor:      {adapter_s / floor_s:8.3f}  (target <= 1.3)")
    print(f"peak memory of look_at:   {rss.growth / 1e6:8.1f} MB host (resident growth)"
          + (f", {gpu_peak / 1e6:.1f} MB GPU (peak allocated)" if gpu_peak is not None else ""))
    print(f"every step held instead:  {every_step / 1e6:8.1f} MB for {layers}, "
          f"{every_step_all / 1e6:.1f} MB for all layers (images x steps x units x 4 B)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
