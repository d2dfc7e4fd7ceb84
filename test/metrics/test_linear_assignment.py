import itertools

import numpy as np
import pytest

from torch_geometric_fnri.metrics import (
    lexicographic_max_assignment,
    linear_sum_assignment,
)


def brute_force(cost, maximize=False):
    n, m = cost.shape
    best = None
    if n <= m:
        for cols in itertools.permutations(range(m), n):
            value = cost[np.arange(n), list(cols)].sum()
            if best is None or (value > best if maximize else value < best):
                best = value
    else:
        best = brute_force(cost.T, maximize)
    return best


def check_valid(cost, rows, cols):
    k = min(cost.shape)
    assert rows.shape == cols.shape == (k, )
    assert list(rows) == sorted(rows)
    assert len(set(rows.tolist())) == k and len(set(cols.tolist())) == k
    assert rows.max(initial=-1) < cost.shape[0]
    assert cols.max(initial=-1) < cost.shape[1]


@pytest.mark.parametrize('maximize', [False, True])
def test_against_brute_force(maximize):
    rng = np.random.default_rng(0)
    for _ in range(150):
        n, m = rng.integers(1, 6, size=2)
        if rng.random() < 0.5:  # many ties
            cost = rng.integers(0, 3, size=(n, m)).astype(float)
        else:
            cost = rng.normal(size=(n, m))
        rows, cols = linear_sum_assignment(cost, maximize=maximize)
        check_valid(cost, rows, cols)
        assert np.isclose(cost[rows, cols].sum(),
                          brute_force(cost, maximize))


def test_against_scipy():
    scipy_optimize = pytest.importorskip('scipy.optimize')
    rng = np.random.default_rng(1)
    for n, m in [(30, 30), (20, 45), (45, 20), (64, 64)]:
        for cost in (rng.normal(size=(n, m)),
                     rng.integers(0, 5, size=(n, m)).astype(float)):
            for maximize in (False, True):
                rows, cols = linear_sum_assignment(cost, maximize)
                check_valid(cost, rows, cols)
                r, c = scipy_optimize.linear_sum_assignment(cost, maximize)
                assert np.isclose(cost[rows, cols].sum(), cost[r, c].sum())


def test_example_and_integer_input():
    cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]]
    rows, cols = linear_sum_assignment(cost)
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [1, 0, 2]
    rows, cols = linear_sum_assignment(np.array(cost), maximize=True)
    assert np.array(cost)[rows, cols].sum() == 11


def test_infinite_entries():
    inf = np.inf
    cost = np.array([[inf, 1.0], [2.0, inf]])
    rows, cols = linear_sum_assignment(cost)
    assert cols.tolist() == [1, 0]
    with pytest.raises(ValueError, match='no complete matching'):
        linear_sum_assignment(np.array([[inf, inf], [1.0, 2.0]]))
    rows, cols = linear_sum_assignment(-cost, maximize=True)
    assert cols.tolist() == [1, 0]


def test_empty_and_transposed_order():
    rows, cols = linear_sum_assignment(np.zeros((0, 3)))
    assert rows.size == 0 and cols.size == 0
    cost = np.array([[5.0], [1.0], [3.0]])
    rows, cols = linear_sum_assignment(cost)
    assert rows.tolist() == [1] and cols.tolist() == [0]


def test_errors():
    with pytest.raises(ValueError, match='2-D'):
        linear_sum_assignment(np.zeros(3))
    with pytest.raises(ValueError, match='NaN'):
        linear_sum_assignment(np.array([[np.nan, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match='-inf'):
        linear_sum_assignment(np.array([[-np.inf, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match='numeric'):
        linear_sum_assignment(np.array([['a']]))


def test_lexicographic_max_assignment_is_first_brute_force_optimum():
    rng = np.random.default_rng(2)
    for _ in range(120):
        n = int(rng.integers(1, 7))
        score = rng.integers(0, 3, size=(n, n))  # many ties
        perms = np.array(list(itertools.permutations(range(n))))
        values = score[np.arange(n), perms].sum(axis=1)
        expected = perms[int(np.argmax(values))]
        sigma = lexicographic_max_assignment(score)
        assert sigma.tolist() == expected.tolist()
    assert lexicographic_max_assignment(np.zeros((0, 0), int)).size == 0


def test_lexicographic_max_assignment_errors():
    with pytest.raises(ValueError, match='square'):
        lexicographic_max_assignment(np.zeros((2, 3), dtype=int))
    with pytest.raises(ValueError, match='integers'):
        lexicographic_max_assignment(np.zeros((2, 2)))
