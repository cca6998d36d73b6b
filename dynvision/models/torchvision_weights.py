"""Load a torchvision ``state_dict`` saved on disk into a DynVision model
built from torchvision layers (``AlexNet``, ``ResNet18``).

Nothing is downloaded: pass a file you have (``torch.save(tv_model.state_dict(),
path)`` or a torchvision ``.pth``). Recurrent weights, connections and time
constants keep their initial values; a classifier of a different size
(``n_classes != 1000``) is reported as skipped.
"""
from __future__ import annotations

import os
from typing import Dict, List, Mapping, Optional, Union

import torch
from torch import nn

__all__ = ["load_torchvision_weights", "map_torchvision_keys"]


def map_torchvision_keys(key: str, key_map: Mapping[str, str]) -> Optional[str]:
    """The model's parameter name for a torchvision ``key`` (longest prefix wins)."""
    for prefix in sorted(key_map, key=len, reverse=True):
        if key.startswith(prefix):
            return key_map[prefix] + key[len(prefix):]
    return None


def _read_state_dict(source: Union[str, os.PathLike, Mapping[str, torch.Tensor]]) -> Dict[str, torch.Tensor]:
    from dynvision.loading.files import read_torch_file, state_dict_of

    # a file is read as tensors and plain data only; "module." prefixes (nn.DataParallel) are dropped
    if isinstance(source, Mapping):
        return state_dict_of(source, "the weights")
    return state_dict_of(read_torch_file(source), source)


def load_torchvision_weights(
    model: nn.Module,
    source: Union[str, os.PathLike, Mapping[str, torch.Tensor]],
    strict: bool = True,
) -> Dict[str, List[str]]:
    """Copy torchvision weights into ``model``'s stages.

    ``model`` declares ``torchvision_key_map`` (torchvision prefix -> its own
    prefix). With ``strict``, a torchvision key that maps to no parameter is
    an error. Returns ``{"loaded": [...], "skipped": [...], "unmatched": [...]}``
    (skipped: shape mismatches, e.g. a 1000-class classifier).
    """
    key_map = getattr(model, "torchvision_key_map", None)
    if not key_map:
        raise TypeError(f"{type(model).__name__} declares no torchvision_key_map; it is not built from torchvision layers")
    own = model.state_dict()
    mapped: Dict[str, torch.Tensor] = {}
    report: Dict[str, List[str]] = {"loaded": [], "skipped": [], "unmatched": []}
    for key, value in _read_state_dict(source).items():
        target = map_torchvision_keys(key, key_map)
        if target is None or target not in own:
            report["unmatched"].append(key)
        elif tuple(own[target].shape) != tuple(value.shape):
            report["skipped"].append(f"{key}: {tuple(value.shape)} != {target}: {tuple(own[target].shape)}")
        else:
            mapped[target] = value
            report["loaded"].append(key)
    if strict and report["unmatched"]:
        raise KeyError(
            f"{len(report['unmatched'])} torchvision key(s) match no parameter of {type(model).__name__}: "
            f"{report['unmatched'][:5]}; pass strict=False to ignore them"
        )
    if not mapped:
        raise ValueError(f"no torchvision weight fits {type(model).__name__}: is this the right architecture?")
    model.load_state_dict(mapped, strict=False)
    return report
