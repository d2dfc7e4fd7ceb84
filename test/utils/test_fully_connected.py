import pytest
import torch

from torch_geometric_fnri.utils import (
    dense_to_edge_values,
    edge_values_to_dense,
    fully_connected_edge_index,
)


def test_fully_connected_edge_index_order():
    edge_index = fully_connected_edge_index(3)
    assert edge_index.tolist() == [[1, 2, 0, 2, 0, 1], [0, 0, 1, 1, 2, 2]]


@pytest.mark.parametrize('num_nodes', [2, 5, 11])
def test_fully_connected_edge_index_matches_row_major_off_diagonal(num_nodes):
    expected = [(b, a) for a in range(num_nodes) for b in range(num_nodes)
                if a != b]  # (source, target) for row-major [receiver, sender]
    edge_index = fully_connected_edge_index(num_nodes)
    assert edge_index.shape == (2, num_nodes * (num_nodes - 1))
    assert list(zip(*edge_index.tolist())) == expected
    for e, (j, i) in enumerate(expected):
        assert e == i * (num_nodes - 1) + j - int(j > i)


def test_dense_round_trip():
    adj = torch.arange(2 * 16).view(2, 4, 4).float()
    adj = adj * (1 - torch.eye(4))
    values = dense_to_edge_values(adj)
    assert values.shape == (2, 12)
    # Edge 0 is 1 -> 0, i.e. adj[0, 1].
    assert values[0, 0] == adj[0, 0, 1]
    assert torch.equal(edge_values_to_dense(values, 4), adj)


@pytest.mark.parametrize('bad', [1, 0, -3])
def test_fully_connected_edge_index_rejects_small_graphs(bad):
    with pytest.raises(ValueError, match='num_nodes'):
        fully_connected_edge_index(bad)


def test_bad_shapes():
    with pytest.raises(TypeError, match='num_nodes'):
        fully_connected_edge_index(3.0)
    with pytest.raises(ValueError, match=r'\[\.\.\., N, N\]'):
        dense_to_edge_values(torch.zeros(3, 4))
    with pytest.raises(ValueError, match='values'):
        edge_values_to_dense(torch.zeros(5), 3)
