import itertools
import json
import math
import os
import os.path as osp

import networkx as nx
import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from torch_geometric_fnri.datasets import (
    IsomorphismLeakage,
    KuramotoDataset,
    PhysicsSystemDataset,
    canonical_form,
    class_histogram,
    isomorphism_classes,
    isomorphism_disjoint_split,
    isomorphism_leakage,
)
from torch_geometric_fnri.utils import (
    dense_to_edge_values,
    fully_connected_edge_index,
)


def relabel(labels, perm):
    return labels[:, perm][:, :, perm]


def undirected(num_nodes, *layers):
    labels = np.zeros((len(layers), num_nodes, num_nodes), dtype=np.int64)
    for layer, edges in enumerate(layers):
        for i, j in edges:
            labels[layer, i, j] = labels[layer, j, i] = 1
    return labels


def to_networkx(labels):
    graph = nx.DiGraph()
    graph.add_nodes_from(range(labels.shape[1]))
    for i, j in itertools.permutations(range(labels.shape[1]), 2):
        graph.add_edge(j, i, labels=tuple(labels[:, i, j].tolist()))
    return graph


def nx_isomorphic(first, second):
    return nx.is_isomorphic(to_networkx(first), to_networkx(second),
                            edge_match=lambda a, b: a['labels'] == b['labels'])


def random_labels(rng, num_layers, num_nodes, num_values, symmetric):
    labels = rng.integers(0, num_values, (num_layers, num_nodes, num_nodes))
    if symmetric:
        labels = np.triu(labels, 1)
        labels = labels + labels.transpose(0, 2, 1)
    labels[:, np.arange(num_nodes), np.arange(num_nodes)] = 0
    return labels


def test_canonical_form_is_invariant_under_relabelling():
    rng = np.random.default_rng(0)
    for num_nodes in (2, 4, 6):
        labels = random_labels(rng, 3, num_nodes, 3, symmetric=False)
        key = canonical_form(labels)
        assert key[:2] == (num_nodes, 3)
        assert len(key[2]) == 3 * num_nodes**2
        for _ in range(5):
            perm = rng.permutation(num_nodes)
            assert canonical_form(relabel(labels, perm)) == key
        assert canonical_form(torch.from_numpy(labels)) == key
        # The key is itself a relabelling of the graph.
        canonical = np.array(key[2]).reshape(labels.shape)
        assert any(
            np.array_equal(relabel(labels, list(perm)), canonical)
            for perm in itertools.permutations(range(num_nodes)))


def test_canonical_form_separates_non_isomorphic_graphs():
    path = undirected(4, [(0, 1), (1, 2), (2, 3)])
    star = undirected(4, [(0, 1), (0, 2), (0, 3)])
    assert path.sum() == star.sum()
    assert canonical_form(path) != canonical_form(star)

    # Each layer alone is a single edge, but the two layers share the edge
    # in one graph and not in the other.
    same_edge = undirected(3, [(0, 1)], [(0, 1)])
    adjacent_edges = undirected(3, [(0, 1)], [(1, 2)])
    for layer in range(2):
        assert (canonical_form(same_edge[layer:layer + 1]) ==
                canonical_form(adjacent_edges[layer:layer + 1]))
    assert canonical_form(same_edge) != canonical_form(adjacent_edges)

    # Directed: a 3-cycle and a transitive triangle both have three arcs.
    cycle = np.zeros((1, 3, 3), dtype=np.int64)
    cycle[0, [1, 2, 0], [0, 1, 2]] = 1
    transitive = np.zeros((1, 3, 3), dtype=np.int64)
    transitive[0, [1, 2, 2], [0, 0, 1]] = 1
    assert canonical_form(cycle) != canonical_form(transitive)
    # Reversing every arc of the cycle gives an isomorphic graph.
    assert canonical_form(cycle) == canonical_form(cycle.transpose(0, 2, 1))

    # The same matrices with another N or another layer count differ.
    assert canonical_form(np.zeros((1, 3, 3), dtype=np.int64)) != \
        canonical_form(np.zeros((1, 4, 4), dtype=np.int64))


def test_canonical_form_agrees_with_networkx():
    rng = np.random.default_rng(1)
    outcomes = set()
    for trial in range(150):
        num_nodes = int(rng.integers(2, 6))
        num_layers = int(rng.integers(1, 4))
        symmetric = bool(trial % 2)
        first = random_labels(rng, num_layers, num_nodes, 2, symmetric)
        if trial % 3 == 0:
            second = random_labels(rng, num_layers, num_nodes, 2, symmetric)
        else:  # A relabelled copy, in one case out of two perturbed.
            second = relabel(first, rng.permutation(num_nodes)).copy()
            if trial % 3 == 2:
                layer = rng.integers(num_layers)
                i, j = rng.choice(num_nodes, 2, replace=False)
                second[layer, i, j] = 1 - second[layer, i, j]
                if symmetric:
                    second[layer, j, i] = second[layer, i, j]
        same = canonical_form(first) == canonical_form(second)
        assert same == nx_isomorphic(first, second)
        outcomes.add(same)
    assert outcomes == {True, False}


