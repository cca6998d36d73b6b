"""What 30 time bins cost against one: record + temporal PLS predictivity.

The same model (a small DyRCNNx4, dt 10 ms) looks at the same images through
the Brain-Score adapter twice: once recording IT in one bin (0-300 ms) and once
in 30 bins of 10 ms (0-300 ms). Both runs unroll the model for the same 30
steps, so the difference is what the number of bins costs. Each recording is then scored
against synthetic neurons (a fixed random linear readout of the model's own
bin features plus noise, made beforehand and not timed) with both temporal
metrics of ``benchmarks.temporal_metric``, Brain-Score's 10 cross-validation
splits and 25 PLS components each:

- span-time (``spantime_pls``, what this project's temporal benchmarks use): one
  regression per split on all bins' training stimuli, Pearson r per bin;
- per-bin: one regression per split and bin.

Prints the seconds of each phase, the ratio 30 bins / 1 bin per metric (target
<= 2), and, unless ``--check-bins 0``, the same scores computed the reference way
(one sklearn ``PLSRegression`` per regression, as Brain-Score fits them): its
seconds and the largest difference from the batched numbers. Per-bin is checked on
the first ``--check-bins`` bins whose features vary (sklearn cannot fit a bin
before the model responds).

Defaults finish in about a minute on two cores.

    python perf/temporal_scoring.py [--images 100] [--size 16] [--repeats 3] [--check-bins 30] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

N_NEURONS = 40


def make_images(folder: Path, n: int, size: int) -> list:
    from PIL import Image

    rng = np.random.default_rng(0)
    paths = []
    for i in range(n):
        coarse = rng.integers(0, 256, size=(size // 4, size // 4, 3), dtype=np.uint8)
        path = folder / f"image{i:04d}.png"
        Image.fromarray(coarse).resize((size, size), Image.BICUBIC).save(path)
        paths.append(str(path))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--check-bins", type=int, default=30)
    parser.add_argument("--size", type=int, default=16, help="input image size of the model")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    import xarray as xr

    from benchmarks.temporal_metric import cross_validation_splits, per_bin_pls, span_time_pls
    from brain_models import DynVisionBrainModel
    from dynvision.models import DyRCNNx4

    torch.manual_seed(0)
    # dt 10 ms: one step per 10 ms bin, delays of whole steps
    model = DyRCNNx4(input_dims=(10, 3, args.size, args.size), channels=[8, 8, 16, 32], dt=10.0, tau=20.0,
                     t_feedforward=10.0, t_recurrence=10.0, t_skip=10.0, t_feedback=20.0).to(args.device)
    # PCA to 200 features fitted on 100 reference images (untimed setup; the default 1000 takes minutes here)
    brain_model = DynVisionBrainModel(model, identifier="perf-temporal", batch_size=50, squeeze_single_bin=False,
                                      reference_images=100, max_features=200)
    configurations = {"1 bin": [(0.0, 300.0)], "30 bins": [(10.0 * i, 10.0 * (i + 1)) for i in range(30)]}

    with tempfile.TemporaryDirectory(prefix="dv_temporal_perf_") as tmp:
        paths = make_images(Path(tmp), args.images, args.size)

        def record(bins):
            brain_model.start_recording("IT", bins)
            assembly = brain_model.look_at(paths)
            # (bins, presentations, features) in stimulus order
            return assembly.transpose("time_bin", "presentation", "neuroid").values

        # targets: a fixed readout of the model's own features + noise (not timed)
        rng = np.random.default_rng(1)
        features = {name: record(bins) for name, bins in configurations.items()}
        readout = rng.normal(size=(features["1 bin"].shape[2], N_NEURONS))
        targets = {}
        for name, f in features.items():
            signal = f @ readout
            noise = rng.normal(size=signal.shape) * signal.std(axis=1, keepdims=True)
            targets[name] = signal + noise
        ids = [f"image{i:04d}" for i in range(args.images)]
        presentations = xr.DataArray(np.zeros(args.images), coords={"stimulus_id": ("presentation", ids)},
                                     dims=["presentation"])
        _, splits = cross_validation_splits(presentations, stratification_coord=None)

        metrics = {"span-time": span_time_pls, "per-bin": per_bin_pls}
        phases = ("record", *metrics)
        times = {(name, phase): [] for name in configurations for phase in phases}
        scores = {}
        for _ in range(args.repeats):  # interleaved: load drifts hit all alike
            for name, bins in configurations.items():
                start = time.perf_counter()
                recorded = record(bins)
                times[(name, "record")].append(time.perf_counter() - start)
                assert np.array_equal(recorded, features[name])
                for metric, compute in metrics.items():
                    start = time.perf_counter()
                    scores[(name, metric)] = compute(recorded, targets[name], splits)
                    times[(name, metric)].append(time.perf_counter() - start)

        med = {key: statistics.median(values) for key, values in times.items()}
        print(f"DyRCNNx4 {tuple(model.input_dims)} dt={model.dt:g} ms, {args.images} images, IT "
              f"{features['1 bin'].shape[2]} features, {N_NEURONS} neurons, {len(splits)} splits, "
              f"threads={args.threads}, device={args.device}, medians of {args.repeats}")
        for name in configurations:
            print(f"{name:8s} record {med[(name, 'record')]:6.2f} s  " + "  ".join(
                f"{metric} {med[(name, metric)]:6.2f} s" for metric in metrics))
        for metric in metrics:
            total = {name: med[(name, "record")] + med[(name, metric)] for name in configurations}
            print(f"{metric:9s} ratio 30 bins / 1 bin: total {total['30 bins'] / total['1 bin']:.2f} (target <= 2)  "
                  f"metric alone {med[('30 bins', metric)] / med[('1 bin', metric)]:.2f}  "
                  f"score per bin (bins 4-6) {np.round(scores[('30 bins', metric)].per_bin[3:6], 3)}")
        if args.check_bins:
            check_against_sklearn(features, targets, splits, scores, args.check_bins)


def check_against_sklearn(features: dict, targets: dict, splits: list, scores: dict, check_bins: int) -> None:
    """The reference way (one sklearn fit per regression): its seconds and its largest
    difference from the batched numbers, per metric and configuration."""
    from benchmarks.temporal_metric import sklearn_reference

    spread = features["30 bins"].std(axis=1).max(axis=1)
    varying = [b for b in range(min(check_bins, 30)) if spread[b] > 1e-6 * spread.max()]
    checks = {"span-time": (list(range(30)), True), "per-bin": (varying, False)}
    for metric, (bins, shared) in checks.items():
        for name, chosen in (("1 bin", [0]), ("30 bins", bins)):
            start = time.perf_counter()
            reference = sklearn_reference(features[name][chosen], targets[name][chosen], splits,
                                          shared_over_bins=shared)
            elapsed = time.perf_counter() - start
            batched = scores[(name, metric)].raw[:, chosen]
            difference = np.nanmax(np.abs(reference.raw - batched))
            alike = np.array_equal(np.isnan(reference.raw), np.isnan(batched))
            print(f"{metric:9s} sklearn reference, {name} ({len(chosen)} bins fitted): {elapsed:6.2f} s; "
                  f"max |batched - reference| {difference:.2e}; NaN alike: {alike}")


if __name__ == "__main__":
    main()
