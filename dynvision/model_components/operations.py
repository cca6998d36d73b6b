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
from torch.nn.modules import module as torch_module

from ..registry import Registry

operations: Registry = Registry("layer operation")

Op = Callable[[], None]


class DynamicsError(RuntimeError):
    """Raised by debug mode at the first operation whose output is wrong."""


class DelayLine(deque):
    """A delay line (a bounded deque of past tensors). A copy of it (pickle,
    deepcopy) is empty: run state never travels with a model; the next call
    refills it from rest."""

    def __init__(self, iterable=(), maxlen: Optional[int] = None):
        super().__init__(iterable, maxlen)
        #: the resting (all-zero) tensor the line was last filled with; an entry that
        #: *is* this tensor is known to be zero, which lets operations skip work
        self.rest: Optional[torch.Tensor] = None

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
    if isinstance(line, DelayLine):
        line.rest = rest


# -- work skipped at rest ------------------------------------------------------------
# Every run starts from rest: delay lines full of one all-zero tensor, for as many
# steps as each delay lasts. A linear map without bias sends zero to zero, and a plain
# convolution sends it to its bias, so those steps need no convolution at all. The
# shortcuts apply only where that holds exactly (known module types, default drive).

def _at_rest_drive(rt: LayerRuntime) -> Optional[Callable[[int], torch.Tensor]]:
    """``batch -> conv(0)`` without convolving, for a plain ``nn.Conv2d``; else None."""
    conv = rt.module.conv
    if type(conv) is not nn.Conv2d:  # a subclass or a custom path may not map 0 to its bias
        return None
    shape = rt.x_shape

    def at_rest(batch: int, like: torch.Tensor) -> torch.Tensor:
        if conv.bias is None:
            return like.new_zeros((batch,) + shape)
        return conv.bias.view(1, -1, 1, 1).expand((batch,) + shape)
    return at_rest


def _unobserved(module: nn.Module) -> bool:
    """No forward hook would miss the call (e.g. a recorder hooked on ``V1.conv``
    counts one output per step): only then may a call be skipped."""
    return not (module._forward_hooks or module._forward_pre_hooks
                or torch_module._global_forward_hooks or torch_module._global_forward_pre_hooks)


def _vanishes_at_rest(module: Optional[nn.Module]) -> bool:
    """True when ``module`` maps zero to zero. A class says so with ``zero_at_rest``
    (built-in recurrences, skip/feedback connections); the flag counts only when the
    class that declares it also owns the ``forward`` that runs, so a subclass with
    its own ``forward`` must declare it again."""
    if module is None:
        return False
    for klass in type(module).__mro__:
        own = vars(klass)
        if "zero_at_rest" in own:
            return bool(getattr(module, "zero_at_rest"))
        if "forward" in own:
            return False
    return False


@operations.register("layer")
def _make_layer(rt: LayerRuntime) -> Op:
    module = rt.module
    drive, (inputs, i_ff), rates, i_rec = module.drive, rt.feedforward, rt.rates, rt.recurrent_index
    conv, recurrence, integrate = module.conv, module.recurrence, module.integrate
    default_drive = type(module).drive is _default_drive()
    at_rest = _at_rest_drive(rt) if default_drive else None
    # additive and multiplicative integration both leave the drive unchanged when recurrence is 0
    skip_recurrence = default_drive and _vanishes_at_rest(recurrence) and module.integration in (
        "additive", "multiplicative")
    if recurrence is None:
        def layer() -> None:
            x_in = inputs[i_ff]
            if at_rest is not None and x_in is inputs.rest and _unobserved(conv):
                rt.h = at_rest(x_in.shape[0], x_in)
            else:
                rt.h = conv(x_in)
    else:
        def layer() -> None:
            x_in, r = inputs[i_ff], rates[i_rec]
            rest_in = at_rest is not None and x_in is inputs.rest and _unobserved(conv)
            rest_r = skip_recurrence and r is rates.rest and _unobserved(recurrence)
            if rest_in:
                ff = at_rest(x_in.shape[0], r)
                rt.h = ff if rest_r else integrate(ff, recurrence(r))
            elif rest_r:
                rt.h = conv(x_in)
            else:
                rt.h = drive(x_in, r)
    return layer


def _default_drive():
    from .layers import RecurrentConnectedConv2d

    return RecurrentConnectedConv2d.drive


def _make_connections(rt: LayerRuntime, connections) -> Optional[Op]:
    if not connections:
        return None
    entries = [(connection, source.outputs, index, _vanishes_at_rest(connection))
               for connection, source, index in connections]

    def add() -> None:
        h = rt.h
        for connection, outputs, index, vanishes in entries:
            source_output = outputs[index]
            if vanishes and source_output is outputs.rest and _unobserved(connection):
                continue  # a resting source adds nothing
            h = h + connection(source_output)
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
