"""The packaged Snakemake workflow: train variants -> score -> experiments ->
aggregate -> plots/report, driven by a comparison plan (:mod:`benchmarks.compare`, the
engine of ``dynvision compare``).

``SNAKEFILE`` is what ``dynvision workflow path`` prints; :mod:`.plan` turns a workflow
config (or a saved ``dynvision compare`` plan) into runs, work items, experiments and the
argument list of every job; ``aggregate`` and ``report`` are the Python steps the Snakefile
calls. See ``docs/workflows.md``.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
SNAKEFILE = HERE / "Snakefile"
DEFAULT_CONFIG = HERE / "config.yaml"
PROFILES = HERE / "profiles"


def profile_path(name: str = "slurm") -> Path:
    """Folder of a packaged Snakemake profile (``--profile``)."""
    path = PROFILES / name
    if not (path / "config.yaml").is_file():
        available = sorted(p.name for p in PROFILES.iterdir() if (p / "config.yaml").is_file())
        raise ValueError(f"no workflow profile {name!r}; available: {', '.join(available)}")
    return path


__all__ = ["DEFAULT_CONFIG", "HERE", "PROFILES", "SNAKEFILE", "profile_path"]
