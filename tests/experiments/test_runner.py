"""Running, saving and plotting an experiment."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr

from dynvision.experiments import get_protocol, run_experiment
from tests.helpers.models import TinyModel, tiny_images


def _model():
    torch.manual_seed(1)
    return TinyModel(recurrence_type="full")


@pytest.fixture(scope="module")
def result():
    images, labels = tiny_images(n=5)
    model = _model()
    return run_experiment(model, get_protocol("contrast", contrasts=[0.5, 1.0], duration_ms=6, total_ms=10),
                          images, labels, batch_size=2)


def test_tidy_table_has_one_row_per_condition_time_layer(result):
    table = result.responses
    assert list(table.columns[:6]) == ["experiment", "parameter", "condition", "time_ms", "layer", "response"]
    assert len(table) == 2 * 5 * 1
    assert table["time_ms"].unique().tolist() == [2.0, 4.0, 6.0, 8.0, 10.0]
    assert table["accuracy"].between(0, 1).all() and table["confidence"].between(0, 1).all()


def test_batching_does_not_change_the_result(result):
    images, labels = tiny_images(n=5)
    model = _model()
    again = run_experiment(model, get_protocol("contrast", contrasts=[0.5, 1.0], duration_ms=6, total_ms=10),
                           images, labels, batch_size=5)
    np.testing.assert_allclose(again.responses["response"], result.responses["response"], rtol=1e-5)
    np.testing.assert_allclose(again.responses["accuracy"], result.responses["accuracy"])


def test_accuracy_matches_a_direct_forward_pass():
    images, labels = tiny_images(n=6)
    model = TinyModel().eval()
    protocol = get_protocol("response", duration_ms=4, total_ms=8)
    out = run_experiment(model, protocol, images, labels, batch_size=4)
    logits = model(protocol.frames(images, 4.0, dt=2.0))
    expected = (logits.argmax(-1) == labels.view(-1, 1)).float().mean(0).numpy()
    np.testing.assert_allclose(out.responses.groupby("time_ms")["accuracy"].first().to_numpy(), expected)


def test_model_time_presentation_does_not_blank_the_protocol():
    images, labels = tiny_images(n=2)
    model = TinyModel(positive=True, t_presentation=2.0)
    out = run_experiment(model, get_protocol("response", duration_ms=8, total_ms=8), images, labels)
    assert out.responses["response"].is_monotonic_increasing
    assert model.t_presentation == 2.0


def test_unknown_layer_is_named():
    images, _ = tiny_images(n=2)
    with pytest.raises(ValueError, match="recorded no layer.*'V9'.*recorded: V1"):
        run_experiment(TinyModel(), get_protocol("response", total_ms=40), images, layers=["V9"])


def test_save_writes_tables_netcdf_and_plots(result, tmp_path):
    paths = result.save(tmp_path / "out")
    out = tmp_path / "out"
    for name in ("responses.csv", "responses.nc", "summary.csv", "experiment.json",
                 "plots/timecourses.png", "plots/accuracy.png", "plots/latency.png"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*.tmp*"))
    table = pd.read_csv(out / "responses.csv")
    assert len(table) == len(result.responses)
    with xr.open_dataset(out / "responses.nc") as dataset:
        assert dataset["response"].dims == ("condition", "time_ms", "layer")
        np.testing.assert_allclose(dataset["response"].sel(condition=1.0, layer="V1").values,
                                   result.responses.query("condition == 1.0")["response"].to_numpy(), rtol=1e-6)
        assert json.loads(dataset.attrs["metadata_json"])["experiment"] == "contrast"
    meta = json.loads((out / "experiment.json").read_text())
    assert meta["dt_ms"] == 2.0 and meta["parameters"]["contrasts"] == [0.5, 1.0]
    assert set(paths) >= {"responses_csv", "responses_nc", "summary_csv", "metadata", "plot_latency"}
