"""Verified, atomic file operations: SHA-1 checks, downloads, zip extraction.

Every writer here builds its result under a temporary name in the target
folder and renames it into place, so an interrupted run never leaves a file
or folder that a later run would mistake for a complete one.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Dict, Tuple

from dynvision.fileio import sha1_of as file_sha1

_CHUNK = 1 << 20

# (resolved path, size, mtime_ns) -> sha1. Hashing the Cowley files takes
# milliseconds, so an in-process memo is all the caching that pays off.
_sha1_memo: Dict[Tuple[str, int, int], str] = {}


class ChecksumError(ValueError):
    """A file's SHA-1 is not the one it must have."""


def sha1_of(path: Path) -> str:
    """SHA-1 hex digest of a file (memoised on path, size and mtime)."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _sha1_memo:
        _sha1_memo[key] = file_sha1(path)
    return _sha1_memo[key]


def verify_sha1(path: Path, expected: str, hint: str = "") -> None:
    """Raise :class:`ChecksumError` naming the file and both digests on mismatch."""
    actual = sha1_of(path)
    if actual != expected:
        message = f"SHA-1 mismatch for {path}: expected {expected}, found {actual}."
        raise ChecksumError(message + (" " + hint if hint else ""))


def download_verified(url: str, destination: Path, expected_sha1: str, timeout: float = 10.0) -> Path:
    """Download ``url`` to ``destination`` and check its SHA-1.

    The bytes go to a temporary file next to ``destination`` which is renamed
    only after the checksum matches; on any failure it is deleted.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part", dir=destination.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha1()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(_CHUNK), b""):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != expected_sha1:
            raise ChecksumError(
                f"SHA-1 mismatch for the download of {url}: expected {expected_sha1}, got {digest.hexdigest()}; "
                "nothing was saved. Retry, or check that the pinned commit still serves this file."
            )
        os.replace(tmp, destination)
    finally:
        tmp.unlink(missing_ok=True)
    return destination


def extract_zip_atomically(zip_path: Path, target_dir: Path) -> Path:
    """Extract ``zip_path`` into ``target_dir`` once; return ``target_dir``.

    Extraction happens in a sibling temporary folder renamed into place, so
    ``target_dir`` exists only when complete. If another process finished
    first, its copy is kept and ours discarded.
    """
    target_dir = Path(target_dir)
    if target_dir.is_dir():
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.", suffix=".part", dir=target_dir.parent))
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for member in archive.namelist():
                # refuse absolute paths and '..' so a bad archive cannot write outside tmp
                if Path(member).is_absolute() or ".." in Path(member).parts:
                    raise ValueError(f"unsafe member {member!r} in {zip_path}")
            archive.extractall(tmp)
        try:
            os.rename(tmp, target_dir)
        except OSError:
            if not target_dir.is_dir():  # a real failure, not a lost race
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target_dir



