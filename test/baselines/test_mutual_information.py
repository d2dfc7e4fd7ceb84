import numpy as np
import pytest

from torch_geometric_fnri.baselines import mutual_information


def test_dependent_signals_have_more_information_than_independent():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 200))
    series = np.stack([x, x + 0.1 * rng.standard_normal((10, 200)),
                       rng.standard_normal((10, 200))], axis=1)
    out = mutual_information(series)
    # Gaussian: I = -log(1 - rho^2) / 2 = 2.31 nats for rho^2 = 1/1.01.
    assert out[:, 0, 1] == pytest.approx(np.full(10, 2.31), abs=0.3)
    assert np.abs(out[:, 0, 2]).max() < 0.15
    assert np.abs(out[:, 1, 2]).max() < 0.15
    assert np.allclose(out, out.transpose(0, 2, 1))


def test_it_is_scikit_learns_estimator():
    feature_selection = pytest.importorskip('sklearn.feature_selection')
    rng = np.random.default_rng(1)
    series = rng.standard_normal((3, 4, 49))
    series[:, 1] += 0.7 * series[:, 0]
    out = mutual_information(series, n_neighbors=3, chunk_size=2)
    for b in range(3):
        for i in range(4):
            reference = feature_selection.mutual_info_regression(
                series[b].T, series[b, i], n_neighbors=3, random_state=0)
            reference[i] = 0
            # scikit-learn clips at 0.
            assert np.allclose(np.maximum(out[b, i], 0), reference,
                               atol=1e-9)


def test_a_constant_series_shares_no_information():
    rng = np.random.default_rng(2)
    series = np.stack([rng.standard_normal(40), np.ones(40)])[None]
    assert np.allclose(mutual_information(series), 0)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='at least 4 frames'):
        mutual_information(np.random.rand(1, 2, 3), n_neighbors=3)
    with pytest.raises(ValueError, match="'n_neighbors'"):
        mutual_information(np.random.rand(1, 2, 30), n_neighbors=0)
