"""Dry runs (snakemake -n) list the expected jobs."""
from __future__ import annotations

import re
from pathlib import Path
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
        tmp_path, "-n", "-p", "--config", "model_args={recurrence_type: [full, self, none]}", "seeds=[0, 1]",
        "experiment=contrast", "benchmarks=[synthetic]",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts == {
        "train": 6, "score": 6, "experiment": 6, "aggregate_experiment": 1, "aggregate_scores": 1,
        "plot_experiment": 1, "plot_scores": 1, "report": 1, "all": 1, "total": 24,
    }
    text = result.stdout + result.stderr
    assert len(set(re.findall(r"results/runs/(DyRCNNx4-[0-9a-f]{12})/model\.ckpt", text))) == 6
    assert "dynvision train DyRCNNx4" in text and "--set seed=1" in text
    assert "--benchmark synthetic" in text and "experiment contrast --checkpoint" in text


def test_spec_command_line_in_an_initialized_folder(tmp_path):
    from benchmarks.commands.workflow import _init

    assert _init(tmp_path, force=False) == 0
    # exactly the spec's line (plus -n), with MyModel coming from a user file
    result = snakemake(tmp_path, "-n", "--config", "model_name=MyModel", "experiment=contrast",
                       f"model_module={TINY_MODEL}")
    assert result.returncode == 0, result.stderr + result.stdout
    counts = job_counts(result.stdout + result.stderr)
    assert counts["train"] == 1 and counts["experiment"] == 1 and "score" not in counts
    assert "results/runs/MyModel-" in result.stdout + result.stderr


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

    from dynvision.workflow import SNAKEFILE, profile_path

    profile = yaml.safe_load((profile_path("slurm") / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert profile["set-resources"]["train"]["gpu"] == 1
    assert "gpu" not in profile["set-resources"]["score"]
    rules = set(re.findall(r"^rule (\w+):", SNAKEFILE.read_text(), re.M))
    assert set(profile["set-resources"]) <= rules and set(profile["set-threads"]) <= rules


def test_slurm_profile_dry_run(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm",
                        reason="the SLURM executor plugin is not installed (pip install 'dynvision[slurm]')")
    from dynvision.workflow import profile_path

    result = snakemake(tmp_path, "-n", "--profile", str(profile_path("slurm")), "--config",
                       "model_args={recurrence_type: [full, self]}", "experiment=contrast")
    assert result.returncode == 0, result.stderr + result.stdout
    assert "gpu=1" in result.stdout + result.stderr
