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
from typing import Any, Dict, List, Sequence, Tuple

import numpy as np
import torch

#: Brain-Score's PLS defaults (``pls_regression``)
N_COMPONENTS = 25
MAX_ITER = 500
TOL = 1e-6
#: float64 working memory of one batch of (split, bin) regressions
BATCH_BYTES = 256 * 2**20


def batched_pls_predict(x_train: torch.Tensor, y_train: torch.Tensor, x_test: torch.Tensor,
                        n_components: int = N_COMPONENTS, max_iter: int = MAX_ITER,
                        tol: float = TOL) -> torch.Tensor:
    """Fit ``sklearn.cross_decomposition.PLSRegression(n_components, scale=False)``
    (NIPALS, regression deflation) independently for each of ``B`` problems and
    predict: ``x_train (B, n, p)``, ``y_train (B, n, m)``, ``x_test (B, k, p)`` ->
    ``(B, k, m)``. Same algorithm, start vector, convergence test and sign
    convention as sklearn, vectorised over ``B``.

    The NIPALS iterations only ever see ``X'Y`` of the current residuals, so that
    ``p x m`` cross-covariance is kept and deflated in place (``X'Y`` of the next
    residuals is ``X'Y - (t't) p q'``) instead of being rebuilt from the data; the
    residual ``X_k = X - T P'`` is never formed (``X_k w = Xw - T(P'w)``), nor, but
    for sklearn's checks on nearly constant columns, ``Y_k`` (:class:`_YResidual`)."""
    if x_train.dim() != 3 or y_train.dim() != 3 or x_test.dim() != 3:
        raise ValueError("expected x_train (B, n, p), y_train (B, n, m) and x_test (B, k, p)")
    batch, n, p = x_train.shape
    m = y_train.shape[2]
    if n_components > p:
        raise ValueError(f"PLS with n_components={n_components} needs at least that many features, got {p}")
    dtype = torch.float64
    x_mean, y_mean = x_train.to(dtype).mean(1, keepdim=True), y_train.to(dtype).mean(1, keepdim=True)
    x0 = x_train.to(dtype) - x_mean
    y0 = y_train.to(dtype) - y_mean
    cross = x0.transpose(1, 2) @ y0  # (B, p, m)
    residual = _YResidual(y0)
    weights = x0.new_zeros(batch, p, n_components)
    x_loadings = x0.new_zeros(batch, p, n_components)
    y_loadings = x0.new_zeros(batch, m, n_components)
    scores = x0.new_zeros(batch, n, n_components)
    alive = torch.ones(batch, dtype=torch.bool)  # sklearn stops a fit whose y residual is constant
    for k in range(n_components):
        negligible, nonzero = residual.columns(scores, y_loadings)
        if bool(negligible.any()):  # sklearn zeroes these columns of Y_k
            cross = cross.masked_fill(negligible.unsqueeze(1), 0.0)
        # start: the first column of Y_k with any entry above eps (per problem)
        alive = alive & nonzero.any(1)
        first = nonzero.to(torch.int64).argmax(1)
        w = _power_iteration_weights(cross, first, alive, max_iter, tol)
        # sign: the largest |weight| positive (sklearn's _svd_flip_1d)
        w = w * torch.sign(w.gather(1, w.abs().argmax(1, keepdim=True)))
        t = (x0 @ w.unsqueeze(2) - scores @ (x_loadings.transpose(1, 2) @ w.unsqueeze(2))).squeeze(2)  # X_k w
        tt = (t * t).sum(1, keepdim=True)
        # features that do not vary (a bin the model is silent in): no component, a constant
        # prediction and so an undefined r (sklearn's fit fails on such a bin with NaNs)
        alive = alive & (tt.squeeze(1) > 0)
        tt = torch.where(alive.unsqueeze(1), tt, torch.ones_like(tt))
        p_k = (x0.transpose(1, 2) @ t.unsqueeze(2) - x_loadings @ (scores.transpose(1, 2) @ t.unsqueeze(2)))
        p_k = p_k.squeeze(2) / tt  # X_k' t / t't
        q_k = (cross.transpose(1, 2) @ w.unsqueeze(2)).squeeze(2) / tt  # Y_k' t = (X_k' Y_k)' w
        keep = alive.unsqueeze(1)
        w, p_k, q_k = (torch.where(keep, v, torch.zeros_like(v)) for v in (w, p_k, q_k))
        residual.deflate(tt, q_k)
        cross = cross - (tt.unsqueeze(2) * p_k.unsqueeze(2)) * q_k.unsqueeze(1)
        weights[:, :, k], x_loadings[:, :, k], y_loadings[:, :, k], scores[:, :, k] = w, p_k, q_k, t
    rotations = weights @ torch.linalg.pinv(x_loadings.transpose(1, 2) @ weights)
    coef = rotations @ y_loadings.transpose(1, 2)  # (B, p, m)
    return (x_test.to(dtype) - x_mean) @ coef + y_mean


