"""A DynVision model, loaded by the one loader (:mod:`dynvision.loading`), as a Brain-Score model."""
from __future__ import annotations

import os
from typing import Any, Optional, Union

PathLike = Union[str, "os.PathLike[str]"]


def from_checkpoint(path: PathLike, model_module: Optional[PathLike] = None,
                    **adapter_kwargs: Any):
    """A :class:`~brain_models.DynVisionBrainModel` for the model in the ``dynvision train``
    checkpoint ``path`` (read as plain data; the class must be installed or in ``model_module``).

    ``adapter_kwargs`` go to the adapter (``identifier``, ``region_layer_map``,
    ``t_presentation``, ...); mean/std default to the model's normalisation
    (its declared ``image_mean``/``image_std``, else its training data's), and the
    identifier to the loader's (config and weights hashes).
    """
    from dynvision.loading import ModelSource, load_model

    from .adapter import DynVisionBrainModel

    loaded = load_model(ModelSource(os.fspath(path), model_module=model_module))
    adapter_kwargs.setdefault("identifier", loaded.identifier)
    adapter_kwargs.setdefault("mean", loaded.mean)
    adapter_kwargs.setdefault("std", loaded.std)
    return DynVisionBrainModel(loaded.model, **adapter_kwargs)