def test_number_of_classes_of_two_layer_graphs_on_three_nodes():
    pairs = [(0, 1), (0, 2), (1, 2)]
    graphs = []
    for colours in itertools.product(range(4), repeat=len(pairs)):
        layers = [[pair for pair, colour in zip(pairs, colours)
                   if colour >> layer & 1] for layer in range(2)]
        graphs.append(undirected(3, *layers))
    class_ids, keys = isomorphism_classes(np.stack(graphs))

    # Brute force with networkx: keep one representative per class.
    representatives = []
    for graph in graphs:
        if not any(nx_isomorphic(graph, other) for other in representatives):
            representatives.append(graph)
    # S_3 acts on the 3 pairs as their full symmetric group, so the classes
    # are the multisets of 3 pair colours out of 4.
    assert len(representatives) == math.comb(4 + 3 - 1, 3) == 20
    assert class_ids.max() + 1 == len(set(keys)) == 20
    # Ids number the classes by first occurrence.
    first_ids = [class_ids[keys.index(key)] for key in dict.fromkeys(keys)]
    assert first_ids == list(range(20))
    histogram = class_histogram(class_ids)
    assert histogram.sum() == 64
    # The orbit of a colouring has 3! / (multiplicities) colourings.
    assert sorted(histogram.tolist()) == sorted(
        [1] * 4 + [3] * 12 + [6] * 4)


def test_isomorphism_classes_of_data_objects_of_different_sizes():
    rng = np.random.default_rng(2)
    small = random_labels(rng, 2, 3, 3, symmetric=False)
    large = random_labels(rng, 2, 4, 3, symmetric=True)
    graphs = [small, relabel(large, [3, 1, 0, 2]), relabel(small, [2, 0, 1]),
              large]

    def to_data(labels):
        num_nodes = labels.shape[1]
        edge_type = dense_to_edge_values(torch.from_numpy(labels)).t()
        return Data(x=torch.zeros(num_nodes, 1),
                    edge_index=fully_connected_edge_index(num_nodes),
                    edge_type=edge_type)

    class_ids, keys = isomorphism_classes([to_data(g) for g in graphs])
    assert class_ids.tolist() == [0, 1, 0, 1]
    assert keys == [canonical_form(g) for g in graphs]
    assert isomorphism_classes(graphs)[1] == keys

    # Edges in another order, and a missing edge read as label 0.
    data = to_data(small)
    order = torch.randperm(data.edge_index.size(1))
    shuffled = Data(x=data.x, edge_index=data.edge_index[:, order],
                    edge_type=data.edge_type[order])
    assert isomorphism_classes([shuffled])[1] == [keys[0]]
    missing = small.copy()
    missing[:, 2, 1] = 0
    keep = ~((data.edge_index[0] == 1) & (data.edge_index[1] == 2))
    pruned = Data(x=data.x, edge_index=data.edge_index[:, keep],
                  edge_type=data.edge_type[keep])
    assert isomorphism_classes([pruned])[1] == [canonical_form(missing)]


def test_isomorphism_leakage():
    star = canonical_form(undirected(4, [(0, 1), (0, 2), (0, 3)]))
    path = canonical_form(undirected(4, [(0, 1), (1, 2), (2, 3)]))
    cycle = canonical_form(undirected(4, [(0, 1), (1, 2), (2, 3), (3, 0)]))
    empty = canonical_form(undirected(4, []))
    leakage = isomorphism_leakage([star, star, path],
                                  [path, cycle, star, empty, path])
    assert leakage == IsomorphismLeakage(fraction=3 / 5,
                                         num_train_classes=2,
                                         num_test_classes=4,
                                         num_shared_classes=2)
    assert isomorphism_leakage([], [star]).fraction == 0.0
    with pytest.raises(ValueError, match='must not be empty'):
        isomorphism_leakage([star], [])


