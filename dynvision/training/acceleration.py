"""Model-side speed options of the ``trainer`` config section: ``channels_last``
memory layout and ``torch.compile``. (Precision, devices, strategy and nodes
are ``Trainer`` arguments and go to Lightning unchanged.)"""
from __future__ import annotations

import torch
from torch import nn

from dynvision.config.schema import TrainerSection


def apply_model_options(model: nn.Module, trainer: TrainerSection) -> nn.Module:
    """Convert ``model`` in place as ``trainer.channels_last`` / ``trainer.compile`` ask.

    ``compile`` uses ``nn.Module.compile``: the module keeps its class (still a
    ``LightningModule``) and its parameter names, so checkpoints stay loadable
    without compiling. Returns ``model``.
    """
    if trainer.channels_last:
        # 4-D weights in NHWC: convolutions then produce (and keep) channels-last activations
        model.to(memory_format=torch.channels_last)
    if trainer.compile:
        mode = "default" if trainer.compile is True else trainer.compile
        model.compile(mode=mode)
    return model
