import numpy as np
import pytest
from scipy import stats

from torch_geometric_fnri.baselines import granger_causality


def _driven(num_series=20, num_frames=200, seed=0):
    # x0 drives x1; x2 is independent of both.
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((num_series, 3, num_frames))
    for t in range(1, num_frames):
        z[:, 0, t] += 0.5 * z[:, 0, t - 1]
        z[:, 1, t] += 0.5 * z[:, 1, t - 1] + 0.8 * z[:, 0, t - 1]
        z[:, 2, t] += 0.5 * z[:, 2, t - 1]
    return z


def test_granger_finds_the_driver_and_not_the_reverse():
    series = _driven()
    f_stat = granger_causality(series, lags=2)
    num_rows, num_coefs = 200 - 2, 1 + 3 * 2
    critical = stats.f.ppf(0.999, 2, num_rows - num_coefs)
    # [receiver, sender]: 0 -> 1 is [1, 0].
    assert (f_stat[:, 1, 0] > 4 * critical).all()
    # The reverse direction is significant about 1 time in 1000.
    assert (f_stat[:, 0, 1] < critical).sum() >= 19
    assert (np.diagonal(f_stat, axis1=1, axis2=2) == 0).all()


def test_the_f_statistic_is_statsmodels_test_causality():
    var = pytest.importorskip('statsmodels.tsa.api').VAR
    series = _driven(num_series=2, num_frames=60, seed=1)
    f_stat = granger_causality(series, lags=2)
    for b in range(2):
        fit = var(series[b].T).fit(2)
        for i in range(3):
            for j in range(3):
                if i != j:
                    reference = fit.test_causality(i, [j], kind='f')
                    assert f_stat[b, i, j] == pytest.approx(
                        reference.test_statistic, rel=1e-8)


def test_free_particles_and_constant_series_score_zero():
    t = np.arange(30.0)
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(30)
    # A position linear in time (collinear lags), a constant and noise.
    series = np.stack([3 * t - 1, np.full(30, 2.0), noise])[None]
    f_stat = granger_causality(series, lags=2)
    assert np.isfinite(f_stat).all()
    assert (f_stat[0, 0] == 0).all()  # Its own past predicts it exactly.
    assert f_stat[0, 2, 1] == 0  # A constant sender tells nothing.


def test_too_few_frames_are_refused():
    with pytest.raises(ValueError, match='needs more than 13 frames'):
        granger_causality(np.random.rand(1, 5, 13), lags=2)
    with pytest.raises(ValueError, match="'lags'"):
        granger_causality(np.random.rand(1, 5, 40), lags=0)
