"""Load Brain-Score benchmarks with their data cache under control.

Brain-Score has no offline mode: a benchmark's data loader asks
``brainio.s3.fetch_file`` for each file, which creates the cache folder and
then retries S3 (signed, then unsigned) before failing. Offline that is slow
and leaves empty folders behind. :func:`guard_downloads` wraps that one
function for the duration of a load: files already in the cache are served by
Brain-Score as usual (with its SHA-1 check); a missing file either raises
:class:`~benchmarks.errors.DataNotAvailableError` at once (offline) or is
downloaded by Brain-Score, with anything half-written removed on failure.

Every file a successful load touched is recorded in a small manifest under
``$DYNVISION_HOME/cache/brainscore_files`` so that :func:`data_available` can
answer later without loading anything.
"""
from __future__ import annotations

import contextlib
import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, List, Optional, Tuple
from urllib.parse import urlparse

from dynvision.fileio import write_text_atomically

from .brainscore_env import configure_brainscore_environment
from .errors import DataNotAvailableError
from .paths import OFFLINE_ENV, cache_dir, offline_requested

S3_HOST = "brainscore-storage.s3.amazonaws.com"


@dataclass(frozen=True)
class CachedFile:
    """One file of Brain-Score's data cache: ``<BRAINIO_HOME>/<sha1>/<filename>``."""
    filename: str
    sha1: str
    location: str

    def path(self, home: Path) -> Path:
        return Path(home) / self.sha1 / self.filename

    @property
    def description(self) -> str:
        kind = {"assy": "assembly", "stimulus": "stimulus set"}.get(self.filename.split("_", 1)[0], "file")
        return f"{kind} {self.filename} (SHA-1 {self.sha1})"