def test_isomorphism_disjoint_split():
    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 8, size=60)
    keys = np.repeat(np.arange(60), sizes)[rng.permutation(sizes.sum())]
    keys = [('class', int(key)) for key in keys]
    splits = isomorphism_disjoint_split(keys, (0.7, 0.2, 0.1), seed=5)
    assert sorted(np.concatenate(splits).tolist()) == list(range(len(keys)))
    classes = [{keys[i] for i in split} for split in splits]
    for first, second in itertools.combinations(classes, 2):
        assert not first & second
    for split, fraction in zip(splits, (0.7, 0.2, 0.1)):
        assert abs(len(split) - fraction * len(keys)) <= sizes.max()
        assert np.all(np.diff(split) > 0)
    leakage = isomorphism_leakage([keys[i] for i in splits[0]],
                                  [keys[i] for i in splits[2]])
    assert leakage.fraction == 0.0 and leakage.num_shared_classes == 0

    again = isomorphism_disjoint_split(keys, (0.7, 0.2, 0.1), seed=5)
    assert all(np.array_equal(a, b) for a, b in zip(splits, again))
    other = isomorphism_disjoint_split(keys, (0.7, 0.2, 0.1), seed=6)
    assert not all(np.array_equal(a, b) for a, b in zip(splits, other))

    # One simulation per class: the sizes are exact.
    exact = isomorphism_disjoint_split(list(range(10)), (0.5, 0.3, 0.2))
    assert [len(split) for split in exact] == [5, 3, 2]
    # A zero fraction stays empty.
    assert len(isomorphism_disjoint_split(keys, (0.9, 0.0, 0.1))[1]) == 0
    for fractions in [(0.5, 0.4), (1.2, -0.2), ()]:
        with pytest.raises(ValueError, match="'fractions'"):
            isomorphism_disjoint_split(keys, fractions)


