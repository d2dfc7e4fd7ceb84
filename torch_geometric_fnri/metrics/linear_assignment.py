r"""The maximum-weight assignment with a deterministic tie-break."""
import numpy as np
from scipy.optimize import linear_sum_assignment


def lexicographic_max_assignment(score) -> np.ndarray:
    r"""Maximum-weight perfect matching of a square integer matrix with a
    lexicographic tie-break.

    Among all permutations :math:`\sigma` maximising
    :math:`\sum_i \text{score}[i, \sigma(i)]` it returns the
    lexicographically smallest :math:`(\sigma(0), \sigma(1), \ldots)`,
    i.e. the first maximum of a brute-force search over
    :func:`itertools.permutations`. One assignment is solved first
    (:func:`scipy.optimize.linear_sum_assignment`); then, row by row, the
    smallest column that still admits an optimal completion is taken. Only
    columns before the current choice are tried, so ties are the only extra
    work.

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
    score = score.astype(np.int64)
    _, sigma = linear_sum_assignment(score, maximize=True)
    sigma = sigma.astype(np.int64)
    best = int(score[np.arange(n), sigma].sum())
    fixed = 0
    for i in range(n):
        used = set(sigma[:i].tolist())
        for j in range(int(sigma[i])):
            if j in used:
                continue
            rest = np.array([c for c in range(n) if c not in used and c != j],
                            dtype=np.int64)
            sub = score[i + 1:][:, rest]
            r, c = linear_sum_assignment(sub, maximize=True)
            if fixed + int(score[i, j]) + int(sub[r, c].sum()) == best:
                sigma[i] = j
                sigma[i + 1:] = rest[c]
                break
        fixed += int(score[i, sigma[i]])
    return sigma
