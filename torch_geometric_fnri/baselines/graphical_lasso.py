r"""Partial correlation from the graphical lasso, solved for a whole batch
of series at once, and the choice of its penalty.

The series are standardised first, so the lasso runs on correlation
matrices :math:`R` and one penalty :math:`\alpha` means the same for every
simulation and feature. The problem is Friedman, Hastie and Tibshirani's,
with the diagonal of the precision matrix penalised too,

.. math::
    \hat\Theta = \arg\min_{\Theta \succ 0} -\log\det\Theta +
    \mathrm{tr}(R\,\Theta) + \alpha \|\Theta\|_1,

the same as :func:`sklearn.covariance.graphical_lasso` (which leaves the
diagonal free) on :math:`R + \alpha I`; with the diagonal free it has no
solution for the singular correlation matrices of collinear trajectories
(particles that move freely have positions linear in time, and momentum
conservation makes the velocities of a system linearly dependent).

It is solved here by ADMM (Boyd et al., *Distributed optimization and
statistical learning via the alternating direction method of
multipliers*, 2011, section 6.5), batched over all series, because
scikit-learn's solver is not fit for these matrices at this scale: on the
I+C validation split it raises :class:`FloatingPointError` on 3-6 % of
them at :math:`\alpha = 0.01`, does not reach its tolerance within 100
iterations on 10-25 % at :math:`\alpha = 0.1`, and fits one matrix per
call, about 15 ms each: minutes per split and feature where this takes
seconds. The tests check the two against each other where scikit-learn
converges.
"""
import warnings
from typing import Sequence

import numpy as np

from ..utils.int_checks import check_int
from .partial_correlation import precision_to_partial_correlation
from .trajectory_series import (
    check_series,
    correlation_matrices,
    standardize,
)


def _check_alpha(alpha, name: str = 'alpha') -> float:
    if isinstance(alpha, bool) or not isinstance(
            alpha, (int, float, np.floating)) or not 0 < alpha < float('inf'):
        raise ValueError(f"'{name}' must be a positive number "
                         f"(got {alpha!r})")
    return float(alpha)


def sparse_precision(correlation: np.ndarray, alpha: float,
                     max_iter: int = 1000, tol: float = 1e-6) -> np.ndarray:
    r"""The graphical lasso's precision matrices :math:`\hat\Theta` (see
    the module docstring) of a batch of correlation matrices, by ADMM with
    a step :math:`\rho` per matrix, balanced between the residuals (Boyd
    et al., section 3.4.1: doubled or halved when one residual exceeds ten
    times the other). A matrix stops when no entry of its primal or dual
    residual exceeds :obj:`tol`; one warning counts those that have not
    after :obj:`max_iter` iterations.

    Args:
        correlation (numpy.ndarray): Positive semi-definite matrices
            :obj:`[B, N, N]`.
        alpha (float): The :math:`\ell_1` penalty :math:`> 0`.
        max_iter (int, optional): The most iterations.
            (default: :obj:`1000`)
        tol (float, optional): The residual tolerance. (default: :obj:`1e-6`)

    Returns:
        Symmetric matrices :obj:`[B, N, N]` with exact zeros where the
        lasso separates two nodes.
    """
    alpha = _check_alpha(alpha)
    tol = _check_alpha(tol, 'tol')
    check_int('max_iter', max_iter, 1)
    batch, num_nodes = correlation.shape[0], correlation.shape[-1]
    sparse = np.broadcast_to(np.eye(num_nodes), correlation.shape).copy()
    dual = np.zeros_like(correlation)  # Scaled by 1 / rho.
    rho = np.ones(batch)
    active = np.arange(batch)
    for _ in range(max_iter):
        step = rho[active, None, None]
        # The smooth part: the eigenvalues e of Theta solve
        # rho e - 1 / e = d for the eigenvalues d of rho (Z - U) - R.
        values, vectors = np.linalg.eigh(
            step * (sparse[active] - dual[active]) - correlation[active])
        values = (values + np.sqrt(values**2 + 4 * step[:, :, 0])) / (
            2 * step[:, :, 0])
        dense = (vectors * values[:, None, :]) @ vectors.transpose(0, 2, 1)
        shifted = dense + dual[active]
        updated = np.sign(shifted) * np.maximum(
            np.abs(shifted) - alpha / step, 0)
        primal_residual = np.abs(dense - updated).max((1, 2))
        dual_residual = rho[active] * np.abs(
            updated - sparse[active]).max((1, 2))
        scale = np.where(primal_residual > 10 * dual_residual, 2.0,
                         np.where(dual_residual > 10 * primal_residual, 0.5,
                                  1.0))
        sparse[active] = updated
        dual[active] = (shifted - updated) / scale[:, None, None]
        rho[active] *= scale
        active = active[np.maximum(primal_residual, dual_residual) >= tol]
        if len(active) == 0:
            break
    if len(active):
        warnings.warn(f'the graphical lasso did not converge within '
                      f'{max_iter} iterations for {len(active)} of {batch} '
                      f'matrices (alpha={alpha}; a larger penalty '
                      f'converges faster)')
    return sparse


