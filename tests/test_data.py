"""Datasets and the DataModule: digits splits, ImageFolder trees, clear errors."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch

from dynvision.config import ConfigError
from dynvision.data import (
    DATASETS,
    DataError,
    DataModule,
    DataNotFoundError,
    Splits,
    register_dataset,
    stratified_split,
)


def digits(**kwargs) -> DataModule:
    return DataModule({"name": "digits", "image_size": 16, **kwargs})


# -- registry ------------------------------------------------------------------------

def test_builtin_datasets_are_registered():
    assert {"digits", "imagefolder", "cifar10", "cifar100", "mnist", "imagenet"} <= set(DATASETS.names())


def test_user_registered_dataset_is_usable():
    @register_dataset("unit-test-noise", mean=[0.0], std=[1.0], n_classes=2, needs_root=False, overwrite=True)
    def build(config, mean, std):
        data = torch.utils.data.TensorDataset(torch.zeros(4, config.channels, 8, 8), torch.tensor([0, 1, 0, 1]))
        return Splits(data, data, data, classes=["a", "b"])

    dm = DataModule({"name": "unit-test-noise"})
    assert dm.n_classes == 2 and len(dm.train_dataset) == 4


# -- digits --------------------------------------------------------------------------

def test_digits_split_sizes_and_disjointness():
    dm = digits()
    sizes = dm.split_sizes()
    assert sum(sizes.values()) == 1797
    assert sizes["val"] == pytest.approx(0.15 * 1797, abs=10)
    assert sizes["test"] == pytest.approx(0.15 * 1797, abs=10)
    seen = [set(split.indices) for split in (dm.train_dataset, dm.val_dataset, dm.test_dataset)]
    assert set.union(*seen) == set(range(1797))
    assert sum(len(s) for s in seen) == 1797  # no image in two splits


def test_digits_splits_are_stratified():
    dm = digits()
    for split in (dm.train_dataset, dm.val_dataset, dm.test_dataset):
        counts = Counter(split.targets)
        assert sorted(counts) == list(range(10))
        share = np.array([counts[c] for c in range(10)]) / len(split)
        assert np.all(np.abs(share - 0.1) < 0.02)


def test_digits_split_is_deterministic_and_seeded():
    a, b = digits(), digits()
    assert torch.equal(a.val_dataset.images, b.val_dataset.images)
    assert a.val_dataset.targets == b.val_dataset.targets
    c = digits(split_seed=1)
    assert not torch.equal(a.val_dataset.images, c.val_dataset.images)


def test_digits_items_shape_dtype_and_range():
    dm = digits(channels=3)
    image, label = dm.train_dataset[0]
    assert image.shape == (3, 16, 16) and image.dtype == torch.float32 and isinstance(label, int)
    assert torch.equal(image[0], image[2])  # gray replicated
    batch = torch.stack([dm.train_dataset[i][0] for i in range(200)])
    low, high = (0 - 0.305) / 0.324, (1 - 0.305) / 0.324
    assert batch.min() >= low - 1e-5 and batch.max() <= high + 1e-5
    assert abs(batch.mean().item()) < 0.3 and 0.7 < batch.std().item() < 1.3  # roughly standardized


def test_digits_single_channel_and_loaders():
    dm = digits(channels=1, batch_size=32, eval_batch_size=100)
    images, labels = next(iter(dm.train_dataloader()))
    assert images.shape == (32, 1, 16, 16) and labels.dtype == torch.long
    assert next(iter(dm.val_dataloader()))[0].shape[0] == 100
    assert dm.n_classes == 10 and dm.classes == [str(i) for i in range(10)]


def test_stratified_split_is_exhaustive_and_disjoint():
    labels = [0] * 10 + [1] * 30
    train, val, test = stratified_split(labels, 0.2, 0.1, seed=3)
    assert sorted(train + val + test) == list(range(40))
    assert Counter(labels[i] for i in val) == {0: 2, 1: 6}
    assert stratified_split(labels, 0.2, 0.1, seed=3) == (train, val, test)


def test_inference_transform_matches_eval_images():
    from PIL import Image

    dm = digits(image_size=32)
    tf = dm.transform_for_inference()
    assert dm.mean == (0.305,) * 3 and dm.std == (0.324,) * 3
    # A digit rendered as an 8-bit image goes through the same normalization.
    from sklearn.datasets import load_digits

    pixels = (load_digits().images[0] / 16 * 255).round().astype(np.uint8)
    out = tf(Image.fromarray(pixels))
    assert out.shape == (3, 32, 32)
    assert out.min().item() == pytest.approx((0 - 0.305) / 0.324, abs=1e-4)


def test_invalid_data_config_names_key():
    with pytest.raises(ConfigError, match="data.batch_size"):
        DataModule({"batch_size": 0})
    with pytest.raises(ConfigError, match="data.augment"):
        DataModule({"name": "digits", "augment": True})


# -- imagefolder ---------------------------------------------------------------------

def make_tree(root: Path, splits=("train", "val"), classes=("cat", "dog"), n=6, size=12) -> Path:
    from PIL import Image

    rng = np.random.default_rng(0)
    for split in splits:
        for c in classes:
            folder = root / split / c if split else root / c
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def test_imagefolder_train_val_tree(tmp_path):
    root = make_tree(tmp_path / "tree", splits=("train", "val"))
    dm = DataModule({"name": "imagefolder", "root": str(root), "image_size": 8, "test_fraction": 0.5})
    assert dm.classes == ["cat", "dog"] and dm.n_classes == 2
    sizes = dm.split_sizes()
    assert sizes == {"train": 6, "val": 12, "test": 6}  # test carved from train, val from disk
    image, label = dm.test_dataset[0]
    assert image.shape == (3, 8, 8) and label in (0, 1)
    images, labels = next(iter(dm.train_dataloader()))
    assert images.shape == (6, 3, 8, 8)


def test_imagefolder_single_tree_split_by_fraction(tmp_path):
    root = make_tree(tmp_path / "flat", splits=("",), n=10)
    dm = DataModule({"name": "imagefolder", "root": str(root), "image_size": 8, "channels": 1,
                     "val_fraction": 0.2, "test_fraction": 0.2})
    assert dm.split_sizes() == {"train": 12, "val": 4, "test": 4}
    assert Counter(dm.val_dataset.targets) == {0: 2, 1: 2}
    assert dm.val_dataset[0][0].shape == (1, 8, 8)
    again = DataModule(dm.config)
    assert again.val_dataset.indices == dm.val_dataset.indices


def test_imagefolder_all_three_splits_and_augment(tmp_path):
    root = make_tree(tmp_path / "full", splits=("train", "val", "test"), n=3)
    dm = DataModule({"name": "imagefolder", "root": str(root), "image_size": 8, "augment": True})
    assert dm.split_sizes() == {"train": 6, "val": 6, "test": 6}
    assert dm.train_dataset[0][0].shape == (3, 8, 8)


def test_imagefolder_missing_root_names_path_and_layout(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DataNotFoundError) as info:
        DataModule({"name": "imagefolder", "root": str(missing)}).setup()
    assert str(missing) in str(info.value) and "<root>/train/<class>/<image>.jpg" in str(info.value)


def test_imagefolder_empty_class_folders(tmp_path):
    (tmp_path / "empty" / "train" / "cat").mkdir(parents=True)
    with pytest.raises(DataNotFoundError) as info:
        DataModule({"name": "imagefolder", "root": str(tmp_path / "empty")}).setup()
    assert str(tmp_path / "empty" / "train") in str(info.value)


def test_imagefolder_mismatched_classes(tmp_path):
    root = make_tree(tmp_path / "mixed", splits=("train",), classes=("cat", "dog"), n=2)
    make_tree(root, splits=("val",), classes=("cat", "cow"), n=2)
    with pytest.raises(DataError, match="differ"):
        DataModule({"name": "imagefolder", "root": str(root)}).setup()


def test_val_without_train_is_an_error(tmp_path):
    make_tree(tmp_path / "odd", splits=("val",), n=2)
    with pytest.raises(DataNotFoundError, match="train"):
        DataModule({"name": "imagefolder", "root": str(tmp_path / "odd")}).setup()


# -- torchvision datasets: never download, clear errors -------------------------------

@pytest.mark.parametrize("name, expected", [
    ("cifar10", "cifar-10-batches-py"),
    ("cifar100", "cifar-100-python"),
    ("mnist", "MNIST/raw"),
    ("imagenet", "<root>/train/<wnid>"),
])
def test_torchvision_dataset_missing_files(tmp_path, name, expected):
    (tmp_path / "data").mkdir()
    with pytest.raises(DataNotFoundError) as info:
        DataModule({"name": name, "root": str(tmp_path / "data")}).setup()
    assert str(tmp_path / "data") in str(info.value) and expected in str(info.value)
    assert list((tmp_path / "data").iterdir()) == []  # nothing downloaded or extracted


def test_mnist_stats_follow_channels():
    dm = DataModule({"name": "mnist", "root": "/does/not/matter", "channels": 3})
    assert dm.mean == (0.1307,) * 3
    gray = DataModule({"name": "cifar10", "root": "/x", "channels": 1})
    assert len(gray.mean) == 1
