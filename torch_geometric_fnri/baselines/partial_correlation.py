r"""Partial correlation from the inverse of the sample correlation
matrix."""
import numpy as np

from .trajectory_series import (
    check_series,
    correlation_matrices,
    standardize,
    zero_diagonal,
)


def precision_to_partial_correlation(precision: np.ndarray) -> np.ndarray:
    r"""The partial correlation :math:`-\Theta_{ij} /
    \sqrt{\Theta_{ii} \Theta_{jj}}` of every pair given all other nodes,
    from precision matrices :math:`\Theta`.

    Args:
        precision (numpy.ndarray): Positive definite matrices
            :obj:`[B, N, N]`.

    Returns:
        Symmetric matrices :obj:`[B, N, N]` with a zero diagonal.
    """
    scale = np.sqrt(np.diagonal(precision, axis1=-2, axis2=-1))
    partial = -precision / (scale[:, :, None] * scale[:, None, :])
    return zero_diagonal(partial)


def partial_correlation(series: np.ndarray,
                        ridge: float = 1e-6) -> np.ndarray:
    r"""The partial correlation of every pair of nodes given the others,
    from the inverse of the sample correlation matrix :math:`R` (a batched
    :func:`numpy.linalg.inv`; the precision matrix of scikit-learn's
    :class:`~sklearn.covariance.EmpiricalCovariance` is the same inverse,
    one sample at a time).

    The inverse is that of :math:`R + \epsilon I`: trajectories are often
    exactly collinear (particles that move freely have positions linear in
    time), which makes :math:`R` singular; a small :math:`\epsilon` changes
    the partial correlations of well-conditioned series by about
    :math:`\epsilon` and keeps the others finite.

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]` with
            :math:`T > N` frames.
        ridge (float, optional): :math:`\epsilon > 0`.
            (default: :obj:`1e-6`)

    Returns:
        Symmetric matrices :obj:`[B, N, N]` in :math:`[-1, 1]` with a zero
        diagonal.
    """
    if isinstance(ridge, bool) or not isinstance(
            ridge, (int, float)) or not 0 < ridge < float('inf'):
        raise ValueError(f"'ridge' must be a positive number "
                         f"(got {ridge!r})")
    series = check_series(series)
    if series.shape[2] <= series.shape[1]:
        raise ValueError(f'the partial correlation of N={series.shape[1]} '
                         f'nodes needs more than N frames (got '
                         f'{series.shape[2]})')
    correlation = correlation_matrices(standardize(series))
    correlation += ridge * np.eye(series.shape[1])
    return precision_to_partial_correlation(np.linalg.inv(correlation))
