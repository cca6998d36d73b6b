"""The dataset registry: name -> :class:`DatasetSpec` (how to build the splits
and what the data looks like)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional, Sequence, Tuple

from torch.utils.data import Dataset

from dynvision.registry import Registry

Stats = Tuple[float, ...]
#: the config's ``data`` section (:class:`dynvision.config.DataSection`). Not imported: the config
#: checks dataset names against this registry, so the registry stays below the config.
DataSection = Any


@dataclass
class Splits:
    """The three splits of a dataset and its class names (index = label)."""

    train: Dataset
    val: Dataset
    test: Dataset
    classes: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class DatasetSpec:
    """A registered dataset.

    ``build(config, mean, std)`` returns :class:`Splits` whose items are
    ``(float tensor (C, H, W) normalized with mean/std, int label)``.
    ``mean``/``std`` are the per-channel defaults of the source images
    (one value for grayscale sources). ``layout`` describes the expected files
    and is quoted in error messages.
    """

    name: str
    build: Callable[[DataSection, Stats, Stats], Splits]
    mean: Stats
    std: Stats
    n_classes: Optional[int] = None
    needs_root: bool = True
    layout: str = ""
    augmentable: bool = True
    hflip: bool = True  # horizontal flips are label-preserving (not for digits)


DATASETS: Registry[DatasetSpec] = Registry("dataset")


def register_dataset(
    name: str,
    *,
    mean: Sequence[float],
    std: Sequence[float],
    n_classes: Optional[int] = None,
    needs_root: bool = True,
    layout: str = "",
    augmentable: bool = True,
    hflip: bool = True,
    overwrite: bool = False,
) -> Callable[[Callable[..., Splits]], Callable[..., Splits]]:
    """Decorator registering a split builder under ``name``.

    >>> @register_dataset("tiny", mean=[0.5], std=[0.25], needs_root=False)  # doctest: +SKIP
    ... def build_tiny(config, mean, std): ...
    """

    def decorator(build: Callable[..., Splits]) -> Callable[..., Splits]:
        spec = DatasetSpec(
            name=name, build=build, mean=tuple(mean), std=tuple(std), n_classes=n_classes,
            needs_root=needs_root, layout=layout, augmentable=augmentable, hflip=hflip,
        )
        DATASETS.add(name, spec, overwrite=overwrite)
        return build

    return decorator


def get_dataset_spec(name: str) -> DatasetSpec:
    """The spec registered as ``name`` (error lists the registered names)."""
    return DATASETS.get(name)


def dataset_names() -> List[str]:
    return DATASETS.names()
