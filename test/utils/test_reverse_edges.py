import pytest
import torch

from torch_geometric_fnri.utils import (
    find_edges,
    fully_connected_edge_index,
    reverse_edge_permutation,
)


def test_reverse_of_every_edge_in_any_order():
    torch.manual_seed(0)
    edge_index = fully_connected_edge_index(5)
    # Two graphs of different sizes in one batch, edges shuffled.
    batch = torch.cat([edge_index, fully_connected_edge_index(3) + 5], 1)
    batch = batch[:, torch.randperm(batch.size(1))]
    perm = reverse_edge_permutation(batch)
    assert sorted(perm.tolist()) == list(range(batch.size(1)))
    for e, r in enumerate(perm.tolist()):  # Dense oracle: by definition.
        assert batch[:, r].tolist() == batch[:, e].flip(0).tolist()
    assert torch.equal(perm[perm], torch.arange(batch.size(1)))


def test_self_loops_and_errors():
    loops = torch.tensor([[0, 1, 1], [0, 1, 0]])
    with pytest.raises(ValueError, match=r'edge 2 \(1 -> 0\) has no reverse'):
        reverse_edge_permutation(loops)
    assert reverse_edge_permutation(
        torch.tensor([[0, 1, 0], [0, 0, 1]])).tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match='duplicate'):
        reverse_edge_permutation(torch.tensor([[0, 1, 0], [1, 0, 1]]))
    with pytest.raises(ValueError, match=r'shape \[2, E\]'):
        reverse_edge_permutation(torch.zeros(3, 4, dtype=torch.long))
    assert reverse_edge_permutation(
        torch.zeros(2, 0, dtype=torch.long)).numel() == 0


def test_find_edges_against_a_dense_oracle():
    torch.manual_seed(0)
    edge_index = fully_connected_edge_index(6)
    edge_index = edge_index[:, torch.randperm(30)[:18]]  # Sparse, shuffled.
    position = {tuple(e): p for p, e in enumerate(edge_index.t().tolist())}
    query = torch.cat([fully_connected_edge_index(6),
                       torch.tensor([[2, 5], [2, 5]])], 1)  # With loops.
    out = find_edges(edge_index, query, 6)
    assert out.tolist() == [position.get(tuple(e), -1)
                            for e in query.t().tolist()]
    assert find_edges(edge_index[:, :0], query).tolist() == [-1] * 32
    with pytest.raises(ValueError, match='duplicate'):
        find_edges(torch.tensor([[0, 0], [1, 1]]), query)
    with pytest.raises(ValueError, match=r"'query' must have shape"):
        find_edges(edge_index, query[0])
