"""Grid parsing, the work list (plan.json, --plan) and checkpoint matching."""
from __future__ import annotations

import json

import pytest
import torch

from benchmarks.compare import ComparePlan, GridError, PlanError, build_plan, make_grid, parse_seeds, parse_vary
from benchmarks.compare.grid import split_values
from benchmarks.compare.plan import match_checkpoints
from dynvision.cli import main
from tests.helpers.configs import X2_16PX as TINY
from tests.helpers.configs import sets


# ----------------------------------------------------------------- grid
def test_values_are_yaml_scalars_and_keys_map_to_config_paths():
    grid = parse_vary(["recurrence_type=self,full", "tau=5,7.5", "optimizer.args.lr=1e-3", "skip=true,false",
                       "channels=[4,4],[8,8]"])
    assert grid == {"recurrence_type": ["self", "full"], "tau": [5, 7.5], "optimizer.args.lr": [1e-3],
                    "skip": [True, False], "channels": [[4, 4], [8, 8]]}
    variants = make_grid(grid)
    assert len(variants) == 2 * 2 * 1 * 2 * 2
    first = variants[0]
    assert first.name == "recurrence_type=self,tau=5,optimizer.args.lr=0.001,skip=true,channels=[4,4]"
    assert first.overrides() == ["model.args.recurrence_type=self", "model.args.tau=5", "optimizer.args.lr=0.001",
                                 "model.args.skip=true", "model.args.channels=[4,4]"]
    assert "/" not in first.slug and "=" not in first.slug


def test_grid_order_first_key_slowest_and_labels():
    variants = make_grid(parse_vary(["recurrence_type=self,full", "tau=5,10"]))
    assert [v.as_dict() for v in variants] == [
        {"recurrence_type": "self", "tau": 5}, {"recurrence_type": "self", "tau": 10},
        {"recurrence_type": "full", "tau": 5}, {"recurrence_type": "full", "tau": 10}]
    assert variants[1].label == "recurrence_type=self, tau=10"
    assert make_grid(parse_vary(["recurrence_type=local"]))[0].label == "local"
    assert [v.name for v in make_grid({})] == ["base"]


def test_string_values_that_look_like_numbers_stay_what_yaml_says():
    (variant,) = make_grid(parse_vary(['name="10"']))
    assert variant.as_dict() == {"name": "10"} and variant.overrides() == ['model.args.name="10"']


@pytest.mark.parametrize("flag, message", [
    ("recurrence_type", "expected KEY=VALUE"),
    ("=self", "expected KEY=VALUE"),
    ("seed=1,2", "--seeds"),
    ("recurrence_type=self,self", "listed twice"),
    ("recurrence_type=self,", "empty value"),
    ("channels=[4,4", "unbalanced"),
])
def test_bad_vary_flags_are_errors(flag, message):
    with pytest.raises(GridError, match=message):
        parse_vary([flag])


def test_a_key_given_twice_is_an_error():
    with pytest.raises(GridError, match="given twice"):
        parse_vary(["tau=5", "model.args.tau=10"])


def test_split_values_respects_brackets_and_quotes():
    assert split_values("[1,2],{a: 1, b: 2},'x,y',z") == ["[1,2]", "{a: 1, b: 2}", "'x,y'", "z"]


def test_seeds():
    assert parse_seeds(3) == [0, 1, 2] and parse_seeds("0,5,7") == [0, 5, 7]
    for bad in ("0", "x", "1,1"):
        with pytest.raises(GridError):
            parse_seeds(bad)


# ----------------------------------------------------------------- plan
def test_plan_is_variant_x_seed_x_benchmark_and_round_trips(tmp_path):
    plan = build_plan("DyRCNNx2", parse_vary(["recurrence_type=self,full,local"]), ["synthetic"], tmp_path,
                      seeds=[0, 1], source="train", overrides=TINY, argv=["dynvision", "compare", "DyRCNNx2"])
    assert len(plan.items) == 3 * 2 * 1
    assert len({item.id for item in plan.items}) == 6
    item = plan.items[1]
    assert item.variant == "recurrence_type=self" and item.seed == 1
    assert item.benchmark == "DynVision.synthetic-temporal-pls" and item.benchmark_source == "synthetic"
    assert item.overrides[-2:] == ["model.args.recurrence_type=self", "seed=1"]
    assert item.run_dir == str(tmp_path / "runs" / "recurrence_type-self" / "seed1")
    data = json.loads(plan.to_json())
    assert data["items"][1]["command"][-3:] == ["--item", item.id, "--no-report"]
    assert len(data["runs"]) == 6 and data["runs"][0]["items"] == [plan.items[0].id]
    again = ComparePlan.load(plan.save())
    assert again.items == plan.items and again.vary == plan.vary


def test_unknown_model_argument_fails_before_any_work(tmp_path):
    with pytest.raises(PlanError, match="takes no argument 'recurrence'"):
        build_plan("DyRCNNx2", parse_vary(["recurrence=self"]), ["synthetic"], tmp_path)


