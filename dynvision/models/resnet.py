"""ResNet-18 (He et al. 2016) with temporal dynamics in every stage.

torchvision's ``resnet18`` layers (built with ``weights=None``), one
recurrent area per stage::

    image → V1 ──────────────────────────→ V2 ──────→ V4 ──────→ IT ──────→ avgpool + linear
            conv1 → bn1 → relu → maxpool    layer2     layer3     layer4
            → layer1                        (2 BasicBlocks each, stride 2)

Each area integrates ``tau dx/dt = -x + stage(r_below(t - t_feedforward)) +
W_rec r(t - t_recurrence)``, ``r = relu(x)``. Pretrained torchvision weights
on disk load with :func:`dynvision.models.load_torchvision_weights`.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, Sequence

from torch import nn

from ..model_components import LightningBase, RecurrentConnectedConv2d
from .registry import register_model

__all__ = ["ResNet18"]


@register_model
class ResNet18(LightningBase):
    """torchvision ResNet-18, one recurrent area per stage (V1, V2, V4, IT)."""

    region_layer_map = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}
    #: torchvision state_dict prefix -> this model's prefix
    torchvision_key_map: Dict[str, str] = {
        "conv1.": "V1.conv.conv1.",
        "bn1.": "V1.conv.bn1.",
        "layer1.": "V1.conv.layer1.",
        "layer2.": "V2.conv.",
        "layer3.": "V4.conv.",
        "layer4.": "IT.conv.",
        "fc.": "classifier.2.",
    }

    def __init__(
        self,
        recurrence_type: str = "full",
        input_dims: Sequence[int] = (30, 3, 224, 224),
        dt: float = 2.0,
        tau: float = 8.0,
        t_feedforward: float = 10.0,
        t_recurrence: float = 6.0,
        **kwargs: Any,
    ):
        super().__init__(
            input_dims=input_dims, dt=dt, tau=tau, t_feedforward=t_feedforward,
            t_recurrence=t_recurrence, **kwargs,
        )
        self.recurrence_type = recurrence_type

    def _define_architecture(self) -> None:
        from torchvision.models import resnet18

        tv = resnet18(weights=None, num_classes=self.n_classes)
        if self.n_channels != 3:  # e.g. grey-scale images: a fresh first convolution
            tv.conv1 = nn.Conv2d(self.n_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
            nn.init.kaiming_normal_(tv.conv1.weight, mode="fan_out", nonlinearity="relu")
        stem_and_layer1 = nn.Sequential(OrderedDict(
            conv1=tv.conv1, bn1=tv.bn1, relu=tv.relu, maxpool=tv.maxpool, layer1=tv.layer1,
        ))
        self.V1 = self._area(stem_and_layer1, self.n_channels, 64)
        self.V2 = self._area(tv.layer2, 64, 128)
        self.V4 = self._area(tv.layer3, 128, 256)
        self.IT = self._area(tv.layer4, 256, 512)

    def _area(self, stage: nn.Module, c_in: int, c_out: int) -> RecurrentConnectedConv2d:
        return RecurrentConnectedConv2d(c_in, c_out, feedforward=stage, recurrence_type=self.recurrence_type)
