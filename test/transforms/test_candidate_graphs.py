import math

import pytest
import torch
import torch_geometric.transforms as T
from torch_geometric.data import Batch, Data

from torch_geometric_fnri.transforms import (
    CarryEdgeType,
    KNNCandidateGraph,
    carry_edge_type,
)
from torch_geometric_fnri.utils import (
    dense_to_edge_values,
    fully_connected_edge_index,
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
