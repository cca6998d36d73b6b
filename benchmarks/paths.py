"""Where DynVision keeps its files: ``DYNVISION_HOME`` and the data folder."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Union

HOME_ENV = "DYNVISION_HOME"
DATA_ENV = "DYNVISION_DATA"

PathLike = Union[str, "os.PathLike[str]"]


def dynvision_home() -> Path:
    """``$DYNVISION_HOME``, default ``~/.dynvision`` (not created here)."""
    return Path(os.environ.get(HOME_ENV) or "~/.dynvision").expanduser()


def cache_dir(*parts: str) -> Path:
    """A folder under ``$DYNVISION_HOME/cache`` (not created here)."""
    return dynvision_home().joinpath("cache", *parts)


def data_root(data_dir: Optional[PathLike] = None) -> Path:
    """The folder that holds the datasets (``cowley2023/``, ...).

    Order: the explicit ``data_dir`` (``--data-dir``), then ``$DYNVISION_DATA``,
    then ``$DYNVISION_HOME/data``.
    """
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return dynvision_home() / "data"


OFFLINE_ENV = "DYNVISION_OFFLINE"


def offline_requested(offline: Optional[bool] = None) -> bool:
    """True when downloads are forbidden: ``offline=True`` or ``$DYNVISION_OFFLINE`` set to 1/true/yes."""
    if offline is not None:
        return bool(offline)
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}
