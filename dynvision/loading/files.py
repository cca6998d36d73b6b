"""Reading checkpoints and weights files without running code.

Every torch file DynVision reads goes through :func:`read_torch_file`:
``torch.load(weights_only=True)``, which rebuilds tensors and plain Python
data (dicts, lists, numbers, strings) and refuses any other pickled object --
in particular one whose ``__reduce__`` would call a function. Checkpoints of
``dynvision train`` hold nothing else (tested in tests/faults/), so nothing
needs to be allow-listed; a file that does is refused with one line naming
it and what it holds. There is no way around it: a file from elsewhere that
holds more is re-saved as a state dict by its owner, outside DynVision.
"""
from __future__ import annotations

import os
import pickle
import re
from pathlib import Path
from typing import Any, Dict, Mapping, Union

PathLike = Union[str, "os.PathLike[str]"]

#: keys under which ``dynvision train`` stores its records in every checkpoint
CONFIG_KEY = "dynvision_config"
MODEL_KEY = "dynvision_model"
#: file name endings taken for torch files when scanning folders
CHECKPOINT_SUFFIXES = (".ckpt", ".pt", ".pth")
#: what to do with a file that holds more than tensors and plain data
RESAVE_ADVICE = ("if you trust the file, re-save its tensors as a state dict in your own Python session and pass "
                 "that file with --weights")


class CheckpointRefused(ValueError):
    """A torch file that cannot be read as plain data (it would run code, or is not a torch file)."""


def _what_it_holds(error: BaseException) -> str:
    found = re.search(r"GLOBAL ([\w.]+)", str(error))
    return f"a pickled {found.group(1)}" if found else "pickled objects other than tensors and plain data"


def read_torch_file(path: PathLike, *, map_location: Any = "cpu") -> Any:
    """The contents of a torch file, read as tensors and plain data only.

    :raises FileNotFoundError: no such file.
    :raises CheckpointRefused: the file holds other objects (a pickle payload,
        a custom class) or is not a torch file; the message names the file.
    """
    import torch

    path = Path(os.fspath(path)).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointRefused(
            f"{path}: refused to load: it holds {_what_it_holds(error)}, which could run code; DynVision reads "
            f"only tensors and plain data; {RESAVE_ADVICE}") from None
    except (RuntimeError, EOFError, OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointRefused(f"{path}: not a readable PyTorch file ({first})") from None


def read_checkpoint(path: PathLike) -> Dict[str, Any]:
    """A checkpoint as a dict (see :func:`read_torch_file`)."""
    content = read_torch_file(path)
    if not isinstance(content, Mapping):
        raise CheckpointRefused(f"{path}: not a checkpoint (holds a {type(content).__name__}, not a dict)")
    return dict(content)


def is_dynvision_checkpoint(content: Mapping[str, Any]) -> bool:
    """Whether a checkpoint's contents were written by ``dynvision train``."""
    return isinstance(content.get(CONFIG_KEY), Mapping) and isinstance(content.get(MODEL_KEY), Mapping)


def state_dict_of(content: Any, path: PathLike) -> Dict[str, Any]:
    """The tensors of a weights file: a bare state dict, or the ``state_dict`` entry of a
    checkpoint; ``module.`` prefixes (``nn.DataParallel``) are dropped."""
    import torch

    state = content.get("state_dict", content) if isinstance(content, Mapping) else None
    if not isinstance(state, Mapping) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointRefused(f"{path}: not a weights file (expected a state dict: parameter name -> tensor)")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
