"""What identifies a model's weights: one hash, used by the loader, the results and the
Brain-Score plugins (this module imports nothing of DynVision: plugins carry it)."""
from __future__ import annotations

import hashlib
from typing import Any


def weights_hash(model: Any, length: int = 12) -> str:
    """sha256 over the model's parameters and buffers (names, shapes, bytes), non-persistent
    buffers (a fixed ``tau``) included: a module scored without a config is still told apart."""
    import torch

    tensors = dict(model.state_dict())
    tensors.update({name: buffer for name, buffer in model.named_buffers() if name not in tensors})
    digest = hashlib.sha256()
    for name, tensor in sorted(tensors.items()):
        digest.update(name.encode())
        t = tensor.detach().cpu().contiguous()
        digest.update(str(tuple(t.shape)).encode() + str(t.dtype).encode())
        digest.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return digest.hexdigest()[:length]
