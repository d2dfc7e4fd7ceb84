r"""Linear (conditional) Granger causality from one vector autoregression
per series."""
import numpy as np

from ..utils.int_checks import check_int
from .trajectory_series import check_series, standardize, zero_diagonal


def granger_causality(series: np.ndarray, lags: int = 2) -> np.ndarray:
    r"""The Granger F statistic of every ordered pair: does the past of
    node :math:`j` improve the prediction of node :math:`i` beyond the past
    of all nodes (:math:`i` included)?

    Each series gets one least-squares fit of a vector autoregression of
    order :math:`p` with an intercept,
    :math:`z_i(t) = c_i + \sum_{j, l \leq p} a_{ijl} z_j(t - l) + e_i(t)`,
    over the :math:`n = T - p` frames with a full past, and one refit
    without the past of each sender :math:`j` (all receivers at once).
    With the residual sums of squares :math:`\mathrm{RSS}_i` of the full
    fit and :math:`\mathrm{RSS}_{i \setminus j}` of the refit,
    :math:`F_{ij} = ((\mathrm{RSS}_{i \setminus j} - \mathrm{RSS}_i) / p)
    / (\mathrm{RSS}_i / (n - k))` with :math:`k = 1 + N p` coefficients:
    the :math:`F` statistic of statsmodels' :meth:`VARResults.test_causality
    <statsmodels.tsa.vector_ar.var_model.VARResults.test_causality>` for one
    caused and one causing variable. statsmodels fits and tests one
    simulation and one pair per call, which for thousands of simulations
    costs minutes; here the fits of all series are batched pseudo-inverses.
    They are least squares also for collinear columns (particles that move
    freely have positions linear in time, so two lags of a position and
    the intercept are dependent); a receiver that its own past predicts
    exactly (:math:`\mathrm{RSS}_i` below :math:`10^{-10}` of its sum of
    squares) leaves nothing to explain and gets :math:`F = 0` from every
    sender, and a sender whose lags lower the residual by less than
    :math:`10^{-12}` of the receiver's sum of squares (rounding) gets
    :math:`F = 0`.

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]` with
            :math:`T - p > 1 + N p` frames.
        lags (int, optional): The order :math:`p`; 2 lets positions reveal
            accelerations, and so forces. (default: :obj:`2`)

    Returns:
        Matrices :obj:`[B, N, N]` of :math:`F \geq 0`, entry ``[i, j]`` for
        :math:`j \to i`, with a zero diagonal.
    """
    check_int('lags', lags, 1)
    z = check_series(series)
    batch, num_nodes, num_frames = z.shape
    num_rows, num_coefs = num_frames - lags, 1 + num_nodes * lags
    if num_rows <= num_coefs:
        raise ValueError(f'a lag-{lags} autoregression of {num_nodes} nodes '
                         f'needs more than {num_coefs + lags} frames (got '
                         f'{num_frames})')
    z = standardize(z)  # Conditioning only; F does not change.
    # Columns: the intercept, then lags 1..p of node 0, of node 1, ...
    past = np.stack([z[:, :, lags - lag:num_frames - lag]
                     for lag in range(1, lags + 1)], axis=2)
    design = np.concatenate([
        np.ones((batch, 1, num_rows)),
        past.reshape(batch, num_nodes * lags, num_rows)
    ], axis=1).transpose(0, 2, 1)  # [B, n, k]
    target = z[:, :, lags:].transpose(0, 2, 1)  # [B, n, N]
    full = _residual_sum_of_squares(design, target)  # [B, N]
    increase = np.empty((batch, num_nodes, num_nodes))
    for sender in range(num_nodes):
        kept = np.ones(num_coefs, dtype=bool)
        kept[1 + sender * lags:1 + (sender + 1) * lags] = False
        restricted = _residual_sum_of_squares(design[:, :, kept], target)
        increase[:, :, sender] = restricted - full
    explained = full > 1e-10 * num_rows  # Standardised: sum of squares n.
    # A sender that explains nothing (a constant one) raises the residual
    # by rounding alone, whose size depends on the BLAS kernels.
    increase = np.where(increase > 1e-12 * num_rows, increase, 0.0)
    f_stat = np.where(
        explained[:, :, None],
        (increase / lags) / np.where(explained, full, 1.0)[:, :, None] *
        (num_rows - num_coefs), 0.0)
    return zero_diagonal(np.maximum(f_stat, 0.0))


def _residual_sum_of_squares(design: np.ndarray,
                             target: np.ndarray) -> np.ndarray:
    # Least squares of every target column on the design, [B, n, k] and
    # [B, n, N] -> [B, N], through the pseudo-inverse (collinear columns
    # dropped at a relative singular value of 1e-10).
    coef = np.linalg.pinv(design, rcond=1e-10) @ target
    return ((target - design @ coef)**2).sum(1)
