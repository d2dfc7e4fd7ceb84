import os.path as osp

import networkx as nx
import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    REAL_NETWORKS,
    KuramotoDataset,
    KuramotoSystem,
    PhysicsSystemDataset,
    RealNetwork,
    get_system,
)
from torch_geometric_fnri.datasets.graph_families import random_relabelling
from torch_geometric_fnri.utils import fully_connected_edge_index

SMALL = dict(num_simulations=(3, 2, 2), num_frames=4, sample_freq=10,
             log=False)
# The published sizes: Zachary (1977), Knuth (1993), Breiger & Pattison
# (1986) without the Pucci.
SIZES = {'karate_club': (34, 78), 'les_miserables': (77, 254),
         'florentine_families': (15, 20)}


def test_records_hold_the_published_sizes():
    assert set(REAL_NETWORKS) == set(SIZES)
    for name, (nodes, edges) in SIZES.items():
        record = REAL_NETWORKS[name]
        assert (record.num_nodes, record.num_edges) == (nodes, edges)
        recorded = record.loader()
        assert recorded.number_of_nodes() == nodes
        assert recorded.number_of_edges() == edges
        graph = RealNetwork(name).graph(nodes, 0)
        assert list(graph.nodes()) == list(range(nodes))
        assert graph.number_of_edges() == edges
        assert nx.is_isomorphic(graph, recorded)


@pytest.mark.parametrize('name', sorted(SIZES))
def test_every_simulation_is_the_network_relabelled(name):
    family = RealNetwork(name)
    nodes, edges = SIZES[name]
    adj = family(np.random.default_rng(0), 4, nodes)
    assert adj.shape == (4, nodes, nodes) and adj.dtype == np.float64
    assert np.array_equal(adj, adj.swapaxes(-1, -2))
    assert (np.diagonal(adj, axis1=-2, axis2=-1) == 0).all()
    assert (adj.sum((-2, -1)) == 2 * edges).all()
    graph = family.graph(nodes, 0)
    for matrix in adj:
        assert nx.is_isomorphic(nx.from_numpy_array(matrix), graph)
    # The labelling differs between simulations, is seeded, and is the
    # documented one: a seed per simulation, then a permutation.
    assert not all(np.array_equal(adj[0], a) for a in adj[1:])
    assert np.array_equal(adj, family(np.random.default_rng(0), 4, nodes))
    rng = np.random.default_rng(0)
    rng.integers(2**63, size=4, dtype=np.int64)
    relabel = random_relabelling(rng, 4, nodes)
    for index in range(4):
        expected = nx.to_numpy_array(
            nx.relabel_nodes(graph, dict(enumerate(relabel[index].tolist()))),
            nodelist=range(nodes))
        assert np.array_equal(adj[index], expected)


def test_karate_club_keeps_its_leaders_apart():
    # Zachary's instructor (node 0) and administrator (node 33) are the two
    # hubs, of degrees 16 and 17, and not tied to each other.
    graph = RealNetwork('karate_club').graph(34, 0)
    assert dict(graph.degree([0, 33])) == {0: 16, 33: 17}
    assert not graph.has_edge(0, 33)


def test_arguments_are_checked():
    with pytest.raises(ValueError, match='karate_club'):
        RealNetwork('karate')
    with pytest.raises(ValueError, match='num_particles=34'):
        RealNetwork('karate_club')(np.random.default_rng(0), 1, 30)
    with pytest.raises(ValueError, match='num_particles=15'):
        PhysicsSystemDataset(None, 'springs',
                             graph=RealNetwork('florentine_families'),
                             **SMALL)


def test_names_and_systems():
    family = RealNetwork('les_miserables')
    assert family.name == 'les_miserables' and family.num_nodes == 77
    assert repr(family) == "RealNetwork(network='les_miserables')"
    assert get_system('springs').on_graph(family).name == \
        'springs_les_miserables'
    assert KuramotoSystem().on_graph(family).name == \
        'kuramoto_les_miserables'


def test_springs_on_the_karate_club(tmp_path):
    dataset = PhysicsSystemDataset(str(tmp_path), 'springs', num_particles=34,
                                   graph=RealNetwork('karate_club'), **SMALL)
    assert osp.basename(dataset.processed_dir).startswith(
        'springs_karate_club_')
    assert dataset.num_edge_types == [2] and len(dataset) == 3
    edge_index = fully_connected_edge_index(34)
    graph = RealNetwork('karate_club').graph(34, 0)
    for data in dataset:
        assert data.x.shape == (34, 4, 4)
        assert torch.equal(data.edge_index, edge_index)
        assert int(data.edge_type.sum()) == 2 * 78
        labelled = nx.Graph(data.edge_index[:, data.edge_type[:, 0] == 1]
                            .t().tolist())
        assert nx.is_isomorphic(labelled, graph)
    # Cached, and the same data from the same seed in memory.
    again = PhysicsSystemDataset(str(tmp_path), 'springs', num_particles=34,
                                 graph=RealNetwork('karate_club'), **SMALL)
    fresh = PhysicsSystemDataset(None, 'springs', num_particles=34,
                                 graph=RealNetwork('karate_club'), **SMALL)
    for first, second, third in zip(dataset, again, fresh):
        assert torch.equal(first.x, second.x) and torch.equal(first.x,
                                                              third.x)
        assert torch.equal(first.edge_type, third.edge_type)
    other_seed = PhysicsSystemDataset(None, 'springs', num_particles=34,
                                      graph=RealNetwork('karate_club'),
                                      seed=1, **SMALL)
    assert not torch.equal(dataset[0].edge_type, other_seed[0].edge_type)


def test_kuramoto_on_the_florentine_families(tmp_path):
    dataset = KuramotoDataset(str(tmp_path), num_particles=15,
                              graph=RealNetwork('florentine_families'),
                              **SMALL)
    assert osp.basename(dataset.processed_dir).startswith(
        'kuramoto_florentine_families_')
    assert all(int(data.edge_type.sum()) == 2 * 20 for data in dataset)
    # Another network of the same size would be another cache; here the
    # same system on another family of 15 nodes.
    other = KuramotoDataset(str(tmp_path), num_particles=15, **SMALL)
    assert other.processed_dir != dataset.processed_dir
    assert dataset.generation_parameters['system'] != \
        other.generation_parameters['system']
    assert 'RealNetwork' in dataset.generation_parameters['system']


def test_every_network_has_a_command_line_name():
    from torch_geometric_fnri.training import GRAPH_FAMILIES, graph_family
    for name, record in REAL_NETWORKS.items():
        assert name in GRAPH_FAMILIES
        family = graph_family(name, 'springs')
        assert family == RealNetwork(name)
        assert family.num_nodes == record.num_nodes
    with pytest.raises(ValueError, match="'charged' system has none"):
        graph_family('karate_club', 'charged')
