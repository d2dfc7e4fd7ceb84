import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    InteractionLayer,
    PhysicsSystem,
    PhysicsSystemDataset,
    get_system,
    simulate,
    simulate_system,
)
from torch_geometric_fnri.datasets.graph_sampling import CategoricalPairs
from torch_geometric_fnri.datasets.simulation import DT
from torch_geometric_fnri.metrics import mapped_accuracy
from torch_geometric_fnri.training import TrainConfig, Trainer, make_model
from torch_geometric_fnri.utils import fully_connected_edge_index

NAME = 'weak_strong_springs_charges'
SMALL = dict(num_simulations=(6, 3, 2), num_particles=4, num_frames=4,
             sample_freq=20, seed=0, log=False)
# Upper 0.1% quantile of the chi-square distribution with 2 degrees of
# freedom.
CHI2_999_2 = 13.82


def test_categorical_pairs_follow_the_uniform_draws():
    sampler = CategoricalPairs((-1., 0., 2.), (0.2, 0.5, 0.3))
    couplings = sampler(np.random.default_rng(3), 5, 4)
    assert couplings.shape == (5, 4, 4) and couplings.dtype == np.float64
    # Oracle: one uniform draw per pair i < j (row-major) from the same
    # stream; value k where it falls in [p_0 + ... + p_{k-1}, ... + p_k).
    uniform = np.random.default_rng(3).random((5, 6))
    for s in range(5):
        pair = 0
        for i in range(4):
            assert couplings[s, i, i] == 0
            for j in range(i + 1, 4):
                u = uniform[s, pair]
                expected = -1. if u < 0.2 else 0. if u < 0.7 else 2.
                assert couplings[s, i, j] == couplings[s, j, i] == expected
                pair += 1


def test_categorical_pairs_frequencies_match_the_probabilities():
    probabilities = (0.2, 0.5, 0.3)
    sampler = CategoricalPairs((0., 0.5, 1.), probabilities)
    couplings = sampler(np.random.default_rng(0), 2000, 5)
    row, col = np.triu_indices(5, k=1)
    pairs = couplings[:, row, col].ravel()
    counts = np.array([(pairs == v).sum() for v in (0., 0.5, 1.)])
    assert counts.sum() == pairs.size == 20000
    expected = pairs.size * np.array(probabilities)
    assert ((counts - expected)**2 / expected).sum() < CHI2_999_2
    np.testing.assert_allclose(counts / pairs.size, probabilities,
                               atol=0.015)
    # A value with probability 0 is never drawn.
    never = CategoricalPairs((0., 0.5, 1.), (0.5, 0., 0.5))
    assert 0.5 not in never(np.random.default_rng(0), 500, 5)


def test_categorical_pairs_are_deterministic_under_a_seed():
    sampler = CategoricalPairs((0., 0.5, 1.), (1 / 3, 1 / 3, 1 / 3))
    first = sampler(np.random.default_rng(7), 4, 5)
    assert sampler(np.random.default_rng(7), 4, 5).tobytes() == \
        first.tobytes()
    assert not np.array_equal(sampler(np.random.default_rng(8), 4, 5),
                              first)
    system = get_system(NAME)
    couplings = system.sample_couplings(np.random.default_rng(7), 4, 5)
    assert couplings.tobytes() == system.sample_couplings(
        np.random.default_rng(7), 4, 5).tobytes()
    np.testing.assert_array_equal(couplings[:, 0], first)


@pytest.mark.parametrize('values,probabilities,match', [
    ((0., 1., 0.5), (0.3, 0.3, 0.4), "'values' must be at least two"),
    ((0., 0.5, 0.5), (0.3, 0.3, 0.4), "'values' must be at least two"),
    ((0., ), (1., ), "'values' must be at least two"),
    ((0., float('nan')), (0.5, 0.5), "'values' must be at least two"),
    ((0., 0.5, 1.), (0.5, 0.5), "one entry per value \\(3\\)"),
    ((0., 0.5, 1.), (0.5, 0.3, 0.3), "non-negative and sum to 1"),
    ((0., 0.5, 1.), (0.5, 0.6, -0.1), "non-negative and sum to 1"),
    ((0., 0.5, 1.), (0.5, float('nan'), 0.5), "non-negative and sum"),
])
def test_bad_categorical_pairs_raise(values, probabilities, match):
    with pytest.raises(ValueError, match=match):
        CategoricalPairs(values, probabilities)


