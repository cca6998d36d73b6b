"""Run Brain-Score inside DynVision's own folders and without plugin installs.

Brain-Score reads its settings from environment variables, several of them
once, when its modules are imported. :func:`configure_brainscore_environment`
sets them; call it before anything imports ``brainscore_vision`` (the score
runner does this first). Nothing here runs at import time.
"""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Dict, Iterator, Optional

from .paths import PathLike, dynvision_home

# variable -> folder under <root> (None: not a folder)
_CACHE_FOLDERS = {
    "BRAINIO_HOME": "brainio",  # downloaded assemblies and stimulus sets (read once, on first fetch)
    "RESULTCACHING_HOME": "result_caching",  # @store caches: ceilings, activations (read at import)
    "BRAINSCORE_HOME": "brain-score",  # stimuli resized for a model's visual degrees (read at import)
    "MT_HOME": "model-tools",  # PCA ImageNet features of model_helpers
}
INSTALL_VARIABLE = "BS_INSTALL_DEPENDENCIES"

#: Brain-Score ``@store`` caches whose key includes the model (prefixes of their function identifiers).
#: They are switched off while scoring (unless the user set ``RESULTCACHING_DISABLE``), on top of
#: the identifier embedding the config and weights hashes.
MODEL_DEPENDENT_CACHES = (
    "brainscore_vision.model_helpers",  # activations, layer selection, PCA
    "brainscore_vision.benchmark_helpers.properties_common",  # firing rates keyed by model identifier
    "brainscore_vision.benchmarks.marques2020",  # model properties keyed by model identifier
    "brainscore_vision._run_score",
    "brainscore_vision.score",
)


def brainscore_root() -> Path:
    """``$DYNVISION_HOME/brainscore``: where DynVision keeps Brain-Score's caches."""
    return dynvision_home() / "brainscore"


def configure_brainscore_environment(root: Optional[PathLike] = None, *, override: bool = False) -> Dict[str, str]:
    """Point Brain-Score's caches under ``root`` (default :func:`brainscore_root`) and
    stop it from ``pip install``-ing plugin requirements (``BS_INSTALL_DEPENDENCIES=no``).

    Variables the user has already set are kept unless ``override``. Returns
    the values in effect. Idempotent.
    """
    root = Path(root).expanduser() if root is not None else brainscore_root()
    wanted = {INSTALL_VARIABLE: "no", **{name: str(root / folder) for name, folder in _CACHE_FOLDERS.items()}}
    for name, value in wanted.items():
        if override or not os.environ.get(name):
            os.environ[name] = value
    if not _already_effective():
        warnings.warn("configure_brainscore_environment() ran after Brain-Score was imported; "
                      "RESULTCACHING_HOME and BRAINSCORE_HOME only apply to modules imported afterwards. "
                      "Call it before importing brainscore_vision.", stacklevel=2)
    return {name: os.environ[name] for name in wanted}


def _already_effective() -> bool:
    # Brain-Score fixes BRAINSCORE_HOME when benchmark_helpers.screen is imported: compare with it
    screen = sys.modules.get("brainscore_vision.benchmark_helpers.screen")
    if screen is None:
        return True
    return Path(os.environ["BRAINSCORE_HOME"]).expanduser() == Path(screen.framework_home)


def brainio_home() -> Path:
    """Where Brain-Score looks for downloaded data (``$BRAINIO_HOME``, default ``~/.brainio``).

    Asks Brain-Score itself, which fixes the folder on its first data fetch.
    """
    from brainscore_core.supported_data_standards.brainio import fetch
    return Path(fetch.get_local_data_path())


def prepare_environment() -> Dict[str, str]:
    """Brain-Score's caches under ``$DYNVISION_HOME``, no plugin installs, and the
    model-dependent result caches off (a user's own ``RESULTCACHING_DISABLE`` wins)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "configured after import" matters only for the first import
        values = configure_brainscore_environment()
    if not os.environ.get("RESULTCACHING_DISABLE"):
        os.environ["RESULTCACHING_DISABLE"] = ",".join(MODEL_DEPENDENT_CACHES)
    values["RESULTCACHING_DISABLE"] = os.environ["RESULTCACHING_DISABLE"]
    return values


@contextlib.contextmanager
def quiet_metrics() -> Iterator[None]:
    """Hide the xarray/pandas deprecation chatter Brain-Score's metrics emit once per split."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message="Pandas doesn't allow columns")  # Brain-Score's screen.py
        # a layer that has not responded yet in a time bin gives constant features; the
        # per-bin values in the result show that bin, one warning per split adds nothing
        warnings.filterwarnings("ignore", message="An input array is constant")
        warnings.filterwarnings("ignore", message="Degrees of freedom <= 0")
        yield
