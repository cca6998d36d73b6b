"""The per-step engine: layer operations resolved to callables at build time.

Each layer keeps a running tensor ``h`` that its operations transform in the
order of ``layer_operations``. An operation is registered as a factory that
receives the layer's :class:`LayerRuntime` at build time and returns a
zero-argument callable (or ``None`` when it does nothing for that layer)::

    @operations.register("dropout")
    def make_dropout(rt):
        return lambda: setattr(rt, "h", F.dropout(rt.h, 0.1, rt.model.training))
"""
from __future__ import annotations

from collections import deque
from typing import Callable, List, Optional, Sequence, Tuple

import torch
from torch import nn

from ..registry import Registry

operations: Registry = Registry("layer operation")

Op = Callable[[], None]


class DynamicsError(RuntimeError):
    """Raised by debug mode at the first operation whose output is wrong."""


class DelayLine(deque):
    """A delay line (a bounded deque of past tensors). A copy of it (pickle,
    deepcopy) is empty: run state never travels with a model; the next call
    refills it from rest."""

    def __reduce__(self):
        return type(self), ((), self.maxlen)


class LayerRuntime:
    """Per-layer state of one run (membrane state ``x``, running tensor ``h``,
    delay lines) and the layer's compiled operations. Plain Python: the
    per-step loop touches only attributes and pre-resolved callables."""

    def __init__(self, name: str, module: nn.Module, index: int, model: nn.Module):
        self.name, self.module, self.index, self.model = name, module, index, model
        self.x_shape: Tuple[int, ...] = ()
        self.out_shape: Tuple[int, ...] = ()
        # delay lines: (deque, index into it); filled by the model at build time
        self.feedforward: Tuple[Optional[deque], int] = (None, -1)
        self.recurrent_index = -1
        self.skips: List[Tuple[nn.Module, "LayerRuntime", int]] = []
        self.feedbacks: List[Tuple[nn.Module, "LayerRuntime", int]] = []
        self.rate_history_length = 1
        self.output_history_length = 1
        # run state
        self.x: Optional[torch.Tensor] = None
        self.h: Optional[torch.Tensor] = None
        self.adaptation: Optional[torch.Tensor] = None
        self.rates: deque = DelayLine()
        self.outputs: deque = DelayLine()
        self.responses: List[torch.Tensor] = []
        self.ops: List[Op] = []
        self.recording_ops: List[Op] = []
        self.op_names: List[str] = []

    def __getstate__(self) -> dict:
        # a copy starts from rest (run tensors may be mid-graph and cannot be copied)
        return dict(self.__dict__, x=None, h=None, adaptation=None, responses=[])

    def allocate_delay_lines(self) -> None:
        """Create the delay lines once their lengths are known; compiled
        operations hold on to these very deques, so ``reset`` refills them."""
        self.rates = DelayLine(maxlen=self.rate_history_length)
        self.outputs = DelayLine(maxlen=self.output_history_length)

    def reset(self, batch_size: int, device: torch.device, dtype: torch.dtype) -> None:
        """Fresh state: everything at rest (zero), delay lines full of rest."""
        x0 = torch.zeros((batch_size,) + self.x_shape, device=device, dtype=dtype)
        out0 = x0 if self.out_shape == self.x_shape else torch.zeros(
            (batch_size,) + self.out_shape, device=device, dtype=dtype)
        self.x, self.h = x0, x0
        self.adaptation = x0 if self.module.adaptation is not None else None
        refill(self.rates, x0)
        refill(self.outputs, out0)
        self.responses = []

    def emit(self) -> None:
        self.outputs.append(self.h)


def refill(line: deque, rest: torch.Tensor) -> None:
    """Fill a delay line with the resting state (no copies: one shared tensor)."""
    line.clear()
    line.extend([rest] * line.maxlen)


@operations.register("layer")
def _make_layer(rt: LayerRuntime) -> Op:
    drive, (inputs, i_ff), rates, i_rec = rt.module.drive, rt.feedforward, rt.rates, rt.recurrent_index
    if rt.module.recurrence is None:
        conv = rt.module.conv

        def layer() -> None:
            rt.h = conv(inputs[i_ff])
    else:
        def layer() -> None:
            rt.h = drive(inputs[i_ff], rates[i_rec])
    return layer