class _YResidual:
    """sklearn's checks on the columns of the Y residual ``Y_k = Y - T Q'``, without forming it.

    sklearn zeroes a column whose entries are all below 10 eps and starts each power
    iteration from the first column with an entry above eps. Each column's sum of squares,
    tracked through the deflation, settles both for almost every column: above
    :attr:`floor` some entry exceeds 10 eps (with room for the rounding of the tracking).
    Only the columns below it (a constant neuron, a neuron explained to 1e-6) are formed
    and checked entry by entry."""

    def __init__(self, y0: torch.Tensor):
        self.y0 = y0
        n = y0.shape[1]
        self.eps = torch.finfo(y0.dtype).eps
        self.squares = (y0 * y0).sum(1)  # (B, m)
        self.floor = torch.clamp_min(1e-12 * self.squares, 2 * n * (10 * self.eps) ** 2)
        self.zeroed = torch.zeros_like(self.squares, dtype=torch.bool)

    def columns(self, scores: torch.Tensor, y_loadings: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(negligible, nonzero)`` per problem and column: the columns sklearn zeroes now (all
        entries below 10 eps) and those with an entry above eps (zeroed ones never)."""
        unsure = (self.squares <= self.floor) & ~self.zeroed
        largest = torch.where(self.squares > self.floor, float("inf"), 0.0).to(self.squares.dtype)
        if bool(unsure.any()):
            formed = unsure.any(0)
            y_k = self.y0[:, :, formed] - scores @ y_loadings[:, formed].transpose(1, 2)
            largest[:, formed] = torch.where(unsure[:, formed], y_k.abs().amax(1), largest[:, formed])
        largest = largest.masked_fill(self.zeroed, 0.0)
        negligible = (largest < 10 * self.eps) & ~self.zeroed
        self.zeroed |= negligible
        self.squares = self.squares.masked_fill(self.zeroed, 0.0)
        return negligible, largest > self.eps

    def deflate(self, tt: torch.Tensor, q: torch.Tensor) -> None:
        """``Y_(k+1) = Y_k - t q'`` with ``q = Y_k't / t't``: each column loses ``t't q_j^2``."""
        self.squares = self.squares - tt * q * q


def _power_iteration_weights(cross: torch.Tensor, first: torch.Tensor, alive: torch.Tensor,
                             max_iter: int, tol: float) -> torch.Tensor:
    """The unit x weights sklearn's NIPALS power iteration stops at, for all problems at once.

    sklearn iterates ``w <- X'(Y c)``, ``c <- Y'(X w)`` with rescalings that
    cancel when ``w`` is normalised, i.e. ``w_i = unit(M^(i-1) d)`` with
    ``M = C C'``, ``C = X'Y`` and ``d = C e_j`` (``j`` its start column). With
    ``C = U S V'``, ``d = U (s * V[j])`` and ``w_i = U unit(s^(2(i-1)) * s * V[j])``:
    every iterate of every problem follows from one eigendecomposition of the
    smaller Gram matrix (``C'C``, ``m x m``, or ``CC'``, ``p x p``), and the stop is
    sklearn's, the first ``i`` with ``|w_i - w_(i-1)|^2 < tol``, else ``max_iter``.
    (``i = 1`` never stops: sklearn's ``w_0`` is all 100s.)
    """
    batch, p, m = cross.shape
    rows = torch.arange(batch)
    start = cross[rows, :, first]  # d = X' y_start
    if m == 1:  # sklearn stops after one iteration for a single target
        w = start
    else:
        by_targets = m <= p
        gram = cross.transpose(1, 2) @ cross if by_targets else cross @ cross.transpose(1, 2)
        squares, vectors = torch.linalg.eigh(gram)  # ascending; squares = s^2
        squares = squares.clamp_min(0.0)
        if by_targets:  # V known: d's coordinates in U are s * V[j]
            along = vectors[rows, first]
            coordinates = squares.sqrt() * along
        else:  # U known
            coordinates = (vectors.transpose(1, 2) @ start.unsqueeze(2)).squeeze(2)
        relative = squares / squares[:, -1:].clamp_min(torch.finfo(squares.dtype).tiny)  # <= 1
        factor = relative ** _stopping_power(relative, coordinates, max_iter, tol).unsqueeze(1)
        if by_targets:  # w = U (factor * s * V[j]) = C V (factor * V[j]): no division by small s
            w = (cross @ (vectors @ (factor * along).unsqueeze(2))).squeeze(2)
        else:
            w = (vectors @ (factor * coordinates).unsqueeze(2)).squeeze(2)
    w = w / (w.norm(dim=1, keepdim=True) + torch.finfo(w.dtype).eps)
    return torch.where(alive.unsqueeze(1), w, torch.zeros_like(w))


def _stopping_power(relative: torch.Tensor, coordinates: torch.Tensor, max_iter: int, tol: float) -> torch.Tensor:
    """``i - 1`` of the iterate each problem stops at: iterate ``i`` has coordinates
    ``unit(relative^(i-1) * coordinates)`` in an orthonormal basis. The path is walked in
    growing chunks and stops as soon as every problem has converged (most do early)."""
    batch = relative.shape[0]
    power = torch.full((batch,), max_iter - 1, dtype=relative.dtype)
    active = torch.arange(batch)  # problems still iterating
    previous = coordinates / (coordinates.norm(dim=1, keepdim=True) + 1e-300)  # iterate 1
    low, chunk = 1, 16
    while low < max_iter and len(active):
        powers = torch.arange(low, min(low + chunk, max_iter), dtype=relative.dtype)
        # chunks stay short enough that no coordinate underflows between renormalisations
        path = previous.unsqueeze(1) * relative[active].unsqueeze(1).expand(-1, len(powers), -1).cumprod(1)
        path = path / (path.norm(dim=2, keepdim=True) + 1e-300)  # (active, c, r)
        steps = torch.cat([previous.unsqueeze(1), path], 1)
        below = ((steps[:, 1:] - steps[:, :-1]) ** 2).sum(2) < tol
        hit = below.any(1)
        power[active[hit]] = powers[below[hit].to(torch.int64).argmax(1)]
        active, previous = active[~hit], path[~hit, -1]
        low, chunk = low + len(powers), min(2 * chunk, 64)
    return power


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
    return _cross_validated_pls(source, target, splits, n_components, shared_over_bins=False)


def span_time_pls(source: np.ndarray, target: np.ndarray, splits: Sequence[Tuple[np.ndarray, np.ndarray]],
                  n_components: int = N_COMPONENTS) -> PerBinScores:
    """Span-time PLS predictivity (Brain-Score's ``spantime_pls``): per split one
    regression fitted on the training stimuli of all bins together (bins as extra
    samples, weights shared over time), then Pearson r per bin on the test stimuli.
    Arguments as :func:`per_bin_pls`."""
    return _cross_validated_pls(source, target, splits, n_components, shared_over_bins=True)


def _cross_validated_pls(source: np.ndarray, target: np.ndarray, splits: Sequence[Tuple[np.ndarray, np.ndarray]],
                         n_components: int, shared_over_bins: bool) -> PerBinScores:
    source_t = torch.as_tensor(np.asarray(source), dtype=torch.float64)
    target_t = torch.as_tensor(np.asarray(target), dtype=torch.float64)
    if source_t.dim() != 3 or target_t.dim() != 3 or source_t.shape[:2] != target_t.shape[:2]:
        raise ValueError(f"source {tuple(source_t.shape)} and target {tuple(target_t.shape)} must be "
                         "(bins, presentations, features) and (bins, presentations, neuroids) with equal leading dims")
    bins, _, features = source_t.shape
    neuroids = target_t.shape[2]
    raw = np.empty((len(splits), bins, neuroids))
    # a problem is one regression: a split and the bins it is fitted on (one bin, or all of them);
    # problems whose splits have the same sizes are stacked into one batch
    fitted_together = [list(range(bins))] if shared_over_bins else [[b] for b in range(bins)]
    span = len(fitted_together[0])
    by_size: Dict[Tuple[int, int], List[int]] = {}
    for index, (train, test) in enumerate(splits):
        by_size.setdefault((len(train), len(test)), []).append(index)
    for (n_train, n_test), members in by_size.items():
        per_problem = 8 * (span * (2 * n_train + n_test) * (features + neuroids) + 2 * features * neuroids
                           + 3 * (features + neuroids) * n_components + 2 * min(features, neuroids) ** 2)
        chunk = max(1, BATCH_BYTES // per_problem)
        problems = [(split, group) for split in members for group in fitted_together]
        for lo in range(0, len(problems), chunk):
            batch = problems[lo:lo + chunk]
            train = torch.stack([torch.as_tensor(np.asarray(splits[split][0])) for split, _ in batch])
            test = torch.stack([torch.as_tensor(np.asarray(splits[split][1])) for split, _ in batch])
            group = torch.as_tensor([g for _, g in batch])  # (problems, span)

            def samples(values: torch.Tensor, stimuli: torch.Tensor) -> torch.Tensor:
                # (problems, span * stimuli, units): the problem's bins stacked as samples
                picked = values[group.unsqueeze(2), stimuli.unsqueeze(1)]
                return picked.reshape(len(batch), -1, values.shape[2])

            prediction = batched_pls_predict(samples(source_t, train), samples(target_t, train),
                                             samples(source_t, test), n_components)
            r = pearson_per_column(prediction.reshape(len(batch), span, n_test, neuroids),
                                   target_t[group.unsqueeze(2), test.unsqueeze(1)])  # (problems, span, neuroids)
            split_index = torch.as_tensor([split for split, _ in batch]).unsqueeze(1).expand_as(group)
            raw[split_index.numpy(), group.numpy()] = r.numpy()
    return _summarize(raw)


def _summarize(raw: np.ndarray) -> PerBinScores:
    """Brain-Score's aggregation, NaN skipped as xarray skips it: the median over neuroids per
    split and bin, then the mean over splits and the standard error (xarray ``std``, ddof 0,
    over the number of splits). A bin with no defined r at all stays NaN."""
    medians = _skipping_nan(np.nanmedian, raw, axis=2)
    error = _skipping_nan(np.nanstd, medians, axis=0) / np.sqrt(len(medians))
    return PerBinScores(raw=raw, per_bin=_skipping_nan(np.nanmean, medians, axis=0), error=error)


def _skipping_nan(reduce: Any, values: np.ndarray, axis: int) -> np.ndarray:
    """``reduce`` (a ``np.nan*`` function) along ``axis``; NaN, without numpy's
    all-NaN warning, where every value is NaN."""
    moved = np.moveaxis(values, axis, -1)
    result = np.full(moved.shape[:-1], np.nan)
    defined = ~np.isnan(moved).all(-1)
    result[defined] = reduce(moved[defined], axis=-1)
    return result


def sklearn_reference(source: np.ndarray, target: np.ndarray, splits: Sequence[Tuple[np.ndarray, np.ndarray]],
                      n_components: int = N_COMPONENTS, shared_over_bins: bool = False) -> PerBinScores:
    """The same numbers the slow way (the reference): one sklearn ``PLSRegression``
    per split and bin (or per split on all bins' training stimuli stacked, for
    ``shared_over_bins``) and ``scipy.stats.pearsonr`` per bin, split and neuroid."""
    import scipy.stats
    from sklearn.cross_decomposition import PLSRegression

    source, target = np.asarray(source, dtype=float), np.asarray(target, dtype=float)
    bins = source.shape[0]
    raw = np.empty((len(splits), bins, target.shape[2]))
    groups = [list(range(bins))] if shared_over_bins else [[b] for b in range(bins)]
    for s, (train, test) in enumerate(splits):
        for group in groups:
            regression = PLSRegression(n_components=n_components, scale=False)
            regression.fit(source[group][:, train].reshape(-1, source.shape[2]),
                           target[group][:, train].reshape(-1, target.shape[2]))
            for b in group:
                prediction = regression.predict(source[b, test])
                for j in range(target.shape[2]):
                    raw[s, b, j] = scipy.stats.pearsonr(prediction[:, j], target[b, test, j])[0]
    return _summarize(raw)


class _CrossValidatedPLS:
    """Brain-Score-shaped temporal metric: ``metric(source, target) -> Score`` over ``time_bin``.

    The splits are Brain-Score's, built on ``target`` as ``CrossValidation``
    builds them (``crossvalidation_kwargs`` as ``load_metric("spantime_pls",
    crossvalidation_kwargs=...)`` takes them); the source is aligned to the target
    by ``stimulus_id``. The result has ``time_bin`` (with ``time_bin_start``/``_end``),
    ``attrs['error']`` (standard error over splits, as Brain-Score's
    ``Split.aggregate``) and ``attrs['raw']`` (``split x time_bin x neuroid`` Pearson r).
    """

    #: recorded in the scores of the benchmarks that use it
    CONVENTION = ""
    #: one regression per split for all bins (True) or one per split and bin (False)
    SHARED_OVER_BINS = False

    def __init__(self, crossvalidation_kwargs: Any = None, n_components: int = N_COMPONENTS):
        self.crossvalidation_kwargs = dict(crossvalidation_kwargs or {})
        self.n_components = n_components

    def __call__(self, source: Any, target: Any) -> Any:
        from brainscore_core import Score

        from .neural import has_coord

        name = type(self).__name__
        for role, assembly in (("source (model recording)", source), ("target (neural data)", target)):
            missing = {"presentation", "neuroid", "time_bin"} - set(assembly.dims)
            if missing:
                raise ValueError(f"{name}: the {role} lacks dim(s) {sorted(missing)}; it needs "
                                 "presentation x neuroid x time_bin")
        starts = [np.asarray(a["time_bin_start"].values, dtype=float) for a in (source, target)]
        ends = [np.asarray(a["time_bin_end"].values, dtype=float) for a in (source, target)]
        if not (np.array_equal(*starts) and np.array_equal(*ends)):
            raise ValueError(f"{name}: the model was recorded in bins starting at {starts[0].tolist()} ms, "
                             f"the neural data has bins starting at {starts[1].tolist()} ms; record the data's bins")
        _, splits = cross_validation_splits(target, **self.crossvalidation_kwargs)
        target_ids = np.asarray(target["stimulus_id"].values).astype(str)
        source_ids = np.asarray(source["stimulus_id"].values).astype(str)
        position = {stimulus: i for i, stimulus in enumerate(source_ids)}
        if len(position) != len(source_ids) or any(s not in position for s in target_ids):
            raise ValueError(f"{name}: the model recording needs each of the target's stimulus_id exactly once")
        order = np.array([position[s] for s in target_ids])
        source_values = source.transpose("time_bin", "presentation", "neuroid").values[:, order]
        target_values = target.transpose("time_bin", "presentation", "neuroid").values
        result = _cross_validated_pls(source_values, target_values, splits, self.n_components, self.SHARED_OVER_BINS)

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


class PerBinPLS(_CrossValidatedPLS):
    """Each time bin gets its own PLS regression (as Brain-Score's
    ``CrossRegressedCorrelation(PerTimeRegression(pls_regression()),
    PerTime(pearsonr_correlation()))``), computed by :func:`per_bin_pls` for all
    bins at once."""

    CONVENTION = "per-bin PLS: one regression per time bin (batched), Brain-Score's splits shared by all bins"
    SHARED_OVER_BINS = False


class SpanTimePLS(_CrossValidatedPLS):
    """One PLS regression per split with weights shared by all time bins, Pearson r
    per bin: Brain-Score's ``load_metric("spantime_pls")``, computed by
    :func:`span_time_pls` (all splits at once) to float64 rounding of Brain-Score's numbers."""

    CONVENTION = "span-time PLS: one regression shared by all time bins (Brain-Score's spantime_pls, batched)"
    SHARED_OVER_BINS = True


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
