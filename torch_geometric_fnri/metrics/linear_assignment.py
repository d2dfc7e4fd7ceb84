r"""Linear sum assignment (minimum-cost bipartite matching) in NumPy.

A shortest-augmenting-path solver in the style of Jonker and Volgenant:
one row is added per iteration, a Dijkstra-like search over reduced costs
finds the cheapest augmenting path to a free column, and the dual variables
are updated so that all reduced costs stay non-negative. The work is
:math:`O(n^2 m)` for an :math:`n \times m` matrix with :math:`n \leq m`;
the inner loop over columns is vectorised.

:func:`lexicographic_max_assignment` adds a deterministic tie-break for
integer score matrices: the first optimal matching in
:func:`itertools.permutations` order.
"""
from typing import Tuple

import numpy as np


def linear_sum_assignment(
    cost,
    maximize: bool = False,
) -> Tuple[np.ndarray, np.ndarray]:
    r"""Solves the rectangular linear sum assignment problem.

    Finds a matching of :math:`\min(n, m)` rows to distinct columns that
    minimises (or maximises) the sum of the matched entries. The return
    convention is that of :func:`scipy.optimize.linear_sum_assignment`:
    ``cost[row_ind, col_ind].sum()`` is the optimum and ``row_ind`` is
    sorted. The solver is deterministic; when several matchings are
    optimal it returns one of them (no particular tie-break is promised).

    Args:
        cost (array_like): The cost matrix of shape :obj:`[n, m]`. Entries
            may be :obj:`inf` (or :obj:`-inf` with :obj:`maximize=True`) to
            forbid a pair; :obj:`nan` is not allowed.
        maximize (bool, optional): If set to :obj:`True`, maximises the sum
            instead. (default: :obj:`False`)

    Returns:
        (row_ind, col_ind): two integer arrays of length :math:`\min(n, m)`.

    Raises:
        ValueError: If :obj:`cost` is not two-dimensional, contains
            :obj:`nan`, or no complete matching with finite cost exists.

    Examples:
        >>> cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
        >>> linear_sum_assignment(cost)
        (array([0, 1, 2]), array([1, 0, 2]))
    """
    cost = np.asarray(cost)
    if cost.ndim != 2:
        raise ValueError(f"'cost' must be a 2-D matrix "
                         f"(got shape {cost.shape})")
    if cost.dtype == bool or not np.issubdtype(cost.dtype, np.number):
        raise ValueError(f"'cost' must be numeric (got dtype {cost.dtype})")
    if np.iscomplexobj(cost):
        raise ValueError("'cost' must be real-valued (got complex values)")
    cost = cost.astype(np.float64)
    if np.isnan(cost).any():
        raise ValueError("'cost' must not contain NaN")
    if maximize:
        cost = -cost
    if np.isneginf(cost).any():
        raise ValueError("'cost' must not contain -inf (+inf when "
                         "maximising)")

    transposed = cost.shape[0] > cost.shape[1]
    if transposed:
        cost = cost.T
    col4row, _, _ = _solve(cost)
    rows = np.arange(cost.shape[0], dtype=np.intp)
    if transposed:
        order = np.argsort(col4row, kind='stable')
        return col4row[order], rows[order]
    return rows, col4row


