"""Deterministic stratified splits and split views with their own transform."""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np
from torch.utils.data import Dataset


def stratified_split(
    labels: Sequence[int], val_fraction: float, test_fraction: float, seed: int
) -> Tuple[List[int], List[int], List[int]]:
    """Split indices into train/val/test, class by class, with a seeded shuffle.

    Each class contributes ``round(n_class * fraction)`` items to val and to
    test, so every split keeps the class proportions; the result depends only
    on the labels, the fractions and the seed. Indices come back sorted.
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    train: List[int] = []
    val: List[int] = []
    test: List[int] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        rng.shuffle(members)
        n_val = int(round(len(members) * val_fraction))
        n_test = int(round(len(members) * test_fraction))
        n_val = min(n_val, len(members))
        n_test = min(n_test, len(members) - n_val)
        val.extend(members[:n_val].tolist())
        test.extend(members[n_val:n_val + n_test].tolist())
        train.extend(members[n_val + n_test:].tolist())
    return sorted(train), sorted(val), sorted(test)


def _as_list(targets: Any) -> Optional[List[int]]:
    if targets is None:
        return None
    if hasattr(targets, "tolist"):  # tensors / arrays (MNIST): one conversion, not 60k
        targets = targets.tolist()
    return [int(t) for t in targets]


class TransformedSubset(Dataset):
    """Items ``indices`` of ``base`` (which yields ``(PIL image, label)``), passed
    through ``transform``. Lets train and val share one on-disk dataset while
    using different transforms."""

    def __init__(self, base: Any, indices: Optional[Sequence[int]], transform: Optional[Callable] = None):
        self.base = base
        self.indices = list(range(len(base))) if indices is None else list(indices)
        self.transform = transform
        all_targets = _as_list(getattr(base, "targets", None))
        self.targets = [all_targets[i] for i in self.indices] if all_targets is not None else None

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        image, label = self.base[self.indices[i]]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(label)


def carve_splits(
    train_base: Any,
    val_base: Optional[Any],
    test_base: Optional[Any],
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    train_transform: Callable,
    eval_transform: Callable,
) -> Tuple[Dataset, Dataset, Dataset]:
    """Use the splits that exist on disk; carve the missing ones out of train
    (stratified, seeded), so that no image is in two splits."""
    labels = _as_list(train_base.targets)
    train_idx, val_idx, test_idx = stratified_split(
        labels,
        0.0 if val_base is not None else val_fraction,
        0.0 if test_base is not None else test_fraction,
        seed,
    )
    train = TransformedSubset(train_base, train_idx, train_transform)
    val = TransformedSubset(val_base, None, eval_transform) if val_base is not None else TransformedSubset(train_base, val_idx, eval_transform)
    test = TransformedSubset(test_base, None, eval_transform) if test_base is not None else TransformedSubset(train_base, test_idx, eval_transform)
    return train, val, test
