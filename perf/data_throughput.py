"""Images/s of the folder data set against plain torchvision.

Generates a class-per-folder JPEG tree (``train/`` and ``val/``, 10 classes,
default 400 training images of 256x192 px, smooth random content), then reads
one training epoch per repeat through

- ``dynvision``: ``DataModule`` with ``data.name=imagefolder`` (resize to
  ``--size``, normalize with the ImageNet statistics), its own training loader;
- ``torchvision``: ``ImageFolder`` (the same training images: a ``Subset`` with dynvision's
  training indices) with the same resize/normalize transform and a
  ``DataLoader`` with the same batch size, shuffling, workers and persistent workers.

Both yield identical tensors for the same file (checked first). Repeats are
interleaved; medians are printed with the ratio dynvision / torchvision in
images/s (target >= 1.0).

    python perf/data_throughput.py [--workers 0 2] [--images 400] [--size 64] [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch


def make_tree(root: Path, n_train: int, n_classes: int = 10, width: int = 256, height: int = 192) -> None:
    """JPEGs under root/{train,val}/<class>/: smooth color fields (realistic JPEG sizes)."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("val", max(n_classes, n_train // 10))):
        for i in range(n):
            folder = root / split / f"class{i % n_classes:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            coarse = rng.integers(0, 256, size=(height // 16, width // 16, 3), dtype=np.uint8)
            image = Image.fromarray(coarse).resize((width, height), Image.BICUBIC)
            image.save(folder / f"{i:05d}.jpg", quality=90)


def loaders(root: Path, size: int, batch: int, workers: int):
    from torch.utils.data import DataLoader, Subset
    from torchvision import transforms as T
    from torchvision.datasets import ImageFolder

    from dynvision.data import DataModule
    from dynvision.data.folders import IMAGENET_MEAN, IMAGENET_STD

    module = DataModule({"name": "imagefolder", "root": str(root), "image_size": size, "batch_size": batch,
                         "num_workers": workers, "val_fraction": 0.0, "test_fraction": 0.1})
    module.setup()
    transform = T.Compose([
        T.Resize((size, size), interpolation=T.InterpolationMode.BILINEAR),
        T.ToTensor(),
        T.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])
    # the same images: dynvision's train split is the train folder minus the carved test part
    plain = Subset(ImageFolder(str(root / "train"), transform=transform), module.train_dataset.indices)
    plain_loader = DataLoader(plain, batch_size=batch, shuffle=True, num_workers=workers,
                              persistent_workers=workers > 0)
    return module, module.train_dataloader(), plain, plain_loader


def epoch(loader) -> int:
    n = 0
    for images, labels in loader:
        n += len(labels)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="dv_data_perf_") as tmp:
        root = Path(tmp)
        make_tree(root, args.images)
        for workers in args.workers:
            module, ours, plain, theirs = loaders(root, args.size, args.batch, workers)
            train = module.train_dataset
            mine, label = train[0]
            reference, reference_label = plain[0]
            assert label == reference_label and torch.equal(mine, reference), "pipelines disagree"
            rates: Dict[str, List[float]] = {"dynvision": [], "torchvision": []}
            epoch(ours), epoch(theirs)  # warm-up (starts persistent workers, fills page cache)
            for _ in range(args.repeats):
                for name, loader in (("dynvision", ours), ("torchvision", theirs)):
                    start = time.perf_counter()
                    n = epoch(loader)
                    rates[name].append(n / (time.perf_counter() - start))
            ours_rate = statistics.median(rates["dynvision"])
            their_rate = statistics.median(rates["torchvision"])
            print(f"workers={workers} batch={args.batch} size={args.size} images/epoch: dynvision {len(train)}, "
                  f"torchvision {len(plain)}; images/s (median of {args.repeats}): dynvision {ours_rate:7.1f}  "
                  f"torchvision {their_rate:7.1f}  ratio {ours_rate / their_rate:.3f}")
            del ours, theirs


if __name__ == "__main__":
    main()
