"""Streaming a batch of images through a DynVision model into time bins.

The run is cut into short segments of steps (:meth:`TimePlan.segments`);
each segment is one ``model(frames, reset=False)`` call that continues the
state of the previous one. Only segments that feed a requested bin record
responses; their per-step responses are reduced (:mod:`.features`) and added
into per-bin sums straight away, so at most ``batch x segment x C x H x W``
of activations exist at any time, never ``images x steps x C x H x W``.
"""
from __future__ import annotations

import contextlib
from typing import Callable, Dict, Iterator, List, Optional, Sequence

import torch
from torch import nn

from dynvision.models.static import is_static

from .time_bins import TimePlan

CLASSIFIER = "classifier"


@contextlib.contextmanager
def _shown_throughout(model: nn.Module) -> Iterator[None]:
    """The adapter builds the frames itself (image, then blank), so the
    model's own presentation window must not blank them per call."""
    saved = getattr(model, "t_presentation", None)
    try:
        if saved is not None:
            model.t_presentation = None
        yield
    finally:
        if saved is not None:
            model.t_presentation = saved


class _HookRecorder:
    """Per-step outputs of submodules the engine does not record (the layers
    of a model written with its own per-step ``forward``, or sub-parts)."""

    def __init__(self, model: nn.Module, names: Sequence[str]):
        self.outputs: Dict[str, List[torch.Tensor]] = {name: [] for name in names}
        self.handles = []
        for name in names:
            try:
                module = model.get_submodule(name)
            except AttributeError:
                raise KeyError(name) from None
            self.handles.append(module.register_forward_hook(self._hook(name)))
        self.active = False

    def _hook(self, name: str) -> Callable:
        def hook(module, inputs, output):
            if self.active:
                self.outputs[name].append(output[0] if isinstance(output, (tuple, list)) else output)
        return hook

    def take(self) -> Dict[str, torch.Tensor]:
        taken = {name: torch.stack(values, dim=1) for name, values in self.outputs.items() if values}
        for values in self.outputs.values():
            values.clear()
        return taken

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def engine_layers(model: nn.Module) -> List[str]:
    """Layers whose per-step responses the model records itself."""
    return list(getattr(model, "layer_names", []) or [])


def run_binned(
    model: nn.Module,
    images: torch.Tensor,
    plan: TimePlan,
    layers: Sequence[str],
    reducers: Dict[str, Callable[[torch.Tensor], torch.Tensor]],
    max_segment_steps: int = 8,
) -> Dict[str, torch.Tensor]:
    """Run ``images`` ``(B, C, H, W)`` from stimulus onset per ``plan`` and
    return ``{layer: (B, n_bins, n_features)}``: the bin means of each
    layer's reduced responses. ``"classifier"`` is the logits. A static
    model (:func:`dynvision.models.static_model`) runs once: :func:`run_static`."""
    if is_static(model):
        return run_static(model, images, len(plan.bins), layers, reducers)
    batch = images.shape[0]
    own = set(engine_layers(model))
    hooked = [layer for layer in layers if layer != CLASSIFIER and layer not in own]
    recorder = _HookRecorder(model, hooked) if hooked else None
    weights = torch.as_tensor(plan.weights, dtype=images.dtype, device=images.device)
    sums: Dict[str, torch.Tensor] = {}
    blank = images.new_zeros((batch, 1) + tuple(images.shape[1:]))
    shown = images.unsqueeze(1)
    first = True
    try:
        with torch.no_grad(), _shown_throughout(model):
            for k0, k1, image_on, record in plan.segments(max_segment_steps):
                frames = (shown if image_on else blank).expand(-1, k1 - k0, -1, -1, -1)
                store = [layer for layer in layers if layer in own] if record else []
                if recorder is not None:
                    recorder.active = record
                # only the recorded layers keep their per-step responses (the others are not held)
                logits = model(frames, reset=first, store_responses=store or False)
                first = False
                if not record:
                    if recorder is not None:
                        recorder.take()
                    continue
                responses = model.get_responses() if store else {}
                if recorder is not None:
                    responses.update(recorder.take())
                responses[CLASSIFIER] = logits
                w = weights[:, k0:k1]  # (n_bins, T_segment)
                for layer in layers:
                    r = responses[layer]  # (B, T_segment, ...)
                    steps = r.shape[1]
                    features = reducers[layer](r.reshape((batch * steps,) + tuple(r.shape[2:])))
                    features = features.reshape(batch, steps, -1)
                    contribution = torch.einsum("btf,nt->bnf", features, w)
                    sums[layer] = contribution if layer not in sums else sums[layer] + contribution
                del responses
    finally:
        if recorder is not None:
            recorder.remove()
    return sums


def _static_responses(model: nn.Module, images: torch.Tensor, layers: Sequence[str]) -> Dict[str, torch.Tensor]:
    """One forward pass of a static model: ``{layer: (B, ...)}`` from forward hooks, plus the output."""
    recorder = _HookRecorder(model, [layer for layer in layers if layer != CLASSIFIER])
    try:
        recorder.active = True
        with torch.no_grad():
            output = model(images)
        responses = {name: values[0] for name, values in recorder.outputs.items() if values}
    finally:
        recorder.remove()
    responses[CLASSIFIER] = output[0] if isinstance(output, (tuple, list)) else output
    return responses


def run_static(
    model: nn.Module,
    images: torch.Tensor,
    n_bins: int,
    layers: Sequence[str],
    reducers: Dict[str, Callable[[torch.Tensor], torch.Tensor]],
) -> Dict[str, torch.Tensor]:
    """A static model's responses to ``images`` ``(B, C, H, W)``: one forward pass, the same
    reduced response in each of the ``n_bins`` bins (Brain-Score's ``TemporalAligned``), as
    ``{layer: (B, n_bins, n_features)}``."""
    responses = _static_responses(model, images, layers)
    binned = {}
    for layer in layers:
        features = reducers[layer](responses[layer]).reshape(images.shape[0], 1, -1)
        binned[layer] = features.expand(-1, n_bins, -1)
    return binned


def layer_shapes(model: nn.Module, layers: Sequence[str], channels: int, height: int, width: int,
                 device: Optional[torch.device] = None) -> Dict[str, tuple]:
    """Per-sample response shape of each layer, from a one-step probe run."""
    device = device or next(model.parameters()).device
    if is_static(model):
        responses = _static_responses(model, torch.zeros(1, channels, height, width, device=device), layers)
        missing = [layer for layer in layers if layer not in responses]
        if missing:
            raise KeyError(missing[0])
        return {layer: tuple(responses[layer].shape[1:]) for layer in layers}
    probe = torch.zeros(1, 1, channels, height, width, device=device)
    own = set(engine_layers(model))
    hooked = [layer for layer in layers if layer != CLASSIFIER and layer not in own]
    recorder = _HookRecorder(model, hooked) if hooked else None
    try:
        if recorder is not None:
            recorder.active = True
        with torch.no_grad(), _shown_throughout(model):
            logits = model(probe, reset=True, store_responses=[layer for layer in layers if layer in own] or False)
        responses = model.get_responses() if own & set(layers) else {}
        if recorder is not None:
            responses.update(recorder.take())
    finally:
        if recorder is not None:
            recorder.remove()
    responses[CLASSIFIER] = logits
    shapes = {}
    for layer in layers:
        if layer not in responses:
            raise KeyError(layer)
        shapes[layer] = tuple(responses[layer].shape[2:])
    return shapes
