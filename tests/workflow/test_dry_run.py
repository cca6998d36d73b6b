"""Dry runs (snakemake -n) list the expected jobs."""
from __future__ import annotations

import re
from typing import Dict

import pytest

from benchmarks.commands.workflow import snakemake_command

from .conftest import TINY_MODEL, snakemake


def job_counts(output: str) -> Dict[str, int]:
    """The 'Job stats' table of a snakemake dry run."""
    table = output[output.index("Job stats:"):]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)\s*$", table, re.M)}


def test_three_variants_by_two_seeds(tmp_path):
    result = snakemake(
        tmp_path, "-n", "--config", "model_args={recurrence_type: [full, self, none]}", "seeds=[0, 1]",
        "experiment=contrast", "benchmarks=[synthetic]",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts == {
        "train": 6, "score": 6, "experiment": 6, "compare_report": 1, "aggregate_experiment": 1,
        "aggregate_scores": 1, "plot_experiment": 1, "plot_scores": 1, "report": 1, "all": 1, "total": 25,
    }
    text = result.stdout + result.stderr
    runs = set(re.findall(r"results/runs/(recurrence_type-\w+/seed\d)/training\.json", text))
    assert len(runs) == 6 and "recurrence_type-self/seed1" in runs
    assert not (tmp_path / "results").exists()  # a dry run writes nothing, not even the plan


def test_a_compare_plan_runs_in_the_workflow(tmp_path):
    from dynvision.cli import main

    assert main(["compare", "DyRCNNx2", "--vary", "recurrence_type=self,full", "--benchmark", "synthetic",
                 "--train", "--seeds", "2", "--out", str(tmp_path / "cmp"), "--plan", str(tmp_path / "plan.json")]) == 0
    result = snakemake(tmp_path, "-n", "--config", f"plan={tmp_path / 'plan.json'}", "experiment=[]")
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts["train"] == 4 and counts["score"] == 4 and counts["compare_report"] == 1
    assert "experiment" not in counts


def test_a_hostile_benchmark_name_fails_before_any_job(tmp_path):
    config = tmp_path / "hostile.yaml"
    config.write_text('benchmarks: ["synthetic --layer IT=V2;touch MARKER;echo"]\n')
    result = snakemake(tmp_path, "--cores", "1", "--configfile", str(config))
    assert result.returncode != 0
    assert "unknown benchmark" in result.stdout + result.stderr
    assert not (tmp_path / "MARKER").exists() and not (tmp_path / "results").exists()


def test_spec_command_line_in_an_initialized_folder(tmp_path):
    from benchmarks.commands.workflow import _init

    assert _init(tmp_path, force=False) == 0
    # exactly the spec's line (plus -n), with MyModel coming from a user file
    result = snakemake(tmp_path, "-n", "--config", "model_name=MyModel", "experiment=contrast",
                       f"model_module={TINY_MODEL}")
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts["train"] == 1 and counts["experiment"] == 1 and "score" not in counts
    assert "results/runs/base/seed0/training.json" in result.stdout + result.stderr


def test_bad_config_fails_at_parse_time_with_the_key(tmp_path):
    result = snakemake(tmp_path, "-n", "--config", "experiment=contrasts")
    assert result.returncode != 0
    assert "unknown experiment 'contrasts'" in result.stdout + result.stderr


def test_run_command_adds_the_snakefile_and_cores():
    command = snakemake_command(["--config", "experiment=contrast"])
    assert command[1:5] == ["-m", "snakemake", "--snakefile", command[4]] and command[4].endswith("Snakefile")
    assert command[5:7] == ["--cores", "all"]
    assert "--cores" not in snakemake_command(["-n"]) and "--cores" not in snakemake_command(["-j", "4"])
    slurm = snakemake_command(["--slurm", "-n"])
    assert "--slurm" not in slurm and slurm[slurm.index("--profile") + 1].endswith("profiles/slurm")


def test_slurm_profile_asks_a_gpu_for_training_and_names_real_rules():
    import yaml

    from benchmarks.workflow import SNAKEFILE, profile_path

    profile = yaml.safe_load((profile_path("slurm") / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["set-resources"]["train"]["gpu"] == 1
    assert "gpu" not in profile["set-resources"]["score"]
    rules = set(re.findall(r"^rule (\w+):", SNAKEFILE.read_text(), re.M))
    assert set(profile["set-resources"]) <= rules and set(profile["set-threads"]) <= rules


def test_slurm_profile_dry_run(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="the SLURM executor plugin is not installed (pip install 'dynvision[slurm]')")
    from benchmarks.workflow import profile_path

    result = snakemake(tmp_path, "-n", "--profile", str(profile_path("slurm")), "--config",
                       "model_args={recurrence_type: [full, self]}", "experiment=contrast")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "gpu=1" in result.stdout + result.stderr
