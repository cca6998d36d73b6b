"""The workflow plan: a comparison plan (the engine of `dynvision compare`) built from the
workflow config, validated before any job, and every job's command an argument list."""
from __future__ import annotations

import json
import sys

import pytest

from benchmarks.compare import ComparePlan, parse_vary
from benchmarks.compare import build_plan as build_compare_plan
from benchmarks.workflow.plan import WorkflowConfigError, build_plan, resolve, run_logged, variants_of


def test_model_args_list_values_are_grid_axes_as_compare_vary():
    axes, variants, fixed = variants_of({"recurrence_type": ["full", "self", "none"], "tau": [4, 8], "dt": 2})
    assert len(variants) == 6 and fixed == ["model.args.dt=2"]
    # the same variants (names, overrides) as `dynvision compare --vary`
    from benchmarks.compare import make_grid

    assert variants == make_grid(parse_vary(["recurrence_type=full,self,none", "tau=4,8"]))
    assert axes == {"recurrence_type": ["full", "self", "none"], "tau": [4, 8]}


def test_list_valued_argument_goes_in_one_more_list_and_literal_variants():
    assert variants_of({"input_dims": [[10, 3, 32, 32]]})[2] == ["model.args.input_dims=[10, 3, 32, 32]"]
    _, variants, _ = variants_of([{"tau": 4}, {"tau": 8, "dt": 1}])
    assert [v.as_dict() for v in variants] == [{"tau": 4}, {"tau": 8, "dt": 1}]


def test_scalars_from_the_command_line_become_lists():
    cfg = resolve({"experiment": "contrast", "seeds": 3, "data": "digits"})
    assert cfg["experiment"] == ["contrast"] and cfg["seeds"] == [3] and cfg["data"] == {"name": "digits"}


def test_unknown_key_is_named():
    with pytest.raises(WorkflowConfigError, match=r"unknown workflow config key\(s\) \['model'\]"):
        resolve({"model": "DyRCNNx4"})
    with pytest.raises(WorkflowConfigError, match=r"score: unknown setting\(s\) \['layers'\]"):
        resolve({"score": {"layers": "IT=V2"}})


def test_scoring_options_of_compare_are_score_keys():
    """``reduction`` and ``per_layer`` (flags of `dynvision compare`) were once refused here."""
    assert resolve({"score": {"reduction": "pool", "per_layer": True}})["score"] == {"reduction": "pool",
                                                                                     "per_layer": True}


def test_the_workflow_plan_is_the_compare_plan(tmp_path):
    plan = build_plan({"model_args": {"recurrence_type": ["full", "self", "none"]}, "seeds": [0, 1],
                       "benchmarks": ["synthetic"], "train": {"trainer.max_epochs": 2}, "out": str(tmp_path),
                       "experiment": ["contrast", "interval"], "score": {"region_layer_map": {"IT": "V4"}}})
    same = build_compare_plan("DyRCNNx4", parse_vary(["recurrence_type=full,self,none"]), ["synthetic"], tmp_path,
                              seeds=[0, 1], source="train", overrides=["trainer.max_epochs=2"],
                              settings={"region_layer_map": {"IT": "V4"}})
    assert [r.id for r in plan.runs] == [r.id for r in same.runs] and len(plan.runs) == 6
    assert [i.id for i in plan.compare.items] == [i.id for i in same.items]
    assert [r.overrides for r in plan.runs] == [r.overrides for r in same.runs]
    assert plan.runs[0].label == "full" and plan.runs[0].run_dir == str(tmp_path / "runs" / "recurrence_type-full" / "seed0")
    assert {e.name for e in plan.experiments} == {"contrast", "interval"}
    # jobs are argument lists running the comparison engine on the saved plan
    item = plan.compare.items[0]
    args = plan.score_args(item)
    assert args[:3] == [sys.executable, "-m", "dynvision"]
    assert args[3:] == ["compare", "--from-plan", str(tmp_path / "plan.json"), "--item", item.id, "--no-report",
                        "--no-progress"]
    assert plan.train_args(plan.runs[0])[-3:] == ["--item", plan.runs[0].id, "--train-only"]


def test_an_experiment_change_keeps_the_runs_a_seed_adds_runs(tmp_path):
    base = {"model_args": {"recurrence_type": ["full", "self"]}, "out": str(tmp_path)}
    plan = build_plan({**base, "experiment": "contrast"})
    other = build_plan({**base, "experiment": "contrast", "experiment_args": {"contrast": {"contrasts": [1.0]}}})
    assert [r.id for r in other.runs] == [r.id for r in plan.runs]
    assert other.experiments[0].id != plan.experiments[0].id and plan.experiments[0].id.startswith("contrast-")
    more = build_plan({**base, "seeds": [0, 1]})
    assert {r.id for r in plan.runs} < {r.id for r in more.runs}


def test_bad_values_are_errors_before_anything_runs(tmp_path):
    with pytest.raises(WorkflowConfigError, match="experiment 'contrast'.*no parameter"):
        build_plan({"experiment": "contrast", "experiment_args": {"contrast": {"contrast": [1]}}})
    with pytest.raises(WorkflowConfigError, match="repeats a seed"):
        build_plan({"seeds": [1, 1]})
    # every variant's model is built first: a typo in model_args fails at once, naming it
    with pytest.raises(WorkflowConfigError, match=r"model_args recurrence_type=fulll: unknown recurrence type"):
        build_plan({"model_args": {"recurrence_type": ["self", "fulll"]}, "out": str(tmp_path)})


def test_a_hostile_benchmark_name_is_refused_as_unknown(tmp_path):
    with pytest.raises(WorkflowConfigError, match="unknown benchmark"):
        build_plan({"benchmarks": ["synthetic --layer IT=V2;touch MARKER;echo"], "out": str(tmp_path)})


def test_job_commands_never_reach_a_shell(tmp_path):
    hostile = "x;touch MARKER;echo $(touch MARKER2)"
    log = tmp_path / "job.log"
    run_logged([sys.executable, "-c", "import sys; print('arg:', sys.argv[1])", hostile], str(log))
    assert f"arg: {hostile}" in log.read_text()
    assert not list(tmp_path.glob("MARKER*")) and not list(tmp_path.parent.glob("MARKER*"))


def test_a_saved_compare_plan_is_run_as_it_is(tmp_path):
    compare = build_compare_plan("DyRCNNx2", parse_vary(["recurrence_type=self,full"]), ["synthetic"],
                                 tmp_path / "cmp", seeds=[0], source="untrained")
    path = compare.save()
    plan = build_plan({"plan": str(path), "experiment": []})
    assert plan.compare == ComparePlan.load(path) and plan.plan_file == str(path)
    assert plan.config["name"] == "DyRCNNx2" and plan.out == str(tmp_path / "cmp")
    assert json.loads(path.read_text())["runs"][0]["id"] == "recurrence_type=self/seed=0"
    with pytest.raises(WorkflowConfigError, match=r"the plan fixes \['benchmarks'\]"):
        build_plan({"plan": str(path), "benchmarks": ["synthetic"]})
