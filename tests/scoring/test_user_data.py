"""Users' own data (`--benchmark path/to/assembly.nc`): layout checks and the benchmark built from it."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import xarray as xr

from benchmarks import catalog
from benchmarks.user_data.layout import UserDataError


def _copy(nc, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(nc.parent, folder)
    return folder / nc.name


def _rewrite(nc, change):
    with xr.open_dataarray(nc) as array:
        array = change(array.load())
    nc.unlink()
    array.to_netcdf(nc)


def test_the_catalog_routes_nc_paths_to_the_user_data_loader(user_data):
    nc = user_data["static"]
    assert catalog.resolve(str(nc)) == [str(nc)]
    available, reason = catalog.data_available(str(nc))
    assert available, reason
    benchmark = catalog.load_benchmark(str(nc))
    assert benchmark.identifier.startswith("User.example-assembly.V4-pls-")
    assert benchmark.region == "V4"
    assert len(benchmark._assembly["presentation"]) == 30  # repetitions averaged  # noqa: SLF001


def test_identifier_changes_with_the_content(user_data, tmp_path):
    nc = _copy(user_data["static"], tmp_path)
    before = catalog.load_benchmark(str(nc)).identifier
    _rewrite(nc, lambda a: a + 1.0)
    assert catalog.load_benchmark(str(nc)).identifier != before


@pytest.mark.parametrize("coordinate", ["repetition", "stimulus_id", "neuroid_id", "region", "time_bin_start"])
def test_a_missing_coordinate_is_named(user_data, tmp_path, coordinate):
    nc = _copy(user_data["static"], tmp_path)
    _rewrite(nc, lambda a: a.drop_vars(coordinate))
    with pytest.raises(UserDataError, match=f"coordinate '{coordinate}'"):
        catalog.load_benchmark(str(nc))


def test_a_missing_dimension_is_named(user_data, tmp_path):
    nc = _copy(user_data["static"], tmp_path)
    _rewrite(nc, lambda a: a.isel(neuroid=0, drop=True))
    with pytest.raises(UserDataError, match="dimension 'neuroid' is missing"):
        catalog.load_benchmark(str(nc))


def test_missing_csv_image_folder_and_image_are_named(user_data, tmp_path):
    nc = _copy(user_data["static"], tmp_path)
    (nc.parent / "images" / "stim003.png").unlink()
    with pytest.raises(UserDataError, match="stim003.png"):
        catalog.load_benchmark(str(nc))
    shutil.rmtree(nc.parent / "images")
    with pytest.raises(UserDataError, match="image folder"):
        catalog.load_benchmark(str(nc))
    available, reason = catalog.data_available(str(nc))
    assert not available and "image folder" in reason
    nc.with_suffix(".csv").unlink()
    with pytest.raises(UserDataError, match="stimulus CSV not found.*assembly.csv.*stimuli.csv"):
        catalog.load_benchmark(str(nc))


def test_csv_without_filename_column_or_with_unknown_ids(user_data, tmp_path):
    import pandas as pd

    nc = _copy(user_data["static"], tmp_path)
    csv = nc.with_suffix(".csv")
    table = pd.read_csv(csv)
    table.drop(columns=["filename"]).to_csv(csv, index=False)
    with pytest.raises(UserDataError, match="column 'filename' is missing"):
        catalog.load_benchmark(str(nc))
    table.iloc[1:].to_csv(csv, index=False)
    with pytest.raises(UserDataError, match="not in the CSV, e.g. stim000"):
        catalog.load_benchmark(str(nc))


def test_repeat_averaged_data_are_scored_unceiled(user_data, tmp_path):
    """One repetition of every stimulus and no reliability: no ceiling is invented."""
    from brainscore_core import Score
    from brainscore_vision.benchmark_helpers.neural_common import explained_variance

    from benchmarks.score_values import summarize_score

    nc = _copy(user_data["static"], tmp_path)
    _rewrite(nc, lambda a: a.isel(presentation=a["repetition"].values == 0))
    benchmark = catalog.load_benchmark(str(nc))
    ceiling = benchmark.ceiling
    assert float(ceiling) == 1.0 and ceiling.attrs["unceiled"] and "no ceiling" in ceiling.attrs["note"]
    summary = summarize_score(explained_variance(Score(0.5), ceiling))
    assert summary["ceiling"] is None and summary["score"] == pytest.approx(0.25) and summary["raw"] == 0.5


def test_a_supplied_reliability_is_the_ceiling(user_data, tmp_path):
    """Known answer: the ceiling is the median of the per-neuroid reliabilities in the file."""
    nc = _copy(user_data["static"], tmp_path)
    reliability = np.linspace(0.4, 0.9, 8)

    def average_with_reliability(a):
        a = a.isel(presentation=a["repetition"].values == 0)
        return a.assign_coords(reliability=("neuroid", reliability))

    _rewrite(nc, average_with_reliability)
    benchmark = catalog.load_benchmark(str(nc))
    assert float(benchmark.ceiling) == pytest.approx(np.median(reliability))
    assert "reliability" in benchmark.ceiling.attrs["note"]


def test_bad_reliability_and_mixed_repetitions_are_named(user_data, tmp_path):
    nc = _copy(user_data["static"], tmp_path)
    _rewrite(nc, lambda a: a.assign_coords(reliability=("neuroid", np.full(a.sizes["neuroid"], 1.5))))
    with pytest.raises(UserDataError, match=r"'reliability' must hold one reliability per neuroid in \(0, 1\]"):
        catalog.load_benchmark(str(nc))
    mixed = _copy(user_data["temporal"], tmp_path / "mixed")
    first = str(xr.open_dataarray(mixed)["stimulus_id"].values[0])
    _rewrite(mixed, lambda a: a.isel(presentation=~((a["stimulus_id"].values.astype(str) == first)
                                                    & (a["repetition"].values > 0))))
    with pytest.raises(UserDataError, match="1 of 30 stimulus id.*or supply a per-neuroid 'reliability'"):
        catalog.load_benchmark(str(mixed))


def test_not_netcdf(tmp_path):
    bad = tmp_path / "bad.nc"
    bad.write_text("hello")
    with pytest.raises(UserDataError, match="cannot be read as netCDF"):
        catalog.load_benchmark(str(bad))
    with pytest.raises(FileNotFoundError):
        catalog.resolve(str(tmp_path / "absent.nc"))


def test_ceiling_is_brainscores_internal_consistency(user_data):
    benchmark = catalog.load_benchmark(str(user_data["static"]))
    ceiling = float(benchmark.ceiling)
    assert 0.5 < ceiling <= 1.0  # the example's signal is strong compared with its trial noise
    temporal = catalog.load_benchmark(str(user_data["temporal"]))
    per_bin = temporal.ceiling
    assert per_bin.sizes["time_bin"] == 3 and np.all(np.isfinite(per_bin.values))
