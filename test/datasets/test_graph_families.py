import os.path as osp

import networkx as nx
import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    BarabasiAlbertGraph,
    ErdosRenyiGraph,
    GraphFamily,
    KuramotoDataset,
    KuramotoSystem,
    PhysicsSystemDataset,
    StochasticBlockGraph,
    UniformCountCharges,
    WattsStrogatzGraph,
    get_system,
)
from torch_geometric_fnri.datasets.simulation import _child_seed
from torch_geometric_fnri.utils import fully_connected_edge_index

FAMILIES = [ErdosRenyiGraph(), BarabasiAlbertGraph(), WattsStrogatzGraph(),
            StochasticBlockGraph()]
SMALL = dict(num_simulations=(3, 2, 2), num_frames=4, sample_freq=10,
             log=False)


def check_adjacency(adj, num_sims, num_particles):
    assert adj.shape == (num_sims, num_particles, num_particles)
    assert adj.dtype == np.float64
    assert np.array_equal(adj, adj.swapaxes(-1, -2))
    assert (np.diagonal(adj, axis1=-2, axis2=-1) == 0).all()
    assert set(np.unique(adj)) <= {0., 1.}


def edge_counts(adj):
    return adj.sum((-2, -1)) / 2


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.name)
def test_seeded_and_reproducible(family):
    first = family(np.random.default_rng(0), 4, 30)
    check_adjacency(first, 4, 30)
    assert np.array_equal(first, family(np.random.default_rng(0), 4, 30))
    assert not np.array_equal(first, family(np.random.default_rng(1), 4, 30))
    # Every simulation draws its own graph.
    assert not all(np.array_equal(first[0], a) for a in first[1:])


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.name)
def test_graphs_come_from_seeds_drawn_from_the_generator(family):
    # As documented: one seed per simulation, then one permutation per
    # simulation relabelling the nodes of `graph`.
    adj = family(np.random.default_rng(5), 3, 25)
    rng = np.random.default_rng(5)
    seeds = rng.integers(2**63, size=3, dtype=np.int64)
    relabel = rng.permuted(np.tile(np.arange(25), (3, 1)), axis=1)
    for index in range(3):
        graph = nx.relabel_nodes(family.graph(25, int(seeds[index])),
                                 dict(enumerate(relabel[index].tolist())))
        expected = nx.to_numpy_array(graph, nodelist=range(25))
        assert np.array_equal(adj[index], expected)


@pytest.mark.parametrize('family', FAMILIES, ids=lambda f: f.name)
@pytest.mark.parametrize('num_particles', [10, 1000])
def test_mean_degree_stays_moderate_from_10_to_1000(family, num_particles):
    adj = family(np.random.default_rng(2), 2, num_particles)
    check_adjacency(adj, 2, num_particles)
    mean_degree = adj.sum(-1).mean()
    assert 2.5 < mean_degree < 5.0


def test_erdos_renyi_edge_density_is_p():
    adj = ErdosRenyiGraph(p=0.1)(np.random.default_rng(3), 200, 60)
    pairs = 200 * 60 * 59 / 2
    density = edge_counts(adj).sum() / pairs
    assert abs(density - 0.1) < 5 * np.sqrt(0.1 * 0.9 / pairs)
    # The mean degree variant: p = mean_degree / (N - 1), at most 1.
    family = ErdosRenyiGraph(mean_degree=3.0)
    assert family.edge_probability(31) == 0.1
    assert family.edge_probability(3) == 1.0
    degrees = family(np.random.default_rng(4), 100, 31).sum(-1)
    assert abs(degrees.mean() - 3.0) < 5 * np.sqrt(0.1 * 0.9 * 30 / 3100)
    assert ErdosRenyiGraph() == ErdosRenyiGraph(mean_degree=4.0)


@pytest.mark.parametrize('m', [1, 2, 3])
def test_barabasi_albert_has_m_times_n_minus_m_edges(m):
    adj = BarabasiAlbertGraph(m=m)(np.random.default_rng(m), 20, 40)
    assert (edge_counts(adj) == m * (40 - m)).all()


def test_barabasi_albert_grows_hubs_and_hides_them():
    adj = BarabasiAlbertGraph(m=2)(np.random.default_rng(6), 20, 500)
    uniform = ErdosRenyiGraph(mean_degree=4.0)(np.random.default_rng(6), 20,
                                               500)
    # Preferential attachment: the largest degree is far above that of a
    # uniform graph of the same mean degree.
    assert adj.sum(-1).max(-1).mean() > 2 * uniform.sum(-1).max(-1).mean()
    # The oldest nodes, the hubs of `graph`, are relabelled at random.
    oldest = [degree for seed in range(5) for _, degree in
              BarabasiAlbertGraph(m=2).graph(500, seed).degree(range(10))]
    assert np.mean(oldest) > 15
    assert adj[:, :10].sum(-1).mean() < 6


