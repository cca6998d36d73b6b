"""Overhead of the component library over hand-written PyTorch loops.

The benchmark is the zoo's 4-area ``DyRCNNx4`` (channels 36-64-121-256, 3x3
convolutions, full recurrence, skips V1->V4 and V2->IT, no feedback) at
dt 2 ms, tau 5 ms and its default delays (feedforward 10 ms, recurrence
6 ms, skip 10 ms), batch 8, 20 steps, 64x64 input. It is timed forward
(no grad) and forward+backward three ways, on the same weights:

- ``library``: ``model(image)``;
- ``plain``: a hand-written loop that projects each skip with its 1x1
  convolution at the source's resolution, then average-pools it;
- ``optimized``: the same loop pooling the skip *before* its 1x1 convolution
  (the two are mathematically equal; this one runs the convolution on 4x
  fewer positions).

Both loops are checked against the library (max |difference| < 1e-5) before
timing. Repeats are interleaved so drifts in machine load hit all sides
alike; medians are printed with the ratios library / loop. Targets (issue
15): library / optimized <= 1.05 forward, <= 1.00 forward+backward.

    python perf/components_forward.py [--repeats 7] [--threads 2] [--device cpu|cuda]
    python perf/components_forward.py --device cuda --precision bf16-mixed --channels-last --compile

``--precision bf16-mixed|16-mixed``, ``--channels-last`` and ``--compile`` add
a row: the library with those settings (as the ``trainer`` config keys of the
same names apply them) against the plain float32 loop on the same device.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import deque
from typing import Callable, Dict, List, Tuple

import torch
import torch.nn.functional as F

from dynvision.models import DyRCNNx4
from dynvision.timing import ms_to_steps

STEPS, BATCH, SIZE = 20, 8, 64
MODEL_ARGS = dict(input_dims=(STEPS, 3, SIZE, SIZE), dt=2.0, tau=5.0, skip=True, feedback=False)


def hand_written(model: DyRCNNx4, image: torch.Tensor, pool_skip_first: bool) -> torch.Tensor:
    """The model's computation as a minimal loop over time (the baselines)."""
    dt = model.dt
    d_ff = ms_to_steps(model.t_feedforward, dt, "t_feedforward")
    d_rec = ms_to_steps(model.t_recurrence, dt, "t_recurrence")
    d_skip = ms_to_steps(model.t_skip, dt, "t_skip")
    areas = [model.V1, model.V2, model.V4, model.IT]
    ratio = dt / model.tau
    # skip target index -> (source index, 1x1 weight)
    skips = {2: (0, model.skip_V1_V4.projection.weight), 3: (1, model.skip_V2_IT.projection.weight)}
    b = image.shape[0]
    # rest state: every delay line full of zeros
    shapes, h = [], image[:1] * 0
    with torch.no_grad():
        for area in areas:
            h = area.conv(h)
            x_shape = h.shape[1:]
            h = area.pool(h) if area.pool is not None else h
            shapes.append((x_shape, h.shape[1:]))
    frames = deque([image.new_zeros(image.shape)] * (d_ff + 1), maxlen=d_ff + 1)
    x = [image.new_zeros((b,) + tuple(s)) for s, _ in shapes]
    rates = [deque([x[i]] * d_rec, maxlen=d_rec) for i in range(4)]
    history = max(d_ff, d_skip) + 1
    outputs = [deque([image.new_zeros((b,) + tuple(o))] * history, maxlen=history) for _, o in shapes]
    logits = []
    for _ in range(STEPS):
        frames.append(image)
        for i, area in enumerate(areas):
            conv = area.conv
            source = frames[-1 - d_ff] if i == 0 else outputs[i - 1][-1 - d_ff]
            drive = F.conv2d(source, conv.weight, conv.bias, conv.stride, conv.padding)
            drive = drive + F.conv2d(rates[i][-d_rec], area.recurrence.weight, padding=area.recurrence.padding)
            if i in skips:
                j, weight = skips[i]
                skip_source = outputs[j][-1 - d_skip]
                if pool_skip_first:
                    drive = drive + F.conv2d(F.adaptive_avg_pool2d(skip_source, drive.shape[-2:]), weight)
                else:
                    drive = drive + F.adaptive_avg_pool2d(F.conv2d(skip_source, weight), drive.shape[-2:])
            x[i] = x[i] + ratio * (drive - x[i])
            rate = torch.relu(x[i])
            rates[i].append(rate)
            outputs[i].append(F.max_pool2d(rate, 3, 2, 1) if area.pool is not None else rate)
        logits.append(model.classifier(outputs[3][-1]))
    return torch.stack(logits, 1)