def s3_reachable(timeout: float = 3.0) -> bool:
    """Whether Brain-Score's S3 bucket answers a TCP connection within ``timeout`` seconds."""
    try:
        with socket.create_connection((S3_HOST, 443), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def guard_downloads(benchmark_id: str, offline: Optional[bool] = None,
                    record: Optional[List[CachedFile]] = None,
                    offline_reason: str = f"offline: offline=True or ${OFFLINE_ENV} is set") -> Iterator[None]:
    """Route Brain-Score's data fetches through the cache check described in the module docstring.

    ``offline=None`` means: offline if ``$DYNVISION_OFFLINE`` is set, else
    probe S3 once (3 s) when the first missing file is requested.
    """
    from brainscore_core.supported_data_standards.brainio import fetch, s3

    real_fetch_file = s3.fetch_file
    decided: dict = {}

    def downloads_allowed() -> bool:
        if "allowed" not in decided:
            decided["allowed"] = not offline_requested(offline) and s3_reachable()
        return decided["allowed"]

    def guarded_fetch_file(location_type, location, sha1=None, version_id=None):
        if not sha1:  # nothing to key the cache on: leave it to Brain-Score
            return real_fetch_file(location_type, location, sha1=sha1, version_id=version_id)
        entry = CachedFile(filename=os.path.basename(urlparse(location).path), sha1=sha1, location=location)
        if record is not None:
            record.append(entry)
        home = Path(fetch.get_local_data_path())
        target = entry.path(home)
        if target.is_file():
            return real_fetch_file(location_type, location, sha1=sha1, version_id=version_id)
        if not downloads_allowed():
            reason = offline_reason if offline_requested(offline) else f"no connection to {S3_HOST}"
            raise DataNotAvailableError(_missing_message(benchmark_id, entry, home, reason))
        folder_existed = target.parent.exists()
        try:
            return real_fetch_file(location_type, location, sha1=sha1, version_id=version_id)
        except Exception as error:
            # a failed or corrupt download must not look like a cached file next time
            target.unlink(missing_ok=True)
            if not folder_existed:
                with contextlib.suppress(OSError):
                    target.parent.rmdir()
            raise DataNotAvailableError(
                _missing_message(benchmark_id, entry, home, f"download failed: {error}")) from error

    s3.fetch_file = guarded_fetch_file
    try:
        yield
    finally:
        s3.fetch_file = real_fetch_file


def _missing_message(benchmark_id: str, entry: CachedFile, home: Path, reason: str) -> str:
    return (
        f"Brain-Score benchmark {benchmark_id!r} needs data that is not on this machine ({reason}):\n"
        f"  {entry.description}\n"
        f"  expected at {entry.path(home)}\n"
        f"Brain-Score's data cache is {home} (set by BRAINIO_HOME; DynVision uses "
        f"$DYNVISION_HOME/brainscore/brainio unless you set BRAINIO_HOME yourself).\n"
        f"To fill it: run the same command once with internet access (and without {OFFLINE_ENV}), "
        f"which downloads it from {entry.location}; or copy the folder {entry.sha1}/ "
        f"from another machine's Brain-Score cache into {home}."
    )


def load_brainscore_benchmark(benchmark_id: str, offline: Optional[bool] = None):
    """``brainscore_vision.load_benchmark(benchmark_id)`` under :func:`guard_downloads`.

    Calls :func:`~benchmarks.brainscore_env.configure_brainscore_environment`
    first (keeps variables the user set), records the files used in the manifest.

    :raises DataNotAvailableError: data missing and not downloadable now.
    """
    return _load(benchmark_id, offline=offline)


def _load(benchmark_id: str, offline: Optional[bool], **guard_kwargs):
    configure_brainscore_environment()
    import brainscore_vision

    used: List[CachedFile] = []
    with guard_downloads(benchmark_id, offline=offline, record=used, **guard_kwargs):
        benchmark = brainscore_vision.load_benchmark(benchmark_id)
    _write_manifest(benchmark_id, used)
    return benchmark


def brainscore_data_available(benchmark_id: str) -> Tuple[bool, str]:
    """Is the data of a Brain-Score benchmark cached here? Never downloads.

    Uses the manifest of an earlier load when there is one; otherwise loads
    the benchmark offline (fast when data is missing: it stops at the first
    missing file; when everything is cached this is a full load, once).
    """
    configure_brainscore_environment()
    from brainscore_core.supported_data_standards.brainio import fetch

    home = Path(fetch.get_local_data_path())
    files = _read_manifest(benchmark_id)
    if files is not None:
        missing = [entry for entry in files if not entry.path(home).is_file()]
        if missing:
            return False, _missing_message(benchmark_id, missing[0], home, "removed from the cache")
        return True, f"cached in {home}"
    try:
        _load(benchmark_id, offline=True, offline_reason="not in the cache; availability checks never download")
    except DataNotAvailableError as error:
        return False, str(error)
    except Exception as error:  # e.g. a plugin needing a package that is not installed
        return False, f"Brain-Score benchmark {benchmark_id!r} cannot be loaded here: {type(error).__name__}: {error}"
    return True, f"cached in {home}"


def _manifest_path(benchmark_id: str) -> Path:
    return cache_dir("brainscore_files", f"{benchmark_id.replace(os.sep, '_')}.json")


def _brainscore_version() -> str:
    from importlib.metadata import version
    return version("brainscore_vision")


def _write_manifest(benchmark_id: str, files: List[CachedFile]) -> None:
    unique = list({entry.path(Path(".")): entry for entry in files}.values())
    payload = {"benchmark": benchmark_id, "brainscore_vision": _brainscore_version(),
               "files": [asdict(entry) for entry in unique]}
    write_text_atomically(_manifest_path(benchmark_id), json.dumps(payload, indent=1))


def _read_manifest(benchmark_id: str) -> Optional[List[CachedFile]]:
    path = _manifest_path(benchmark_id)
    try:
        payload = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if payload.get("brainscore_vision") != _brainscore_version():  # other version, other files
        return None
    return [CachedFile(**entry) for entry in payload.get("files", [])]
