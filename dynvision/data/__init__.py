"""Datasets by name and the Lightning ``DataModule`` that serves them.

Built in: ``digits`` (offline default), ``imagefolder``, ``cifar10``,
``cifar100``, ``mnist``, ``imagenet``. Add one with :func:`register_dataset`.
"""
from .errors import DataError, DataNotFoundError
from .registry import DATASETS, DatasetSpec, Splits, dataset_names, get_dataset_spec, register_dataset
from .transforms import ToChannels, eval_transform, resolve_stats, train_transform
from .splits import TransformedSubset, stratified_split

# Built-in datasets register themselves on import.
from . import digits, folders, torchvision_sets  # noqa: E402,F401


def __getattr__(name: str):
    # The DataModule pulls in Lightning; import it only when asked for, so that
    # validating a config (which consults the dataset registry) stays light.
    if name in ("DataModule", "transform_for_inference"):
        from . import datamodule

        return getattr(datamodule, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "DATASETS",
    "DataError",
    "DataModule",
    "DataNotFoundError",
    "DatasetSpec",
    "Splits",
    "ToChannels",
    "TransformedSubset",
    "dataset_names",
    "eval_transform",
    "get_dataset_spec",
    "register_dataset",
    "resolve_stats",
    "stratified_split",
    "train_transform",
    "transform_for_inference",
]
