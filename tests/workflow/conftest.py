"""Helpers to run the packaged workflow with snakemake in a temporary folder."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from benchmarks.workflow import SNAKEFILE
from tests.helpers.models import MODEL_MODULE as TINY_MODEL

pytest.importorskip("snakemake", reason="snakemake is not installed (pip install 'dynvision[workflow]')")


def snakemake(workdir: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``python -m snakemake -s <packaged Snakefile> ARGS`` in ``workdir``."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    command: List[str] = [sys.executable, "-m", "snakemake", "-s", str(SNAKEFILE), *args]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout)


def tiny_sweep_config(tmp_path: Path, **extra) -> Path:
    """A config file for a tiny sweep of TinyNet on 8x8 digits."""
    import yaml

    config = {
        "model_name": "TinyNet",
        "model_module": str(TINY_MODEL),
        "model_args": {"recurrence_type": ["none", "self"], "input_dims": [[4, 1, 8, 8]], "n_classes": 10},
        "seeds": [0],
        "data": {"name": "digits", "image_size": 8, "channels": 1, "batch_size": 64},
        "train": {
            "trainer.max_epochs": 1, "trainer.limit_train_batches": 2, "trainer.limit_val_batches": 1,
            "trainer.limit_test_batches": 1, "trainer.num_sanity_val_steps": 0,
            "trainer.enable_progress_bar": False, "trainer.enable_model_summary": False,
            "trainer.accelerator": "cpu", "trainer.devices": 1,
        },
        "experiment": "contrast",
        "experiment_args": {"contrast": {"contrasts": [0.5, 1.0], "duration_ms": 10, "total_ms": 40}},
        "n_images": 16,
        "batch_size": 16,
        "benchmarks": [],
        **extra,
    }
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(config))
    return path
