import pytest
import torch

from dense_oracle import node2edge
from torch_geometric_fnri.nn.conv import NodeToEdgeConv
from torch_geometric_fnri.utils import fully_connected_edge_index


def test_node_to_edge_conv_matches_dense():
    conv = NodeToEdgeConv()
    assert str(conv) == 'NodeToEdgeConv(nn=None)'
    x = torch.randn(2, 5, 3)
    edge_index = torch.cat([fully_connected_edge_index(5),
                            fully_connected_edge_index(5) + 5], dim=1)
    out = conv(x.view(10, 3), edge_index)
    assert out.size() == (40, 6)
    assert torch.allclose(out.view(2, 20, 6), node2edge(x, 5))


def test_node_to_edge_conv_time_axis_and_nn():
    lin = torch.nn.Linear(8, 3)
    conv = NodeToEdgeConv(lin)
    x = torch.randn(4, 7, 4)
    edge_index = fully_connected_edge_index(4)
    out = conv(x, edge_index)
    assert out.size() == (12, 7, 3)
    expected = lin(torch.cat([x[edge_index[0]], x[edge_index[1]]], dim=-1))
    assert torch.allclose(out, expected)


def test_node_to_edge_conv_edge_permutation():
    conv = NodeToEdgeConv()
    x = torch.randn(5, 2)
    edge_index = fully_connected_edge_index(5)
    perm = torch.randperm(edge_index.size(1))
    assert torch.equal(conv(x, edge_index)[perm],
                       conv(x, edge_index[:, perm]))


def test_node_to_edge_conv_errors():
    conv = NodeToEdgeConv()
    edge_index = fully_connected_edge_index(3)
    with pytest.raises(ValueError, match="'x' must have shape"):
        conv(torch.randn(3), edge_index)
    with pytest.raises(ValueError, match=r'node indices in \[0, 1\]'):
        conv(torch.randn(2, 4), edge_index)
    with pytest.raises(ValueError, match=r'shape \[2, E\]'):
        conv(torch.randn(3, 4), edge_index.t())