def test_cli_plan_prints_the_work_list(tmp_path, capsys):
    code = main(["compare", "DyRCNNx2", "--vary", "recurrence_type=self,full", "--vary", "tau=5,10",
                 "--benchmark", "synthetic", "--seeds", "2", "--train", "--out", str(tmp_path / "c"), "--plan"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["items"]) == 2 * 2 * 2 and data["source"] == "train" and data["seeds"] == [0, 1]
    assert not (tmp_path / "c").exists()  # --plan runs nothing
    path = tmp_path / "plan.json"
    assert main(["compare", "DyRCNNx2", "--vary", "recurrence_type=self", "--benchmark", "synthetic",
                 "--plan", str(path)]) == 0
    assert len(ComparePlan.load(path).items) == 1


def test_cli_reports_bad_flags(capsys):
    assert main(["compare", "DyRCNNx2", "--vary", "recurrence_type", "--benchmark", "synthetic", "--plan"]) == 2
    assert "expected KEY=VALUE" in capsys.readouterr().err
    assert main(["compare", "DyRCNNx2", "--vary", "tau=1", "--benchmark", "nosuchbenchmark", "--plan"]) == 2
    assert "unknown benchmark" in capsys.readouterr().err


# ----------------------------------------------------------------- checkpoints
def _fake_checkpoint(path, recurrence_type=None, seed=0, model="DyRCNNx2", tau=8.0):
    from dynvision.loading import CONFIG_KEY

    args = {"tau": tau}
    if recurrence_type is not None:
        args["recurrence_type"] = recurrence_type
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({CONFIG_KEY: {"model": {"name": model, "args": args}, "seed": seed}}, path)
    return path


def test_checkpoints_match_by_stored_config(tmp_path):
    a0 = _fake_checkpoint(tmp_path / "a" / "seed0" / "checkpoints" / "epoch=3.ckpt", "self", 0)
    _fake_checkpoint(tmp_path / "a" / "seed0" / "checkpoints" / "last.ckpt", "self", 0)
    a1 = _fake_checkpoint(tmp_path / "a1.ckpt", "self", 1)
    full0 = _fake_checkpoint(tmp_path / "b" / "x.ckpt", None, 0)  # recurrence_type absent: DyRCNN's default, full
    full1 = _fake_checkpoint(tmp_path / "b" / "y.pt", "full", 1)
    _fake_checkpoint(tmp_path / "other.ckpt", "self", 0, model="DyRCNNx4")  # another model: ignored
    (tmp_path / "junk.ckpt").write_text("not a checkpoint")
    variants = make_grid(parse_vary(["recurrence_type=self,full"]))
    matched = match_checkpoints(tmp_path, "DyRCNNx2", variants, [0, 1])
    assert matched == {("recurrence_type=self", 0): a0, ("recurrence_type=self", 1): a1,
                       ("recurrence_type=full", 0): full0, ("recurrence_type=full", 1): full1}


def test_missing_and_ambiguous_checkpoints_are_errors(tmp_path):
    _fake_checkpoint(tmp_path / "r1" / "m.ckpt", "self", 0, tau=5)
    _fake_checkpoint(tmp_path / "r2" / "m.ckpt", "self", 0, tau=10)
    variants = make_grid(parse_vary(["recurrence_type=self,full"]))
    with pytest.raises(PlanError) as error:
        match_checkpoints(tmp_path, "DyRCNNx2", variants, [0])
    assert "recurrence_type=full seed 0" in str(error.value) and "several training runs" in str(error.value)
    # a --set key tells the two runs apart
    only = make_grid(parse_vary(["recurrence_type=self"]))
    matched = match_checkpoints(tmp_path, "DyRCNNx2", only, [0], overrides=["model.args.tau=10"])
    assert matched[("recurrence_type=self", 0)] == tmp_path / "r2" / "m.ckpt"


# ----------------------------------------------------------------- validation before work
def test_a_variant_the_model_refuses_fails_before_any_training(tmp_path, capsys):
    out = tmp_path / "c"
    code = main(["compare", "DyRCNNx2", "--vary", "recurrence_type=self,fulll", "--benchmark", "synthetic",
                 "--train", "--out", str(out), *sets(TINY)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--vary recurrence_type=fulll:" in err and "unknown recurrence type 'fulll'" in err
    assert "valid: " in err and "full" in err and "Traceback" not in err
    assert not out.exists()  # nothing trained, nothing written


def test_missing_offline_data_fails_before_any_training(tmp_path, capsys):
    out = tmp_path / "c"
    code = main(["compare", "DyRCNNx2", "--vary", "recurrence_type=self", "--benchmark", "majajhong", "--train",
                 "--offline", "--out", str(out), *sets(TINY)])
    err = capsys.readouterr().err
    assert code == 2 and "MajajHong2015public" in err and "not on this machine" in err
    assert not (out / "runs").exists()