def _tuned(model: torch.nn.Module, image: torch.Tensor, device: torch.device,
           args: argparse.Namespace) -> Tuple[Callable[[], torch.Tensor], torch.nn.Module]:
    """The model with the requested precision / channels-last / compile options, and its runner."""
    import copy

    from dynvision.config.schema import TrainerSection
    from dynvision.training.acceleration import apply_model_options

    fast = apply_model_options(copy.deepcopy(model), TrainerSection(
        channels_last=args.channels_last, compile=args.compile))
    dtype = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}.get(args.precision)

    def tuned_run() -> torch.Tensor:
        if dtype is None:
            return fast(image)
        with torch.autocast(device.type, dtype=dtype):
            return fast(image).float()
    return tuned_run, fast


def _medians(cases: Dict[tuple, Callable[[], None]], repeats: int) -> Dict[tuple, float]:
    """Median seconds of each case over ``repeats`` interleaved runs, after one warm-up run each."""
    for fn in cases.values():
        fn()  # warm-up
    times: Dict[tuple, List[float]] = {key: [] for key in cases}
    for _ in range(repeats):
        for key, fn in cases.items():
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
    return {key: statistics.median(v) for key, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=["32-true", "bf16-mixed", "16-mixed"], default="32-true")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = DyRCNNx4(**MODEL_ARGS).to(device)
    image = torch.randn(BATCH, 3, SIZE, SIZE, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    with torch.no_grad():
        reference = model(image)
        for pool_first in (False, True):
            difference = (reference - hand_written(model, image, pool_first)).abs().max().item()
            assert difference < 1e-5, f"library and hand-written loop disagree by {difference}"

    runners: Dict[str, Callable[[], torch.Tensor]] = {
        "library": lambda: model(image),
        "plain": lambda: hand_written(model, image, False),
        "optimized": lambda: hand_written(model, image, True),
    }

    def forward(run):
        def timed():
            with torch.no_grad():
                run()
            sync()
        return timed

    def backward(run):
        def timed():
            for m in models:
                m.zero_grad(set_to_none=True)
            run()[:, -1].sum().backward()
            sync()
        return timed

    models = [model]
    tuned = args.precision != "32-true" or args.channels_last or args.compile
    if tuned:
        runners["tuned"], fast = _tuned(model, image, device, args)
        models.append(fast)
    cases = {(mode, name): (forward if mode == "forward" else backward)(run)
             for mode in ("forward", "forward+backward") for name, run in runners.items()}
    med = _medians(cases, args.repeats)
    print(f"DyRCNNx4 (skip on, feedback off, dt 2, tau 5)  device={device.type} threads={args.threads} "
          f"batch={BATCH} steps={STEPS} input={SIZE}x{SIZE} repeats={args.repeats} (medians)")
    for mode in ("forward", "forward+backward"):
        lib, plain, opt = med[(mode, "library")], med[(mode, "plain")], med[(mode, "optimized")]
        print(f"{mode:17s} library {lib * 1e3:8.1f} ms  plain {plain * 1e3:8.1f} ms  optimized {opt * 1e3:8.1f} ms  "
              f"ratio vs plain {lib / plain:.3f}  vs optimized {lib / opt:.3f}")
        if tuned:
            settings = f"{args.precision}{' channels-last' if args.channels_last else ''}" \
                       f"{' compiled' if args.compile else ''}"
            print(f"{'':17s} library {settings}: {med[(mode, 'tuned')] * 1e3:8.1f} ms  "
                  f"ratio vs plain float32 loop {med[(mode, 'tuned')] / plain:.3f}")


if __name__ == "__main__":
    main()
