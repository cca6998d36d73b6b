"""A Brain-Score ``NeuralBenchmark`` from a user's data set (layout: :mod:`.layout`).

- target: the responses averaged over repetitions;
- metric: Brain-Score's PLS regression + Pearson r, 10 cross-validation splits,
  stratified by ``object_name`` when the CSV has that column (else random),
  ``spantime_pls`` (weights shared over bins, r per bin) for several time bins;
- ceiling: Brain-Score's internal consistency (split-half over repetitions,
  Spearman-Brown corrected, median over neuroids), per time bin when there are
  several; repetitions are relabelled as odd/even halves (Brain-Score's helper
  for unequal repeat counts) so every stimulus is in both halves;
- score: ``r**2 / ceiling`` (Brain-Score's ``explained_variance``) with this
  project's conventions (:mod:`benchmarks.neural`): r < 0 or undefined scores 0,
  several bins are averaged.

Identifier: ``User.<name>.<region>-pls-<content hash>``: a changed file is a
new benchmark, never served a stale cached ceiling.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from .layout import DEFAULT_VISUAL_DEGREES, UserDataError, content_hash, locate, read_assembly, read_stimuli

__all__ = ["UserDataError", "load_user_benchmark", "load_user_assembly"]


def load_user_assembly(path: Path):
    """``(trials, info)``: the trials as a Brain-Score ``NeuroidAssembly`` with its StimulusSet attached."""
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly
    from brainscore_core.supported_data_standards.brainio.stimuli import StimulusSet

    nc = Path(path).expanduser()
    if not nc.is_file():
        raise UserDataError(f"benchmark data file {nc} does not exist")
    array = read_assembly(nc)
    files = locate(nc, dict(array.attrs))
    table = read_stimuli(files, array["stimulus_id"].values)
    digest = content_hash(files, list(table["path"]))
    name = str(array.attrs.get("identifier") or nc.stem)
    region = str(np.unique(array["region"].values.astype(str))[0])
    stimulus_set = StimulusSet(table.drop(columns=["path"]))
    stimulus_set.stimulus_paths = dict(zip(table["stimulus_id"], table["path"]))
    stimulus_set.identifier = f"User.{name}-{digest}"

    if "time_bin" not in array.dims:
        array = array.expand_dims("time_bin")
        for coord in ("time_bin_start", "time_bin_end"):
            array = array.assign_coords({coord: ("time_bin", np.atleast_1d(array[coord].values))})
    array = array.assign_coords(stimulus_id=("presentation", array["stimulus_id"].values.astype(str)),
                                neuroid_id=("neuroid", array["neuroid_id"].values.astype(str)),
                                region=("neuroid", array["region"].values.astype(str)))
    # the stimulus table's columns become presentation coordinates, as in Brain-Score's own assemblies
    by_id = table.drop(columns=["path"]).set_index("stimulus_id")
    presented = array["stimulus_id"].values.astype(str)
    for column in by_id.columns:
        if column not in array.coords:
            array = array.assign_coords({column: ("presentation", by_id[column].loc[presented].values)})
    array = array.transpose("presentation", "neuroid", "time_bin")
    coords = {name: (coord.dims[0], coord.values) for name, coord in array.coords.items()
              if coord.ndim == 1 and coord.dims[0] in array.dims}
    trials = NeuroidAssembly(array.values.astype(float), coords=coords, dims=list(array.dims))
    trials.attrs["identifier"] = f"User.{name}-{digest}"
    trials.attrs["stimulus_set_identifier"] = stimulus_set.identifier
    trials.attrs["stimulus_set"] = stimulus_set
    counts = Counter(array["stimulus_id"].values.tolist())
    info = {
        "name": name, "region": region, "digest": digest, "files": files,
        "visual_degrees": float(array.attrs.get("visual_degrees", DEFAULT_VISUAL_DEGREES)),
        "repetitions": counts,
        "n_time_bins": int(array.sizes["time_bin"]),
    }
    return trials, info


def load_user_benchmark(path: Path):
    """The ``NeuralBenchmark`` for the data set whose responses are ``path``."""
    from brainscore_vision import load_ceiling, load_metric
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves

    from ..neural import NonNegativeNeuralBenchmark

    trials, info = load_user_assembly(path)
    counts = info["repetitions"]
    too_few = [stimulus for stimulus, n in counts.items() if n < 2]
    if too_few:
        raise UserDataError(f"{path}: the internal-consistency ceiling needs at least 2 repetitions of every "
                            f"stimulus; {len(too_few)} stimulus id(s) have 1, e.g. {', '.join(map(str, too_few[:5]))}")
    temporal = info["n_time_bins"] > 1
    if not temporal:
        trials = trials.squeeze("time_bin").transpose("presentation", "neuroid")
    assembly = average_repetition(trials)
    halves = alternate_repetition_halves(trials)
    stratify = "object_name" if "object_name" in trials.coords else None
    metric = load_metric("spantime_pls" if temporal else "pls",
                         crossvalidation_kwargs=dict(stratification_coord=stratify))
    ceiler = load_ceiling("internal_consistency_temporal" if temporal else "internal_consistency")
    number_of_trials = Counter(counts.values()).most_common(1)[0][0]
    identifier = f"User.{info['name']}.{info['region']}-pls-{info['digest']}"
    benchmark = NonNegativeNeuralBenchmark(
        identifier=identifier, version=1, assembly=assembly, similarity_metric=metric,
        visual_degrees=info["visual_degrees"], number_of_trials=int(number_of_trials),
        ceiling_func=lambda: ceiler(halves), parent=info["region"], bibtex=None)
    return benchmark
