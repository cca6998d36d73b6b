"""AlexNet (Krizhevsky et al. 2012) with temporal dynamics in every stage.

torchvision's ``alexnet`` layers (built with ``weights=None``), one
recurrent area per stage::

    image → V1 → V2 → V4 ─────────→ IT → readout
            │    │    │              │
            conv1 conv2 conv3+conv4  conv5       (torchvision features 0, 3, 6+8, 10)
            pool  pool               pool

Each area integrates ``tau dx/dt = -x + conv(r_below(t - t_feedforward)) +
W_rec r(t - t_recurrence)``, ``r = relu(x)``, then max-pools like
torchvision. The readout is global-average-pool + linear
(``classifier="linear"``) or torchvision's own 6x6-pool + 3-layer MLP
(``classifier="torchvision"``). Pretrained torchvision weights on disk load
with :func:`dynvision.models.load_torchvision_weights`.

Small inputs: a max-pool whose window is larger than its input map is left
out (at 224x224 all pools are kept, exactly as in torchvision).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import torch
from torch import nn

from ..model_components import LightningBase, RecurrentConnectedConv2d
from .registry import register_model

__all__ = ["AlexNet"]


@register_model
class AlexNet(LightningBase):
    """torchvision AlexNet, one recurrent area per stage (V1, V2, V4, IT)."""

    region_layer_map = {"V1": "V1", "V2": "V2", "V4": "V4", "IT": "IT"}
    #: torchvision state_dict prefix -> this model's prefix
    torchvision_key_map: Dict[str, str] = {
        "features.0.": "V1.conv.",
        "features.3.": "V2.conv.",
        "features.6.": "V4.conv.0.",
        "features.8.": "V4.conv.2.",
        "features.10.": "IT.conv.",
        "classifier.": "classifier.mlp.",
    }

    def __init__(
        self,
        recurrence_type: str = "full",
        classifier: str = "linear",
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
        if classifier not in ("linear", "torchvision"):
            raise ValueError(f"AlexNet: classifier={classifier!r}; use 'linear' or 'torchvision'")
        self.recurrence_type, self.classifier_type = recurrence_type, classifier

    def _define_architecture(self) -> None:
        tv = _torchvision_alexnet(self.n_classes, head=self.classifier_type == "torchvision")
        f = tv.features
        if self.n_channels != 3:  # e.g. grey-scale images: a fresh first convolution
            f[0] = nn.Conv2d(self.n_channels, 64, kernel_size=11, stride=4, padding=2)
        conv3_conv4 = nn.Sequential(f[6], nn.ReLU(), f[8])
        stages = [(f[0], f[2]), (f[3], f[5]), (conv3_conv4, None), (f[10], f[12])]
        pool_v1, pool_v2, _, pool_it = fitting_pools(stages, (self.n_channels, self.image_height, self.image_width))

        self.V1 = self._area(f[0], self.n_channels, 64, pool_v1)
        self.V2 = self._area(f[3], 64, 192, pool_v2)
        self.V4 = self._area(conv3_conv4, 192, 256)
        self.IT = self._area(f[10], 256, 256, pool_it)
        if self.classifier_type == "torchvision":
            self.classifier = nn.Sequential(OrderedDict(avgpool=tv.avgpool, flatten=nn.Flatten(1), mlp=tv.classifier))

    def _area(self, conv: nn.Module, c_in: int, c_out: int, pool: Optional[nn.Module] = None):
        return RecurrentConnectedConv2d(c_in, c_out, feedforward=conv, pool=pool, recurrence_type=self.recurrence_type)


def _torchvision_alexnet(n_classes: int, head: bool) -> nn.Module:
    """torchvision's AlexNet (``weights=None``); without ``head`` its large
    MLP is only laid out on the meta device, never allocated."""
    from torchvision.models import alexnet

    if head:
        return alexnet(weights=None, num_classes=n_classes)
    with torch.device("meta"):
        net = alexnet(weights=None, num_classes=n_classes)
    net.features = net.features.to_empty(device="cpu")
    for module in net.features.modules():
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()  # torchvision's AlexNet uses the default init
    return net


@torch.no_grad()
def fitting_pools(
    stages: Sequence[Tuple[nn.Module, Optional[nn.Module]]], input_shape: Tuple[int, int, int]
) -> List[Optional[nn.Module]]:
    """Each stage's pool, or ``None`` where the stage's output map is smaller
    than the pool's window (tiny inputs)."""
    h = torch.zeros((1,) + tuple(input_shape))
    pools: List[Optional[nn.Module]] = []
    for conv, pool in stages:
        h = conv(h)
        if pool is not None and min(h.shape[-2:]) + 2 * _int(pool.padding) >= _int(pool.kernel_size):
            h = pool(h)
            pools.append(pool)
        else:
            pools.append(None)
    return pools


def _int(value: Union[int, Sequence[int]]) -> int:
    return value if isinstance(value, int) else min(value)
