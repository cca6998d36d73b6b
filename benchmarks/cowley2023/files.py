"""The public Cowley et al. (2023) V4 files: where they are, their SHA-1, fetching them.

Layout (identical to the upstream repository)::

    <data root>/cowley2023/data_V4_responses/responses_raw/responses_<session>.npy
    <data root>/cowley2023/data_V4_responses/responses_repeat_averaged/responses_<session>.npy
    <data root>/cowley2023/data_V4_responses/images/images_<session>.zip

``<data root>`` is ``--data-dir``, else ``$DYNVISION_DATA``, else
``$DYNVISION_HOME/data`` (see :func:`benchmarks.paths.data_root`).
"""
from __future__ import annotations

import urllib.error
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..errors import DataNotAvailableError
from ..fileio import download_verified, verify_sha1
from ..paths import DATA_ENV, HOME_ENV, PathLike, data_root, offline_requested

COMMIT = "f4552ad9d34a466ebc66658f72a08a8e5038f1cf"
BASE_URL = f"https://raw.githubusercontent.com/cowleygroup/V4_compact_models/{COMMIT}/data_V4_responses"
DATASET_FOLDER = Path("cowley2023") / "data_V4_responses"

# From the data README (upstream commit above).
SHA1: Dict[str, str] = {
    "responses_raw/responses_210325.npy": "203ed7b052f4745dd93a403a7227a079e2a90f7b",
    "responses_repeat_averaged/responses_210325.npy": "0d2c16de603d4885176ac18b004b04f51d9f5baa",
    "responses_repeat_averaged/responses_210224.npy": "a045529c39ee33c68ebf71ea24ccf594de0c7a62",
    "images/images_210325.zip": "b224477c84cce5f3da0814640a16e822f308aa05",
    "images/images_210224.zip": "4f2b2893bdd470afb78e0e7c8b6777264481f2e8",
}

SESSIONS = ("210325", "210224")


def raw_file(session: str) -> str:
    return f"responses_raw/responses_{session}.npy"


def averaged_file(session: str) -> str:
    return f"responses_repeat_averaged/responses_{session}.npy"


def images_file(session: str) -> str:
    return f"images/images_{session}.zip"


def dataset_dir(data_dir: Optional[PathLike] = None) -> Path:
    """``<data root>/cowley2023/data_V4_responses``."""
    return data_root(data_dir) / DATASET_FOLDER


def missing_files(relative_paths: Iterable[str], data_dir: Optional[PathLike] = None) -> List[str]:
    """Which of ``relative_paths`` are absent locally (no download, no hashing)."""
    folder = dataset_dir(data_dir)
    return [name for name in relative_paths if not (folder / name).is_file()]


def locate(relative_paths: Iterable[str], data_dir: Optional[PathLike] = None,
           offline: Optional[bool] = None) -> Dict[str, Path]:
    """Return verified local paths for the given files, downloading missing ones when online.

    :raises DataNotAvailableError: files are missing and cannot be downloaded.
    :raises benchmarks.fileio.ChecksumError: a local file has the wrong SHA-1.
    """
    relative_paths = list(relative_paths)
    for name in relative_paths:
        if name not in SHA1:
            raise ValueError(f"unknown Cowley2023 file {name!r}; known: {', '.join(sorted(SHA1))}")
    folder = dataset_dir(data_dir)
    missing = missing_files(relative_paths, data_dir)
    if missing:
        if offline_requested(offline):
            raise DataNotAvailableError(_missing_message(missing, folder, reason="offline mode"))
        for name in missing:
            try:
                download_verified(f"{BASE_URL}/{name}", folder / name, SHA1[name])
            except (urllib.error.URLError, OSError) as error:  # no network, DNS, permissions
                still_missing = missing_files(relative_paths, data_dir)
                raise DataNotAvailableError(
                    _missing_message(still_missing, folder, reason=f"download failed: {error}")) from error
    paths = {}
    for name in relative_paths:
        path = folder / name
        verify_sha1(path, SHA1[name], hint=(
            f"The file differs from the published one ({BASE_URL}/{name}). "
            "Replace it with the original, or delete it so that DynVision downloads it again."))
        paths[name] = path
    return paths


def _missing_message(missing: List[str], folder: Path, reason: str) -> str:
    urls = "\n".join(f"  {BASE_URL}/{name}" for name in missing)
    return (
        f"Cowley2023 V4 data not found ({reason}).\n"
        f"Missing in {folder}: {', '.join(missing)}.\n"
        f"Point --data-dir or ${DATA_ENV} at the folder that contains cowley2023/ "
        f"(default: ${HOME_ENV}/data, i.e. ~/.dynvision/data), or run once online so DynVision downloads "
        f"the files into {folder} from:\n{urls}"
    )
