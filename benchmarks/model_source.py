"""What to score: the one model loader (:func:`dynvision.loading.load_model`), with the sources it
refuses reported as :class:`~benchmarks.errors.ScoringError`."""
from __future__ import annotations

from typing import Any, Union

from dynvision.loading import LoadedModel, ModelSource, ModelSourceError
from dynvision.loading import load_model as load_source

from .errors import ScoringError

__all__ = ["LoadedModel", "ModelSource", "load_model"]


def load_model(spec: Union[ModelSource, str, Any]) -> LoadedModel:
    """The model of ``spec`` (a :class:`ModelSource`, a registered name, a checkpoint path or an
    ``nn.Module``) with its identifier, hashes, weights source and normalisation."""
    try:
        return load_source(spec)
    except ModelSourceError as error:
        raise ScoringError(str(error)) from None