def test_watts_strogatz_degrees():
    ring = WattsStrogatzGraph(k=6, p=0.0)(np.random.default_rng(7), 5, 30)
    assert (ring.sum(-1) == 6).all()  # The ring lattice before rewiring.
    rewired = WattsStrogatzGraph(k=6, p=0.3)(np.random.default_rng(7), 50,
                                             30)
    assert (edge_counts(rewired) == 30 * 6 / 2).all()
    assert (rewired.sum(-1) != 6).any()
    # About p N k / 2 edges leave the lattice: count those that are not
    # within k/2 steps on the ring of the unrelabelled graph.
    moved = []
    for seed in range(50):
        graph = WattsStrogatzGraph(k=6, p=0.3).graph(30, seed)
        moved.append(sum(min(abs(u - v), 30 - abs(u - v)) > 3
                         for u, v in graph.edges()))
    assert abs(np.mean(moved) / 90 - 0.3) < 0.05


def test_stochastic_block_densities():
    family = StochasticBlockGraph((0.5, 0.3, 0.2), p_within=0.3,
                                  p_between=0.05)
    assert family.block_sizes(40) == [20, 12, 8]
    assert family.block_sizes(7) == [4, 2, 1]  # 3.5, 2.1, 1.4
    within = between = 0
    for seed in range(200):
        graph = family.graph(40, seed)
        block = nx.get_node_attributes(graph, 'block')
        same = sum(block[u] == block[v] for u, v in graph.edges())
        within += same
        between += graph.number_of_edges() - same
    within_pairs = 200 * (20 * 19 + 12 * 11 + 8 * 7) / 2
    between_pairs = 200 * (40 * 40 - 400 - 144 - 64) / 2
    assert abs(within / within_pairs - 0.3) < 5 * np.sqrt(
        0.3 * 0.7 / within_pairs)
    assert abs(between / between_pairs - 0.05) < 5 * np.sqrt(
        0.05 * 0.95 / between_pairs)


def test_stochastic_block_default_degrees():
    family = StochasticBlockGraph()
    assert (family.degree_within, family.degree_between) == (3.0, 1.0)
    p_within, p_between = family.probabilities(100)
    assert p_within == pytest.approx(3 * 100 / (2 * 50 * 49))
    assert p_between == pytest.approx(1 * 100 / (100**2 - 2 * 50**2))
    degrees = np.zeros(2)
    for seed in range(100):
        graph = family.graph(100, seed)
        block = nx.get_node_attributes(graph, 'block')
        for u, v in graph.edges():
            degrees[int(block[u] != block[v])] += 2
    degrees /= 100 * 100
    assert abs(degrees[0] - 3.0) < 0.1 and abs(degrees[1] - 1.0) < 0.05


@pytest.mark.parametrize('make, match', [
    (lambda: ErdosRenyiGraph(p=0.1, mean_degree=2.0), 'not both'),
    (lambda: ErdosRenyiGraph(p=1.5), r"'p' must be a number in \[0.0, 1.0\]"),
    (lambda: ErdosRenyiGraph(mean_degree=-1.0), "'mean_degree' must be"),
    (lambda: BarabasiAlbertGraph(m=0), "'m' must be an int >= 1"),
    (lambda: WattsStrogatzGraph(k=3), "'k' must be even"),
    (lambda: WattsStrogatzGraph(p=True), "'p' must be a number"),
    (lambda: StochasticBlockGraph(p_within=0.1), "Give all of"),
    (lambda: StochasticBlockGraph(p_within=0.1, p_between=0.1,
                                  degree_within=2.0), 'not both'),
    (lambda: StochasticBlockGraph((0.5, 0.0)), "'block_fractions' must be"),
    (lambda: StochasticBlockGraph(()), "'block_fractions' must be"),
])
def test_bad_parameters_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize('family, match', [
    (BarabasiAlbertGraph(m=3), 'needs more than 3 particles'),
    (WattsStrogatzGraph(k=4), 'needs more than 4 particles'),
    (StochasticBlockGraph((0.6, 0.2, 0.2)), 'needs a node in every block'),
])
def test_too_few_particles_raise(family, match):
    with pytest.raises(ValueError, match=match):
        family(np.random.default_rng(0), 1, 3)


