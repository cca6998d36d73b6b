"""End to end: score a tiny DyRCNNx4 with Brain-Score, reuse results, never serve stale ones."""
from __future__ import annotations

import math
import shutil
import time

import numpy as np
import pytest
import torch

from benchmarks.errors import DataNotAvailableError, ScoringError
from benchmarks.model_source import ModelSource, load_model
from benchmarks.results import load_results
from benchmarks.runner import score_model
from tests.helpers import quiet
from tests.helpers.configs import X4_16PX as TINY
from tests.helpers.configs import X4_16PX_TRAIN as TINY_TRAIN


def _spec(*extra: str) -> ModelSource:
    return ModelSource("DyRCNNx4", overrides=[*TINY, *extra])


def test_untrained_model_on_user_data_static_and_temporal(user_data, tmp_path):
    messages = []
    results = score_model(_spec(), [str(user_data["static"]), str(user_data["temporal"])], tmp_path / "out",
                          log=messages.append)
    assert any("UNTRAINED" in m for m in messages)
    static, temporal = results
    for result in results:
        assert result.model == "DyRCNNx4" and result.trained is False
        assert result.model_identifier.startswith("DyRCNNx4-c") and "-w" in result.model_identifier
        assert result.config_hash and result.weights_hash and result.checkpoint is None
        assert math.isfinite(result.score) and 0 < result.ceiling <= 1
        assert result.layers == ["V4"] and result.region == "V4"
        assert set(result.versions) >= {"dynvision", "brainscore-vision", "torch"}
        assert result.path.is_file() and result.path.with_suffix(".nc").is_file()
        assert result.timings["extraction"] > 0
    assert static.time_bins == [[50.0, 150.0]] and static.per_bin == []
    # 16 steps of 10 ms trained, run to 150 ms: within the trained horizon, no note
    assert (static.trained_horizon_ms, static.scored_horizon_ms) == (160.0, 150.0)
    assert not any("trained horizon" in note for result in results for note in result.notes)
    assert math.isclose(static.score, static.raw ** 2 / static.ceiling, rel_tol=1e-6)  # Brain-Score's r^2/ceiling
    assert [b["time_bin_start"] for b in temporal.per_bin] == [0.0, 50.0, 100.0]
    assert math.isclose(np.mean([b["score"] for b in temporal.per_bin]), temporal.score, rel_tol=1e-6)
    arrays = temporal.arrays()
    assert arrays["score_per_bin"].sizes["time_bin"] == 3
    assert "raw_values" in arrays  # per split and neuroid
    assert [r.benchmark for r in load_results(tmp_path / "out")] == sorted(r.benchmark for r in results)


def test_scoring_past_the_trained_horizon_warns_and_is_noted(user_data, tmp_path):
    with pytest.warns(RuntimeWarning, match="scored up to 150 ms of model time, beyond its trained horizon of 100 ms"):
        result = score_model(_spec("model.args.input_dims=[10,3,16,16]"), [str(user_data["static"])],
                             tmp_path / "out", log=quiet)[0]
    assert (result.trained_horizon_ms, result.scored_horizon_ms) == (100.0, 150.0)
    assert any("beyond its trained horizon of 100 ms" in note for note in result.notes)


def test_rerun_reuses_and_force_rescoring(user_data, tmp_path):
    out = tmp_path / "out"
    first = score_model(_spec(), [str(user_data["static"])], out, log=quiet)[0]
    messages = []
    start = time.perf_counter()
    again = score_model(_spec(), [str(user_data["static"])], out, log=messages.append)[0]
    assert any("reusing" in m for m in messages)
    assert again == first and time.perf_counter() - start < 30
    forced = score_model(_spec(), [str(user_data["static"])], out, force=True, log=quiet)[0]
    assert forced.date >= first.date and forced.score == pytest.approx(first.score)  # deterministic
    other_settings = score_model(_spec(), [str(user_data["static"])], out, log=messages.append,
                                 options=__import__("benchmarks.runner", fromlist=["ScoreOptions"]).ScoreOptions(
                                     latency=20.0, progress=False))[0]
    assert other_settings.settings["latency"] == 20.0 and other_settings.score != first.score


