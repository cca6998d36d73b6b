"""User data: cross-validation stratified by ``object_name`` when every class has enough stimuli for
Brain-Score's splits, otherwise unstratified with a note in the result."""
from __future__ import annotations

import pandas as pd
import torch
from torch import nn


def _static_net():
    from dynvision.models import static_model

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                        nn.Linear(64, 30))
    return static_model(net, input_size=(3, 16, 16), visual_degrees=8, region_layer_map={"V4": "4"})


def _score(nc, out):
    from benchmarks.runner import ScoreOptions, score_model

    (result,) = score_model(_static_net(), [str(nc)], out, options=ScoreOptions(progress=False), log=lambda _: None)
    return result


def test_object_classes_with_enough_stimuli_stratify_the_splits(tmp_path):
    from benchmarks import catalog
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=40, n_neuroids=4, image_size=16, seed=5)  # 4 objects x 10
    benchmark = catalog.load_benchmark(str(nc))
    assert benchmark.notes == ["cross-validation stratified by 'object_name' (4 classes, 40 stimuli)"]
    result = _score(nc, tmp_path / "results")
    assert any("stratified by 'object_name'" in note for note in result.notes)


def test_one_stimulus_per_class_is_scored_unstratified_with_a_note(tmp_path):
    from benchmarks import catalog
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=40, n_neuroids=4, image_size=16, seed=6)
    csv = nc.with_suffix(".csv")
    table = pd.read_csv(csv)
    table["object_name"] = [f"object{i}" for i in range(len(table))]  # sklearn cannot stratify these
    table.to_csv(csv, index=False)
    benchmark = catalog.load_benchmark(str(nc))
    (note,) = benchmark.notes
    assert note.startswith("cross-validation unstratified: 'object_name' cannot stratify 10 splits of 40 stimuli "
                           "into 40 classes")
    result = _score(nc, tmp_path / "results")
    assert result.raw is not None
    assert any(n.endswith(note) for n in result.notes)


def test_no_object_name_column_is_unstratified(tmp_path):
    from benchmarks import catalog
    from benchmarks.user_data.example import write_example

    nc = write_example(tmp_path / "data", n_stimuli=20, n_neuroids=4, image_size=16, seed=7)
    csv = nc.with_suffix(".csv")
    pd.read_csv(csv).drop(columns=["object_name"]).to_csv(csv, index=False)
    assert catalog.load_benchmark(str(nc)).notes == [
        "cross-validation unstratified: the stimuli have no 'object_name' column"]
