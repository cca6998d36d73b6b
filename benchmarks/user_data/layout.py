"""The layout of a user's data set, and its validation (xarray and pandas only).

::

    my_data/
      assembly.nc        the responses: a NeuroidAssembly saved as netCDF (any file name)
      assembly.csv       the stimuli: <assembly stem>.csv, or stimuli.csv
      images/            the image files the CSV names

``assembly.nc`` holds one data variable (the responses) with dims
``presentation x neuroid`` or ``presentation x neuroid x time_bin`` and the
coordinates

=================  ===============  =====================================================
coordinate         dim              meaning
=================  ===============  =====================================================
``stimulus_id``    presentation     which image was shown (matches the CSV)
``repetition``     presentation     0, 1, 2, ... : the trial's repeat of that image
``neuroid_id``     neuroid          unique id of each recorded unit
``region``         neuroid          brain region (one per file: ``V1``, ``V2``, ``V4``, ``IT``)
``time_bin_start`` time_bin         ms after stimulus onset (scalar if there is no time_bin dim)
``time_bin_end``   time_bin         ms after stimulus onset (scalar if there is no time_bin dim)
=================  ===============  =====================================================

Attributes (all optional): ``visual_degrees`` (how many degrees of visual
angle the images spanned; default 8), ``identifier`` (a name; default the
file stem), ``stimulus_csv`` and ``image_dir`` (paths relative to the
``.nc`` file, overriding the defaults above).

The CSV needs the columns ``stimulus_id`` and ``filename`` (relative to the
image folder); any other column (``object_name``, ``category``, ...) is kept
as stimulus metadata. Every ``stimulus_id`` of the assembly must be in the CSV
and every file it names must exist.

Limits, checked from the file's header before any value is read (a few KB of
netCDF can declare terabytes; a bin ending hours after onset means millions of
simulation steps): the responses may take at most
``$DYNVISION_USER_DATA_MAX_GB`` GB as float64 (default 4) and end at most
``$DYNVISION_USER_DATA_MAX_MS`` ms after stimulus onset (default 10000).
Set the variable to raise a limit.
"""
from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Tuple

DEFAULT_VISUAL_DEGREES = 8.0
REQUIRED = {
    "presentation": ("stimulus_id", "repetition"),
    "neuroid": ("neuroid_id", "region"),
    "time_bin": ("time_bin_start", "time_bin_end"),
}
CSV_COLUMNS = ("stimulus_id", "filename")
#: environment variables overriding the limits, and their defaults
MAX_GB_ENV, DEFAULT_MAX_GB = "DYNVISION_USER_DATA_MAX_GB", 4.0
MAX_MS_ENV, DEFAULT_MAX_MS = "DYNVISION_USER_DATA_MAX_MS", 10_000.0


class UserDataError(ValueError):
    """A user's data set does not follow the layout; the message names what is missing."""


@dataclass(frozen=True)
class UserFiles:
    nc: Path
    csv: Path
    image_dir: Path


def locate(path: Path, attrs: Optional[dict] = None) -> UserFiles:
    """The three parts of a data set, checked to exist (``attrs``: the netCDF's, if read already)."""
    nc = Path(path).expanduser()
    if not nc.is_file():
        raise UserDataError(f"benchmark data file {nc} does not exist")
    if attrs is None:
        attrs = _read_attrs(nc)
    if attrs.get("stimulus_csv"):
        csv = nc.parent / str(attrs["stimulus_csv"])
        candidates = [csv]
    else:
        candidates = [nc.with_suffix(".csv"), nc.parent / "stimuli.csv"]
        csv = next((c for c in candidates if c.is_file()), candidates[0])
    if not csv.is_file():
        raise UserDataError(f"{nc}: stimulus CSV not found; looked for "
                            f"{' and '.join(str(c) for c in candidates)} (columns: {', '.join(CSV_COLUMNS)}, ...)")
    image_dir = nc.parent / str(attrs.get("image_dir") or "images")
    if not image_dir.is_dir():
        raise UserDataError(f"{nc}: image folder {image_dir} not found (the files named in {csv.name}'s "
                            "'filename' column go there; set the netCDF attribute image_dir to use another folder)")
    return UserFiles(nc, csv, image_dir)


def _read_attrs(nc: Path) -> dict:
    import xarray as xr

    try:
        with xr.open_dataset(nc) as dataset:
            return dict(dataset.attrs) | _single_variable_attrs(dataset, nc)
    except UserDataError:
        raise
    except Exception as error:
        raise UserDataError(f"{nc}: cannot be read as netCDF ({type(error).__name__}: {error})") from None


