import itertools
import os.path as osp

import networkx as nx
import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    SYSTEMS,
    Coulomb,
    DirectedBernoulliPairs,
    FiniteSpring,
    IdealSpring,
    InteractionLayer,
    PhysicsSystem,
    PhysicsSystemDataset,
    canonical_form,
    get_system,
    isomorphism_classes,
    simulate,
    simulate_system,
)
from torch_geometric_fnri.datasets.trajectory_data import build_data_list
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import TrainConfig, Trainer

DT = 1e-3
MAX_FORCE = 100.0
DIRECTED_SYSTEMS = ['one_way_springs', 'one_way_springs_charges']

# Every force law as a directed layer (the power terms 0, 1 and 3).
ALL_DIRECTED = PhysicsSystem('all_directed', (
    InteractionLayer(IdealSpring(strength=0.1), DirectedBernoulliPairs(),
                     directed=True),
    InteractionLayer(Coulomb(strength=0.2), DirectedBernoulliPairs(),
                     directed=True),
    InteractionLayer(FiniteSpring(strength=0.3, rest_length=1.5),
                     DirectedBernoulliPairs(), directed=True),
))


def one_kick(system, couplings, loc, vel):
    # The velocities after the initial kick: the first saved frame of a
    # two-step run is v0 + dt * F(x0) (the drift does not change v).
    _, out_vel = simulate(system, couplings, loc, vel, num_steps=2,
                          sample_freq=1)
    return out_vel[:, 0]


def oracle_forces(system, couplings, loc):
    # The force on every particle, a double loop over the ordered pairs
    # (receiver i, sender j) with the force laws written out.
    num_sims, _, num_particles = loc.shape
    force = np.zeros(loc.shape)
    for s in range(num_sims):
        for i in range(num_particles):
            for j in range(num_particles):
                if i == j:
                    continue
                r = loc[s, :, i] - loc[s, :, j]
                d = np.sqrt((r**2).sum())
                for layer_index, layer in enumerate(system.layers):
                    law = layer.interaction
                    c = couplings[s, layer_index, i, j]
                    if isinstance(law, IdealSpring):
                        force[s, :, i] += -law.strength * c * r
                    elif isinstance(law, FiniteSpring):
                        force[s, :, i] += -law.strength * c * (
                            1 - law.rest_length / d) * r
                    else:
                        force[s, :, i] += law.strength * c * r / d**3
    return np.clip(force, -MAX_FORCE, MAX_FORCE)


@pytest.mark.parametrize('name', ['all_directed', 'one_way_springs',
                                  'one_way_springs_charges'])
def test_directed_force_matches_double_loop(name):
    system = ALL_DIRECTED if name == 'all_directed' else get_system(name)
    rng = np.random.default_rng(0)
    couplings = system.sample_couplings(rng, 6, 4)
    # The directed draws are asymmetric, the test would not see a swap.
    directed = couplings[:, 0]
    assert not np.array_equal(directed, directed.swapaxes(-1, -2))
    loc = rng.standard_normal((6, 2, 4))
    vel = rng.standard_normal((6, 2, 4))
    expected = vel + DT * oracle_forces(system, couplings, loc)
    np.testing.assert_allclose(one_kick(system, couplings, loc, vel),
                               expected, rtol=1e-12, atol=1e-14)


def test_a_one_way_spring_pulls_the_receiver_only():
    # c[0, 1] = 1: particle 1 (the sender) pulls particle 0 (the receiver)
    # and moves on untouched; momentum is not conserved.
    system = get_system('one_way_springs')
    couplings = np.zeros((1, 1, 3, 3))
    couplings[0, 0, 0, 1] = 1.
    loc = np.array([[[-0.5, 0.5, 0.], [0., 0., 1.]]])
    vel = np.array([[[0., 0.1, 0.], [0., 0., -0.1]]])
    out_loc, out_vel = simulate(system, couplings, loc, vel, 1001, 100)
    assert (np.abs(out_loc) < system.box_size).all()  # No wall touched.
    assert (out_vel[0, :, :, 1:] == vel[0, :, 1:]).all()
    pulled = out_vel[0, :, 0, 0]  # The receiver's x velocity.
    assert (pulled > 0).all() and np.all(np.diff(pulled) > 0)


