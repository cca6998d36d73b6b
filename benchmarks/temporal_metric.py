"""Per-time-bin PLS regression, all bins fitted in one batched computation.

A temporal neural benchmark compares model and brain in every time bin. Its
per-bin form fits one PLS regression per bin (Brain-Score's
``PerTimeRegression(pls_regression())`` with a ``PerTime`` Pearson
correlation, under ``CrossRegressedCorrelation``'s cross-validation). Done bin
by bin, 30 bins cost 30 separate sklearn fits per split, each paying Python
and xarray overhead for every NIPALS iteration. Here:

- the cross-validation splits are built once, by Brain-Score's own ``Split``,
  and shared by all bins (as the per-bin loop shares them);
- each split's features and targets are centred once for all bins;
- the NIPALS iterations of every bin run together as batched matrix products
  (``torch``, float64), each bin stopping at its own convergence exactly where
  sklearn's ``PLSRegression(n_components=25, scale=False)`` would.

The numbers equal the per-bin loop's (sklearn fit + predict, Pearson r per
neuroid, median over neuroids, mean over splits) to float64 rounding; the test
suite checks that against sklearn itself. ``perf/temporal_scoring.py`` prints
what 30 bins cost against one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Sequence, Tuple

import numpy as np
import torch

#: Brain-Score's PLS defaults (``pls_regression``)
N_COMPONENTS = 25
MAX_ITER = 500
TOL = 1e-6


def batched_pls_predict(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor,
                        n_components: int = N_COMPONENTS, max_iter: int = MAX_ITER,
                        tol: float = TOL) -> torch.Tensor:
    """Fit ``sklearn.cross_decomposition.PLSRegression(n_components, scale=False)``
    (NIPALS, regression deflation) independently for each of ``B`` problems and
    predict: ``x_train (B, n, p)``, ``y_train (B, n, m)``, ``x_test (B, k, p)`` ->
    ``(B, k, m)``. Same algorithm, start vector, convergence test and sign
    convention as sklearn, vectorised over ``B``."""
    if x_train.dim() != 3 or y_train.dim() != 3 or x_test.dim() != 3:
        raise ValueError("expected x_train (B, n, p), y_train (B, n, m) and x_test (B, k, p)")
    batch, n, p = x_train.shape
    m = y_train.shape[2]
    if n_components > p:
        raise ValueError(f"PLS with n_components={n_components} needs at least that many features, got {p}")
    dtype = torch.float64
    eps = torch.finfo(dtype).eps
    x_mean, y_mean = x_train.to(dtype).mean(1, keepdim=True), y_train.to(dtype).mean(1, keepdim=True)
    xk = x_train.to(dtype) - x_mean
    yk = y_train.to(dtype) - y_mean
    weights = xk.new_zeros(batch, p, n_components)
    x_loadings = xk.new_zeros(batch, p, n_components)
    y_loadings = xk.new_zeros(batch, m, n_components)
    alive = torch.ones(batch, dtype=torch.bool)  # sklearn stops a fit whose y residual is constant
    for k in range(n_components):
        yk = torch.where((yk.abs() < 10 * eps).all(1, keepdim=True), torch.zeros_like(yk), yk)
        # start: the first column of Y with any entry above eps (per problem)
        nonzero = (yk.abs() > eps).any(1)  # (B, m)
        alive = alive & nonzero.any(1)
        first = nonzero.to(torch.int64).argmax(1)
        y_score = yk[torch.arange(batch), :, first]  # (B, n)
        w = _power_iteration_weights(xk.transpose(1, 2) @ yk, torch.einsum("bnp,bn->bp", xk, y_score),
                                     alive, m, max_iter, tol, eps)
        # sign: the largest |weight| positive (sklearn's _svd_flip_1d)
        sign = torch.sign(w.gather(1, w.abs().argmax(1, keepdim=True)))
        w = w * sign
        t = torch.einsum("bnp,bp->bn", xk, w)
        tt = (t * t).sum(1, keepdim=True)
        # features that do not vary (a bin the model is silent in): no component, a constant
        # prediction and so an undefined r (sklearn's fit fails on such a bin with NaNs)
        alive = alive & (tt.squeeze(1) > 0)
        tt = torch.where(alive.unsqueeze(1), tt, torch.ones_like(tt))
        p_k = torch.einsum("bnp,bn->bp", xk, t) / tt
        q_k = torch.einsum("bnm,bn->bm", yk, t) / tt
        keep = alive.unsqueeze(1)
        w, p_k, q_k = (torch.where(keep, v, torch.zeros_like(v)) for v in (w, p_k, q_k))
        xk = xk - t.unsqueeze(2) * p_k.unsqueeze(1)
        yk = yk - t.unsqueeze(2) * q_k.unsqueeze(1)
        weights[:, :, k], x_loadings[:, :, k], y_loadings[:, :, k] = w, p_k, q_k
    rotations = weights @ torch.linalg.pinv(x_loadings.transpose(1, 2) @ weights)
    coef = rotations @ y_loadings.transpose(1, 2)  # (B, p, m)
    return (x_test.to(dtype) - x_mean) @ coef + y_mean


def _power_iteration_weights(cross: torch.Tensor, start: torch.Tensor, alive: torch.Tensor, m: int,
                             max_iter: int, tol: float, eps: float) -> torch.Tensor:
    """The x weights sklearn's NIPALS power iteration stops at, for all problems at once.

    sklearn iterates ``w <- X'(Y c)``, ``c <- Y'(X w)`` with rescalings that
    cancel when ``w`` is normalised, i.e. ``w_i = unit(M^(i-1) d)`` with
    ``M = C C'``, ``C = X'Y`` and ``d = X' y_0`` (``y_0`` its start column, so
    ``d = C e_j`` lies in the column space of ``C``). With ``C = U S V'``,
    ``w_i = U unit(s^(2(i-1)) * (U'd))``: every iterate of every problem comes from
    one thin SVD, and the stop is sklearn's, the first ``i`` with
    ``|w_i - w_(i-1)|^2 < tol`` (``w_0`` = all 100s), else ``max_iter``.
    """
    batch, p = start.shape
    u, s, _ = torch.linalg.svd(cross, full_matrices=False)  # (B, p, r), (B, r)
    coefficients = (u.transpose(1, 2) @ start.unsqueeze(2)).squeeze(2)  # d in the basis U
    if m == 1:  # sklearn stops after one iteration for a single target
        steps = torch.zeros(batch, dtype=torch.int64)
    else:
        relative = s / s[:, :1].clamp_min(torch.finfo(s.dtype).tiny)  # <= 1: no overflow for large i
        powers = torch.arange(max_iter, dtype=s.dtype)  # i - 1 = 0 .. max_iter - 1
        path = relative.unsqueeze(1) ** (2 * powers).view(1, -1, 1) * coefficients.unsqueeze(1)  # (B, I, r)
        path = path / (path.norm(dim=2, keepdim=True) + 1e-300)
        first = (u @ path[:, :1].transpose(1, 2)).squeeze(2)  # w_1 in feature space
        gaps = torch.empty(batch, max_iter, dtype=s.dtype)
        gaps[:, 0] = ((first - 100.0) ** 2).sum(1)
        gaps[:, 1:] = ((path[:, 1:] - path[:, :-1]) ** 2).sum(2)  # U has orthonormal columns
        below = gaps < tol
        steps = torch.where(below.any(1), below.to(torch.int64).argmax(1),
                            torch.full((batch,), max_iter - 1, dtype=torch.int64))
        coefficients = path[torch.arange(batch), steps]
    w = (u @ coefficients.unsqueeze(2)).squeeze(2)
    if m == 1:
        w = start
    w = w / (w.norm(dim=1, keepdim=True) + eps)
    return torch.where(alive.unsqueeze(1), w, torch.zeros_like(w))


def pearson_per_column(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Pearson r between matching columns over dim -2: ``(..., n, m)`` -> ``(..., m)``
    (NaN where either column is constant, as ``scipy.stats.pearsonr``)."""
    a = prediction - prediction.mean(-2, keepdim=True)
    b = target - target.mean(-2, keepdim=True)
    denominator = a.norm(dim=-2) * b.norm(dim=-2)
    r = (a * b).sum(-2) / denominator
    # scipy's test for a constant input: every value equal to the first
    constant = (prediction == prediction[..., :1, :]).all(-2) | (target == target[..., :1, :]).all(-2)
    defined = (denominator > 0) & ~constant
    return torch.where(defined, r.clamp(-1.0, 1.0), torch.full_like(r, float("nan")))


@dataclass
class PerBinScores:
    """Result of :func:`per_bin_pls`."""

    #: Pearson r per split, bin and neuroid ``(splits, bins, neuroids)``
    raw: np.ndarray
    #: per bin: median over neuroids, mean over splits ``(bins,)``
    per_bin: np.ndarray
    #: per bin: standard error of the mean over splits of the per-split medians
    error: np.ndarray


def cross_validation_splits(target: Any, **split_kwargs: Any) -> Tuple[np.ndarray, List[Tuple[np.ndarray, np.ndarray]]]:
    """Brain-Score's own splits of ``target`` (``presentation`` values and
    ``[(train_indices, test_indices), ...]`` into ``target``'s presentation order),
    as ``CrossRegressedCorrelation`` builds them (defaults: 10 splits, 90% train, stratified on ``object_name``
    when the assembly has it, ``random_state=1``)."""
    from brainscore_vision.metric_helpers.transformations import Split

    defaults = dict(train_size=0.9, test_size=None)
    return Split(**{**defaults, **split_kwargs}).build_splits(target)


def per_bin_pls(source: np.ndarray, target: np.ndarray, splits: Sequence[Tuple[np.ndarray, np.ndarray]],
                n_components: int = N_COMPONENTS) -> PerBinScores:
    """Per-bin PLS predictivity: ``source (bins, presentations, features)`` and
    ``target (bins, presentations, neuroids)`` in the same presentation order;
    ``splits`` index presentations. Every bin gets its own regression per split."""
    source_t = torch.as_tensor(np.asarray(source), dtype=torch.float64)
    target_t = torch.as_tensor(np.asarray(target), dtype=torch.float64)
    if source_t.dim() != 3 or target_t.dim() != 3 or source_t.shape[:2] != target_t.shape[:2]:
        raise ValueError(f"source {tuple(source_t.shape)} and target {tuple(target_t.shape)} must be "
                         "(bins, presentations, features) and (bins, presentations, neuroids) with equal leading dims")
    raw = []
    for train, test in splits:
        train, test = torch.as_tensor(np.asarray(train)), torch.as_tensor(np.asarray(test))
        prediction = batched_pls_predict(source_t[:, train], target_t[:, train], source_t[:, test], n_components)
        raw.append(pearson_per_column(prediction, target_t[:, test]))
    raw_np = torch.stack(raw).numpy()  # (splits, bins, neuroids)
    return _summarize(raw_np)


def _summarize(raw: np.ndarray) -> PerBinScores:
    medians = np.nanmedian(raw, axis=2)  # over neuroids (NaN skipped, as xarray's median), per split and bin
    # standard error as Brain-Score's Split.aggregate computes it (xarray std: ddof=0)
    return PerBinScores(raw=raw, per_bin=medians.mean(0), error=medians.std(0) / np.sqrt(len(medians)))


def per_bin_pls_reference(source: np.ndarray, target: np.ndarray, splits: Sequence[Tuple[np.ndarray, np.ndarray]],
                          n_components: int = N_COMPONENTS) -> PerBinScores:
    """The same numbers the slow way: one sklearn ``PLSRegression`` and
    ``scipy.stats.pearsonr`` per bin, split and neuroid (the reference)."""
    import scipy.stats
    from sklearn.cross_decomposition import PLSRegression

    source, target = np.asarray(source, dtype=float), np.asarray(target, dtype=float)
    raw = np.empty((len(splits), source.shape[0], target.shape[2]))
    for s, (train, test) in enumerate(splits):
        for b in range(source.shape[0]):
            regression = PLSRegression(n_components=n_components, scale=False)
            regression.fit(source[b, train], target[b, train])
            prediction = regression.predict(source[b, test])
            for j in range(target.shape[2]):
                raw[s, b, j] = scipy.stats.pearsonr(prediction[:, j], target[b, test, j])[0]
    return _summarize(raw)


class PerBinPLS:
    """Brain-Score-shaped metric: ``metric(source, target) -> Score`` over ``time_bin``.

    Each time bin gets its own PLS regression (as Brain-Score's
    ``CrossRegressedCorrelation(PerTimeRegression(pls_regression()),
    PerTime(pearsonr_correlation()))``), computed by :func:`per_bin_pls` for all
    bins at once. The splits are Brain-Score's, built on ``target`` as
    ``CrossValidation`` builds them (``crossvalidation_kwargs`` as
    ``load_metric("spantime_pls", crossvalidation_kwargs=...)`` takes them); the
    source is aligned to the target by ``stimulus_id``. The result has
    ``time_bin`` (with ``time_bin_start``/``_end``), ``attrs['error']`` (standard
    error over splits, as Brain-Score's ``Split.aggregate``) and
    ``attrs['raw']`` (``split x time_bin x neuroid`` Pearson r).
    """

    #: recorded in the scores of the benchmarks that use it
    CONVENTION = "per-bin PLS: one regression per time bin (batched), Brain-Score's splits shared by all bins"

    def __init__(self, crossvalidation_kwargs: Any = None, n_components: int = N_COMPONENTS):
        self.crossvalidation_kwargs = dict(crossvalidation_kwargs or {})
        self.n_components = n_components

    def __call__(self, source: Any, target: Any) -> Any:
        from brainscore_core import Score

        from .neural import has_coord

        for name, assembly in (("source (model recording)", source), ("target (neural data)", target)):
            missing = {"presentation", "neuroid", "time_bin"} - set(assembly.dims)
            if missing:
                raise ValueError(f"per-bin PLS: the {name} lacks dim(s) {sorted(missing)}; it needs "
                                 "presentation x neuroid x time_bin")
        starts = [np.asarray(a["time_bin_start"].values, dtype=float) for a in (source, target)]
        ends = [np.asarray(a["time_bin_end"].values, dtype=float) for a in (source, target)]
        if not (np.array_equal(*starts) and np.array_equal(*ends)):
            raise ValueError(f"per-bin PLS: the model was recorded in bins starting at {starts[0].tolist()} ms, "
                             f"the neural data has bins starting at {starts[1].tolist()} ms; record the data's bins")
        _, splits = cross_validation_splits(target, **self.crossvalidation_kwargs)
        target_ids = np.asarray(target["stimulus_id"].values).astype(str)
        source_ids = np.asarray(source["stimulus_id"].values).astype(str)
        position = {stimulus: i for i, stimulus in enumerate(source_ids)}
        if len(position) != len(source_ids) or any(s not in position for s in target_ids):
            raise ValueError("per-bin PLS: the model recording needs each of the target's stimulus_id exactly once")
        order = np.array([position[s] for s in target_ids])
        source_values = source.transpose("time_bin", "presentation", "neuroid").values[:, order]
        target_values = target.transpose("time_bin", "presentation", "neuroid").values
        result = per_bin_pls(source_values, target_values, splits, self.n_components)

        neuroids = target["neuroid_id"] if has_coord(target, "neuroid_id") else target["neuroid"]
        bins = {"time_bin_start": ("time_bin", starts[1]), "time_bin_end": ("time_bin", ends[1])}
        score = Score(result.per_bin, coords=bins, dims=["time_bin"])
        score.attrs["error"] = Score(result.error, coords=bins, dims=["time_bin"])
        score.attrs[Score.RAW_VALUES_KEY] = Score(
            result.raw, dims=["split", "time_bin", "neuroid"],
            coords={"split": np.arange(len(splits)), **bins,
                    "neuroid_id": ("neuroid", np.asarray(neuroids.values))})
        score.attrs["metric"] = self.CONVENTION
        return score


def brainscore_per_bin_reference(source: Any, target: Any, crossvalidation_kwargs: Any = None) -> Any:
    """Brain-Score's own per-time-bin PLS score of ``source`` against ``target``
    (``CrossRegressedCorrelation(PerTimeRegression(pls_regression()),
    PerTime(pearsonr_correlation()))``), the reference :class:`PerBinPLS` must equal.

    Run with joblib's sequential backend: ``PerTimeRegression`` shares one
    regression object between its per-bin jobs, so in threads the bins would
    overwrite each other's fits (in worker processes each has a copy)."""
    import joblib
    from brainscore_vision.metric_helpers.temporal import PerTime, PerTimeRegression
    from brainscore_vision.metrics.regression_correlation.metric import (
        CrossRegressedCorrelation,
        pearsonr_correlation,
        pls_regression,
    )

    metric = CrossRegressedCorrelation(PerTimeRegression(pls_regression()), PerTime(pearsonr_correlation()),
                                       crossvalidation_kwargs=crossvalidation_kwargs)
    with joblib.parallel_config(backend="sequential"):
        return metric(source, target)
