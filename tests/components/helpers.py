"""Small models shared by the component tests."""
from __future__ import annotations

from torch import nn

from dynvision.model_components import Feedback, LightningBase, RecurrentConnectedConv2d, Skip


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
