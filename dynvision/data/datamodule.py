"""The Lightning ``DataModule`` over any registered dataset."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Union

import pytorch_lightning as pl
from pydantic import ValidationError
from torch.utils.data import DataLoader, Dataset

from dynvision.config.errors import describe_validation_error
from dynvision.config.schema import DataSection

from .registry import DATASETS, Splits
from .transforms import eval_transform, resolve_stats


def _data_section(config: Union[DataSection, Mapping[str, Any], None]) -> DataSection:
    if isinstance(config, DataSection):
        return config
    raw = dict(config or {})
    try:
        return DataSection.model_validate(raw)
    except ValidationError as exc:
        raise describe_validation_error(exc, {"data": raw}, DataSection, default_source="<data config>", prefix=("data",)) from None


class DataModule(pl.LightningDataModule):
    """Train/val/test loaders for ``config.data``.

    ``mean``, ``std``, ``image_size`` and ``channels`` are known right after
    construction (no data is read until :meth:`setup`), so an inference
    pipeline can normalize images the same way without touching the dataset.
    """

    def __init__(self, config: Union[DataSection, Mapping[str, Any], None] = None):
        super().__init__()
        self.config = _data_section(config)
        self.spec = DATASETS.get(self.config.name)
        self.mean, self.std = resolve_stats(self.spec, self.config)
        self.image_size = self.config.image_size
        self.channels = self.config.channels
        self._splits: Optional[Splits] = None

    # -- data -----------------------------------------------------------------------
    def prepare_data(self) -> None:
        """Nothing to download: every dataset is read from disk or bundled."""

    def setup(self, stage: Optional[str] = None) -> None:
        """Build all three splits once (the split is the same for every stage)."""
        if self._splits is None:
            self._splits = self.spec.build(self.config, self.mean, self.std)

    @property
    def splits(self) -> Splits:
        self.setup()
        return self._splits

    @property
    def train_dataset(self) -> Dataset:
        return self.splits.train

    @property
    def val_dataset(self) -> Dataset:
        return self.splits.val

    @property
    def test_dataset(self) -> Dataset:
        return self.splits.test

    @property
    def classes(self) -> List[str]:
        return self.splits.classes

    @property
    def n_classes(self) -> int:
        """From the registry when fixed (no data read), else from the class folders."""
        return self.spec.n_classes if self.spec.n_classes is not None else len(self.classes)

    def split_sizes(self) -> Dict[str, int]:
        return {name: len(getattr(self.splits, name)) for name in ("train", "val", "test")}

    # -- loaders --------------------------------------------------------------------
    def _loader(self, dataset: Dataset, train: bool) -> DataLoader:
        cfg = self.config
        return DataLoader(
            dataset,
            batch_size=cfg.batch_size if train else (cfg.eval_batch_size or cfg.batch_size),
            shuffle=cfg.shuffle and train,
            drop_last=cfg.drop_last and train,
            num_workers=cfg.num_workers,
            pin_memory=cfg.pin_memory,
            persistent_workers=cfg.num_workers > 0,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_dataset, train=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_dataset, train=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader(self.test_dataset, train=False)

    def predict_dataloader(self) -> DataLoader:
        return self._loader(self.test_dataset, train=False)

    # -- inference ------------------------------------------------------------------
    def transform_for_inference(self):
        """PIL image -> normalized tensor ``(channels, image_size, image_size)``,
        identical to the transform of the val/test splits."""
        return eval_transform(self.image_size, self.channels, self.mean, self.std)


def transform_for_inference(config: Union[DataSection, Mapping[str, Any], None] = None):
    """Module-level shortcut: the inference transform for a data config."""
    return DataModule(config).transform_for_inference()
