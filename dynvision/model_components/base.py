"""``DynamicsModel``: the continuous-time core every DynVision model builds on.

A plain ``nn.Module`` (usable without Lightning). A subclass defines its
areas in ``_define_architecture``; the base class fills in time constants,
delays and solvers, infers layer shapes, builds skip/feedback weights,
resolves ``layer_operations`` to callables and unrolls the network in time.
"""
from __future__ import annotations

import copy
import functools
import inspect
from collections import deque
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from torch import nn

from .connections import Connection, Feedback
from .layers import RecurrentConnectedConv2d
from .nonlinearities import make_nonlinearity, nonlinearities
from .operations import DelayLine, DynamicsError, LayerRuntime, compile_operations, operations, refill
from .solvers import _Solver, make_solver, solvers
from .timing import check_stability, ms_to_steps, step_end_times

DEFAULT_LAYER_OPERATIONS = ("layer", "addskip", "addfeedback", "tstep", "nonlin", "norm", "record", "pool")


class Readout(nn.Sequential):
    """Default classifier: global average pool, then a linear map to classes."""

    def __init__(self, in_channels: int, n_classes: int):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(in_channels, n_classes))


def _wrap_init(init: Callable) -> Callable:
    """Run the model build once the outermost ``__init__`` has finished, so a
    subclass may set attributes before or after ``super().__init__``."""

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        outermost = not self.__dict__.get("_dv_initializing", False)
        if outermost:
            object.__setattr__(self, "_dv_initializing", True)
        try:
            init(self, *args, **kwargs)
        finally:
            if outermost:
                object.__setattr__(self, "_dv_initializing", False)
        if outermost:
            self._capture_model_args(init, args, kwargs)
            self._build()

    return __init__


def _mark_defined(define: Callable) -> Callable:
    @functools.wraps(define)
    def _define_architecture(self, *args, **kwargs):
        result = define(self, *args, **kwargs)
        object.__setattr__(self, "_dv_defined", True)
        return result

    return _define_architecture


def _non_reentrant_reset(reset: Callable) -> Callable:
    """A user ``reset`` that loops over ``self.modules()`` meets itself; the
    guard makes that harmless, and the engine state is always cleared."""

    @functools.wraps(reset)
    def wrapped(self, *args, **kwargs):
        if self.__dict__.get("_dv_resetting", False):
            return None
        object.__setattr__(self, "_dv_resetting", True)
        try:
            self._clear_state()
            return reset(self, *args, **kwargs)
        finally:
            object.__setattr__(self, "_dv_resetting", False)

    return wrapped


