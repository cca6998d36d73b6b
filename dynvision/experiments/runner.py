"""Run a protocol on a model: stream batches, reduce responses on the fly."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence

import numpy as np
import pandas as pd
import torch

from ..model_components.timing import step_end_times
from .base import Protocol
from .tables import responses_frame, summary_frame


@dataclass
class ExperimentResult:
    """A protocol's outcome: the tidy ``responses`` table (one row per
    condition x time step x layer), the per-condition ``summary`` and the
    ``metadata`` (protocol, parameters, dt, images)."""

    protocol: Protocol
    responses: pd.DataFrame
    summary: pd.DataFrame
    metadata: Dict[str, Any] = field(default_factory=dict)

    def to_xarray(self):
        from .tables import to_dataset

        return to_dataset(self.responses, self.metadata)

    def save(self, out_dir, plots: bool = True) -> Dict[str, Any]:
        """Write CSV + netCDF tables, ``experiment.json`` and plots to ``out_dir``."""
        from .io import save_result

        return save_result(self, out_dir, plots=plots)


@contextlib.contextmanager
def _protocol_owns_schedule(model) -> Iterator[None]:
    # the protocol builds every frame, blanks included; a model-level
    # t_presentation would blank the sequence a second time
    saved = getattr(model, "t_presentation", None)
    if saved is not None:
        model.t_presentation = None
    try:
        yield
    finally:
        if saved is not None:
            model.t_presentation = saved


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def run_experiment(
    model: torch.nn.Module,
    protocol: Protocol,
    images: torch.Tensor,
    labels: Optional[torch.Tensor] = None,
    *,
    batch_size: int = 32,
    layers: Optional[Sequence[str]] = None,
    device: Optional[torch.device] = None,
) -> ExperimentResult:
    """Show every condition of ``protocol`` to ``model`` and reduce the recording.

    ``images``: ``(N, C, H, W)``, normalized like the training data;
    ``labels``: ``(N,)`` class indices (accuracy is NaN without them).
    ``layers``: recorded layers to keep (default: all). Runs in eval mode
    under ``no_grad``, ``batch_size`` images at a time; only per-step means
    are kept, so memory does not grow with the number of images.
    """
    dt = float(model.dt)
    protocol.check(dt)
    if images.dim() != 4:
        raise ValueError(f"images must be (N, C, H, W), got {tuple(images.shape)}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(int(getattr(protocol, "seed", 0)))
    sums: Dict[float, Dict[str, np.ndarray]] = {}
    kept: Optional[List[str]] = None
    try:
        with torch.no_grad(), _protocol_owns_schedule(model):
            for value in protocol.conditions():
                acc: Dict[str, np.ndarray] = {}
                for part in _batches(len(images), batch_size):
                    x = protocol.frames(images[part].to(device), value, dt, generator)
                    logits = model(x, store_responses=True)
                    recorded = model.get_responses()
                    if kept is None:
                        kept = _choose_layers(recorded, layers, type(model).__name__)
                    for name in kept:
                        # mean over units, summed over images: (T,)
                        r = recorded[name].flatten(2).float().mean(-1).sum(0)
                        acc[name] = acc.get(name, 0) + r.cpu().numpy()
                    probs = logits.float().softmax(-1)
                    acc["_confidence"] = acc.get("_confidence", 0) + probs.max(-1).values.sum(0).cpu().numpy()
                    if labels is not None:
                        y = labels[part].to(device).long().view(-1, 1)
                        correct = (logits.argmax(-1) == y).float().sum(0)
                        p_true = probs.gather(-1, y.unsqueeze(-1).expand(-1, probs.shape[1], 1)).squeeze(-1).sum(0)
                        acc["_accuracy"] = acc.get("_accuracy", 0) + correct.cpu().numpy()
                        acc["_p_true"] = acc.get("_p_true", 0) + p_true.cpu().numpy()
                sums[value] = {k: v / len(images) for k, v in acc.items()}
    finally:
        model.train(was_training)
    n_steps = next(iter(sums.values()))["_confidence"].shape[0]
    times = step_end_times(n_steps, dt)
    responses = responses_frame(protocol, sums, kept or [], times)
    summary = protocol.summarize(summary_frame(protocol, responses, dt), responses)
    metadata = {
        "experiment": protocol.name,
        "parameter": protocol.parameter,
        "unit": protocol.unit,
        "parameters": protocol.parameters(),
        "schedule": protocol.schedule_table(),
        "dt_ms": dt,
        "n_steps": int(n_steps),
        "n_images": int(len(images)),
        "has_labels": labels is not None,
        "layers": list(kept or []),
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
    }
    return ExperimentResult(protocol, responses, summary, metadata)


def _choose_layers(recorded: Dict[str, torch.Tensor], layers: Optional[Sequence[str]], model_name: str) -> List[str]:
    available = [name for name in recorded if name != "classifier"]
    if layers is None:
        return available
    missing = [name for name in layers if name not in available]
    if missing:
        raise ValueError(
            f"{model_name} recorded no layer(s) {missing}; recorded: {', '.join(available) or 'none'} "
            "(layers need the 'record' operation in layer_operations)"
        )
    return list(layers)
