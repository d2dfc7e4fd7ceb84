import json
import math

import numpy as np
import pytest
import torch
import torch_geometric.transforms as T
from torch_geometric.data import Batch, Data

from torch_geometric_fnri.metrics import MissedPairs
from torch_geometric_fnri.transforms import (
    CandidateGraph,
    CarryEdgeType,
    CorrelationCandidateGraph,
    KNNCandidateGraph,
    RadiusCandidateGraph,
    carry_edge_type,
)
from torch_geometric_fnri.utils import (
    dense_to_edge_values,
    find_edges,
    fully_connected_edge_index,
    reverse_edge_permutation,
)


def _labelled_graph(num_nodes=7, num_frames=5, layers=2, seed=0):
    # A fully connected trajectory graph with labels from dense matrices
    # [L, N, N] indexed [receiver, sender], as the package's datasets.
    gen = torch.Generator().manual_seed(seed)
    dense = torch.randint(0, 3, (layers, num_nodes, num_nodes),
                          generator=gen)
    return Data(x=torch.randn(num_nodes, num_frames, 4, generator=gen),
                edge_index=fully_connected_edge_index(num_nodes),
                edge_type=dense_to_edge_values(dense).t()), dense


def _dense_labels(dense, edge_index):
    sender, receiver = edge_index.tolist()
    return torch.tensor([[dense[layer, i, j].item()
                          for layer in range(dense.size(0))]
                         for j, i in zip(sender, receiver)])


def test_carry_edge_type_against_a_dense_oracle():
    data, dense = _labelled_graph()
    gen = torch.Generator().manual_seed(1)
    # Any subset of the old edges, in any order.
    new = data.edge_index[:, torch.randperm(42, generator=gen)[:17]]
    assert torch.equal(carry_edge_type(data.edge_index, data.edge_type, new),
                       _dense_labels(dense, new))
    # One label layer as a vector; the old edges in any order.
    perm = torch.randperm(42, generator=gen)
    assert torch.equal(
        carry_edge_type(data.edge_index[:, perm], data.edge_type[perm, 0],
                        new), _dense_labels(dense, new)[:, 0])
    # Edges the old graph does not hold: the non-edge label, or an error.
    loops = torch.tensor([[3, 0, 5], [3, 1, 5]])
    assert carry_edge_type(data.edge_index, data.edge_type, loops, 7,
                           missing='non_edge').tolist() == [
                               [0, 0], dense[:, 1, 0].tolist(), [0, 0]]
    with pytest.raises(ValueError, match=r'new edge 0 \(3 -> 3\) is not '
                       r"in the old graph.*missing='non_edge'"):
        carry_edge_type(data.edge_index, data.edge_type, loops)
    with pytest.raises(ValueError, match="'missing' must be one of"):
        carry_edge_type(data.edge_index, data.edge_type, loops,
                        missing='zero')
    with pytest.raises(ValueError, match=r"shape \[E, L\] with E=42"):
        carry_edge_type(data.edge_index, data.edge_type[:5], loops)


def test_carry_edge_type_follows_a_pyg_transform_that_rebuilds_edges():
    # ToUndirected on a sparse directed graph adds reverse edges and
    # reorders the edges; unwrapped, it would sum the labels of an edge and
    # its reverse as edge features.
    data, dense = _labelled_graph()
    keep = torch.tensor([0, 5, 9, 13, 20, 31, 40])
    sparse = Data(x=data.x, edge_index=data.edge_index[:, keep],
                  edge_type=data.edge_type[keep])
    out = CarryEdgeType(T.ToUndirected(), missing='non_edge')(sparse)
    assert out.edge_index.size(1) > keep.numel()
    old = {tuple(e) for e in sparse.edge_index.t().tolist()}
    expected = _dense_labels(dense, out.edge_index)
    for e, edge in enumerate(out.edge_index.t().tolist()):
        if tuple(edge) not in old:
            expected[e] = 0
    assert torch.equal(out.edge_type, expected)
    assert torch.equal(sparse.edge_type, data.edge_type[keep])  # Untouched.
    with pytest.raises(ValueError, match='is not in the old graph'):
        CarryEdgeType(T.ToUndirected())(sparse)
    # The fully connected graph holds every reverse: nothing is missing.
    out = CarryEdgeType(T.ToUndirected())(data)
    assert torch.equal(out.edge_type, _dense_labels(dense, out.edge_index))


def _knn_oracle(x, k, frames, symmetric):
    # Loops over the particles: the k nearest by closest approach over the
    # frames, sorted by receiver, then sender.
    n = x.size(0)
    edges = set()
    for i in range(n):
        def distance(j):
            return min(math.dist(x[i, t, :2].tolist(), x[j, t, :2].tolist())
                       for t in frames)
        others = sorted((j for j in range(n) if j != i), key=distance)
        for j in others[:k]:
            edges.add((j, i))
            if symmetric:
                edges.add((i, j))
    return torch.tensor(sorted(edges, key=lambda e: (e[1], e[0]))).t()


