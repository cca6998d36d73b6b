"""The batched per-bin PLS equals one sklearn PLSRegression per bin and split."""
from __future__ import annotations

import numpy as np
import pytest

from benchmarks.temporal_metric import batched_pls_predict, per_bin_pls, sklearn_reference, span_time_pls


def _data(bins=3, n=60, p=30, m=5, seed=0):
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(bins, n, 4))
    source = latent @ rng.normal(size=(4, p)) + 0.5 * rng.normal(size=(bins, n, p))
    target = latent @ rng.normal(size=(4, m)) + rng.normal(size=(bins, n, m))
    splits = []
    for s in range(3):
        order = np.random.default_rng(100 + s).permutation(n)
        splits.append((np.sort(order[:50]), np.sort(order[50:])))
    return source, target, splits


@pytest.mark.parametrize("m", [1, 5])
def test_batched_equals_sklearn_per_bin(m):
    source, target, splits = _data(m=m)
    fast, slow = per_bin_pls(source, target, splits), sklearn_reference(source, target, splits)
    assert fast.raw.shape == (3, 3, m)
    np.testing.assert_allclose(fast.raw, slow.raw, atol=1e-10)
    np.testing.assert_allclose(fast.per_bin, slow.per_bin, atol=1e-10)
    np.testing.assert_allclose(fast.error, slow.error, atol=1e-10)
    assert (fast.per_bin > 0.3).all()  # the synthetic neurons are predictable


@pytest.mark.parametrize("m", [1, 5, 40])
def test_span_time_equals_sklearn_on_the_bins_stacked(m):
    """One regression per split on every bin's training stimuli (40 neurons > 30
    features takes the other side of the eigendecomposition)."""
    source, target, splits = _data(m=m)
    fast, slow = span_time_pls(source, target, splits), sklearn_reference(source, target, splits, shared_over_bins=True)
    assert fast.raw.shape == (3, 3, m)
    np.testing.assert_allclose(fast.raw, slow.raw, atol=1e-10)
    np.testing.assert_allclose(fast.error, slow.error, atol=1e-10)
    assert not np.allclose(fast.raw, per_bin_pls(source, target, splits).raw)  # another regression than per bin


def test_predictions_equal_sklearn_with_few_components():
    from sklearn.cross_decomposition import PLSRegression

    source, target, _ = _data(bins=2, n=40, p=12, m=6, seed=3)
    import torch

    predicted = batched_pls_predict(torch.as_tensor(source[:, :30]), torch.as_tensor(target[:, :30]),
                                    torch.as_tensor(source[:, 30:]), n_components=4).numpy()
    for b in range(2):
        expected = PLSRegression(n_components=4, scale=False).fit(source[b, :30], target[b, :30]).predict(source[b, 30:])
        np.testing.assert_allclose(predicted[b], expected, atol=1e-10)


@pytest.mark.parametrize("shared", [False, True])
def test_constant_neuron_gives_nan_like_scipy(shared):
    """sklearn zeroes a residual column below 10 eps (a constant neuron): the other
    neurons' numbers are sklearn's, the constant one's r is NaN as scipy's."""
    source, target, splits = _data()
    target[:, :, 0] = 0.7
    fast = (span_time_pls if shared else per_bin_pls)(source, target, splits)
    assert np.isnan(fast.raw[:, :, 0]).all() and np.isfinite(fast.raw[:, :, 1:]).all()
    slow = sklearn_reference(source, target, splits, shared_over_bins=shared)
    np.testing.assert_allclose(fast.raw[:, :, 1:], slow.raw[:, :, 1:], atol=1e-10)


def test_a_bin_with_constant_features_gives_nan_not_an_error():
    """A bin the model is silent in (features constant over images): r is undefined there
    (sklearn's own fit fails with NaNs), the other bins are unaffected."""
    source, target, splits = _data()
    source[1] = 0.5
    fast, slow = per_bin_pls(source, target, splits), sklearn_reference(source[[0, 2]], target[[0, 2]], splits)
    assert np.isnan(fast.raw[:, 1]).all()
    np.testing.assert_allclose(fast.raw[:, [0, 2]], slow.raw, atol=1e-10)


def test_too_few_features_is_an_error():
    source, target, splits = _data(p=10)
    with pytest.raises(ValueError, match="n_components=25"):
        per_bin_pls(source, target, splits)


