"""The workflow plan: grids, run names by config hash, experiment ids."""
from __future__ import annotations

import pytest

from dynvision.workflow.plan import WorkflowConfigError, build_plan, grid, resolve


def test_grid_is_the_product_of_list_values():
    variants = grid({"recurrence_type": ["full", "self", "none"], "tau": [4, 8], "dt": 2})
    assert len(variants) == 6
    assert {"recurrence_type": "self", "tau": 8, "dt": 2} in variants


def test_list_valued_argument_goes_in_one_more_list():
    assert grid({"input_dims": [[10, 3, 32, 32]]}) == [{"input_dims": [10, 3, 32, 32]}]
    assert grid([{"tau": 4}, {"tau": 8, "dt": 1}]) == [{"tau": 4}, {"tau": 8, "dt": 1}]


def test_scalars_from_the_command_line_become_lists():
    cfg = resolve({"experiment": "contrast", "seeds": 3, "data": "digits"})
    assert cfg["experiment"] == ["contrast"] and cfg["seeds"] == [3] and cfg["data"] == {"name": "digits"}


def test_unknown_key_is_named():
    with pytest.raises(WorkflowConfigError, match=r"unknown workflow config key\(s\) \['model'\]"):
        resolve({"model": "DyRCNNx4"})


def test_runs_are_named_by_model_and_training_config_hash():
    plan = build_plan({"model_args": {"recurrence_type": ["full", "self", "none"]}, "seeds": [0, 1],
                       "experiment": ["contrast", "interval"]})
    ids = [v.id for v in plan.variants]
    assert plan.variants[0].label() == "recurrence_type=full"
    assert len(set(ids)) == 6 and all(i.startswith("DyRCNNx4-") for i in ids)
    # an experiment change does not rename (retrain) any run ...
    other = build_plan({"model_args": {"recurrence_type": ["full", "self", "none"]}, "seeds": [0, 1],
                        "experiment": "contrast", "experiment_args": {"contrast": {"contrasts": [1.0]}}})
    assert [v.id for v in other.variants] == ids
    # ... but changes the experiment's id; untouched experiments keep theirs
    assert other.experiments[0].id != plan.experiments[0].id
    assert plan.experiments[0].id.startswith("contrast-")
    # a training change renames only the runs it touches
    changed = build_plan({"model_args": {"recurrence_type": ["full", "self", "none"]}, "seeds": [0, 2]})
    assert set(ids) & {v.id for v in changed.variants} == set(ids[0::2])


def test_variant_hash_matches_dynvision_train(tmp_path):
    from dynvision.config import resolve_config
    from dynvision.config import config_hash

    plan = build_plan({"model_args": {"tau": 6}, "seeds": 4, "train": {"trainer.max_epochs": 2}})
    variant = plan.variants[0]
    config = resolve_config(None, "DyRCNNx4", variant.overrides)
    assert config.seed == 4 and config.trainer.max_epochs == 2 and config.model.args["tau"] == 6
    assert variant.id == f"DyRCNNx4-{config_hash(config)}"


def test_bad_values_are_errors_before_anything_runs():
    with pytest.raises(WorkflowConfigError, match="experiment 'contrast'.*no parameter"):
        build_plan({"experiment": "contrast", "experiment_args": {"contrast": {"contrast": [1]}}})
    with pytest.raises(WorkflowConfigError, match="identical runs"):
        build_plan({"seeds": [1, 1]})
