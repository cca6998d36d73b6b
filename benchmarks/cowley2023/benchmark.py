"""Cowley2023 V4 benchmarks, built only from Brain-Score's own parts.

- ``Cowley2023.V4-pls`` (session 210325, single trials): Brain-Score's
  ``NeuralBenchmark`` with the ``pls`` metric on plain random splits (the
  images have no object categories, so no stratification) and the
  ``internal_consistency`` ceiling on the repetitions, split into odd/even
  halves as Brain-Score's ``Cowley2026`` benchmark does for this lab's data.
- ``Cowley2023.V4-pls-raw`` (session 210224, repeat-averaged only, so no
  ceiling can be estimated): the same ``NeuralBenchmark`` with the unit
  ceiling ``Score(1)`` that Brain-Score uses for un-ceiled benchmarks
  (``ImageNet-top1``, ``Geirhos2021*-top1``). ``NeuralBenchmark`` still
  applies ``explained_variance``, so its score is the un-normalised r**2;
  ``score.raw`` holds the PLS correlation r, ``score.attrs['ceiling']`` is 1.

Both score with this project's conventions (:mod:`benchmarks.neural`): an r
below 0 (or undefined) scores 0.
"""
from __future__ import annotations

from typing import Optional

from brainscore_core import Score
from brainscore_vision import load_ceiling, load_metric
from brainscore_vision.benchmark_helpers.neural_common import average_repetition

from ..neural import NonNegativeNeuralBenchmark
from ..paths import PathLike
from . import data

VISUAL_DEGREES = 11.2  # what Brain-Score uses for this lab's V4 images (Cowley2026)
# number_of_trials: the typical repeats per image (mode of session 210325's counts;
# the upstream table's value for 210224)
NUMBER_OF_TRIALS = {"210325": 8, "210224": 9}
CEILED_SESSION = "210325"
RAW_SESSION = "210224"


def pls_metric():
    """Brain-Score's PLS regression + Pearson r, random (unstratified) cross-validation splits."""
    return load_metric("pls", crossvalidation_kwargs=dict(stratification_coord=None))


def alternate_repetition_halves(assembly):
    """Relabel repetitions as even/odd halves, so each split-half keeps every image with
    balanced trial counts (images have 6-10 repeats). Brain-Score's own helper for this lab's data."""
    from brainscore_vision.benchmarks.cowley2026.benchmark import alternate_repetition_halves as relabel
    return relabel(assembly)


def ceiling_assembly(data_dir: Optional[PathLike] = None, offline: Optional[bool] = None):
    """Session 210325 trials (time bin squeezed, repetitions as odd/even halves) for the ceiling."""
    trials = _static(data.load_assembly(CEILED_SESSION, data_dir, offline, average_repetitions=False))
    return alternate_repetition_halves(trials)


def compute_ceiling(data_dir: Optional[PathLike] = None, offline: Optional[bool] = None) -> Score:
    """Brain-Score's internal-consistency ceiling (Spearman-Brown split-half, median over neurons)."""
    return load_ceiling("internal_consistency")(ceiling_assembly(data_dir, offline))


def Cowley2023V4PLS(data_dir: Optional[PathLike] = None, offline: Optional[bool] = None) -> NonNegativeNeuralBenchmark:
    """Ceiled PLS benchmark on session 210325 (640 images, 50 neurons, one 50-150 ms bin)."""
    trials = _static(data.load_assembly(CEILED_SESSION, data_dir, offline, average_repetitions=False))
    assembly = average_repetition(trials)
    halves = alternate_repetition_halves(trials)
    ceiler = load_ceiling("internal_consistency")
    return NonNegativeNeuralBenchmark(identifier="Cowley2023.V4-pls", version=1, assembly=assembly,
                           similarity_metric=pls_metric(), visual_degrees=VISUAL_DEGREES,
                           number_of_trials=NUMBER_OF_TRIALS[CEILED_SESSION],
                           ceiling_func=lambda: ceiler(halves), parent="V4", bibtex=data.BIBTEX)


def Cowley2023V4PLSRaw(data_dir: Optional[PathLike] = None, offline: Optional[bool] = None) -> NonNegativeNeuralBenchmark:
    """Un-ceiled PLS benchmark on session 210224 (800 images, 67 neurons, repeat-averaged)."""
    assembly = _static(data.load_assembly(RAW_SESSION, data_dir, offline, average_repetitions=True))
    unit_ceiling = Score(1)
    unit_ceiling.attrs["note"] = "no ceiling: session 210224 is published repeat-averaged only"
    return NonNegativeNeuralBenchmark(identifier="Cowley2023.V4-pls-raw", version=1, assembly=assembly,
                           similarity_metric=pls_metric(), visual_degrees=VISUAL_DEGREES,
                           number_of_trials=NUMBER_OF_TRIALS[RAW_SESSION],
                           ceiling_func=lambda: unit_ceiling, parent="V4", bibtex=data.BIBTEX)


def _static(assembly):
    # one time bin: squeeze it to a scalar coordinate, as Brain-Score's static benchmarks do
    return assembly.squeeze("time_bin").transpose("presentation", "neuroid")
