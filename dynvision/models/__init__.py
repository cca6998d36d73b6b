"""The model zoo: one file per family, every model registered by name.

>>> from dynvision.models import get_model
>>> model = get_model("DyRCNNx4")(input_dims=(20, 3, 32, 32), n_classes=10)

Add your own: write ``dynvision/models/my_model.py`` and import it below (or
decorate it with ``@register_model``, or pass ``--model-module my_model.py``,
or advertise it in the ``dynvision.models`` entry-point group).
"""
from .registry import (
    ENTRY_POINT_GROUP, get_model, list_models, load_model_module, model_info, models, register_model,
    unregister_model,
)
from .static import is_static, static_model
from .torchvision_weights import load_torchvision_weights
from .dyrcnn import DyRCNNx2, DyRCNNx4, DyRCNNx8
from .cornet import CorNetRT
from .cordsnet import CordsNet
from .alexnet import AlexNet
from .resnet import ResNet18

__all__ = [
    "AlexNet", "CorNetRT", "CordsNet", "DyRCNNx2", "DyRCNNx4", "DyRCNNx8", "ResNet18",
    "ENTRY_POINT_GROUP", "get_model", "list_models", "load_model_module", "load_torchvision_weights",
    "is_static", "model_info", "models", "register_model", "static_model", "unregister_model",
]