def _solve(cost: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Shortest augmenting path for a matrix with at most as many rows as
    # columns; returns the column of every row and dual variables u, v with
    # cost - u[:, None] - v[None, :] >= 0, tight on the matching.
    num_rows, num_cols = cost.shape
    u = np.zeros(num_rows)
    v = np.zeros(num_cols)
    col4row = np.full(num_rows, -1, dtype=np.intp)
    row4col = np.full(num_cols, -1, dtype=np.intp)
    path = np.full(num_cols, -1, dtype=np.intp)

    for cur_row in range(num_rows):
        shortest = np.full(num_cols, np.inf)
        visited_row = np.zeros(num_rows, dtype=bool)
        visited_col = np.zeros(num_cols, dtype=bool)
        min_val = 0.0
        row = cur_row
        sink = -1
        while sink < 0:
            visited_row[row] = True
            reduced = min_val + cost[row] - u[row] - v
            better = ~visited_col & (reduced < shortest)
            path[better] = row
            shortest[better] = reduced[better]

            candidates = np.where(visited_col, np.inf, shortest)
            min_val = candidates.min()
            if not np.isfinite(min_val):
                raise ValueError("'cost' admits no complete matching with "
                                 "finite cost")
            # Among the closest columns prefer a free one: it ends the path.
            closest = np.flatnonzero(candidates == min_val)
            free = closest[row4col[closest] < 0]
            col = int(free[0] if free.size > 0 else closest[0])
            visited_col[col] = True
            if row4col[col] < 0:
                sink = col
            else:
                row = int(row4col[col])

        # Dual update keeps reduced costs non-negative and tight on matches.
        u[cur_row] += min_val
        others = visited_row.copy()
        others[cur_row] = False
        u[others] += min_val - shortest[col4row[others]]
        v[visited_col] -= min_val - shortest[visited_col]

        col = sink
        while True:
            row = int(path[col])
            row4col[col] = row
            col4row[row], col = col, col4row[row]
            if row == cur_row:
                break
    return col4row, u, v


def lexicographic_max_assignment(score) -> np.ndarray:
    r"""Maximum-weight perfect matching of a square integer matrix with a
    lexicographic tie-break.

    Among all permutations :math:`\sigma` maximising
    :math:`\sum_i \text{score}[i, \sigma(i)]` it returns the
    lexicographically smallest :math:`(\sigma(0), \sigma(1), \ldots)`,
    i.e. the first maximum of a brute-force search over
    :func:`itertools.permutations`. One assignment is solved first; then,
    row by row, the smallest column that still admits an optimal completion
    is taken. Columns that are not tight under the optimal dual variables
    cannot be part of any optimal matching and are skipped, so ties are the
    only extra work.

    Args:
        score (array_like): Integer scores of shape :obj:`[n, n]` (exact
            comparison of sums needs integers below :math:`2^{53}`).

    Returns:
        :class:`numpy.ndarray` :math:`\sigma` of length :obj:`n`.

    Examples:
        >>> lexicographic_max_assignment([[1, 1], [1, 1]])
        array([0, 1])
    """
    score = np.asarray(score)
    if score.ndim != 2 or score.shape[0] != score.shape[1]:
        raise ValueError(f"'score' must be a square matrix "
                         f"(got shape {score.shape})")
    if not np.issubdtype(score.dtype, np.integer):
        raise ValueError(f"'score' must hold integers "
                         f"(got dtype {score.dtype})")
    n = score.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    score = score.astype(np.int64)
    cost = -score.astype(np.float64)
    sigma, u, v = _solve(cost)
    sigma = sigma.astype(np.int64)
    # Integer costs give integer duals: 'tight' is an exact test.
    tight = (cost - u[:, None] - v[None, :]) < 0.5
    best = int(score[np.arange(n), sigma].sum())
    fixed = 0
    for i in range(n):
        used = set(sigma[:i].tolist())
        for j in range(int(sigma[i])):
            if j in used or not tight[i, j]:
                continue
            rest = np.array([c for c in range(n) if c not in used and c != j],
                            dtype=np.int64)
            sub = score[i + 1:][:, rest]
            if sub.size > 0:
                r, c = linear_sum_assignment(sub, maximize=True)
                value = int(sub[r, c].sum())
            else:
                c = np.zeros(0, dtype=np.int64)
                value = 0
            if fixed + int(score[i, j]) + value == best:
                sigma[i] = j
                sigma[i + 1:] = rest[c]
                break
        fixed += int(score[i, sigma[i]])
    return sigma
