"""``cifar10``, ``cifar100``, ``mnist``: torchvision datasets read from disk
(``download=False`` always; nothing is fetched at run time)."""
from __future__ import annotations

from pathlib import Path

from .errors import DataNotFoundError
from .registry import Splits, register_dataset
from .splits import carve_splits
from .transforms import transforms_for

CIFAR10_LAYOUT = "expected <root>/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta} (the python version from https://www.cs.toronto.edu/~kriz/cifar.html)"
CIFAR100_LAYOUT = "expected <root>/cifar-100-python/{train, test, meta} (the python version from https://www.cs.toronto.edu/~kriz/cifar.html)"
MNIST_LAYOUT = "expected <root>/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte (as torchvision.datasets.MNIST stores them)"


def _load(dataset_cls, config, inner: str, layout: str, name: str):
    """Official train and test sets; ``root`` may also point at the inner folder."""
    root = Path(config.root).expanduser()
    if root.name == inner:  # user pointed at .../cifar-10-batches-py itself
        root = root.parent
    if not root.is_dir():
        raise DataNotFoundError(f"{name}: data root {str(root)!r} does not exist; {layout}")
    try:
        return (
            dataset_cls(str(root), train=True, download=False),
            dataset_cls(str(root), train=False, download=False),
        )
    except RuntimeError as exc:  # torchvision: "Dataset not found or corrupted..."
        raise DataNotFoundError(f"{name}: no usable data under {str(root)!r} ({exc}); {layout}") from None


def _splits(spec_name: str, config, mean, std, train_base, test_base) -> Splits:
    from .registry import DATASETS

    train_tf, eval_tf = transforms_for(DATASETS.get(spec_name), config, mean, std)
    # The official test set is the test split; val is carved out of train.
    train, val, test = carve_splits(
        train_base, None, test_base,
        val_fraction=config.val_fraction, test_fraction=0.0, seed=config.split_seed,
        train_transform=train_tf, eval_transform=eval_tf,
    )
    return Splits(train, val, test, classes=list(train_base.classes))


@register_dataset("cifar10", mean=(0.4914, 0.4822, 0.4465), std=(0.2470, 0.2435, 0.2616), n_classes=10, layout=CIFAR10_LAYOUT)
def build_cifar10(config, mean, std) -> Splits:
    from torchvision.datasets import CIFAR10

    return _splits("cifar10", config, mean, std, *_load(CIFAR10, config, "cifar-10-batches-py", CIFAR10_LAYOUT, "cifar10"))


@register_dataset("cifar100", mean=(0.5071, 0.4865, 0.4409), std=(0.2673, 0.2564, 0.2762), n_classes=100, layout=CIFAR100_LAYOUT)
def build_cifar100(config, mean, std) -> Splits:
    from torchvision.datasets import CIFAR100

    return _splits("cifar100", config, mean, std, *_load(CIFAR100, config, "cifar-100-python", CIFAR100_LAYOUT, "cifar100"))


@register_dataset("mnist", mean=(0.1307,), std=(0.3081,), n_classes=10, layout=MNIST_LAYOUT, hflip=False)
def build_mnist(config, mean, std) -> Splits:
    from torchvision.datasets import MNIST

    return _splits("mnist", config, mean, std, *_load(MNIST, config, "MNIST", MNIST_LAYOUT, "mnist"))
