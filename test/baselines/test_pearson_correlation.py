import numpy as np
import pytest

from torch_geometric_fnri.baselines import pearson_correlation


def test_a_constructed_case_has_its_known_correlations():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    # 2x + 1 (+1), -x (-1), a series orthogonal to x (0), a constant (0).
    series = np.stack([x, 2 * x + 1, -x, [1.0, -1.0, -1.0, 1.0],
                       [5.0] * 4])[None]
    expected = np.array([[0, 1, -1, 0, 0], [1, 0, -1, 0, 0],
                         [-1, -1, 0, 0, 0], [0, 0, 0, 0, 0],
                         [0, 0, 0, 0, 0]], dtype=float)
    assert np.allclose(pearson_correlation(series)[0], expected)


def test_it_matches_numpy_corrcoef_for_every_series():
    rng = np.random.default_rng(0)
    series = rng.standard_normal((6, 4, 30))
    series[:, 1] += series[:, 0]
    out = pearson_correlation(series)
    for b in range(6):
        reference = np.corrcoef(series[b])
        np.fill_diagonal(reference, 0)
        assert np.allclose(out[b], reference)


@pytest.mark.parametrize('series, match', [
    (np.zeros((3, 20)), r'shape \[B, N, T\]'),
    (np.zeros((1, 1, 20)), 'N >= 2'),
    (np.zeros((1, 3, 1)), 'at least 2 frames'),
    (np.full((1, 3, 5), np.nan), 'finite'),
    (np.zeros((1, 3, 5), dtype=complex), 'real numbers'),
])
def test_bad_series_are_refused(series, match):
    with pytest.raises(ValueError, match=match):
        pearson_correlation(series)