def _responses_name(dataset, nc: Path) -> str:
    """The responses variable: the only data variable, or the only one spanning presentation x neuroid
    (tools that do not write netCDF's ``coordinates`` attribute store coordinates as data variables)."""
    names = list(dataset.data_vars)
    if len(names) == 1:
        return names[0]
    spanning = [n for n in names if {"presentation", "neuroid"} <= set(dataset[n].dims)]
    if len(spanning) == 1:
        return spanning[0]
    most = max(dataset[n].ndim for n in names) if names else 0
    widest = [n for n in names if dataset[n].ndim == most]
    if not spanning and len(widest) == 1 and most >= 2:
        return widest[0]  # the dims check then names what is missing
    raise UserDataError(f"{nc}: expected one data variable (the responses, dims presentation x neuroid "
                        f"[x time_bin]), found {len(names)}: {', '.join(map(str, names)) or 'none'}")


def _single_variable_attrs(dataset, nc: Path) -> dict:
    return dict(dataset[_responses_name(dataset, nc)].attrs)


def read_assembly(nc: Path):
    """The responses as a plain ``xarray.DataArray`` (loaded), checked against the layout."""
    import xarray as xr

    try:
        dataset = xr.open_dataset(nc)
    except Exception as error:
        raise UserDataError(f"{nc}: cannot be read as netCDF ({type(error).__name__}: {error})") from None
    with dataset:
        name = _responses_name(dataset, nc)
        attrs = dict(dataset.attrs) | dict(dataset[name].attrs)
        dataset = dataset.set_coords([n for n in dataset.data_vars if n != name])
        array = dataset[name]
        _check_size(nc, array)
        _check_duration(nc, array)
        array = array.load()
    array.attrs = attrs
    _check_dims(nc, array)
    _check_coords(nc, array)
    _check_entries(nc, array)
    _check_values(nc, array)
    return array


def _check_dims(nc: Path, array: Any) -> None:
    dims = set(array.dims)
    for dim in ("presentation", "neuroid"):
        if dim not in dims:
            raise UserDataError(f"{nc}: dimension {dim!r} is missing; the responses need dims presentation x "
                                f"neuroid [x time_bin], found {', '.join(map(str, array.dims))}")
    extra = dims - {"presentation", "neuroid", "time_bin"}
    if extra:
        raise UserDataError(f"{nc}: unexpected dimension(s) {', '.join(sorted(map(str, extra)))}; "
                            "allowed: presentation, neuroid, time_bin")


def _check_coords(nc: Path, array: Any) -> None:
    """Every required coordinate is there, on the dim it belongs to."""
    dims = set(array.dims)
    for dim, names in REQUIRED.items():
        for name in names:
            if name not in array.coords:
                where = f"on dim {dim!r}" if dim in dims else "(a scalar coordinate, or a time_bin dim)"
                raise UserDataError(f"{nc}: coordinate {name!r} {where} is missing; "
                                    f"present: {', '.join(sorted(map(str, array.coords))) or 'none'}")
            coord = array.coords[name]
            expected = (dim,) if dim in dims else ()
            if coord.dims != expected:
                raise UserDataError(f"{nc}: coordinate {name!r} has dims {coord.dims}, expected {expected}")


def _check_entries(nc: Path, array: Any) -> None:
    """Numbers, integer repetitions, one region, unique neuroids and trials, ordered time bins."""
    import numpy as np

    if not np.issubdtype(array.dtype, np.number):
        raise UserDataError(f"{nc}: responses must be numbers, found dtype {array.dtype}")
    if not np.issubdtype(array["repetition"].dtype, np.integer):
        raise UserDataError(f"{nc}: coordinate 'repetition' must hold integers (0, 1, ...), "
                            f"found {array['repetition'].dtype}")
    regions = np.unique(array["region"].values.astype(str))
    if len(regions) != 1:
        raise UserDataError(f"{nc}: one region per file (the model records one region at a time); found "
                            f"{', '.join(regions)}. Split the file by region")
    ids = array["neuroid_id"].values
    if len(np.unique(ids)) != len(ids):
        raise UserDataError(f"{nc}: 'neuroid_id' values must be unique")
    pairs = list(zip(array["stimulus_id"].values.tolist(), array["repetition"].values.tolist()))
    if len(set(pairs)) != len(pairs):
        raise UserDataError(f"{nc}: (stimulus_id, repetition) pairs must be unique: each trial once")
    starts = np.atleast_1d(array["time_bin_start"].values).astype(float)
    ends = np.atleast_1d(array["time_bin_end"].values).astype(float)
    if np.any(ends <= starts):
        raise UserDataError(f"{nc}: every time bin needs time_bin_start < time_bin_end (ms)")


def limit(variable: str, default: float) -> float:
    """A positive limit from the environment variable ``variable``, else ``default``."""
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UserDataError(f"${variable}={raw!r}: expected a positive number")
    return value


