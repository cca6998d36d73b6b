"""A Brain-Score ``NeuralBenchmark`` from a user's data set (layout: :mod:`.layout`).

- target: the responses averaged over repetitions;
- metric: Brain-Score's PLS regression + Pearson r, 10 cross-validation splits,
  stratified by ``object_name`` when the CSV has that column and every class has
  enough stimuli for the splits (else random, with a note: :mod:`.stratification`),
  ``spantime_pls`` (weights shared over bins, r per bin; computed by
  :class:`benchmarks.temporal_metric.SpanTimePLS`) for several time bins;
- ceiling: Brain-Score's internal consistency (split-half over repetitions,
  Spearman-Brown corrected, median over neuroids), per time bin when there are
  several; repetitions are relabelled as odd/even halves (Brain-Score's helper
  for unequal repeat counts) so every stimulus is in both halves. A
  ``reliability`` coordinate on ``neuroid`` (the user's own per-neuroid
  reliability) replaces it by its median; data with one repetition of every
  stimulus and no ``reliability`` are scored unceiled (:func:`choose_ceiling`);
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
from .stratification import stratification

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
        "visual_degrees_declared": "visual_degrees" in array.attrs,
        "repetitions": counts,
        "n_time_bins": int(array.sizes["time_bin"]),
    }
    return trials, info


#: optional coordinate on ``neuroid``: each unit's reliability (Spearman-Brown corrected split-half r)
RELIABILITY = "reliability"


def supplied_reliability(trials, path: Path):
    """The per-neuroid reliability the file supplies (coordinate ``reliability``), checked, or None."""
    from ..neural import has_coord

    if not has_coord(trials, RELIABILITY):
        return None
    values = np.asarray(trials[RELIABILITY].values, dtype=float)
    if not np.isfinite(values).all() or (values <= 0).any() or (values > 1).any():
        raise UserDataError(f"{path}: coordinate {RELIABILITY!r} must hold one reliability per neuroid in (0, 1] "
                            f"(split-half r, Spearman-Brown corrected); found values from {np.nanmin(values):g} "
                            f"to {np.nanmax(values):g}")
    return values


def choose_ceiling(trials, counts: Counter, temporal: bool, path: Path):
    """The ceiling function for a data set, in this order:

    1. a ``reliability`` coordinate in the file: the ceiling is its median over neuroids (what
       Brain-Score's internal consistency reports: the median of per-neuroid split-half r);
    2. every stimulus repeated at least twice: Brain-Score's internal consistency on the trials;
    3. every stimulus once (repeat-averaged data): no ceiling; the score is the un-normalised
       r**2 and the result reports no ceiling (``unceiled``).
    """
    from brainscore_core import Score
    from brainscore_vision import load_ceiling
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves

    reliability = supplied_reliability(trials, path)
    single = [stimulus for stimulus, n in counts.items() if n < 2]
    if reliability is not None:
        ceiling = Score(float(np.median(reliability)))
        ceiling.attrs["note"] = (f"ceiling = median of the per-neuroid reliability supplied in the file "
                                 f"(coordinate {RELIABILITY!r}, {len(reliability)} neuroids)")
        return lambda: ceiling
    if not single:
        halves = alternate_repetition_halves(trials)
        ceiler = load_ceiling("internal_consistency_temporal" if temporal else "internal_consistency")
        return lambda: ceiler(halves)
    if len(single) == len(counts):
        unit = Score(1.0)
        unit.attrs["note"] = ("no ceiling: every stimulus has one repetition (repeat-averaged data) and the file "
                              f"supplies no {RELIABILITY!r} coordinate; the score is r**2, un-normalised")
        unit.attrs["unceiled"] = True
        return lambda: unit
    raise UserDataError(
        f"{path}: {len(single)} of {len(counts)} stimulus id(s) have 1 repetition (e.g. "
        f"{', '.join(map(str, single[:5]))}) and the others more: the internal-consistency ceiling needs at least "
        f"2 of every stimulus. Drop those stimuli, average every stimulus (scored unceiled), or supply a "
        f"per-neuroid {RELIABILITY!r} coordinate")


def load_user_benchmark(path: Path):
    """The ``NeuralBenchmark`` for the data set whose responses are ``path``."""
    from brainscore_vision import load_metric
    from brainscore_vision.benchmark_helpers.neural_common import average_repetition

    from ..neural import NonNegativeNeuralBenchmark
    from ..temporal_metric import SpanTimePLS

    trials, info = load_user_assembly(path)
    counts = info["repetitions"]
    temporal = info["n_time_bins"] > 1
    if not temporal:
        trials = trials.squeeze("time_bin").transpose("presentation", "neuroid")
    ceiling_func = choose_ceiling(trials, counts, temporal, path)
    assembly = average_repetition(trials)
    stratify, split_note = stratification(assembly)
    splits = dict(stratification_coord=stratify)
    metric = SpanTimePLS(crossvalidation_kwargs=splits) if temporal else load_metric("pls", crossvalidation_kwargs=splits)
    number_of_trials = Counter(counts.values()).most_common(1)[0][0]
    identifier = f"User.{info['name']}.{info['region']}-pls-{info['digest']}"
    benchmark = NonNegativeNeuralBenchmark(
        identifier=identifier, version=1, assembly=assembly, similarity_metric=metric,
        visual_degrees=info["visual_degrees"], number_of_trials=int(number_of_trials),
        ceiling_func=ceiling_func, parent=info["region"], bibtex=None)
    # what the runner says and records about this data set (benchmarks.field_of_view, result notes)
    benchmark.stimulus_visual_degrees = info["visual_degrees"]
    benchmark.stimulus_visual_degrees_declared = info["visual_degrees_declared"]
    benchmark.notes = [split_note]
    return benchmark
