"""A trained default model's score on the offline benchmark is reproducible to 1e-6 across runs."""
import pytest

from benchmarks.model_source import ModelSource
from benchmarks.runner import ScoreOptions, score_model
from tests.helpers import quiet
from tests.helpers.configs import X4_16PX_TRAIN as TINY_TRAIN


@pytest.mark.slow
def test_trained_model_scores_the_same_twice(tmp_path, monkeypatch):
    from brain_models import adapter
    from dynvision.config import load_config
    from dynvision.training import train

    # IT of 32 channels: enough features for Brain-Score's 25 PLS components, and more than 30 (-> PCA)
    run = train(load_config(None, [*TINY_TRAIN, "model.args.channels=[4,4,8,32]"]), out=tmp_path / "run",
                test=False)
    spec = ModelSource("DyRCNNx4", checkpoint=run.best_checkpoint or run.last_checkpoint)
    options = ScoreOptions(max_features=30, progress=False)  # reduced by PCA on the reference images
    results = []
    for attempt in range(2):
        monkeypatch.setattr(adapter, "_FITTED_PCA", {})  # fit the reduction again, as a new process would
        results.append(score_model(spec, ["synthetic"], tmp_path / f"out{attempt}", options=options, log=quiet)[0])
    first, second = results
    assert first.settings["reduction"] == "pca" and first.trained is True
    assert abs(first.score - second.score) < 1e-6 and abs(first.raw - second.raw) < 1e-6
    assert len(first.per_bin) > 1
    for a, b in zip(first.per_bin, second.per_bin):
        assert abs(a["score"] - b["score"]) < 1e-6