def _assemblies(bins=2, n=40, p=26, m=4, seed=5):
    from brainscore_core.supported_data_standards.brainio.assemblies import NeuroidAssembly

    source, target, _ = _data(bins=bins, n=n, p=p, m=m, seed=seed)

    def assembly(values, prefix, order):
        ids = [f"s{i:03d}" for i in order]
        return NeuroidAssembly(values[:, order].transpose(1, 2, 0), dims=["presentation", "neuroid", "time_bin"], coords={
            "stimulus_id": ("presentation", ids), "object_name": ("presentation", [f"o{i % 2}" for i in order]),
            "neuroid_id": ("neuroid", [f"{prefix}{j}" for j in range(values.shape[2])]),
            "region": ("neuroid", ["IT"] * values.shape[2]),
            "time_bin_start": ("time_bin", [10 * b for b in range(bins)]),
            "time_bin_end": ("time_bin", [10 * b + 10 for b in range(bins)])})

    shuffled = np.random.default_rng(9).permutation(n)  # the model sees the stimuli in another order
    return assembly(source, "f", shuffled), assembly(target, "n", np.arange(n))


def test_metric_equals_brainscores_own_per_time_bin_pls():
    """``PerBinPLS`` gives Brain-Score's per-time-bin regression score
    (``PerTimeRegression(pls_regression())`` + ``PerTime(pearsonr)`` under its cross-validation)."""
    from benchmarks.temporal_metric import PerBinPLS, brainscore_per_bin_reference

    source, target = _assemblies()
    kwargs = dict(stratification_coord="object_name", splits=3)
    fast = PerBinPLS(crossvalidation_kwargs=kwargs)(source, target)
    reference = brainscore_per_bin_reference(source, target, kwargs)
    reference = reference.transpose("time_bin")
    np.testing.assert_allclose(fast.values, reference.values, atol=1e-8)
    np.testing.assert_allclose(fast.attrs["error"].values, reference.attrs["error"].transpose("time_bin").values,
                               atol=1e-8)
    assert list(fast["time_bin_start"].values) == [0, 10]
    assert fast.attrs["raw"].dims == ("split", "time_bin", "neuroid") and fast.attrs["raw"].shape == (3, 2, 4)
    assert (fast.values > 0.3).all()


def test_span_time_metric_equals_brainscores_spantime_pls():
    """``SpanTimePLS`` gives ``load_metric("spantime_pls")``'s score, error and raw values."""
    from brainscore_vision import load_metric

    from benchmarks.temporal_metric import SpanTimePLS

    source, target = _assemblies(bins=3)
    kwargs = dict(stratification_coord="object_name", splits=3)
    fast = SpanTimePLS(crossvalidation_kwargs=kwargs)(source, target)
    reference = load_metric("spantime_pls", crossvalidation_kwargs=kwargs)(source, target).transpose("time_bin")
    np.testing.assert_allclose(fast.values, reference.values, atol=1e-8)
    np.testing.assert_allclose(fast.attrs["error"].values, reference.attrs["error"].transpose("time_bin").values,
                               atol=1e-8)
    raw = reference.attrs["raw"].transpose("split", "time_bin", "neuroid")  # neuroids n0..n3 in order
    np.testing.assert_allclose(fast.attrs["raw"].values, raw.values, atol=1e-8)
    assert (fast.values > 0.3).all()


def test_metric_names_mismatched_bins():
    from benchmarks.temporal_metric import PerBinPLS

    source, target = _assemblies()
    with pytest.raises(ValueError, match="bins starting at \\[0.0\\] ms"):
        PerBinPLS()(source.isel(time_bin=[0]), target)


def test_aggregation_skips_nan_as_brainscores_xarray_does():
    """Median over neuroids, then mean and standard error over splits, NaN skipped (xarray's
    default), the error divided by the square root of all splits; no numpy warning."""
    import warnings

    from benchmarks.temporal_metric import _summarize

    raw = np.array([[[0.2, np.nan, 0.4], [np.nan] * 3],
                    [[np.nan] * 3, [np.nan] * 3],
                    [[0.6, 0.8, 1.0], [np.nan] * 3]])  # splits x bins x neuroids
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary = _summarize(raw)
    np.testing.assert_allclose(summary.per_bin[0], 0.55)
    np.testing.assert_allclose(summary.error[0], 0.25 / np.sqrt(3))
    assert np.isnan(summary.per_bin[1]) and np.isnan(summary.error[1])