class DynamicsModel(nn.Module):
    """Base of all DynVision models.

    ``model(x)`` takes ``(B, C, H, W)`` (shown for ``n_timesteps`` steps) or
    ``(B, T, C, H, W)`` and returns logits ``(B, T, n_classes)``; step ``k``
    ends at ``(k + 1) * dt`` ms. Each call starts from rest unless
    ``reset=False``.
    """

    #: anatomical region -> layer name; models declare it (e.g. {"V1": "V1"})
    region_layer_map: Dict[str, str] = {}
    #: a per-step ``forward(frame) -> logits`` written by a subclass (spec style)
    forward_step: Optional[Callable] = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "forward" in own:
            # a subclass's forward handles one time step; the base unrolls it
            cls.forward_step = own["forward"]
            cls.forward = DynamicsModel.forward
        if "__init__" in own:
            cls.__init__ = _wrap_init(own["__init__"])
        if "_define_architecture" in own:
            cls._define_architecture = _mark_defined(own["_define_architecture"])
        if "reset" in own:
            cls.reset = _non_reentrant_reset(own["reset"])

    def __init__(
        self,
        input_dims: Sequence[int] = (20, 3, 32, 32),
        n_classes: int = 10,
        dt: float = 2.0,
        tau: float = 8.0,
        solver: str = "euler",
        trainable_tau: bool = False,
        t_feedforward: float = 0.0,
        t_recurrence: Optional[float] = None,
        t_skip: float = 0.0,
        t_feedback: Optional[float] = None,
        nonlinearity: str = "relu",
        t_idle: float = 0.0,
        t_presentation: Optional[float] = None,
        store_responses: bool = False,
        debug: bool = False,
        **unexpected: Any,
    ):
        if unexpected:
            valid = sorted(set(inspect.signature(type(self).__init__).parameters) - {"self", "kwargs"})
            raise TypeError(
                f"{type(self).__name__} got unexpected argument(s) {sorted(unexpected)}; "
                f"valid arguments include: {', '.join(valid)}"
            )
        super().__init__()
        input_dims = tuple(int(d) for d in input_dims)
        if len(input_dims) != 4 or min(input_dims) < 1:
            raise ValueError(f"input_dims={input_dims}: expected 4 positive ints (time steps, channels, height, width)")
        for name, value in (("dt", dt), ("tau", tau)):
            if not float(value) > 0:  # one message per argument, so that the error names the one at fault
                raise ValueError(f"{name}={value}: must be > 0 ms")
        solvers.get(solver)
        nonlinearities.get(nonlinearity)
        self.input_dims = input_dims
        self.n_timesteps, self.n_channels, self.image_height, self.image_width = input_dims
        self.n_classes = int(n_classes)
        self.dt, self.tau, self.solver, self.trainable_tau = float(dt), float(tau), solver, bool(trainable_tau)
        self.t_feedforward, self.t_skip = float(t_feedforward), float(t_skip)
        self.t_recurrence = float(self.dt if t_recurrence is None else t_recurrence)
        self.t_feedback = float(self.dt if t_feedback is None else t_feedback)
        self.nonlinearity = nonlinearity
        where = type(self).__name__
        self.n_idle_steps = ms_to_steps(t_idle, self.dt, "t_idle", where)
        self.t_idle = float(t_idle)
        self.t_presentation = None if t_presentation is None else float(t_presentation)
        if self.t_presentation is not None:
            ms_to_steps(self.t_presentation, self.dt, "t_presentation", where, minimum_steps=1)
        self.store_responses, self.debug = bool(store_responses), bool(debug)
        self.layer_operations: List[str] = list(DEFAULT_LAYER_OPERATIONS)
        self.model_args: Dict[str, Any] = {}
        self._runtimes: List[LayerRuntime] = []
        self._input_line: deque = DelayLine(maxlen=1)
        self._state_batch: Optional[int] = None
        self._last_logits: Optional[torch.Tensor] = None
        self._last_labels: Optional[torch.Tensor] = None

    def __getstate__(self) -> Dict[str, Any]:
        # A copy (pickle for spawned processes, deepcopy) recompiles its step functions
        # (closures over this instance's runtimes) and starts from rest.
        return dict(super().__getstate__(), _compiled={}, _state_batch=None, _last_logits=None, _last_labels=None)

    # ------------------------------------------------------------------ build
    def _define_architecture(self) -> None:
        """Create the areas (``RecurrentConnectedConv2d``), connections and classifier."""
        raise NotImplementedError(f"{type(self).__name__} must define _define_architecture()")

    def _init_parameters(self) -> None:
        """Initialize weights; PyTorch's defaults unless a model overrides this."""

    def _capture_model_args(self, init: Callable, args: tuple, kwargs: dict) -> None:
        signature = inspect.signature(init)
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        model_args: Dict[str, Any] = {}
        for name, value in list(bound.arguments.items())[1:]:
            kind = signature.parameters[name].kind
            if kind is inspect.Parameter.VAR_KEYWORD:
                model_args.update(value)
            elif kind is inspect.Parameter.VAR_POSITIONAL:
                if value:
                    raise TypeError(f"{type(self).__name__}: pass model arguments by keyword, not *args")
            else:
                model_args[name] = value
        self.model_args = model_args
        self._save_model_args(model_args)

    def _save_model_args(self, model_args: Dict[str, Any]) -> None:
        """Hook: ``LightningBase`` stores them as hyperparameters."""

    def _build(self) -> None:
        if not self.__dict__.get("_dv_defined", False):
            self._define_architecture()
        if self.forward_step is None:
            self._build_engine()
        self._init_parameters()

    @property
    def layer_names(self) -> List[str]:
        """The areas in processing order."""
        names = self.__dict__.get("_layer_names")
        if names is None:
            names = [n for n, m in self.named_children() if isinstance(m, RecurrentConnectedConv2d)]
        return list(names)

    @layer_names.setter
    def layer_names(self, names: Sequence[str]) -> None:
        self.__dict__["_layer_names"] = list(names)

    def _build_engine(self) -> None:
        names = self.layer_names
        if not names:
            raise ValueError(
                f"{type(self).__name__} defines no RecurrentConnectedConv2d areas and no per-step forward(); "
                "add areas in _define_architecture (or write forward(frame) for one time step)"
            )
        for name in names:
            if not isinstance(getattr(self, name, None), RecurrentConnectedConv2d):
                raise TypeError(f"layer {name!r} in layer_names is not a RecurrentConnectedConv2d attribute")
        unknown = [op for op in self.layer_operations if op not in operations]
        if unknown:
            raise ValueError(f"unknown layer operation(s) {unknown}; valid: {', '.join(operations.names())}")
        self._runtimes = [LayerRuntime(name, getattr(self, name), i, self) for i, name in enumerate(names)]
        for rt in self._runtimes:
            self._fill_layer_defaults(rt)
        self._infer_shapes()
        self._wire_delays()
        if getattr(self, "classifier", None) is None:
            self.classifier = Readout(self._runtimes[-1].out_shape[0], self.n_classes)
        self._compiled: Dict[Tuple[bool, bool], List[List[Callable]]] = {}

    def _fill_layer_defaults(self, rt: LayerRuntime) -> None:
        layer, where = rt.module, f"{type(self).__name__}.{rt.name}"
        for attr in ("t_feedforward", "t_recurrence", "tau", "trainable_tau", "solver"):
            if getattr(layer, attr) is None:
                setattr(layer, attr, getattr(self, attr))
        if layer.nonlin is None:
            layer.nonlin = make_nonlinearity(self.nonlinearity)
        if layer.tstep is None:
            template = getattr(self, "tstep", None)
            if isinstance(template, _Solver):  # the spec's model-wide `self.tstep = EulerStep(...)`
                layer.tstep = copy.deepcopy(template)
            else:
                layer.tstep = make_solver(layer.solver, self.dt, layer.tau, layer.trainable_tau)
        if abs(layer.tstep.dt - self.dt) > 1e-9:
            raise ValueError(f"{where}: its solver has dt={layer.tstep.dt:g} ms but the model runs at dt={self.dt:g} ms")
        check_stability(layer.tstep.name, self.dt, float(layer.tstep.tau), where)

    @torch.no_grad()
    def _infer_shapes(self) -> None:
        was_training = self.training
        self.eval()  # no batch-norm statistics from the probe
        try:
            device = next(self.parameters()).device
            h = torch.zeros(1, self.n_channels, self.image_height, self.image_width, device=device)
            for rt in self._runtimes:
                if getattr(rt.module, "in_channels", h.shape[1]) != h.shape[1]:
                    raise ValueError(
                        f"layer {rt.name!r} expects {rt.module.in_channels} input channels "
                        f"but receives {h.shape[1]}"
                    )
                h = rt.module.conv(h)
                rt.x_shape = tuple(h.shape[1:])
                if rt.module.pool is not None:
                    h = rt.module.pool(h)
                rt.out_shape = tuple(h.shape[1:])
        finally:
            self.train(was_training)

    def _wire_delays(self) -> None:
        index = {rt.name: rt for rt in self._runtimes}
        first = self._runtimes[0]
        d_in = ms_to_steps(first.module.t_feedforward, self.dt, f"{first.name}.t_feedforward", type(self).__name__)
        self._input_line = DelayLine(maxlen=d_in + 1)
        first.feedforward = (self._input_line, -1 - d_in)
        # (source layer or None for the input, target layer, delay in steps): the paths input takes
        self._signal_paths: List[Tuple[Optional[str], str, int]] = [(None, first.name, d_in)]
        for previous, rt in zip(self._runtimes, self._runtimes[1:]):
            d = ms_to_steps(rt.module.t_feedforward, self.dt, f"{rt.name}.t_feedforward", type(self).__name__)
            previous.output_history_length = max(previous.output_history_length, d + 1)
            rt.feedforward = (previous, -1 - d)  # the line itself is bound once allocated
            self._signal_paths.append((previous.name, rt.name, d))
        for rt in self._runtimes:
            if rt.module.recurrence is not None:
                d = ms_to_steps(rt.module.t_recurrence, self.dt, f"{rt.name}.t_recurrence", type(self).__name__,
                                minimum_steps=1)
                rt.recurrent_index, rt.rate_history_length = -d, max(1, d)
        for connection in self.modules():
            if not isinstance(connection, Connection):
                continue
            for end in (connection.source, connection.target):
                if end not in index:
                    raise ValueError(
                        f"{connection.kind} connection {connection.source}->{connection.target}: "
                        f"no layer {end!r}; layers are {list(index)}"
                    )
            source, target = index[connection.source], index[connection.target]
            connection.build(source.out_shape, target.x_shape)
            default = self.t_feedback if isinstance(connection, Feedback) else self.t_skip
            t = default if connection.t_delay is None else connection.t_delay
            later = source.index >= target.index  # not yet computed when target reads it
            d = ms_to_steps(t, self.dt, f"{connection.kind} {source.name}->{target.name} delay", type(self).__name__,
                            minimum_steps=int(later))
            source.output_history_length = max(source.output_history_length, d + (0 if later else 1))
            entry = (connection, source, -d if later else -1 - d)
            self._signal_paths.append((source.name, target.name, d))
            (target.feedbacks if later else target.skips).append(entry)
        for rt in self._runtimes:
            rt.allocate_delay_lines()
        for rt in self._runtimes[1:]:
            source, i = rt.feedforward
            rt.feedforward = (source.outputs, i)

    def _operations(self, record, debug: bool) -> List[List[Callable]]:
        """``record``: True/False for every layer, or a frozenset of layer names."""
        key = (record, debug)
        if key not in self._compiled:
            self._step_counter = getattr(self, "_step_counter", [0])
            self._compiled[key] = [
                compile_operations(rt, self.layer_operations,
                                   rt.name in record if isinstance(record, frozenset) else record,
                                   debug, self._step_counter, self.dt)
                for rt in self._runtimes
            ]
        return self._compiled[key]

    # ---------------------------------------------------------------- running
    def _prepare_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{type(self).__name__} expects a torch.Tensor, got {type(x).__name__}")
        expected = (self.n_channels, self.image_height, self.image_width)
        if x.dim() == 4:
            x = x.unsqueeze(1).expand(-1, self.n_timesteps, -1, -1, -1)
        elif x.dim() != 5:
            raise ValueError(
                f"input of shape {tuple(x.shape)}: expected (B, C, H, W) = (B, {', '.join(map(str, expected))}) "
                f"for a static image or (B, T, C, H, W) for a sequence"
            )
        if tuple(x.shape[2:]) != expected:
            raise ValueError(
                f"input of shape {tuple(x.shape)} does not match input_dims={self.input_dims}: "
                f"expected (C, H, W) = {expected}, got {tuple(x.shape[2:])}; resize the images or change input_dims"
            )
        return x

    def _clear_state(self) -> None:
        self._state_batch = None
        self._last_logits = None
        for rt in self._runtimes:
            rt.responses = []

    def reset(self) -> None:
        """Forget all state: the next call starts from rest."""
        self._clear_state()
        for module in self.modules():
            if module is not self and not isinstance(module, DynamicsModel) and callable(getattr(module, "reset", None)):
                module.reset()

    def _start(self, frames: torch.Tensor, reset: bool) -> None:
        batch = frames.shape[0]
        if not reset and self._state_batch is not None:
            if batch != self._state_batch:
                raise ValueError(f"reset=False continues a run of batch size {self._state_batch}, got {batch}")
            for rt in self._runtimes:
                rt.responses = []
            return
        self._state_batch = batch
        if self.forward_step is None:
            rest = frames.new_zeros(frames.shape[:1] + frames.shape[2:])
            refill(self._input_line, rest)
            for rt in self._runtimes:
                rt.reset(batch, frames.device, frames.dtype)

    def forward(
        self,
        x: torch.Tensor,
        reset: bool = True,
        store_responses: Union[bool, Sequence[str], None] = None,
        debug: Optional[bool] = None,
    ) -> torch.Tensor:
        """Unroll the model over time; returns logits ``(B, T, n_classes)``.

        ``store_responses``: True records every layer, a list of layer names
        only those (less memory when only some are needed)."""
        frames = self._prepare_input(x)
        record = self.store_responses if store_responses is None else store_responses
        if isinstance(record, (list, tuple, set, frozenset)):  # record only these layers
            unknown = sorted(set(record) - set(self.layer_names))
            if unknown:
                raise ValueError(f"store_responses: unknown layer(s) {unknown}; layers: {self.layer_names}")
            record = frozenset(record) if self.forward_step is None else bool(record)
        else:
            record = bool(record)
        debug = self.debug if debug is None else bool(debug)
        self._start(frames, reset)
        n_steps = frames.shape[1]
        n_on = n_steps if self.t_presentation is None else min(n_steps, self.presentation_steps)
        blank = self._blank(frames) if (n_on < n_steps or self.n_idle_steps) else None
        if self.n_idle_steps and reset:
            idle_step = self._step_function(False, debug)
            for k in range(self.n_idle_steps):
                idle_step(blank, k - self.n_idle_steps)
        step = self._step_function(record, debug)
        logits = [step(frames[:, k] if k < n_on else blank, k) for k in range(n_steps)]
        output = torch.stack(logits, dim=1)
        self._last_logits = output
        self._recorded = bool(record)
        return output

    def _blank(self, frames: torch.Tensor) -> torch.Tensor:
        """The blank frame: the input line's resting tensor itself where there is one, so that
        the engine knows a blank step's input is zero (and skips the first convolution)."""
        rest = getattr(self._input_line, "rest", None)
        shape = frames.shape[:1] + frames.shape[2:]
        if rest is not None and rest.shape == shape and rest.dtype == frames.dtype and rest.device == frames.device:
            return rest
        return frames.new_zeros(shape)

    def _step_function(self, record: bool, debug: bool) -> Callable[[torch.Tensor, int], torch.Tensor]:
        if self.forward_step is not None:
            return self._checked_user_step if debug else (lambda frame, k: self.forward_step(frame))
        layers = self._operations(record, debug)
        line, readout, last = self._input_line, self.classifier, self._runtimes[-1]
        counter = self._step_counter

        def step(frame: torch.Tensor, k: int) -> torch.Tensor:
            counter[0] = k
            line.append(frame)
            for ops in layers:
                for op in ops:
                    op()
            return readout(last.h)

        if not debug:
            return step

        def checked_step(frame: torch.Tensor, k: int) -> torch.Tensor:
            return self._check_logits(step(frame, k), frame.shape[0], f"the readout (classifier) at step {k}", k)

        return checked_step

    def _check_logits(self, out: Any, batch: int, what: str, k: int) -> torch.Tensor:
        """Debug mode: one step's logits must be a finite ``(B, n_classes)`` tensor."""
        where = f"{type(self).__name__}: {what} (t={(k + 1) * self.dt:g} ms)"
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (batch, self.n_classes):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise DynamicsError(f"{where}: returned {shape}, expected ({batch}, {self.n_classes})")
        if not torch.isfinite(out).all():
            raise DynamicsError(f"{where}: output contains {'NaN' if torch.isnan(out).any() else 'inf'}")
        return out

    def _checked_user_step(self, frame: torch.Tensor, k: int) -> torch.Tensor:
        return self._check_logits(self.forward_step(frame), frame.shape[0], f"forward at step {k}", k)

    # ------------------------------------------------------------------- time
    @property
    def presentation_steps(self) -> Optional[int]:
        """Steps a static image is shown before the blank (None: throughout)."""
        if self.t_presentation is None:
            return None
        return ms_to_steps(self.t_presentation, self.dt, "t_presentation", type(self).__name__, minimum_steps=1)

    @property
    def trained_horizon_ms(self) -> float:
        """The time a run of ``n_timesteps`` steps covers: ``n_timesteps * dt`` ms.
        Training runs the model for exactly this long (image for ``t_presentation``
        ms, then blank); both are constructor arguments, so checkpoints record them."""
        return self.n_timesteps * self.dt

    def input_arrival_time(self, layer: Optional[str] = None) -> Optional[float]:
        """Earliest time (ms after the first frame) at which ``layer``'s response
        depends on the input: the end of the first step input reaches it by the
        fastest path of feedforward, skip and feedback delays. ``None`` or
        ``"classifier"``: the last area (the readout reads it in the same step).
        ``None`` as result for a model with its own per-step ``forward`` (its
        delays are not known to the engine)."""
        paths = self.__dict__.get("_signal_paths")
        if self.forward_step is not None or not paths:
            return None
        if layer is None or layer == "classifier":
            layer = self._runtimes[-1].name
        arrival: Dict[str, float] = {}
        changed = True
        while changed:  # Bellman-Ford on a handful of layers
            changed = False
            for source, target, steps in paths:
                start = 0 if source is None else arrival.get(source)
                if start is not None and start + steps < arrival.get(target, float("inf")):
                    arrival[target] = start + steps
                    changed = True
        if layer not in arrival:
            raise ValueError(f"{type(self).__name__}: no layer {layer!r}; layers: {self.layer_names}")
        return (arrival[layer] + 1) * self.dt

    # -------------------------------------------------------------- responses
    def step_times(self, n_steps: Optional[int] = None) -> np.ndarray:
        """End time (ms) of each step of the last run (or of ``n_steps``)."""
        if n_steps is None:
            n_steps = self._last_logits.shape[1] if self._last_logits is not None else self.n_timesteps
        return step_end_times(n_steps, self.dt)

    def get_responses(self) -> Dict[str, torch.Tensor]:
        """``{layer: (B, T, C, H, W)}`` of the last call made with
        ``store_responses``, plus ``"classifier"``: the logits ``(B, T, K)``."""
        if self._last_logits is None or not getattr(self, "_recorded", False):
            return {}
        responses = {rt.name: torch.stack(rt.responses, dim=1) for rt in self._runtimes if rt.responses}
        responses["classifier"] = self._last_logits
        return responses

    def get_classifier_dataframe(self, labels: Optional[torch.Tensor] = None):
        """Tidy frame of the last call's classifier output over time: one row
        per (sample, time_ms, class) with logit, probability and label."""
        import pandas as pd

        if self._last_logits is None:
            raise RuntimeError("no classifier output yet: call the model on some input first")
        logits = self._last_logits.detach().float().cpu()
        batch, n_steps, n_classes = logits.shape
        probabilities = logits.softmax(-1)
        labels = self._last_labels if labels is None else labels
        label_column = (
            pd.array(np.repeat(torch.as_tensor(labels).cpu().numpy(), n_steps * n_classes), dtype="Int64")
            if labels is not None else pd.array([pd.NA] * logits.numel(), dtype="Int64")
        )
        return pd.DataFrame({
            "sample": np.repeat(np.arange(batch), n_steps * n_classes),
            "time_ms": np.tile(np.repeat(step_end_times(n_steps, self.dt), n_classes), batch),
            "class": np.tile(np.arange(n_classes), batch * n_steps),
            "logit": logits.reshape(-1).numpy(),
            "probability": probabilities.reshape(-1).numpy(),
            "label": label_column,
        })