def _check_size(nc: Path, array) -> None:
    """Refuse, before reading it, a responses array larger than the limit (as float64)."""
    size = math.prod(int(n) for n in array.shape)
    gigabytes = size * 8 / 1e9
    most = limit(MAX_GB_ENV, DEFAULT_MAX_GB)
    if gigabytes > most:
        shape = " x ".join(f"{n} {d}" for d, n in zip(array.dims, array.shape))
        raise UserDataError(f"{nc}: the responses declare {shape} = {size:,} values ({gigabytes:,.1f} GB as "
                            f"float64), more than the {most:g} GB limit; set ${MAX_GB_ENV} to allow more")


def _check_duration(nc: Path, array) -> None:
    """Refuse time bins ending later than the limit: the model would run for that long."""
    import numpy as np

    if "time_bin_end" not in array.coords:
        return  # read_assembly names the missing coordinate
    ends = np.atleast_1d(np.asarray(array["time_bin_end"].values, dtype=float))
    most = limit(MAX_MS_ENV, DEFAULT_MAX_MS)
    bad = ends[~(np.isfinite(ends) & (ends <= most))]
    if bad.size:
        raise UserDataError(f"{nc}: time_bin_end {bad[0]:g} ms is beyond the {most:g} ms after stimulus onset "
                            f"a recording may last (the model runs until the last bin ends); set ${MAX_MS_ENV} "
                            "to allow longer")


def _check_values(nc: Path, array) -> None:
    """Responses Brain-Score's regression can fit: all finite, not all equal."""
    import numpy as np

    values = np.asarray(array.values, dtype=float)
    finite = np.isfinite(values)
    if not finite.all():
        n_bad = int((~finite).sum())
        which = "all" if n_bad == values.size else f"{n_bad:,} of {values.size:,}"
        raise UserDataError(f"{nc}: {which} response values are NaN or inf; the regression needs finite values "
                            "(drop the affected neuroids or trials)")
    if values.size and values.min() == values.max():
        raise UserDataError(f"{nc}: every response value is {values.flat[0]:g}; constant responses cannot be "
                            "predicted or scored")


def read_stimuli(files: UserFiles, stimulus_ids) -> "object":
    """The stimulus table (pandas) with absolute ``path``; checks columns, ids and image files."""
    import pandas as pd

    try:
        table = pd.read_csv(files.csv)
    except Exception as error:
        raise UserDataError(f"{files.csv}: cannot be read as CSV ({error})") from None
    for column in CSV_COLUMNS:
        if column not in table.columns:
            raise UserDataError(f"{files.csv}: column {column!r} is missing; columns: {', '.join(table.columns)}")
    table["stimulus_id"] = table["stimulus_id"].astype(str)
    if table["stimulus_id"].duplicated().any():
        dup = table.loc[table["stimulus_id"].duplicated(), "stimulus_id"].iloc[0]
        raise UserDataError(f"{files.csv}: stimulus_id {dup!r} appears more than once")
    wanted = sorted(set(str(s) for s in stimulus_ids))
    missing = sorted(set(wanted) - set(table["stimulus_id"]))
    if missing:
        raise UserDataError(f"{files.csv}: {len(missing)} stimulus_id(s) of {files.nc.name} are not in the CSV, "
                            f"e.g. {', '.join(missing[:5])}")
    table = table[table["stimulus_id"].isin(wanted)].reset_index(drop=True)
    paths = [files.image_dir / str(name) for name in table["filename"]]
    absent = [p for p in paths if not p.is_file()]
    if absent:
        raise UserDataError(f"{len(absent)} image file(s) named in {files.csv.name} are missing from "
                            f"{files.image_dir}, e.g. {', '.join(p.name for p in absent[:5])}")
    for path in paths:
        _check_image(files.csv, path)
    table["path"] = [str(p) for p in paths]
    return table


def _check_image(csv: Path, path: Path) -> None:
    """Decode ``path`` once, so a truncated image fails now, not after the ceiling was computed."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise UserDataError(f"{path} (named in {csv.name}) cannot be read as an image "
                            f"({type(error).__name__}: {error})") from None


def content_hash(files: UserFiles, image_paths: List[str], length: int = 10) -> str:
    """sha1 over the netCDF, the CSV and every image: a changed file gives a new benchmark identifier,
    so Brain-Score's caches (ceilings, resized stimuli) can never serve stale values."""
    digest = hashlib.sha1()
    for path in [files.nc, files.csv, *sorted(image_paths)]:
        digest.update(Path(path).name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:length]


def time_bins(array) -> List[Tuple[float, float]]:
    import numpy as np

    starts = np.atleast_1d(array["time_bin_start"].values).astype(float)
    ends = np.atleast_1d(array["time_bin_end"].values).astype(float)
    return list(zip(starts.tolist(), ends.tolist()))
