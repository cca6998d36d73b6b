"""Benchmarks built from a user's own recordings: ``--benchmark path/to/assembly.nc``.

Registers a path handler with the catalog; the file layout is described in
:mod:`benchmarks.user_data.benchmark` and ``docs/scoring.md``. Brain-Score is
imported only when a benchmark is built.
"""
from __future__ import annotations

from pathlib import Path

from ..catalog import LoadOptions, PathHandler, register_path_handler


def _build(path: Path, options: LoadOptions):
    from .benchmark import load_user_benchmark
    return load_user_benchmark(path)


def _availability(path: Path, options: LoadOptions):
    from .layout import UserDataError, locate
    try:
        files = locate(path)
    except UserDataError as error:
        return False, str(error)
    return True, f"{path}: assembly, {files.csv.name} and {files.image_dir.name}/ present"


register_path_handler(PathHandler(
    suffixes=(".nc",), factory=_build, availability=_availability,
    description="your own recordings: a NeuroidAssembly netCDF with a repetition coordinate, "
                "a stimulus CSV and an image folder next to it (docs/scoring.md)"))