def test_a_weak_spring_pulls_half_as_hard_as_a_strong_one():
    system = get_system(NAME)
    # Pair (0, 1) weak, pair (2, 3) strong, the same displacement; no
    # charges.
    couplings = np.zeros((1, 2, 4, 4))
    couplings[0, 0, [0, 1], [1, 0]] = 0.5
    couplings[0, 0, [2, 3], [3, 2]] = 1.0
    loc = np.array([[[0.3, 1.1, -1.2, -0.4], [0.2, -0.5, 1.0, 0.3]]])
    # One kick from rest: the first saved velocity is dt times the force.
    _, vel = simulate(system, couplings, loc, np.zeros_like(loc),
                      num_steps=2, sample_freq=1)
    assert vel.shape == (1, 1, 2, 4)
    force = vel[0, 0] / DT
    # Explicit ideal springs: F_i = -k sum_j c_ij (x_i - x_j), k = 0.1.
    expected = np.zeros((2, 4))
    for i in range(4):
        for j in range(4):
            expected[:, i] -= 0.1 * couplings[0, 0, i, j] * (
                loc[0, :, i] - loc[0, :, j])
    np.testing.assert_allclose(force, expected, rtol=1e-12, atol=1e-15)
    weak = -0.05 * (loc[0, :, 0] - loc[0, :, 1])
    np.testing.assert_allclose(force[:, 0], weak, rtol=1e-12)
    np.testing.assert_allclose(force[:, [0, 1]], 0.5 * force[:, [2, 3]],
                               rtol=1e-12)


def test_dataset_labels_are_the_class_indices():
    dataset = PhysicsSystemDataset(None, NAME, 'valid', **SMALL)
    assert dataset.num_edge_types == [3, 2]
    assert dataset.interaction_names == ['ideal_springs', 'charges']
    # The valid split's own seed stream.
    raw = simulate_system(NAME, 3, 4, 100, 20,
                          np.random.SeedSequence(0, spawn_key=(1, )))
    sender, receiver = fully_connected_edge_index(4).tolist()
    for s in range(3):
        edge_type = dataset[s].edge_type
        assert edge_type.shape == (12, 2)
        for e, (i, j) in enumerate(zip(receiver, sender)):
            spring, charge = raw.couplings[s, :, i, j]
            assert edge_type[e, 0] == [0., 0.5, 1.].index(spring)
            assert edge_type[e, 1] == int(charge == 1.)
    assert 2 in dataset._data.edge_type[:, 0]


def test_system_and_class_values_are_part_of_the_cache_key(tmp_path):
    root = str(tmp_path)
    weak_strong = PhysicsSystemDataset(root, NAME, **SMALL)
    binary = PhysicsSystemDataset(root, 'springs_charges', **SMALL)
    assert weak_strong.processed_dir != binary.processed_dir
    assert weak_strong.processed_dir.split('/')[-1].startswith(NAME + '_')
    # The same name with other classes is another cache.
    system = get_system(NAME)
    relabelled = PhysicsSystem(NAME, (
        InteractionLayer(system.layers[0].interaction,
                         system.layers[0].sampler,
                         class_values=(0., 0.5, 1., 2.)),
        system.layers[1],
    ))
    other = PhysicsSystemDataset(root, relabelled, **SMALL)
    assert other.processed_dir != weak_strong.processed_dir
    assert other.num_edge_types == [4, 2]
    assert torch.equal(other._data.edge_type, weak_strong._data.edge_type)


def test_fnri_trains_and_reports_per_layer_accuracies(tmp_path):
    splits = [
        PhysicsSystemDataset(None, NAME, split, num_simulations=(16, 8, 8),
                             num_particles=3, num_frames=13, sample_freq=10,
                             seed=0, log=False)
        for split in ('train', 'valid', 'test')
    ]
    torch.manual_seed(0)
    model = make_model('fnri', 'learned', splits[0].num_edge_types, 13, 8)
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False, seed=1)
    trainer = Trainer(model, config, *splits, run_dir=str(tmp_path))
    result = trainer.fit()
    trainer.close()
    test = result['test']
    assert result['completed'] and test['num_graphs'] == 8
    # Predicted combinations (3 x 2) x label combinations (3 x 2); the
    # columns count the test split's labels.
    confusion = torch.tensor(test['edge_confusion'])
    assert confusion.shape == (6, 6)
    labels = torch.cat([data.edge_type for data in splits[2]])
    assert confusion.sum(0).tolist() == torch.bincount(
        labels[:, 0] * 2 + labels[:, 1], minlength=6).tolist()
    accuracy = mapped_accuracy(confusion, test['edge_mapping'], [3, 2],
                               [3, 2])
    assert test['acc_combined'] == pytest.approx(accuracy['combined'])
    assert [test['acc_ideal_springs'], test['acc_charges']] == \
        pytest.approx(accuracy['per_layer'])
    for key in ('acc_combined', 'acc_ideal_springs', 'acc_charges',
                'acc_batch_optimal_combined'):
        assert 0 <= test[key] <= 1
