"""Overhead of the component library over a hand-written PyTorch loop.

A 4-area model (channels 36-64-121-256, 3x3 convs, max-pool after the first
two areas, full recurrence, a skip V1->V4 and feedback IT->V2, 20 steps,
batch 8, 64x64 input) is timed forward (no grad) and forward+backward, built
from DynVision's components and as a minimal loop calling the same weights.
Prints both ratios (library / hand-written); target <= 1.10.

    python perf/components_forward.py [--repeats 5] [--threads 2]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from dynvision.model_components import Feedback, LightningBase, RecurrentConnectedConv2d, Skip

CHANNELS = (36, 64, 121, 256)
STEPS, BATCH, SIZE, DT, TAU = 20, 8, 64, 2.0, 8.0


class FourAreas(LightningBase):
    def _define_architecture(self):
        c = (self.n_channels,) + CHANNELS
        self.V1 = RecurrentConnectedConv2d(c[0], c[1], 3, recurrence_type="full", pool=nn.MaxPool2d(2))
        self.V2 = RecurrentConnectedConv2d(c[1], c[2], 3, recurrence_type="full", pool=nn.MaxPool2d(2))
        self.V4 = RecurrentConnectedConv2d(c[2], c[3], 3, recurrence_type="full")
        self.IT = RecurrentConnectedConv2d(c[3], c[4], 3, recurrence_type="full")
        self.skip = Skip("V1", "V4")
        self.feedback = Feedback("IT", "V2")


def hand_written(model: FourAreas, image: torch.Tensor) -> torch.Tensor:
    """The same computation without the library: the baseline."""
    areas = [model.V1, model.V2, model.V4, model.IT]
    pools = [True, True, False, False]
    ratio = DT / TAU
    b = image.shape[0]
    x = [None] * 4
    rates = [None] * 4
    outputs = [None] * 4
    size = SIZE
    for i, c in enumerate(CHANNELS):
        x[i] = image.new_zeros(b, c, size, size)
        rates[i] = x[i]
        if pools[i]:
            size //= 2
        outputs[i] = image.new_zeros(b, c, size, size)
    skip_w, feedback_w = model.skip.projection.weight, model.feedback.projection.weight
    logits = []
    for _ in range(STEPS):
        h = image
        for i, area in enumerate(areas):
            drive = F.conv2d(h, area.conv.weight, area.conv.bias, padding=1)
            drive = drive + F.conv2d(rates[i], area.recurrence.weight, padding=1)
            if i == 2:  # skip V1 -> V4 (this step's V1 output)
                drive = drive + F.conv2d(F.adaptive_avg_pool2d(outputs[0], drive.shape[-2:]), skip_w)
            if i == 1:  # feedback IT -> V2 (last step's IT output)
                drive = drive + F.interpolate(F.conv2d(outputs[3], feedback_w), size=drive.shape[-2:])
            x[i] = x[i] + ratio * (drive - x[i])
            rates[i] = h = torch.relu(x[i])
            if pools[i]:
                h = F.max_pool2d(h, 2)
            outputs[i] = h
        logits.append(model.classifier(h))
    return torch.stack(logits, 1)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    device = torch.device(args.device)
    model = FourAreas(input_dims=(STEPS, 3, SIZE, SIZE), dt=DT, tau=TAU).to(device)
    image = torch.randn(BATCH, 3, SIZE, SIZE, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    with torch.no_grad():
        difference = (model(image) - hand_written(model, image)).abs().max().item()
    assert difference < 1e-4, f"library and hand-written loop disagree by {difference}"

    def forward_library():
        with torch.no_grad():
            model(image)
        sync()

    def forward_manual():
        with torch.no_grad():
            hand_written(model, image)
        sync()

    def backward_library():
        model.zero_grad(set_to_none=True)
        model(image)[:, -1].sum().backward()
        sync()

    def backward_manual():
        model.zero_grad(set_to_none=True)
        hand_written(model, image)[:, -1].sum().backward()
        sync()

    for fn in (forward_library, forward_manual, backward_library, backward_manual):
        fn()  # warm-up
    # interleave so that drifts in machine load hit both sides alike
    results = {name: [] for name in ("fl", "fm", "bl", "bm")}
    for _ in range(args.repeats):
        results["fl"].append(best_of(forward_library, 1))
        results["fm"].append(best_of(forward_manual, 1))
        results["bl"].append(best_of(backward_library, 1))
        results["bm"].append(best_of(backward_manual, 1))
    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"device={device.type} threads={args.threads} batch={BATCH} steps={STEPS} input={SIZE}x{SIZE}")
    print(f"forward (no grad):  library {med['fl']*1e3:8.1f} ms  hand-written {med['fm']*1e3:8.1f} ms  "
          f"ratio {med['fl']/med['fm']:.3f}")
    print(f"forward+backward:   library {med['bl']*1e3:8.1f} ms  hand-written {med['bm']*1e3:8.1f} ms  "
          f"ratio {med['bl']/med['bm']:.3f}")


if __name__ == "__main__":
    main()
