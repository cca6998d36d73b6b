"""The default feature reduction: PCA fitted on the fixed offline reference images."""
import numpy as np
import pytest
import torch

from brain_models import DynVisionBrainModel, LayerReducer
from brain_models.features import principal_components
from brain_models.reference_images import reference_images
from brain_models.stimuli import ImageLoader
from tests.helpers.models import TinyNet


def test_principal_components_match_sklearn():
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 6)) * np.array([5.0, 3.0, 1.0, 0.5, 0.2, 0.1]) @ np.linalg.qr(
        rng.normal(size=(6, 6)))[0]
    ours = principal_components(torch.tensor(data, dtype=torch.float32), 3).numpy()
    theirs = PCA(3).fit(data).components_.T
    np.testing.assert_allclose(np.abs(ours), np.abs(theirs), atol=1e-4)
    assert (ours[np.abs(ours).argmax(axis=0), range(3)] > 0).all()  # signed: largest loading positive


def test_reference_images_are_fixed_and_distinct():
    loader = ImageLoader(3, 16, 16)
    first, again = reference_images(12, loader), reference_images(12, loader)
    torch.testing.assert_close(first, again, rtol=0, atol=0)
    torch.testing.assert_close(reference_images(4, loader, start=8), first[8:], rtol=0, atol=0)
    assert len({tuple(image.flatten().tolist()[:32]) for image in first}) == 12


def test_pca_keeps_space_where_the_channel_mean_does_not():
    """A layer of 300 channels on a 2x2 map: 'pool' keeps one mean per channel (a mirrored image gives
    the same features); PCA on the reference data keeps the spatial layout."""
    shape = (300, 2, 2)
    torch.manual_seed(0)
    reference = torch.randn(150, *shape)
    pca = LayerReducer("IT", shape, max_features=100)
    assert pca.kind == "pca" and pca.needs_fit
    pca.fit(pca.prepare(reference))
    pool = LayerReducer("IT", shape, max_features=100, reduction="pool")
    x = torch.randn(1, *shape)
    mirrored = torch.flip(x, dims=[3])
    torch.testing.assert_close(pool(x), pool(mirrored))
    assert not torch.allclose(pca(x), pca(mirrored), atol=1e-3)
    assert pca.n_features == 100
    torch.testing.assert_close(pca(x + 2 * mirrored), pca(x) + 2 * pca(mirrored), rtol=1e-4, atol=1e-4)


def test_adapter_fits_pca_on_the_reference_set_deterministically(monkeypatch):
    """Same features in two fits (the per-process cache emptied in between), whatever stimuli follow."""
    from brain_models import adapter

    torch.manual_seed(0)
    model = TinyNet()
    first = DynVisionBrainModel(model, max_features=50, reference_images=40)
    assert first.reduction == "pca"
    first.start_recording("IT", [(0, 10)])
    reducer = first._reducers["IT"]
    assert reducer.kind == "pca" and reducer.n_features == 39 and reducer.fit_info["images"] == 40
    assert "PCA to 39 components" in first.feature_reductions()["IT"]
    monkeypatch.setattr(adapter, "_FITTED_PCA", {})
    second = DynVisionBrainModel(model, max_features=50, reference_images=40)
    second.start_recording("IT", [(0, 10)])
    x = torch.randn(3, *reducer.shape)
    torch.testing.assert_close(reducer(x), second._reducers["IT"](x), rtol=1e-6, atol=1e-6)


def test_a_layer_silent_over_the_fitting_window_is_a_clear_error():
    """IT needs 20 ms to respond with 10 ms delays; the model's horizon is 20 ms: nothing to fit."""
    brain_model = DynVisionBrainModel(TinyNet(t_feedforward=10.0), identifier="silent", max_features=50,
                                      reference_images=8)
    with pytest.raises(ValueError, match=r"layer 'IT' does not respond .* 0-20 ms .*--reduction pool"):
        brain_model.start_recording("IT", [(0, 10)])