def test_momentum_is_conserved_by_springs_only():
    # The same spring graph as one-way springs (one direction per pair)
    # and as symmetric springs (both directions): only the symmetric
    # springs conserve the total momentum, away from the walls.
    rng = np.random.default_rng(1)
    one_way = np.triu(rng.random((8, 5, 5)) < 0.5, 1).astype(np.float64)
    symmetric = one_way + one_way.swapaxes(-1, -2)
    loc = 0.5 * rng.standard_normal((8, 2, 5))
    vel = 0.1 * rng.standard_normal((8, 2, 5))

    def momentum_drift(name, couplings):
        out_loc, out_vel = simulate(name, couplings[:, None], loc, vel,
                                    2001, 100)
        assert (np.abs(out_loc) < 5).all()  # No wall reflection.
        return np.abs(out_vel.sum(-1) - vel.sum(-1)[:, None]).max()

    assert momentum_drift('springs', symmetric) < 1e-12
    assert momentum_drift('one_way_springs', one_way) > 1e-2
    # A symmetric graph in the directed system conserves it as well.
    assert momentum_drift('one_way_springs', symmetric) < 1e-12


@pytest.mark.parametrize('directed_layers', [(0, ), (0, 1)])
def test_symmetric_couplings_in_directed_layers_give_the_same_trajectory(
        directed_layers):
    undirected = get_system('springs_charges')
    directed = PhysicsSystem('springs_charges_as_directed', tuple(
        InteractionLayer(layer.interaction, layer.sampler,
                         directed=index in directed_layers)
        for index, layer in enumerate(undirected.layers)))
    assert directed.directed
    rng = np.random.default_rng(2)
    couplings = undirected.sample_couplings(rng, 10, 5)
    loc = 0.5 * rng.standard_normal((10, 2, 5))
    vel = 0.5 * rng.standard_normal((10, 2, 5))
    for bug in (False, True):
        expected = simulate(undirected, couplings, loc, vel, 3001, 100,
                            reference_initial_kick_bug=bug)
        result = simulate(directed, couplings, loc, vel, 3001, 100,
                          reference_initial_kick_bug=bug)
        for a, b in zip(result, expected):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_undirected_layers_still_need_symmetric_couplings():
    system = get_system('one_way_springs_charges')
    couplings = np.zeros((1, 2, 3, 3))
    loc = np.zeros((1, 2, 3))
    loc[0, 0] = [0., 1., 2.]
    couplings[0, 0, 0, 1] = 1.  # One-way spring: accepted.
    simulate(system, couplings, loc, loc, 11, 10)
    couplings[0, 1, 2, 0] = 1.  # One-way charge pair: rejected.
    with pytest.raises(ValueError, match=r"must be symmetric .* undirected "
                       r"layer 1 \('charges'\) of system "
                       r"'one_way_springs_charges'.*directed=True"):
        simulate(system, couplings, loc, loc, 11, 10)
    with pytest.raises(ValueError, match='symmetric'):
        simulate('springs', couplings[:, :1], loc, loc, 11, 10)


def test_labels_of_a_hand_made_graph_follow_the_direction():
    # Edges 1 -> 0 (c[0, 1]) and 0 -> 2 (c[2, 0]): the receivers 0 and 2
    # are pulled, the sender 1 is not, and the PyG edges point from the
    # sender (edge_index[0]) to the receiver (edge_index[1]).
    system = get_system('one_way_springs')
    couplings = np.zeros((1, 1, 3, 3))
    couplings[0, 0, 0, 1] = couplings[0, 0, 2, 0] = 1.
    loc = np.array([[[0., 1., -1.], [0., 1., 1.]]])
    kicked = one_kick(system, couplings, loc, np.zeros((1, 2, 3)))
    assert (kicked[0, :, 1] == 0).all()
    assert (kicked[0, :, 0] != 0).all() and (kicked[0, :, 2] != 0).all()

    labels = system.labels(couplings)
    data, = build_data_list(np.zeros((1, 3, 2, 4)), labels)
    edges = {(int(j), int(i)) for (j, i), t in zip(
        data.edge_index.t().tolist(), data.edge_type[:, 0]) if t == 1}
    assert edges == {(1, 0), (0, 2)}
    assert data.edge_type.shape == (6, 1)


