"""User data and images: refused before loading or recording, naming the file."""
from __future__ import annotations

import io
import time

import numpy as np
import pytest
import xarray as xr

from benchmarks.user_data.example import write_example
from benchmarks.user_data.layout import MAX_GB_ENV, MAX_MS_ENV, UserDataError, read_assembly


def test_a_huge_declared_nc_is_refused_from_its_header(tmp_path):
    """8 KB of netCDF declaring 200000 x 50000 float64 values (80 GB): refused, nothing allocated."""
    import netCDF4

    nc = tmp_path / "huge.nc"
    with netCDF4.Dataset(nc, "w") as dataset:
        dataset.createDimension("presentation", 200_000)
        dataset.createDimension("neuroid", 50_000)
        dataset.createVariable("responses", "f8", ("presentation", "neuroid"))  # never written
    assert nc.stat().st_size < 64_000
    start = time.perf_counter()
    with pytest.raises(UserDataError, match=rf"^{nc}: the responses declare 200000 presentation x 50000 neuroid = "
                                            rf"10,000,000,000 values \(80.0 GB as float64\), more than the 4 GB limit; "
                                            rf"set \${MAX_GB_ENV}"):
        read_assembly(nc)
    assert time.perf_counter() - start < 5


def test_the_size_limit_is_overridable(tmp_path, monkeypatch):
    nc = write_example(tmp_path / "data", n_stimuli=4, n_neuroids=3, n_repetitions=2)
    monkeypatch.setenv(MAX_GB_ENV, "1e-7")  # 100 bytes; the example holds 8 x 3 x 1 values = 192 bytes
    with pytest.raises(UserDataError, match="more than the 1e-07 GB limit"):
        read_assembly(nc)
    monkeypatch.setenv(MAX_GB_ENV, "1e-6")
    assert read_assembly(nc).shape == (8, 3, 1)


def test_a_time_bin_hours_after_onset_is_refused_before_recording(tmp_path, monkeypatch):
    nc = write_example(tmp_path / "data", n_stimuli=4, n_neuroids=3, n_repetitions=2, time_bins=((50, 1e7),))
    with pytest.raises(UserDataError, match=rf"^{nc}: time_bin_end 1e\+07 ms is beyond the 10000 ms .*\${MAX_MS_ENV}"):
        read_assembly(nc)
    monkeypatch.setenv(MAX_MS_ENV, "1e8")
    assert read_assembly(nc).sizes["time_bin"] == 1


@pytest.mark.parametrize("fill, expected", [
    (np.nan, "all response values are NaN or inf"),
    (3.0, "every response value is 3; constant responses cannot be predicted"),
])
def test_all_nan_or_constant_responses_are_refused_naming_the_file(tmp_path, fill, expected):
    nc = write_example(tmp_path / "data", n_stimuli=4, n_neuroids=3, n_repetitions=2)
    with xr.open_dataarray(nc) as array:
        array = array.load()
    nc.unlink()
    array[:] = fill
    array.to_netcdf(nc)
    with pytest.raises(UserDataError, match=f"^{nc}: {expected}"):
        read_assembly(nc)


def _truncated_png(path):
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray((np.random.default_rng(0).random((16, 16, 3)) * 255).astype(np.uint8)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    return path


def test_a_truncated_training_image_is_named(tmp_path):
    from PIL import Image

    from dynvision.data import DataError, DataModule

    for label in ("a", "b"):
        (tmp_path / "tree" / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (8, 8), (40 * i, 0, 0)).save(tmp_path / "tree" / label / f"{i}.png")
    bad = _truncated_png(tmp_path / "tree" / "b" / "9.png")
    data = DataModule({"name": "imagefolder", "root": str(tmp_path / "tree"), "image_size": 8,
                       "val_fraction": 0.0, "test_fraction": 0.0})
    dataset = data.train_dataset
    index = [i for i in range(len(dataset)) if dataset.base.samples[dataset.indices[i]][0] == str(bad)][0]
    with pytest.raises(DataError, match=rf"^image {bad} cannot be read \(OSError: image file is truncated"):
        dataset[index]


def test_a_truncated_stimulus_is_named(tmp_path):
    from brain_models.stimuli import ImageLoader, StimulusError

    bad = _truncated_png(tmp_path / "stim.png")
    with pytest.raises(StimulusError, match=rf"stimulus 'S1' \({bad}\): cannot be read as an image"):
        ImageLoader(3, 8, 8).load(str(bad), "S1")


def test_a_truncated_image_of_a_user_data_set_is_refused_before_recording(tmp_path):
    from benchmarks.user_data.layout import locate, read_stimuli

    nc = write_example(tmp_path / "data", n_stimuli=4, n_neuroids=3, n_repetitions=2)
    bad = _truncated_png(nc.parent / "images" / "stim002.png")
    array = read_assembly(nc)
    with pytest.raises(UserDataError, match=rf"^{bad} \(named in assembly.csv\) cannot be read as an image"):
        read_stimuli(locate(nc, dict(array.attrs)), array["stimulus_id"].values)
