"""Held-out stimuli for layer selection: the layer of a region is chosen on one
part of a benchmark's stimuli and the model is scored on the other part.

Selecting a layer on the same stimuli it is then scored on biases the score
upwards (the choice is fitted to those stimuli's noise). :func:`held_out_split`
divides a neural benchmark's stimuli in two, stratified by ``object_name``
when the data have one (so both parts keep every category), with a seeded
permutation, and returns two copies of the benchmark, one per part. Both keep
the full benchmark's ceiling: the ceiling measures the data's reliability and
involves no model, so it is not a source of leakage.
"""
from __future__ import annotations

import copy
import hashlib
from typing import Any, Dict, Tuple

import numpy as np

from .neural import has_coord

#: fraction of the stimuli the layer is chosen on (the rest is scored)
DEFAULT_SELECTION_FRACTION = 0.5


def _target(benchmark: Any):
    # Brain-Score's NeuralBenchmark keeps its target assembly only as ``_assembly`` (our own
    # benchmarks subclass it); this is the one place that reads or replaces it.
    assembly = getattr(benchmark, "_assembly", None)
    if assembly is None or not has_coord(assembly, "stimulus_id"):
        raise ValueError(
            f"{getattr(benchmark, 'identifier', benchmark)}: --select-layers needs a neural benchmark whose "
            "stimuli can be split (a Brain-Score NeuralBenchmark, this project's own, or user data); "
            "commit a layer with --layer REGION=LAYER instead")
    return assembly


def split_stimuli(assembly: Any, fraction: float, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(selection_ids, scored_ids)``: the unique stimulus ids of ``assembly`` split by a seeded
    permutation within each ``object_name`` (all stimuli one group when there is none)."""
    if not 0 < float(fraction) < 1:
        raise ValueError(f"selection fraction {fraction}: must lie strictly between 0 and 1")
    ids = np.asarray(assembly["stimulus_id"].values).astype(str)
    groups = (np.asarray(assembly["object_name"].values).astype(str) if has_coord(assembly, "object_name")
              else np.full(len(ids), ""))
    first: Dict[str, str] = {}
    for stimulus, group in zip(ids, groups):
        first.setdefault(stimulus, group)
    rng = np.random.default_rng(int(seed))
    selection, scored = [], []
    for group in sorted(set(first.values())):
        members = np.array(sorted(s for s, g in first.items() if g == group))
        members = members[rng.permutation(len(members))]
        n = int(round(len(members) * float(fraction)))
        n = min(max(n, 1), len(members) - 1) if len(members) > 1 else len(members)
        selection += members[:n].tolist()
        scored += members[n:].tolist()
    if not selection or not scored:
        raise ValueError(f"{len(first)} stimuli cannot be split into a selection and a scored part")
    return np.array(sorted(selection)), np.array(sorted(scored))


def _digest(ids: np.ndarray) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:12]


def _subset(benchmark: Any, ids: np.ndarray, part: str, split: Dict[str, Any]):
    assembly = _target(benchmark)
    keep = np.isin(np.asarray(assembly["stimulus_id"].values).astype(str), ids)
    subset = assembly.isel(presentation=np.flatnonzero(keep))
    stimulus_set = assembly.attrs.get("stimulus_set")
    if stimulus_set is not None:
        stimuli = stimulus_set[stimulus_set["stimulus_id"].astype(str).isin(ids)]
        stimuli.identifier = f"{stimulus_set.identifier}-{part}-{split[part + '_digest']}"
        stimuli.stimulus_paths = getattr(stimulus_set, "stimulus_paths", {})
        subset.attrs["stimulus_set"] = stimuli
        subset.attrs["stimulus_set_identifier"] = stimuli.identifier
    twin = copy.copy(benchmark)
    twin._assembly = subset
    twin.stimulus_split = dict(split, part=part)
    return twin


def held_out_split(benchmark: Any, fraction: float = DEFAULT_SELECTION_FRACTION, seed: int = 0):
    """``(selection_benchmark, scored_benchmark, split)``: the benchmark on the stimuli a layer is
    chosen on, the benchmark on the remaining stimuli, and a record of the split
    (fraction, seed, stratification, sizes and a digest of each part's stimulus ids)."""
    assembly = _target(benchmark)
    selection_ids, scored_ids = split_stimuli(assembly, fraction, seed)
    split = {"method": "held-out stimuli", "fraction": float(fraction), "seed": int(seed),
             "stratified_by": "object_name" if has_coord(assembly, "object_name") else None,
             "n_selection": int(len(selection_ids)), "n_scored": int(len(scored_ids)),
             "selection_digest": _digest(selection_ids), "scored_digest": _digest(scored_ids)}
    return (_subset(benchmark, selection_ids, "selection", split), _subset(benchmark, scored_ids, "scored", split),
            split)