@pytest.mark.parametrize('k,frames,symmetric', [
    (2, 0, True), (2, 0, False), (3, slice(1, 4), True), (10, 2, False)])
def test_knn_candidate_graph_against_a_dense_oracle(k, frames, symmetric):
    data, dense = _labelled_graph()
    out = KNNCandidateGraph(k, frames=frames, symmetric=symmetric)(data)
    steps = [frames] if isinstance(frames, int) else range(5)[frames]
    expected = _knn_oracle(data.x, k, steps, symmetric)
    assert torch.equal(out.edge_index, expected)
    assert torch.equal(out.edge_type, _dense_labels(dense, expected))
    assert out.x is data.x
    if k >= 6:  # Every other particle: the fully connected graph.
        assert out.edge_index.size(1) == 42


def test_knn_candidate_graph_in_a_batch_and_errors():
    graphs = [_labelled_graph(n, seed=n)[0] for n in (4, 6)]
    transform = KNNCandidateGraph(2)
    batch = Batch.from_data_list([transform(g) for g in graphs])
    assert batch.edge_type.size(0) == batch.edge_index.size(1)
    unlabelled = KNNCandidateGraph(1)(Data(x=torch.randn(3, 2, 4),
                                           edge_index=torch.zeros(2, 0)))
    assert 'edge_type' not in unlabelled and \
        unlabelled.edge_index.size(1) >= 2
    with pytest.raises(ValueError, match="'k' must be a positive int"):
        KNNCandidateGraph(0)
    with pytest.raises(TypeError, match="'frames' must be an int or a "
                       "slice"):
        KNNCandidateGraph(2, frames=[0, 1])
    with pytest.raises(ValueError, match=r"'x' must have shape \[N, T, D\]"):
        transform(Data(x=torch.randn(4, 4)))
    with pytest.raises(ValueError, match='selects no frame'):
        KNNCandidateGraph(2, frames=slice(9, 12))(graphs[0])


def _radius_oracle(x, radius, frames):
    # Loops over the pairs: those whose closest approach is at most radius.
    n = x.size(0)
    edges = [(j, i) for i in range(n) for j in range(n) if j != i and min(
        math.dist(x[i, t, :2].tolist(), x[j, t, :2].tolist())
        for t in frames) <= radius]
    return torch.tensor(sorted(edges, key=lambda e: (e[1], e[0])),
                        dtype=torch.long).view(-1, 2).t()


@pytest.mark.parametrize('radius,frames', [(0.8, 0), (1.5, slice(1, 4)),
                                           (1e-3, 2), (100.0, slice(None))])
def test_radius_candidate_graph_against_a_dense_oracle(radius, frames):
    data, dense = _labelled_graph()
    out = RadiusCandidateGraph(radius, frames=frames)(data)
    steps = [frames] if isinstance(frames, int) else range(5)[frames]
    expected = _radius_oracle(data.x, radius, steps)
    assert torch.equal(out.edge_index, expected)
    assert torch.equal(out.edge_type,
                       _dense_labels(dense, expected).view(-1, 2))
    assert reverse_edge_permutation(out.edge_index, 7).numel() == \
        expected.size(1)  # Symmetric.


def _correlation_oracle(x, k, frames, features, increments):
    # NumPy's Pearson correlation per feature, its magnitude averaged, and
    # every particle's k strongest partners in both directions.
    series = x[:, frames][..., features].double().numpy()
    if increments:
        series = np.diff(series, axis=1)
    strength = np.mean([np.abs(np.nan_to_num(np.corrcoef(series[..., c])))
                        for c in range(len(features))], axis=0)
    n = x.size(0)
    edges = set()
    for i in range(n):
        partners = sorted((j for j in range(n) if j != i),
                          key=lambda j: -strength[i, j])
        for j in partners[:k]:
            edges |= {(j, i), (i, j)}
    return torch.tensor(sorted(edges, key=lambda e: (e[1], e[0]))).t()


@pytest.mark.parametrize('k,features,increments', [
    (2, (2, 3), False), (1, (0, ), True), (3, (0, 1, 2, 3), False)])
def test_correlation_candidate_graph_against_a_dense_oracle(
        k, features, increments):
    data, dense = _labelled_graph(num_frames=12)
    frames = slice(0, 10)
    out = CorrelationCandidateGraph(k, frames, features, increments)(data)
    expected = _correlation_oracle(data.x, k, frames, list(features),
                                   increments)
    assert torch.equal(out.edge_index, expected)
    assert torch.equal(out.edge_type, _dense_labels(dense, expected))
    # A particle whose series is constant correlates with none.
    data.x[3, :, 2:] = 0.5
    strength = CorrelationCandidateGraph(6, frames)(data)
    assert strength.edge_index.size(1) == 42


def _missed_oracle(dense, edge_index):
    # Counts the pairs outside edge_index by their presence pattern, from
    # the dense labels [L, N, N].
    kept = {tuple(e) for e in edge_index.t().tolist()}
    counts = torch.zeros(2**dense.size(0), dtype=torch.long)
    n = dense.size(1)
    for i in range(n):
        for j in range(n):
            if i != j and (j, i) not in kept:
                pattern = sum(int(dense[l, i, j] != 0) << (dense.size(0) - 1
                                                          - l)
                              for l in range(dense.size(0)))
                counts[pattern] += 1
    return counts


