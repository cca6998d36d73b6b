"""Results: JSON + netCDF round trip, atomic writes, loading a folder."""
from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr

from benchmarks.results import Result, find_result, load_results, result_path


def _result(**overrides) -> Result:
    values = dict(model="DyRCNNx4", model_identifier="DyRCNNx4-c12345678-w0123456789", benchmark="Cowley2023.V4-pls",
                  score=0.25, raw=0.44, ceiling=0.773, error=0.01, region="V4", layers=["V4"],
                  time_bins=[[50.0, 150.0]], per_layer={"V4": 0.25}, config_hash="1234567890ab",
                  weights_hash="0123456789ab", trained=False, versions={"torch": "x"}, date="2026-01-01T00:00:00+00:00",
                  timings={"total": 1.0}, notes=["UNTRAINED"])
    values.update(overrides)
    return Result(**values)


def test_round_trip_with_arrays(tmp_path):
    result = _result(per_bin=[{"time_bin_start": 0.0, "time_bin_end": 50.0, "score": 0.1, "raw": 0.3, "ceiling": 0.9},
                              {"time_bin_start": 50.0, "time_bin_end": 100.0, "score": 0.2, "raw": 0.4, "ceiling": 0.8}])
    arrays = xr.Dataset({"score_per_bin": xr.DataArray([0.1, 0.2], dims=["time_bin"])})
    path = result.save(tmp_path, arrays)
    assert path == result_path(tmp_path, result.model_identifier, result.benchmark)
    assert path.name == "DyRCNNx4-c12345678-w0123456789__Cowley2023.V4-pls.json"
    loaded = Result.load(path)
    assert loaded == result
    assert loaded.temporal and loaded.path == path
    np.testing.assert_allclose(loaded.arrays()["score_per_bin"].values, [0.1, 0.2])
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name, path.with_suffix(".nc").name]  # no temp files


def test_nan_is_written_as_null(tmp_path):
    path = _result(error=float("nan")).save(tmp_path)
    assert json.loads(path.read_text())["error"] is None
    assert Result.load(path).error is None


def test_load_results_reads_a_folder_and_skips_other_json(tmp_path):
    _result().save(tmp_path)
    _result(benchmark="User.x.V4-pls-abc", score=0.5).save(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "other__thing.json").write_text('{"a": 1}')
    results = load_results(tmp_path)
    assert [r.benchmark for r in results] == ["Cowley2023.V4-pls", "User.x.V4-pls-abc"]
    with pytest.raises(FileNotFoundError):
        load_results(tmp_path / "missing")


def test_find_result_ignores_a_result_whose_arrays_are_missing(tmp_path):
    result = _result()
    path = result.save(tmp_path, xr.Dataset({"a": xr.DataArray([1.0])}))
    assert find_result(tmp_path, result.model_identifier, result.benchmark) is not None
    path.with_suffix(".nc").unlink()
    assert find_result(tmp_path, result.model_identifier, result.benchmark) is None


def test_not_a_result_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "a__b.json"
    path.write_text('{"model": "x"}')
    with pytest.raises(ValueError, match="a__b.json"):
        Result.load(path)


def test_to_frame(tmp_path):
    from benchmarks.results import to_frame

    _result().save(tmp_path)
    frame = to_frame(load_results(tmp_path))
    assert list(frame["score"]) == [0.25] and frame.loc[0, "layers"] == "V4" and frame.loc[0, "n_time_bins"] == 1
