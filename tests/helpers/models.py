"""The small in-process models shared by the tests (a few hundred parameters each).

User-model *files* live in ``model_module.py`` (for ``--model-module``); tiny configs of
the zoo models in ``configs.py``."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List, Tuple

import torch
from torch import nn

from dynvision.model_components import Adaptation, Feedback, LightningBase, RecurrentConnectedConv2d, Skip


# ------------------------------------------------------------ component tests
class TwoAreas(LightningBase):
    """V1 -> V2 with full recurrence, a skip into V2 and feedback into V1."""

    def __init__(self, recurrence_type: str = "full", **kwargs):
        self.recurrence_type = recurrence_type
        super().__init__(**kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, 3, recurrence_type=self.recurrence_type,
                                           pool=nn.MaxPool2d(2))
        self.V2 = RecurrentConnectedConv2d(4, 9, 3, recurrence_type=self.recurrence_type)
        self.skip = Skip("V1", "V2")
        self.feedback = Feedback("V2", "V1", t_delay=4.0)


class UnitChain(LightningBase):
    """A chain of single-unit areas (1x1 convs, weight 1, no bias): the
    response of each area is the integral of its input, delayed."""

    def __init__(self, delays=(0.0,), recurrence_type="none", nonlinearity="identity", **kwargs):
        self.delays, self.recurrence_type = list(delays), recurrence_type
        super().__init__(input_dims=kwargs.pop("input_dims", (10, 1, 1, 1)), nonlinearity=nonlinearity, **kwargs)

    def _define_architecture(self):
        self.layer_names = [f"L{i}" for i in range(len(self.delays))]
        for name, delay in zip(self.layer_names, self.delays):
            setattr(self, name, RecurrentConnectedConv2d(1, 1, 1, bias=False, t_feedforward=delay,
                                                         recurrence_type=self.recurrence_type,
                                                         recurrence_kernel_size=1))

    def _init_parameters(self):
        for name in self.layer_names:
            nn.init.ones_(getattr(self, name).conv.weight)


# ----------------------------------------------------------- experiment tests
class TinyModel(LightningBase):
    """One 4-channel area with self recurrence (optionally adapting), relu."""

    def __init__(self, adaptation_strength: float = 0.0, recurrence_type: str = "none",
                 positive: bool = False, **kwargs):
        kwargs.setdefault("input_dims", (5, 1, 6, 6))
        kwargs.setdefault("n_classes", 3)
        kwargs.setdefault("dt", 2.0)
        kwargs.setdefault("tau", 4.0)
        super().__init__(**kwargs)
        self.adaptation_strength, self.recurrence_type, self.positive = adaptation_strength, recurrence_type, positive

    def _define_architecture(self) -> None:
        adaptation = Adaptation(tau=40.0, strength=self.adaptation_strength) if self.adaptation_strength else None
        self.V1 = RecurrentConnectedConv2d(
            self.n_channels, 4, kernel_size=3, recurrence_type=self.recurrence_type,
            bias=not self.positive, adaptation=adaptation,
        )

    def _init_parameters(self) -> None:
        if self.positive:
            # non-negative weights on non-negative images: a linear (relu never
            # cuts) system, so responses are proportional to contrast
            with torch.no_grad():
                self.V1.conv.weight.abs_()


def tiny_images(n: int = 6, size: int = 6, seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, size, size, generator=generator)
    labels = torch.arange(n) % 3
    return images, labels


# -------------------------------------------------------------- adapter tests
class TinyNet(LightningBase):
    """Two areas with recurrence, declared V1 and IT."""

    region_layer_map = {"V1": "V1", "IT": "IT"}

    def __init__(self, input_dims=(10, 3, 16, 16), n_classes=4, dt=2.0, tau=8.0, **kwargs):
        super().__init__(input_dims=input_dims, n_classes=n_classes, dt=dt, tau=tau, **kwargs)

    def _define_architecture(self):
        self.V1 = RecurrentConnectedConv2d(self.n_channels, 8, 3, stride=2, recurrence_type="self")
        self.IT = RecurrentConnectedConv2d(8, 16, 3, stride=2, recurrence_type="full")


class UndeclaredNet(TinyNet):
    """The same network without a region->layer map."""

    region_layer_map = {}


class UnitNet(LightningBase):
    """One Euler unit: 1x1 conv with weight 1, no bias, no recurrence, identity
    nonlinearity: ``tau dx/dt = -x + input``."""

    def __init__(self, dt=1.0, tau=10.0, **kwargs):
        super().__init__(input_dims=(5, 1, 4, 4), n_classes=2, dt=dt, tau=tau, solver="euler",
                         nonlinearity="identity", **kwargs)

    def _define_architecture(self):
        self.unit = RecurrentConnectedConv2d(1, 1, kernel_size=1, bias=False, recurrence_type="none")

    def _init_parameters(self):
        with torch.no_grad():
            self.unit.conv.weight.fill_(1.0)


# ---------------------------------------------------------------- zoo tests
class ZooTestTwoAreas(LightningBase):
    """The smallest user model: two areas and feedback, written as in the spec."""

    region_layer_map = {"V1": "V1", "V2": "V2"}

    def _define_architecture(self) -> None:
        self.V1 = RecurrentConnectedConv2d(self.n_channels, 4, 3, recurrence_type="self", pool=nn.MaxPool2d(2))
        self.V2 = RecurrentConnectedConv2d(4, 6, 3, recurrence_type="full")
        self.feedback = Feedback("V2", "V1")


# ------------------------------------------------------ registry-driven tests
#: every registered model is built for this image in the registry-driven tests
ZOO_IMAGE = (3, 16, 16)
ZOO_CLASSES = 3
#: the user-style model the registry-driven tests register next to the zoo
ZOO_TEST_MODEL = "ZooTestTwoAreas"


def registered_model_names() -> List[str]:
    """Every registered model (zoo, entry points) plus :data:`ZOO_TEST_MODEL`."""
    from dynvision.models import list_models

    return sorted(set(list_models()) | {ZOO_TEST_MODEL})


@contextmanager
def zoo_test_model_registered() -> Iterator[None]:
    """:class:`ZooTestTwoAreas` registered as :data:`ZOO_TEST_MODEL` for the duration."""
    from dynvision.models import register_model, unregister_model

    register_model(ZOO_TEST_MODEL)(ZooTestTwoAreas)
    try:
        yield
    finally:
        unregister_model(ZOO_TEST_MODEL)


def latency_steps(model) -> int:
    """Steps until the input can reach the classifier along the feedforward chain."""
    return sum(round(getattr(model, name).t_feedforward / model.dt) for name in model.layer_names)


def build_registered(name: str, n_steps: int = 1, **kwargs):
    """The registered model ``name`` for ``n_steps`` steps of :data:`ZOO_IMAGE`, seeded."""
    from dynvision.models import get_model

    torch.manual_seed(0)
    return get_model(name)(input_dims=(n_steps,) + ZOO_IMAGE, n_classes=ZOO_CLASSES, **kwargs)


def one_step_delays(name: str) -> dict:
    """Every delay one step of the model's default dt: few steps suffice, and
    skip and feedback connections take part within them."""
    from dynvision.models import get_model, model_info

    dt = model_info(get_model(name))["defaults"].get("dt", 2.0)
    return {arg: dt for arg in ("t_feedforward", "t_recurrence", "t_skip", "t_feedback")}


def tiny_registered(name: str) -> Tuple[LightningBase, int]:
    """(model, n_steps): ``name`` with one-step delays, run long enough for an image to reach its readout."""
    delays = one_step_delays(name)
    n_steps = latency_steps(build_registered(name, **delays)) + 2
    return build_registered(name, n_steps, **delays), n_steps


#: the file of user models (``TinyNet``, ``MyModel``) for ``--model-module``
MODEL_MODULE = Path(__file__).resolve().parent / "model_module.py"
