"""Time a full ``dynvision score`` of DyRCNNx4 on the Cowley V4 benchmark, phase by phase.

    python perf/score_cowley.py                          # untrained DyRCNNx4, packaged default config
    python perf/score_cowley.py --checkpoint runs/DyRCNNx4/checkpoints/last.ckpt
    python perf/score_cowley.py --set model.args.input_dims=[20,3,64,64] --set data.image_size=64

Phases (each timed on its own; the score is the one ``dynvision score`` computes):

- model: build the model (or load the checkpoint) and hash its weights;
- data: load the benchmark (verified files, assembly, stimulus set);
- stimuli on screen: Brain-Score resizes the images to the model's visual field (cached on disk afterwards);
- ceiling: Brain-Score's internal-consistency ceiling (split halves over repetitions; cached afterwards);
- extraction: recording the model's V4 over 50-150 ms for every image (the adapter's ``look_at``);
- regression: the rest of ``benchmark(brain_model)``: PLS fits and correlations over 10 splits.

Prints a table of seconds and the peak resident memory (``ru_maxrss``) after each
phase, and the CUDA peak when run on a GPU. Everything is written to a fresh
temporary ``DYNVISION_HOME`` so no cache from an earlier run is read.
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="DyRCNNx4")
    parser.add_argument("--checkpoint", default=None)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--benchmark", default="Cowley2023.V4-pls")
    parser.add_argument("--data-dir", default=None, help="folder holding cowley2023/ (default $DYNVISION_DATA, "
                                                         "else <repo>/../shared/data)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--device", default=None, help="e.g. cuda")
    args = parser.parse_args(argv)

    repo = Path(__file__).resolve().parents[1]
    data_dir = args.data_dir or os.environ.get("DYNVISION_DATA") or str(repo.parent / "shared" / "data")
    home = tempfile.mkdtemp(prefix="dynvision-perf-")
    os.environ["DYNVISION_HOME"] = home
    os.environ["DYNVISION_OFFLINE"] = "1"
    for name in ("BRAINIO_HOME", "RESULTCACHING_HOME", "BRAINSCORE_HOME", "MT_HOME", "RESULTCACHING_DISABLE"):
        os.environ.pop(name, None)  # everything under the fresh home

    rows = []

    def phase(name, seconds):
        rows.append((name, seconds, _peak_mib()))

    start = time.perf_counter()
    import torch

    from benchmarks import catalog
    from benchmarks.brain_model import make_brain_model
    from benchmarks.brainscore_env import prepare_environment, quiet_metrics
    from benchmarks.model_source import ModelSource, load_model
    from benchmarks.runner import ScoreOptions
    from benchmarks.score_values import summarize_score

    prepare_environment()
    if args.threads:
        torch.set_num_threads(args.threads)
    phase("imports", time.perf_counter() - start)

    t = time.perf_counter()
    loaded = load_model(ModelSource(args.model, checkpoint=args.checkpoint, overrides=args.overrides))
    phase("model", time.perf_counter() - t)

    t = time.perf_counter()
    benchmark = catalog.load_benchmark(args.benchmark, catalog.LoadOptions(data_dir=Path(data_dir), offline=True))
    phase("data", time.perf_counter() - t)

    options = ScoreOptions(batch_size=args.batch_size, device=args.device, progress=False)
    brain_model = make_brain_model(loaded, options, benchmark)

    from brainscore_vision.benchmark_helpers.screen import place_on_screen

    t = time.perf_counter()
    with quiet_metrics():
        place_on_screen(benchmark._assembly.stimulus_set, target_visual_degrees=brain_model.visual_degrees(),  # noqa: SLF001
                        source_visual_degrees=benchmark._visual_degrees)  # noqa: SLF001
    phase("stimuli on screen", time.perf_counter() - t)

    t = time.perf_counter()
    with quiet_metrics():
        ceiling = benchmark.ceiling
    phase("ceiling", time.perf_counter() - t)
    t = time.perf_counter()
    with quiet_metrics():
        benchmark.ceiling  # noqa: B018  (what the benchmark's own call pays: a cache read)
    cached_read = time.perf_counter() - t

    if torch.cuda.is_available() and args.device and "cuda" in args.device:
        torch.cuda.reset_peak_memory_stats()
    t = time.perf_counter()
    with quiet_metrics():
        score = benchmark(brain_model)
    call = time.perf_counter() - t
    extraction = brain_model.extraction_seconds
    phase("extraction", extraction)
    phase("regression", max(call - extraction - cached_read, 0.0))
    total = time.perf_counter() - start

    summary = summarize_score(score)
    dims = tuple(loaded.model.input_dims)
    print(f"model       {loaded.identifier} ({'trained' if loaded.trained else 'untrained'}), input_dims {dims}, "
          f"dt {loaded.model.dt:g} ms, {sum(p.numel() for p in loaded.model.parameters()):,} parameters")
    print(f"benchmark   {benchmark.identifier}: {len(benchmark._assembly['presentation'])} images, "  # noqa: SLF001
          f"{len(benchmark._assembly['neuroid'])} neurons; model recorded {brain_model.recorded_layers} "  # noqa: SLF001
          f"in {brain_model.recorded_bins} ms")
    print(f"machine     {os.cpu_count()} CPUs, torch {torch.__version__}, {torch.get_num_threads()} threads"
          + (f", {torch.cuda.get_device_name()}" if args.device and "cuda" in args.device else "")
          + f", load average {os.getloadavg()[0]:.1f}")
    print(f"score       {summary['score']:.4f} (raw r {summary['raw']:.4f}, ceiling {float(ceiling):.4f}, "
          f"error {summary['error']:.4f})")
    print()
    print(f"{'phase':<20}{'seconds':>10}{'share':>8}{'peak RSS MiB':>15}")
    for name, seconds, peak in rows:
        print(f"{name:<20}{seconds:>10.2f}{100 * seconds / total:>7.1f}%{peak:>15.0f}")
    print(f"{'total':<20}{total:>10.2f}{'':>8}{_peak_mib():>15.0f}")
    if torch.cuda.is_available() and args.device and "cuda" in args.device:
        print(f"CUDA peak memory: {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB")
    n_images = len(benchmark._assembly["presentation"])  # noqa: SLF001
    print(f"\nextraction: {n_images / max(extraction, 1e-9):.1f} images/s "
          f"({brain_model.recorded_bins[-1][1] / loaded.model.dt:.0f} steps of {loaded.model.dt:g} ms each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
