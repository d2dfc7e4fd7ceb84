import numpy as np
import pytest

from torch_geometric_fnri.datasets import (
    BernoulliPairs,
    RandomSignCharges,
    UniformCountCharges,
    UniformCountPairs,
    get_system,
)
from torch_geometric_fnri.datasets.graph_sampling import pairs_to_dense

# Upper 0.1% quantiles of the chi-square distribution by degrees of freedom.
CHI2_999 = {1: 10.83, 4: 18.47, 9: 27.88, 10: 29.59}


def chi_square(observed, expected):
    observed = np.asarray(observed, dtype=np.float64)
    return ((observed - expected)**2 / expected).sum()


def check_symmetric(adj):
    assert np.array_equal(adj, adj.swapaxes(-1, -2))
    assert (np.diagonal(adj, axis1=-2, axis2=-1) == 0).all()


def test_chi_square_rejects_non_uniform():
    # The statistic used below does detect a biased count distribution.
    counts = np.bincount(np.arange(11000) % 10, minlength=11)
    assert chi_square(counts, 1000.) > CHI2_999[10]


def test_uniform_count_pairs():
    rng = np.random.default_rng(0)
    adj = UniformCountPairs()(rng, 11000, 5)
    check_symmetric(adj)
    assert set(np.unique(adj)) == {0., 1.}
    num_springs = adj.sum((1, 2)) / 2
    counts = np.bincount(num_springs.astype(int), minlength=11)
    assert len(counts) == 11
    assert chi_square(counts, 1000.) < CHI2_999[10]
    # Placement: every pair is equally likely to carry a spring.
    row, col = np.triu_indices(5, 1)
    per_pair = adj[:, row, col].sum(0)
    assert chi_square(per_pair, per_pair.mean()) < CHI2_999[9]


def test_uniform_count_charges():
    rng = np.random.default_rng(1)
    adj = UniformCountCharges()(rng, 5000, 5)
    check_symmetric(adj)
    # n charged particles give n (n - 1) / 2 repelling pairs.
    num_edges = (adj.sum((1, 2)) / 2).astype(int)
    values, counts = np.unique(num_edges, return_counts=True)
    assert values.tolist() == [0, 1, 3, 6, 10]
    assert chi_square(counts, 1000.) < CHI2_999[4]


def test_bernoulli_pairs_and_random_signs():
    rng = np.random.default_rng(2)
    adj = BernoulliPairs(0.5)(rng, 2000, 5)
    check_symmetric(adj)
    on = adj[:, 0, 1].sum()
    assert chi_square([on, 2000 - on], 1000.) < CHI2_999[1]
    charges = RandomSignCharges()(rng, 2000, 4)
    check_symmetric(charges)
    off = ~np.eye(4, dtype=bool)
    assert set(np.unique(charges[:, off])) == {-1., 1.}
    # q_i q_j has rank one: q_0 q_1 * q_0 q_2 = q_1 q_2.
    assert np.array_equal(charges[:, 0, 1] * charges[:, 0, 2],
                          charges[:, 1, 2])


def test_pairs_to_dense_order():
    adj = pairs_to_dense(np.array([[1., 2., 3.]]), 3)
    assert adj[0].tolist() == [[0, 1, 2], [1, 0, 3], [2, 3, 0]]


def test_system_labels():
    rng = np.random.default_rng(3)
    charged = get_system('charged')
    couplings = charged.sample_couplings(rng, 3, 4)
    labels = charged.labels(couplings)
    off = ~np.eye(4, dtype=bool)
    assert labels.dtype == np.int64 and labels.shape == (3, 1, 4, 4)
    assert np.array_equal(labels[..., off], (couplings[..., off] + 1) // 2)
    system = get_system('springs_charges_fsprings')
    assert system.interaction_names == ['ideal_springs', 'charges',
                                        'finite_springs']
    assert system.num_edge_types == [2, 2, 2]
    couplings = system.sample_couplings(rng, 3, 4)
    assert np.array_equal(system.labels(couplings), couplings)


def test_get_system_errors():
    with pytest.raises(ValueError, match="'system' must be one of"):
        get_system('springs_charged')
    with pytest.raises(ValueError, match="'system' must be one of"):
        get_system(['springs'])