def test_changed_weights_or_config_are_never_served_stale_results(user_data, tmp_path):
    """Brain-Score caches by model identifier: ours embeds the config and weights hashes."""
    out = tmp_path / "out"
    benchmark = [str(user_data["static"])]
    before = score_model(_spec(), benchmark, out, log=quiet)[0]
    loaded = load_model(_spec())
    with torch.no_grad():
        for parameter in loaded.model.parameters():
            parameter.add_(0.2 * torch.randn_like(parameter))
    changed = score_model(ModelSource(loaded.model, name="DyRCNNx4"), benchmark, out, log=quiet)[0]
    assert changed.model_identifier != before.model_identifier
    assert changed.score != pytest.approx(before.score)
    reconfigured = score_model(_spec("model.args.tau=40"), benchmark, out, log=quiet)[0]
    assert reconfigured.config_hash != before.config_hash and reconfigured.model_identifier != before.model_identifier
    assert reconfigured.score != pytest.approx(before.score)
    assert len(load_results(out)) == 3  # nothing overwritten


def test_a_checkpoint_rewritten_in_place_is_scored_again(user_data, tmp_path):
    from dynvision.config import load_config
    from dynvision.training import train

    benchmark = [str(user_data["static"])]
    checkpoint = tmp_path / "model.ckpt"
    scores = []
    for seed in (0, 1):
        run = train(load_config(None, [*TINY_TRAIN, f"seed={seed}"]), out=tmp_path / f"run{seed}", test=False)
        shutil.copy(run.best_checkpoint or run.last_checkpoint, checkpoint)  # same path, new weights
        result = score_model(ModelSource("DyRCNNx4", checkpoint=checkpoint), benchmark, tmp_path / "out", log=quiet)[0]
        assert result.trained is True and result.checkpoint == str(checkpoint) and result.checkpoint_hash
        scores.append(result)
    assert scores[0].model_identifier != scores[1].model_identifier
    assert scores[0].checkpoint_hash != scores[1].checkpoint_hash
    assert scores[0].score != pytest.approx(scores[1].score)
    with pytest.raises(ScoringError, match="holds a DyRCNNx4, not a DyRCNNx2"):
        load_model(ModelSource("DyRCNNx2", checkpoint=checkpoint))
    with pytest.raises(ScoringError, match="carries its own config"):
        load_model(ModelSource("DyRCNNx4", checkpoint=checkpoint, overrides=["model.args.tau=3"]))


def test_offline_brainscore_benchmark_fails_fast_and_leaves_nothing(tmp_path, scoring_environment):
    out = tmp_path / "out"
    start = time.perf_counter()
    with pytest.raises(DataNotAvailableError) as error:
        score_model(_spec(), ["majajhong"], out, log=quiet)
    assert time.perf_counter() - start < 60  # seconds: the time to import the plugin, no network retries
    message = str(error.value)
    assert "MajajHong2015public.V4-pls" in message and "BRAINIO_HOME" in message and "expected at" in message
    assert not out.exists()
    brainio = scoring_environment / "brainscore" / "brainio"
    leftovers = [p for p in brainio.rglob("*") if p.is_file()] if brainio.exists() else []
    assert leftovers == []


@pytest.mark.data
def test_cowley_v4_end_to_end(shared_data_dir, tmp_path):
    result = score_model(_spec(), ["Cowley2023.V4-pls"], tmp_path / "out", data_dir=shared_data_dir, log=quiet)[0]
    assert result.benchmark == "Cowley2023.V4-pls"
    assert result.ceiling == pytest.approx(0.773, abs=0.01)  # measured in docs/benchmarks.md
    assert result.time_bins == [[50.0, 150.0]] and result.layers == ["V4"]
    assert 0 <= result.score < 1 and result.error is not None
    assert math.isclose(result.score, result.raw ** 2 / result.ceiling, rel_tol=1e-6)
