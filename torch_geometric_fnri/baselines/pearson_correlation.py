r"""Pearson correlation between the series of every pair of nodes."""
import numpy as np

from .trajectory_series import (
    check_series,
    correlation_matrices,
    standardize,
    zero_diagonal,
)


def pearson_correlation(series: np.ndarray) -> np.ndarray:
    r"""The Pearson correlation of every pair of nodes over the frames.

    One batched product of the standardised series: NumPy's
    :func:`numpy.corrcoef` takes one sample at a time, and scoring
    thousands of simulations one by one costs far more than the product.

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]`, :math:`T \geq 2`.

    Returns:
        Symmetric matrices :obj:`[B, N, N]` in :math:`[-1, 1]` with a zero
        diagonal.
    """
    z = standardize(check_series(series))
    return zero_diagonal(correlation_matrices(z))