def test_dataset_labels_are_the_couplings_of_each_edge():
    kwargs = dict(system='one_way_springs_charges', num_simulations=(6, 1,
                                                                     1),
                  num_particles=4, num_frames=2, sample_freq=10, seed=3,
                  log=False)
    dataset = PhysicsSystemDataset(None, **kwargs)
    assert dataset.directed and dataset.num_edge_types == [2, 2]
    # The training split is simulation stream (0, ) of the seed.
    couplings = simulate_system(
        'one_way_springs_charges', 6, 4, dataset.num_steps, 10,
        np.random.SeedSequence(3, spawn_key=(0, ))).couplings
    assert not np.array_equal(couplings, couplings.swapaxes(-1, -2))
    for data, graph in zip(dataset, couplings):
        for (j, i), types in zip(data.edge_index.t().tolist(),
                                 data.edge_type.tolist()):
            assert types == [int(graph[0, i, j]), int(graph[1, i, j])]


def test_directed_flags():
    for name, system in SYSTEMS.items():
        assert system.directed is (name in DIRECTED_SYSTEMS)
    assert not PhysicsSystemDataset(
        None, 'springs', num_simulations=(1, 1, 1), num_particles=2,
        num_frames=1, sample_freq=2, log=False).directed


@pytest.mark.parametrize('p', [0.5, 0.2])
def test_sampler_draws_the_two_directions_independently(p):
    sampler = DirectedBernoulliPairs(p)
    out = sampler(np.random.default_rng(4), 2000, 5)
    assert out.shape == (2000, 5, 5) and out.dtype == np.float64
    assert (out[:, np.arange(5), np.arange(5)] == 0).all()
    assert set(np.unique(out)) == {0., 1.}
    upper = np.triu_indices(5, 1)
    forward = out[:, upper[0], upper[1]]  # 20000 pairs i < j.
    backward = out[:, upper[1], upper[0]]
    # Independent directions agree with probability p^2 + (1 - p)^2 (0.5
    # for p = 0.5; a symmetric sampler always agrees); the standard error
    # over 20000 pairs is below 0.004.
    assert abs((forward == backward).mean() - (p**2 + (1 - p)**2)) < 0.02
    assert abs(out.sum() / (2000 * 20) - p) < 0.01
    # Neither direction predicts the other.
    both = (forward * backward).mean()
    assert abs(both - forward.mean() * backward.mean()) < 0.015


def test_sampler_extremes_and_determinism():
    rng = np.random.default_rng
    assert (DirectedBernoulliPairs(0.)(rng(0), 2, 3) == 0).all()
    np.testing.assert_array_equal(DirectedBernoulliPairs(1)(rng(0), 2, 3),
                                  np.broadcast_to(1 - np.eye(3), (2, 3, 3)))
    first = DirectedBernoulliPairs()(rng(5), 4, 4)
    assert first.tobytes() == DirectedBernoulliPairs()(rng(5), 4, 4).tobytes()
    assert not np.array_equal(first, DirectedBernoulliPairs()(rng(6), 4, 4))


def test_simulation_is_deterministic_under_the_seed():
    run = [simulate_system('one_way_springs_charges', 3, 4, 301, 100,
                           seed=seed) for seed in (7, 7, 8)]
    for a, b in zip(run[0], run[1]):
        assert a.tobytes() == b.tobytes()
    assert not np.array_equal(run[0].couplings, run[2].couplings)


def test_cache_key():
    # Undirected layers keep their representation; a directed layer shows
    # it, so the directed systems get cache directories of their own.
    for name, system in SYSTEMS.items():
        assert ('directed' in repr(system)) is (name in DIRECTED_SYSTEMS)
    assert repr(get_system('one_way_springs').layers[0]) == (
        "InteractionLayer(interaction=IdealSpring(name='ideal_springs', "
        "strength=0.1), sampler=DirectedBernoulliPairs(p=0.5), "
        "on_value=1.0, directed=True)")


