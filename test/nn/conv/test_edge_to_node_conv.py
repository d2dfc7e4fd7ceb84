import pytest
import torch

from dense_oracle import edge2node
from torch_geometric_fnri.nn.conv import EdgeToNodeConv
from torch_geometric_fnri.utils import fully_connected_edge_index


def test_edge_to_node_conv_matches_dense():
    conv = EdgeToNodeConv(normalize=True)
    assert str(conv) == 'EdgeToNodeConv(normalize=True)'
    e = torch.randn(2, 20, 3)
    edge_index = torch.cat([fully_connected_edge_index(5),
                            fully_connected_edge_index(5) + 5], dim=1)
    out = conv(e.view(40, 3), edge_index, 10)
    assert torch.allclose(out.view(2, 5, 3), edge2node(e, 5), atol=1e-6)
    plain = EdgeToNodeConv()(e.view(40, 3), edge_index, 10)
    assert torch.allclose(plain, out * 5, atol=1e-6)


def test_edge_to_node_conv_mixed_sizes():
    sizes = [5, 3, 2]
    edge_index, offset = [], 0
    for n in sizes:
        edge_index.append(fully_connected_edge_index(n) + offset)
        offset += n
    edge_index = torch.cat(edge_index, dim=1)
    batch = torch.repeat_interleave(torch.arange(3), torch.tensor(sizes))
    e = torch.randn(edge_index.size(1), 2, 4)
    conv = EdgeToNodeConv(normalize=True)
    out = conv(e, edge_index, offset)
    assert out.size() == (offset, 2, 4)
    assert torch.allclose(out, conv(e, edge_index, offset, batch))
    parts, start = [], 0
    for n in sizes:
        num_edges = n * (n - 1)
        ref = edge2node(e[start:start + num_edges].reshape(1, num_edges, -1),
                        n)
        parts.append(ref.view(n, 2, 4))
        start += num_edges
    assert torch.allclose(out, torch.cat(parts), atol=1e-6)


def test_edge_to_node_conv_batch_for_sparse_graph():
    # Graph 0 has 3 nodes but only 2 edges: in-degree + 1 is not its size.
    edge_index = torch.tensor([[1, 2, 4], [0, 0, 3]])
    batch = torch.tensor([0, 0, 0, 1, 1])
    e = torch.ones(3, 1)
    out = EdgeToNodeConv(normalize=True)(e, edge_index, 5, batch)
    assert torch.allclose(out.view(-1), torch.tensor([2 / 3, 0, 0, 0.5, 0]))
    with pytest.raises(ValueError, match="'batch' must have shape"):
        EdgeToNodeConv(normalize=True)(e, edge_index, 5, batch[:4])


def test_edge_to_node_conv_graph_sizes_trace_as_one_graph():
    # The graph sizes of a batch have a static shape, so a compiled step
    # traces them without a graph break (bincount's data-dependent length
    # broke it) and gives the eager values.
    batch = torch.arange(32).repeat_interleave(5)
    edge_index = torch.cat([fully_connected_edge_index(5) + 5 * graph
                            for graph in range(32)], dim=1)
    conv = EdgeToNodeConv(normalize=True)
    e = torch.randn(edge_index.size(1), 4)
    explanation = torch._dynamo.explain(conv)(e, edge_index, 160, batch)
    assert explanation.graph_break_count == 0
    assert torch.equal(EdgeToNodeConv.graph_size(edge_index, 160, batch),
                       torch.full((160, ), 5))
    assert torch.allclose(conv(e, edge_index, 160, batch),
                          conv(e, edge_index, 160), atol=1e-6)


def test_edge_to_node_conv_errors():
    conv = EdgeToNodeConv()
    edge_index = fully_connected_edge_index(3)
    with pytest.raises(ValueError, match="'edge_attr' must have shape"):
        conv(torch.randn(5, 2), edge_index, 3)
    with pytest.raises(ValueError, match='node indices'):
        conv(torch.randn(6, 2), edge_index, 2)
