import numpy as np
import pytest

from torch_geometric_fnri.baselines import (
    graphical_lasso_partial_correlation,
    partial_correlation,
    pearson_correlation,
    precision_to_partial_correlation,
    select_graphical_lasso_alpha,
    sparse_precision,
)
from torch_geometric_fnri.baselines.trajectory_series import (
    correlation_matrices,
    standardize,
)

# A Gaussian graphical model on a chain 0 - 1 - 2 - 3 plus 4 - 0: the
# precision matrix's support is the graph.
PRECISION = np.array([
    [1.0, 0.4, 0.0, 0.0, 0.4],
    [0.4, 1.0, 0.4, 0.0, 0.0],
    [0.0, 0.4, 1.0, 0.4, 0.0],
    [0.0, 0.0, 0.4, 1.0, 0.0],
    [0.4, 0.0, 0.0, 0.0, 1.0],
])
SUPPORT = (PRECISION != 0) & ~np.eye(5, dtype=bool)


def _samples(num_series=3, num_samples=4000, seed=0):
    rng = np.random.default_rng(seed)
    covariance = np.linalg.inv(PRECISION)
    draws = rng.multivariate_normal(np.zeros(5), covariance,
                                    size=(num_series, num_samples))
    return draws.transpose(0, 2, 1)  # [B, N, T]


def test_the_exact_precision_gives_its_partial_correlations():
    out = precision_to_partial_correlation(PRECISION[None])[0]
    assert np.allclose(out[SUPPORT], -0.4)
    assert np.allclose(out[~SUPPORT], 0)


def test_partial_correlation_recovers_the_support_and_correlation_not():
    series = _samples()
    partial = np.abs(partial_correlation(series))
    off = ~SUPPORT & ~np.eye(5, dtype=bool)
    assert (partial[:, SUPPORT] > 0.3).all()
    assert (partial[:, off] < 0.06).all()
    # Correlation also links nodes two steps apart on the chain.
    correlation = np.abs(pearson_correlation(series))
    assert (correlation[:, 0, 2] > 0.1).all()
    assert (correlation[:, 1, 4] > 0.1).all()


def test_the_graphical_lasso_recovers_the_support():
    series = _samples()
    out = graphical_lasso_partial_correlation(series, alpha=0.1)
    off = ~SUPPORT & ~np.eye(5, dtype=bool)
    assert (np.abs(out[:, SUPPORT]) > 0.25).all()
    assert (np.abs(out[:, off]) < 0.03).all()
    assert (out[:, off] == 0).mean() > 0.75  # The lasso's exact zeros.
    assert np.allclose(out, out.transpose(0, 2, 1))


def _objective(correlation, precision, alpha):
    # The lasso's objective, the diagonal penalised too.
    return (-np.linalg.slogdet(precision)[1] +
            np.trace(correlation @ precision) +
            alpha * np.abs(precision).sum())


# scikit-learn does not reach its tolerance on the singular matrices.
@pytest.mark.filterwarnings('ignore:graphical_lasso. did not converge')
def test_the_solver_matches_scikit_learn_and_is_never_worse():
    covariance = pytest.importorskip('sklearn.covariance')
    rng = np.random.default_rng(3)
    # Well-conditioned (the model) and singular (12 frames, node 4 the sum
    # of nodes 0 and 1) correlation matrices.
    collinear = rng.standard_normal((6, 5, 12))
    collinear[:, 4] = collinear[:, 0] + collinear[:, 1]
    for series, alpha in ((_samples(num_samples=300), 0.1),
                          (collinear, 0.2)):
        correlation = correlation_matrices(standardize(series))
        ours = sparse_precision(correlation, alpha)
        for matrix, precision in zip(correlation, ours):
            # scikit-learn leaves the diagonal free: R + alpha I.
            _, reference = covariance.graphical_lasso(
                matrix + alpha * np.eye(5), alpha, tol=1e-8, max_iter=1000)
            assert np.abs(precision - reference).max() < 1e-2
            assert _objective(matrix, precision, alpha) <= _objective(
                matrix, reference, alpha) + 1e-9


def test_the_penalty_is_chosen_by_held_out_likelihood():
    series = _samples(num_samples=200)
    # Sparse truth, 200 samples: a moderate penalty; one candidate: it.
    assert select_graphical_lasso_alpha(series, num_series=3) in (
        0.01, 0.02, 0.05, 0.1)
    assert select_graphical_lasso_alpha(series, alphas=(0.3, ),
                                        num_series=1) == 0.3
    with pytest.raises(ValueError, match="'alphas' must be a positive"):
        select_graphical_lasso_alpha(series, alphas=(0.1, 0.0))


def test_collinear_series_stay_finite():
    # Particles that move freely have positions linear in time.
    t = np.arange(20.0)
    series = np.stack([t, 2 * t + 1, np.sin(t), np.cos(t)])[None]
    out = partial_correlation(series)
    assert np.isfinite(out).all() and np.abs(out).max() <= 1 + 1e-9
    lasso = graphical_lasso_partial_correlation(series, 0.1)
    assert np.isfinite(lasso).all()


def test_bad_settings_are_refused():
    series = _samples(num_series=1, num_samples=50)
    with pytest.raises(ValueError, match='more than N frames'):
        partial_correlation(series[..., :5])
    with pytest.raises(ValueError, match="'ridge' must be a positive"):
        partial_correlation(series, ridge=0)
    with pytest.raises(ValueError, match="'alpha' must be a positive"):
        graphical_lasso_partial_correlation(series, alpha=-1.0)
    with pytest.raises(ValueError, match="'num_series'"):
        select_graphical_lasso_alpha(series, num_series=0)
    with pytest.raises(ValueError, match="at least one penalty"):
        select_graphical_lasso_alpha(series, alphas=())
    with pytest.warns(UserWarning, match='did not converge within 2 '):
        sparse_precision(correlation_matrices(standardize(series)), 0.1,
                         max_iter=2)
