"""``imagefolder`` and ``imagenet``: class-per-folder image trees on disk."""
from __future__ import annotations

from pathlib import Path
from typing import Dict

from .errors import DataError, DataNotFoundError
from .registry import Splits, register_dataset
from .splits import carve_splits
from .transforms import transforms_for

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

FOLDER_LAYOUT = (
    "expected <root>/train/<class>/<image>.jpg (optionally <root>/val/<class>/... and "
    "<root>/test/<class>/...), or a single tree <root>/<class>/<image>.jpg that is split by "
    "data.val_fraction and data.test_fraction"
)
IMAGENET_LAYOUT = (
    "expected <root>/train/<wnid>/<image>.JPEG and <root>/val/<wnid>/<image>.JPEG "
    "(the layout torchvision.datasets.ImageNet uses), optionally with <root>/meta.bin for class names"
)
SPLITS = ("train", "val", "test")


def _root(config, layout: str) -> Path:
    root = Path(config.root).expanduser()
    if not root.exists():
        raise DataNotFoundError(f"data root {str(root)!r} does not exist; {layout}")
    if not root.is_dir():
        raise DataNotFoundError(f"data root {str(root)!r} is not a directory; {layout}")
    return root


def load_image(path: str):
    """torchvision's PIL loader (RGB), but an unreadable or truncated file is a
    :class:`DataError` naming it, not PIL's bare "image file is truncated"."""
    from PIL import Image

    try:
        with open(path, "rb") as handle:
            image = Image.open(handle)
            image.load()  # decoded while the file is open
        # an RGB file (most JPEGs) is used as decoded: no second full-size copy
        return image if image.mode == "RGB" else image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise DataError(f"image {path} cannot be read ({type(error).__name__}: {error}); "
                        "replace or delete the file") from None


def _image_folder(path: Path, layout: str):
    from torchvision.datasets import ImageFolder

    try:
        # no transform: TransformedSubset applies one per split
        return ImageFolder(str(path), loader=load_image)
    except FileNotFoundError as exc:
        raise DataNotFoundError(f"no usable images under {str(path)!r} ({exc}); {layout}") from None


def _check_classes(trees: Dict[str, object], layout: str) -> None:
    reference = trees["train"].classes
    for split, tree in trees.items():
        if tree.classes != reference:
            missing = sorted(set(reference) - set(tree.classes))
            extra = sorted(set(tree.classes) - set(reference))
            raise DataError(
                f"class folders of {tree.root!r} differ from {trees['train'].root!r} "
                f"(missing: {missing}, extra: {extra}); every split needs the same class folders; {layout}"
            )


def _splits_from_trees(config, mean, std, trees: Dict[str, object], layout: str, spec_name: str) -> Splits:
    from .registry import DATASETS

    _check_classes(trees, layout)
    train_tf, eval_tf = transforms_for(DATASETS.get(spec_name), config, mean, std)
    train, val, test = carve_splits(
        trees["train"], trees.get("val"), trees.get("test"),
        val_fraction=config.val_fraction, test_fraction=config.test_fraction, seed=config.split_seed,
        train_transform=train_tf, eval_transform=eval_tf,
    )
    return Splits(train, val, test, classes=list(trees["train"].classes))


@register_dataset("imagefolder", mean=IMAGENET_MEAN, std=IMAGENET_STD, layout=FOLDER_LAYOUT)
def build_imagefolder(config, mean, std) -> Splits:
    """Split folders present on disk are used as they are; missing val/test
    splits are carved out of train (stratified, seeded)."""
    root = _root(config, FOLDER_LAYOUT)
    if (root / "train").is_dir():
        trees = {s: _image_folder(root / s, FOLDER_LAYOUT) for s in SPLITS if (root / s).is_dir()}
    elif any((root / s).is_dir() for s in ("val", "test")):
        raise DataNotFoundError(f"{str(root / 'train')!r} is missing but val/test folders exist; {FOLDER_LAYOUT}")
    else:
        trees = {"train": _image_folder(root, FOLDER_LAYOUT)}
    return _splits_from_trees(config, mean, std, trees, FOLDER_LAYOUT, "imagefolder")


@register_dataset("imagenet", mean=IMAGENET_MEAN, std=IMAGENET_STD, n_classes=1000, layout=IMAGENET_LAYOUT)
def build_imagenet(config, mean, std) -> Splits:
    """ILSVRC-2012 on disk: its ``val`` folder is the val split; test is carved
    out of train. Never downloads or extracts archives."""
    root = _root(config, IMAGENET_LAYOUT)
    for split in ("train", "val"):
        if not (root / split).is_dir():
            raise DataNotFoundError(f"{str(root / split)!r} does not exist; {IMAGENET_LAYOUT}")
    trees = {s: _imagenet_split(root, s) for s in ("train", "val")}
    return _splits_from_trees(config, mean, std, trees, IMAGENET_LAYOUT, "imagenet")


def _imagenet_split(root: Path, split: str):
    # torchvision's ImageNet only adds readable class names from meta.bin; use it
    # when that file exists (it would otherwise try to unpack the devkit archive).
    if (root / "meta.bin").is_file():
        from torchvision.datasets import ImageNet

        try:
            return ImageNet(str(root), split=split, loader=load_image)
        except (RuntimeError, FileNotFoundError) as exc:
            raise DataError(f"cannot read ImageNet {split!r} split under {str(root)!r}: {exc}; {IMAGENET_LAYOUT}") from None
    return _image_folder(root / split, IMAGENET_LAYOUT)