def graphical_lasso_partial_correlation(series: np.ndarray,
                                        alpha: float) -> np.ndarray:
    r"""The partial correlation of every pair of nodes from the sparse
    precision matrix of the graphical lasso
    (:func:`sparse_precision` of each series' correlation matrix).

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]`.
        alpha (float): The :math:`\ell_1` penalty :math:`> 0`, in units of
            correlation (see :func:`select_graphical_lasso_alpha`).

    Returns:
        Symmetric matrices :obj:`[B, N, N]` in :math:`[-1, 1]` with a zero
        diagonal; pairs the lasso separates are exactly 0.
    """
    alpha = _check_alpha(alpha)
    correlation = correlation_matrices(standardize(check_series(series)))
    return precision_to_partial_correlation(
        sparse_precision(correlation, alpha))


def select_graphical_lasso_alpha(
    series: np.ndarray,
    alphas: Sequence[float] = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5),
    num_series: int = 200,
    folds: int = 5,
    seed: int = 0,
) -> float:
    r"""Chooses the graphical lasso's penalty without labels, by
    cross-validation: the candidate with the highest held-out Gaussian
    log-likelihood :math:`\log\det\hat\Theta - \mathrm{tr}(R_{\text{out}}
    \hat\Theta)`, summed over :obj:`num_series` randomly drawn series and
    :obj:`folds` contiguous blocks of frames (each block held out once, so
    that neighbouring, correlated frames mostly stay on one side), where
    :math:`\hat\Theta` is fitted to the correlation matrix of the other
    frames and :math:`R_{\text{out}}` is that of the held-out block: the
    criterion of :class:`sklearn.covariance.GraphicalLassoCV`, for the
    problem of :func:`sparse_precision`.

    One penalty for all series keeps the scores of different simulations
    comparable, which a threshold shared by all simulations needs.

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]`, *e.g.* of the
            validation split.
        alphas (Sequence[float], optional): The candidate penalties.
            (default: :obj:`(0.01, 0.02, 0.05, 0.1, 0.2, 0.5)`)
        num_series (int, optional): How many series to cross-validate
            (all when :math:`B` is smaller). (default: :obj:`200`)
        folds (int, optional): Blocks of frames. (default: :obj:`5`)
        seed (int, optional): Seed of the sample. (default: :obj:`0`)
    """
    alphas = [_check_alpha(alpha, 'alphas') for alpha in alphas]
    if not alphas:
        raise ValueError("'alphas' must hold at least one penalty")
    check_int('num_series', num_series, 1)
    check_int('folds', folds, 2)
    series = check_series(series, min_frames=2 * folds)
    rng = np.random.default_rng(seed)
    chosen = series[rng.choice(len(series), replace=False,
                               size=min(num_series, len(series)))]
    blocks = np.array_split(np.arange(series.shape[-1]), folds)
    fitted = np.concatenate([
        correlation_matrices(standardize(np.delete(chosen, block, -1)))
        for block in blocks
    ])
    held_out = np.concatenate([
        correlation_matrices(standardize(chosen[..., block]))
        for block in blocks
    ])
    log_likelihood = []
    for alpha in alphas:
        with warnings.catch_warnings():
            # Small penalties on nearly singular matrices converge slowly;
            # their last iterates are scored all the same.
            warnings.filterwarnings('ignore', 'the graphical lasso did not')
            precision = sparse_precision(fitted, alpha)
        log_likelihood.append(
            np.linalg.slogdet(precision)[1].sum() -
            np.einsum('bij,bji->', held_out, precision))
    return alphas[int(np.argmax(log_likelihood))]