@pytest.mark.parametrize('transform', [
    KNNCandidateGraph(2, frames=slice(0, 3)),
    RadiusCandidateGraph(1.0, frames=1),
    CorrelationCandidateGraph(2, slice(0, 5), increments=True),
])
def test_candidate_graphs_record_the_pairs_they_leave_out(transform):
    data, dense = _labelled_graph(layers=3)
    out = transform(data)
    record = MissedPairs.read(out)
    assert torch.equal(record.counts, _missed_oracle(dense, out.edge_index))
    assert record.pairs == 42 - out.edge_index.size(1)
    assert out.missed_presence.shape == (1, 8)
    # A candidate graph of a candidate graph: the same one changes nothing,
    # and one inside it adds the pairs it drops.
    again = transform(out)
    assert torch.equal(again.edge_index, out.edge_index)
    assert MissedPairs.read(again) == record
    inner = KNNCandidateGraph(1, frames=0, symmetric=False)
    inner_edges = inner.edge_index(data.x)
    kept = find_edges(out.edge_index, inner_edges) >= 0
    inner_edges = inner_edges[:, kept]
    both = inner.with_edges(out, inner_edges)
    assert torch.equal(MissedPairs.read(both).counts,
                       _missed_oracle(dense, inner_edges))
    # Nothing to record without labels; the edges alone.
    unlabelled = transform(Data(x=data.x, edge_index=data.edge_index))
    assert torch.equal(unlabelled.edge_index, out.edge_index)
    assert 'missed_presence' not in unlabelled


def test_a_batch_of_candidate_graphs_sums_its_records():
    graphs = [_labelled_graph(n, seed=n)[0] for n in (4, 6, 7)]
    transform = KNNCandidateGraph(1)
    outs = [transform(g) for g in graphs]
    batch = Batch.from_data_list(outs)
    assert batch.missed_presence.shape == (3, 4)
    assert MissedPairs.read(batch) == MissedPairs.total(
        MissedPairs.read(o) for o in outs)


@pytest.mark.parametrize('transform', [
    KNNCandidateGraph(3, frames=slice(0, 4), symmetric=False,
                      position_features=(2, 3)),
    RadiusCandidateGraph(0.5, frames=2),
    CorrelationCandidateGraph(2, slice(1, 5, 2), features=[0],
                              increments=False),
])
def test_candidate_graphs_are_stored_as_plain_data(transform):
    config = json.loads(json.dumps(transform.config))
    again = CandidateGraph.from_config(config)
    assert type(again) is type(transform) and repr(again) == repr(transform)
    assert again.config == transform.config
    data, _ = _labelled_graph()
    assert torch.equal(again(data).edge_index, transform(data).edge_index)
    with pytest.raises(ValueError, match="'GridGraph' is no candidate "
                       "graph"):
        CandidateGraph.from_config({'class': 'GridGraph', 'arguments': {}})
    with pytest.raises(ValueError, match="a dict of 'class' and "
                       "'arguments'"):
        CandidateGraph.from_config({'class': 'KNNCandidateGraph'})


def test_candidate_graphs_refuse_bad_arguments():
    data, _ = _labelled_graph()
    with pytest.raises(ValueError, match="'radius' must be a positive"):
        RadiusCandidateGraph(0.0)
    with pytest.raises(ValueError, match="'radius' must be a positive"):
        RadiusCandidateGraph(True)
    with pytest.raises(TypeError, match="'frames' must be an int or a "
                       "slice"):
        RadiusCandidateGraph(1.0, frames=(0, 2))
    with pytest.raises(ValueError, match="'k' must be a positive int"):
        CorrelationCandidateGraph(0, slice(0, 5))
    with pytest.raises(ValueError, match="'features' must be a non-empty"):
        CorrelationCandidateGraph(2, slice(0, 5), features=[])
    with pytest.raises(ValueError, match=r"gives 1 frame\(s\) to "
                       r"correlate; a correlation needs at least 2"):
        CorrelationCandidateGraph(2, 3)(data)
    with pytest.raises(ValueError, match=r"gives 1 frame difference\(s\)"):
        CorrelationCandidateGraph(2, slice(0, 2), increments=True)(data)
    with pytest.raises(ValueError, match=r"'features=\[4\]' but 'x' has 4"):
        CorrelationCandidateGraph(2, slice(0, 5), features=[4])(data)
    with pytest.raises(ValueError, match='selects no frame'):
        RadiusCandidateGraph(1.0, frames=slice(7, 9))(data)
    # Labels the old graph cannot give: an edge it does not hold.
    sparse = Data(x=data.x, edge_index=data.edge_index[:, :3],
                  edge_type=data.edge_type[:3])
    with pytest.raises(ValueError, match='is not in the old graph'):
        RadiusCandidateGraph(100.0)(sparse)
