"""Device check: a zoo model and the component engine on CUDA agree with the
CPU and train a step there. Run on a GPU machine: python perf/gpu_smoke.py"""
from __future__ import annotations

import torch

from dynvision.models import get_model


def main() -> None:
    assert torch.cuda.is_available(), "no CUDA device"
    torch.manual_seed(0)
    model = get_model("DyRCNNx4")(input_dims=(10, 3, 32, 32), recurrence_type="localdepthwise")
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        cpu = model(x)
        gpu = model.cuda()(x.cuda()).cpu()
    print(f"max |cpu - cuda| = {(cpu - gpu).abs().max().item():.2e}")
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = torch.nn.functional.cross_entropy(model(x.cuda())[:, -1], torch.arange(4).cuda())
    loss.backward()
    optimizer.step()
    print(f"one training step on {torch.cuda.get_device_name()}: loss {loss.item():.3f}")


if __name__ == "__main__":
    main()
