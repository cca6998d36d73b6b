"""Where the adapter may write: only under ``$DYNVISION_HOME`` (default ``~/.dynvision``)."""
from __future__ import annotations

import os
import re
from pathlib import Path

HOME_ENV = "DYNVISION_HOME"


def dynvision_home() -> Path:
    """``$DYNVISION_HOME``, default ``~/.dynvision`` (read on every call, never created here)."""
    return Path(os.environ.get(HOME_ENV) or "~/.dynvision").expanduser()


def safe_name(identifier: str) -> str:
    """A file-name-safe version of a model identifier."""
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", str(identifier)).strip("._") or "model"


def region_layer_map_path(identifier: str) -> Path:
    """``$DYNVISION_HOME/models/<identifier>/region_layer_map.json``."""
    return dynvision_home() / "models" / safe_name(identifier) / "region_layer_map.json"