def test_bad_labels():
    with pytest.raises(ValueError, match=r'\[L, N, N\]'):
        canonical_form(np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r'\[L, N, N\]'):
        canonical_form(np.zeros((1, 3, 4), dtype=np.int64))
    with pytest.raises(ValueError, match='at least one layer'):
        canonical_form(np.zeros((0, 3, 3), dtype=np.int64))
    with pytest.raises(TypeError, match='integers'):
        canonical_form(np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match='at most 8 particles'):
        canonical_form(np.zeros((1, 9, 9), dtype=np.int64))
    with pytest.raises(ValueError, match=r'\[S, L, N, N\]'):
        isomorphism_classes(np.zeros((2, 3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r'\[E, L\]'):
        isomorphism_classes([Data(x=torch.zeros(3, 1),
                                  edge_index=fully_connected_edge_index(3),
                                  edge_type=torch.zeros(6, dtype=torch.long))])
    with pytest.raises(ValueError, match='1-D integer'):
        class_histogram(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match='non-negative'):
        class_histogram(torch.tensor([0, -1]))


def test_physics_system_dataset():
    kwargs = dict(system='springs_charges', num_simulations=(16, 8, 8),
                  num_particles=3, num_frames=13, sample_freq=10, seed=0,
                  log=False)
    train = PhysicsSystemDataset(None, split='train', **kwargs)
    test = PhysicsSystemDataset(None, split='test', **kwargs)
    train_ids, train_keys = isomorphism_classes(train)
    test_ids, test_keys = isomorphism_classes(test)
    assert train_ids.shape == (16, ) and len(test_keys) == 8

    # Oracle: the dense labels of every simulation, compared with networkx.
    def dense(dataset):
        return [np.stack([
            np.array([[data.edge_type[data.edge_index[1].eq(i)
                                      & data.edge_index[0].eq(j), layer].item()
                       if i != j else 0 for j in range(3)]
                      for i in range(3)]) for layer in range(2)
        ]) for data in dataset]

    train_labels, test_labels = dense(train), dense(test)
    for first, second in itertools.combinations(range(16), 2):
        assert (train_ids[first] == train_ids[second]) == nx_isomorphic(
            train_labels[first], train_labels[second])
    leaked = [any(nx_isomorphic(labels, other) for other in train_labels)
              for labels in test_labels]
    leakage = isomorphism_leakage(train_keys, test_keys)
    assert leakage.fraction == sum(leaked) / 8
    assert leakage.num_train_classes == train_ids.max() + 1
    assert class_histogram(train_ids).sum() == 16

    keys = train_keys + test_keys
    splits = isomorphism_disjoint_split(keys, (0.5, 0.25, 0.25), seed=0)
    classes = [{keys[i] for i in split} for split in splits]
    assert not (classes[0] & classes[1] or classes[0] & classes[2]
                or classes[1] & classes[2])


@pytest.fixture
def count_class_computations(monkeypatch):
    import torch_geometric_fnri.datasets.physics_system_dataset as module
    calls = []

    def counting(graphs):
        calls.append(len(graphs))
        return isomorphism_classes(graphs)

    monkeypatch.setattr(module, 'isomorphism_classes', counting)
    return calls


def read_bytes(path):
    with open(path, 'rb') as f:
        return f.read()


def assert_same_classes(first, second):
    assert first[0].dtype == np.int64
    assert np.array_equal(first[0], second[0]) and first[1] == second[1]


def test_dataset_stores_its_classes_beside_the_cache(
        tmp_path, count_class_computations):
    kwargs = dict(system='springs_charges', num_simulations=(12, 6, 6),
                  num_particles=4, num_frames=4, sample_freq=10, seed=1,
                  log=False)
    train = PhysicsSystemDataset(str(tmp_path), split='train', **kwargs)
    directory = train.processed_dir
    before = {name: read_bytes(osp.join(directory, name))
              for name in os.listdir(directory)}

    classes = train.isomorphism_classes()
    assert_same_classes(classes, isomorphism_classes(train))
    assert classes[0].shape == (12, )
    assert count_class_computations == [12]
    # One file more; the cached files and the cache key are unchanged.
    assert sorted(os.listdir(directory)) == sorted([*before,
                                                    'isomorphism_train.json'])
    assert all(read_bytes(osp.join(directory, name)) == content
               for name, content in before.items())

    # Read back by the same and by a new instance on the same root.
    assert_same_classes(train.isomorphism_classes(), classes)
    again = PhysicsSystemDataset(str(tmp_path), split='train', **kwargs)
    assert again.processed_dir == directory
    assert_same_classes(again.isomorphism_classes(), classes)
    assert count_class_computations == [12]

    # Every split has its own file.
    test = PhysicsSystemDataset(str(tmp_path), split='test', **kwargs)
    assert_same_classes(test.isomorphism_classes(), isomorphism_classes(test))
    assert count_class_computations == [12, 6]

    # A subset: the classes of its simulations, numbered by first
    # occurrence in the subset.
    subset = train[[7, 2, 7, 11, 0]]
    assert_same_classes(subset.isomorphism_classes(),
                        isomorphism_classes(subset))
    assert count_class_computations == [12, 6]


def test_dataset_recomputes_a_file_that_does_not_fit(
        tmp_path, count_class_computations):
    kwargs = dict(system='springs_charges', num_simulations=(12, 6, 6),
                  num_particles=4, num_frames=4, sample_freq=10, seed=1,
                  log=False)
    dataset = PhysicsSystemDataset(str(tmp_path), **kwargs)
    expected = isomorphism_classes(dataset)
    dataset.isomorphism_classes()
    path = osp.join(dataset.processed_dir, 'isomorphism_train.json')
    with open(path) as f:
        good = json.load(f)
    assert good['split'] == 'train'
    assert good['class_ids'] == expected[0].tolist()
    assert [tuple(key[:2]) + (tuple(key[2]), ) for key in good['keys']] \
        == list(dict.fromkeys(expected[1]))
    assert count_class_computations == [12]
    short = dict(good, class_ids=good['class_ids'][:-1])
    stale = dict(good, source_sha256='0' * 64)
    keyless = dict(good, keys=good['keys'][:1])
    for content, problem in [(short, 'for 11 simulations, not 12'),
                             (stale, "for another 'train.pt'"),
                             (keyless, 'class ids without keys'),
                             ('{"class_ids": [0', 'unreadable')]:
        with open(path, 'w') as f:
            f.write(content if isinstance(content, str) else
                    json.dumps(content))
        dataset = PhysicsSystemDataset(str(tmp_path), **kwargs)
        with pytest.warns(UserWarning, match=problem):
            classes = dataset.isomorphism_classes()
        assert_same_classes(classes, expected)
        with open(path) as f:
            assert json.load(f) == good
    assert count_class_computations == [12] * 5


def test_in_memory_and_kuramoto_datasets_compute_their_classes(
        tmp_path, count_class_computations):
    memory = PhysicsSystemDataset(None, 'springs_charges', 'valid',
                                  num_simulations=(6, 10, 2),
                                  num_particles=3, num_frames=4,
                                  sample_freq=10, seed=2, log=False)
    assert_same_classes(memory.isomorphism_classes(),
                        isomorphism_classes(memory))
    memory.isomorphism_classes()
    assert count_class_computations == [10]

    # One binary layer-graph.
    kuramoto = KuramotoDataset(str(tmp_path), split='valid',
                               num_simulations=(4, 8, 2), num_particles=4,
                               num_frames=5, log=False)
    classes = kuramoto.isomorphism_classes()
    assert_same_classes(classes, isomorphism_classes(kuramoto))
    assert all(key[:2] == (4, 1) for key in classes[1])
    assert osp.exists(osp.join(kuramoto.processed_dir,
                               'isomorphism_valid.json'))
    assert_same_classes(
        KuramotoDataset(str(tmp_path), split='valid',
                        num_simulations=(4, 8, 2), num_particles=4,
                        num_frames=5, log=False).isomorphism_classes(),
        classes)
    assert count_class_computations == [10, 8]
