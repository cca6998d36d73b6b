"""Torch devices named by users, checked against this machine before any work."""
from __future__ import annotations

#: trainer.accelerator values that need a torch device type to be present
_ACCELERATOR_DEVICE = {"cuda": "cuda", "gpu": "cuda", "mps": "mps"}


def check_device(name: str):
    """``name`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``, ...) as a ``torch.device``
    that exists here; a :class:`ValueError` saying what is missing otherwise."""
    import torch

    try:
        device = torch.device(name)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"{name!r} is not a torch device ({' '.join(str(error).split())}); "
                         "use e.g. cpu, cuda, cuda:1 or mps") from None
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "no CUDA support"
            raise ValueError(f"{name!r}: no CUDA device is available on this machine (torch {torch.__version__}, "
                             f"built with {build}); use cpu")
        if device.index is not None and device.index >= count:
            raise ValueError(f"{name!r}: this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"{name!r}: Apple's MPS backend is not available on this machine; use cpu")
    return device


def check_accelerator(accelerator: str) -> None:
    """A Lightning ``trainer.accelerator`` that needs CUDA or MPS, checked like :func:`check_device`."""
    device = _ACCELERATOR_DEVICE.get(str(accelerator))
    if device is not None:
        check_device(device)