def test_systems_on_a_graph_family():
    springs = get_system('springs').on_graph(BarabasiAlbertGraph(m=3))
    assert springs.name == 'springs_barabasi_albert'
    assert springs.layers[0].sampler == BarabasiAlbertGraph(m=3)
    assert 'BarabasiAlbertGraph(m=3)' in repr(springs)
    couplings = springs.sample_couplings(np.random.default_rng(0), 4, 20)
    assert couplings.shape == (4, 1, 20, 20)
    # The labels are the couplings.
    assert np.array_equal(springs.labels(couplings), couplings)
    # Charges keep coupling every pair of charged particles.
    mixed = get_system('springs_charges_fsprings').on_graph(
        WattsStrogatzGraph())
    assert [type(layer.sampler) for layer in mixed.layers] == [
        WattsStrogatzGraph, UniformCountCharges, WattsStrogatzGraph]
    for name, match in (('charged', 'no spring layer'),
                        ('one_way_springs', 'directed'),
                        ('weak_strong_springs_charges', 'directed')):
        with pytest.raises(ValueError, match=match):
            get_system(name).on_graph(ErdosRenyiGraph())
    with pytest.raises(TypeError, match="'graph' must be a GraphFamily"):
        get_system('springs').on_graph(0.5)
    assert isinstance(ErdosRenyiGraph(), GraphFamily)


def test_kuramoto_on_a_graph_family():
    # Without a family the repr, part of the cache key, is unchanged.
    assert repr(KuramotoSystem()) == (
        "KuramotoSystem(name='kuramoto', frequency_range=(1.0, 10.0), "
        "coupling_probability=0.5, coupling_strength=1.0, dt=0.01)")
    system = KuramotoSystem(coupling_strength=2.0).on_graph(
        WattsStrogatzGraph(k=4, p=0.0))
    assert system.name == 'kuramoto_watts_strogatz'
    assert repr(system).endswith(
        'dt=0.01, graph=WattsStrogatzGraph(k=4, p=0.0))')
    couplings, _, _ = system.sample(np.random.default_rng(0), 3, 12)
    assert set(np.unique(couplings)) == {0., 2.}
    assert (couplings.sum(-1) == 8.).all()
    with pytest.raises(TypeError, match="'graph' must be a GraphFamily"):
        KuramotoSystem(graph='barabasi_albert')


def test_dataset_edge_types_are_the_graphs():
    family = BarabasiAlbertGraph(m=2)
    dataset = PhysicsSystemDataset(None, 'springs', num_particles=50,
                                   graph=family, **SMALL)
    assert dataset.system.name == 'springs_barabasi_albert'
    assert len(dataset) == 3 and dataset.num_edge_types == [2]
    # The training split draws its graphs in the first chunk of the stream
    # SeedSequence(seed, spawn_key=(0,)).
    rng = np.random.default_rng(_child_seed(
        np.random.SeedSequence(42, spawn_key=(0, )), 0))
    couplings = dataset.system.sample_couplings(rng, 3, 50)
    row, col = fully_connected_edge_index(50)  # Edge j -> i is (j, i).
    for index, data in enumerate(dataset):
        assert data.x.shape == (50, 4, 4)
        assert torch.equal(data.edge_index, fully_connected_edge_index(50))
        expected = couplings[index, 0][col.numpy(), row.numpy()]
        assert torch.equal(data.edge_type[:, 0],
                           torch.from_numpy(expected.astype(np.int64)))
        assert int(data.edge_type.sum()) == 2 * 2 * (50 - 2)


def test_cache_key_follows_the_family(tmp_path):
    root = str(tmp_path)

    def directory(**kwargs):
        return PhysicsSystemDataset(root, 'springs', num_particles=12,
                                    **dict(SMALL, **kwargs)).processed_dir

    first = directory(graph=BarabasiAlbertGraph(m=2))
    assert osp.basename(first).startswith('springs_barabasi_albert_')
    assert directory(graph=BarabasiAlbertGraph(m=2)) == first
    others = {directory(), directory(graph=BarabasiAlbertGraph(m=3)),
              directory(graph=ErdosRenyiGraph()),
              directory(graph=ErdosRenyiGraph(mean_degree=3.0)),
              directory(graph=WattsStrogatzGraph(p=0.2)),
              directory(graph=StochasticBlockGraph((0.3, 0.7)))}
    assert len(others) == 6 and first not in others


def test_kuramoto_dataset_on_a_graph_family():
    dataset = KuramotoDataset(None, num_particles=20,
                              graph=WattsStrogatzGraph(k=4), **SMALL)
    assert dataset.system.name == 'kuramoto_watts_strogatz'
    for data in dataset:
        assert data.x.shape == (20, 4, 4)
        assert int(data.edge_type.sum()) == 2 * 20 * 4 // 2