def test_directed_system_has_its_own_cache_directory(tmp_path):
    kwargs = dict(num_simulations=(2, 1, 1), num_particles=3, num_frames=2,
                  sample_freq=10, log=False)
    springs = PhysicsSystemDataset(str(tmp_path), 'springs', **kwargs)
    one_way = PhysicsSystemDataset(str(tmp_path), 'one_way_springs',
                                   **kwargs)
    # The springs' key, pinned: the directed layers did not change it.
    assert osp.basename(springs.processed_dir) == \
        'springs_81600dc9a843bb6c'
    assert osp.basename(one_way.processed_dir).startswith('one_way_springs_')
    assert osp.isfile(osp.join(one_way.processed_dir, 'manifest.json'))


@pytest.mark.parametrize('p', [-0.1, 1.5, float('nan'), '0.5', True, None])
def test_bad_sampler_probability(p):
    with pytest.raises(ValueError, match="'p' must be a number in"):
        DirectedBernoulliPairs(p)


def test_bad_directed_flag():
    with pytest.raises(ValueError, match="'directed' must be a bool"):
        InteractionLayer(IdealSpring(), DirectedBernoulliPairs(),
                         directed='yes')


def to_networkx(labels):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(labels.shape[1]))
    for i, j in itertools.permutations(range(labels.shape[1]), 2):
        graph.add_edge(j, i, labels=tuple(labels[:, i, j].tolist()))
    return graph


def test_isomorphism_classes_of_directed_labels():
    system = get_system('one_way_springs_charges')
    couplings = system.sample_couplings(np.random.default_rng(9), 40, 4)
    labels = system.labels(couplings)
    ids, keys = isomorphism_classes(labels)
    # Oracle: networkx isomorphism of the directed multiplex graphs.
    for a, b in itertools.combinations(range(40), 2):
        assert (ids[a] == ids[b]) == nx.is_isomorphic(
            to_networkx(labels[a]), to_networkx(labels[b]),
            edge_match=lambda x, y: x['labels'] == y['labels'])
    # Reversing every edge is not a relabelling: an out-star and an in-star.
    out_star = np.zeros((1, 3, 3), dtype=np.int64)
    out_star[0, [1, 2], 0] = 1  # Edges 0 -> 1 and 0 -> 2.
    in_star = out_star.transpose(0, 2, 1)
    assert canonical_form(out_star) != canonical_form(in_star)
    perm = [2, 0, 1]
    assert canonical_form(out_star[:, perm][:, :, perm]) == \
        canonical_form(out_star)


@pytest.mark.parametrize('family', ['fnri', 'nri'])
def test_one_epoch_on_directed_data(tmp_path, family):
    kwargs = dict(system='one_way_springs_charges',
                  num_simulations=(16, 8, 8), num_particles=3,
                  num_frames=13, sample_freq=10, seed=0, log=False)
    splits = [PhysicsSystemDataset(None, split=split, **kwargs)
              for split in ('train', 'valid', 'test')]
    torch.manual_seed(0)
    model = build_model(family, [2, 2], num_timesteps=6, hidden_channels=8)
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False, seed=1)
    result = Trainer(model, config, *splits, run_dir=str(tmp_path)).fit()
    test = result['test']
    assert result['completed'] and test['num_graphs'] == 8
    assert result['layer_names'] == ['ideal_springs', 'charges']
    for key in ('acc_combined', 'acc_ideal_springs', 'acc_charges'):
        assert 0 <= test[key] <= 1
    # The confusion matrix counts every directed edge of the test split.
    confusion = torch.tensor(test['edge_confusion'])
    labels = torch.cat([data.edge_type for data in splits[2]])
    assert confusion.sum().item() == 8 * 6
    assert confusion.sum(0).tolist() == torch.bincount(
        labels[:, 0] * 2 + labels[:, 1], minlength=4).tolist()