def _make_connections(rt: LayerRuntime, connections) -> Optional[Op]:
    if not connections:
        return None

    def add() -> None:
        h = rt.h
        for connection, source, index in connections:
            h = h + connection(source.outputs[index])
        rt.h = h
    return add


@operations.register("addskip")
def _make_addskip(rt: LayerRuntime) -> Optional[Op]:
    return _make_connections(rt, rt.skips)


@operations.register("addfeedback")
def _make_addfeedback(rt: LayerRuntime) -> Optional[Op]:
    return _make_connections(rt, rt.feedbacks)


@operations.register("tstep")
def _make_tstep(rt: LayerRuntime) -> Op:
    solver, adaptation, rates = rt.module.tstep, rt.module.adaptation, rt.rates
    if adaptation is None:
        def tstep() -> None:
            rt.x = rt.h = solver(rt.x, rt.h)
        return tstep
    ratio, strength = solver.dt / adaptation.tau, adaptation.strength

    def tstep_adapting() -> None:
        # the slow variable follows the layer's last rate; it is subtracted from the drive
        rt.adaptation = torch.lerp(rt.adaptation, rates[-1], ratio)
        rt.x = rt.h = solver(rt.x, rt.h - strength * rt.adaptation)
    return tstep_adapting


@operations.register("nonlin")
def _make_nonlin(rt: LayerRuntime) -> Op:
    nonlin = rt.module.nonlin

    def nonlinearity() -> None:
        rt.h = nonlin(rt.h)
    return nonlinearity


@operations.register("norm")
def _make_norm(rt: LayerRuntime) -> Optional[Op]:
    norm = rt.module.norm
    if norm is None:
        return None

    def normalize() -> None:
        rt.h = norm(rt.h)
    return normalize


@operations.register("record")
def _make_record(rt: LayerRuntime) -> Op:
    # only compiled into the recording variant of the op list
    def record() -> None:
        rt.responses.append(rt.h)
    return record


@operations.register("pool")
def _make_pool(rt: LayerRuntime) -> Optional[Op]:
    pool = rt.module.pool
    if pool is None:
        return None

    def pooling() -> None:
        rt.h = pool(rt.h)
    return pooling


def _push_rate(rt: LayerRuntime, op: Op) -> Op:
    rates = rt.rates

    def op_then_push() -> None:
        op()
        rates.append(rt.h)
    return op_then_push


def _debug_check(rt: LayerRuntime, name: str, op: Op, step_counter: List[int], dt: float) -> Op:
    def checked() -> None:
        op()
        h, k = rt.h, step_counter[0]
        where = f"layer {rt.name!r}, operation {name!r}, step {k} (t={(k + 1) * dt:g} ms)"
        if not isinstance(h, torch.Tensor):
            raise DynamicsError(f"{where}: produced {type(h).__name__}, expected a tensor")
        expected = rt.out_shape if name == "pool" else rt.x_shape
        if tuple(h.shape[1:]) != tuple(expected):
            raise DynamicsError(f"{where}: output shape {tuple(h.shape[1:])}, expected {tuple(expected)}")
        if not torch.isfinite(h).all():
            bad = "NaN" if torch.isnan(h).any() else "inf"
            raise DynamicsError(f"{where}: output contains {bad}")
    return checked


def compile_operations(
    rt: LayerRuntime,
    names: Sequence[str],
    record: bool,
    debug: bool = False,
    step_counter: Optional[List[int]] = None,
    dt: float = 1.0,
) -> List[Op]:
    """Resolve ``names`` to the callables this layer runs each step.

    The rate that recurrence and adaptation see is pushed after ``nonlin``
    (or after ``tstep`` when there is no ``nonlin``)."""
    names = list(names)
    rate_op = "nonlin" if "nonlin" in names else "tstep"
    compiled: List[Op] = []
    for name in names:
        if name == "record" and not record:
            continue
        op = operations.get(name)(rt)
        if op is None:
            continue
        if debug:
            op = _debug_check(rt, name, op, step_counter, dt)
        if name == rate_op:
            op = _push_rate(rt, op)
        compiled.append(op)
    compiled.append(rt.emit)
    return compiled
