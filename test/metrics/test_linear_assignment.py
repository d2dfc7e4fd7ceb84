import itertools

import numpy as np
import pytest

from torch_geometric_fnri.metrics import lexicographic_max_assignment


def first_brute_force_optimum(score):
    n = score.shape[0]
    perms = np.array(list(itertools.permutations(range(n))))
    values = score[np.arange(n), perms].sum(axis=1)
    return perms[int(np.argmax(values))]


def test_lexicographic_max_assignment_is_first_brute_force_optimum():
    rng = np.random.default_rng(2)
    for _ in range(120):
        n = int(rng.integers(1, 7))
        score = rng.integers(0, 3, size=(n, n))  # many ties
        sigma = lexicographic_max_assignment(score)
        assert sigma.tolist() == first_brute_force_optimum(score).tolist()
    # Negative scores and a unique optimum away from the identity.
    score = np.array([[-5, 0, -1], [-2, -9, 0], [0, -3, -4]])
    assert lexicographic_max_assignment(score).tolist() == [1, 2, 0]


def test_lexicographic_max_assignment_ties():
    assert lexicographic_max_assignment([[1, 1], [1, 1]]).tolist() == [0, 1]
    # Every permutation is optimal: the identity comes first.
    assert lexicographic_max_assignment(np.ones((6, 6), dtype=np.int32)
                                        ).tolist() == list(range(6))
    # Two optima, (1, 0, 2) and (2, 0, 1); the first one is returned.
    score = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0]])
    assert lexicographic_max_assignment(score).tolist() == [1, 0, 2]
    assert lexicographic_max_assignment(np.zeros((0, 0), int)).size == 0


def test_lexicographic_max_assignment_errors():
    with pytest.raises(ValueError, match='square'):
        lexicographic_max_assignment(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match='integers'):
        lexicographic_max_assignment(np.zeros((2, 2)))
