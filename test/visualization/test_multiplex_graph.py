import networkx as nx
import pytest
import torch

from torch_geometric_fnri.utils import fully_connected_edge_index
from torch_geometric_fnri.visualization import (
    plot_multiplex_graph,
    to_networkx_multiplex,
)


def test_to_networkx_multiplex():
    edge_index = fully_connected_edge_index(3)
    edge_types = torch.tensor([[1, 0], [0, 1], [1, 1], [0, 0], [0, 1],
                               [0, 0]])
    graph = to_networkx_multiplex(edge_index, edge_types,
                                  layer_names=['springs', 'charges'])
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == 3
    assert sorted(graph.edges(keys=True)) == [
        (0, 1, 'charges'), (0, 1, 'springs'), (0, 2, 'charges'),
        (1, 0, 'springs'), (2, 0, 'charges')
    ]
    data = graph.get_edge_data(0, 1, key='charges')
    assert data == {'layer': 1, 'interaction': 'charges', 'type': 1}

    full = to_networkx_multiplex(edge_index, edge_types, num_nodes=4,
                                 keep_zero=True)
    assert full.number_of_nodes() == 4
    assert full.number_of_edges() == 12
    assert full.get_edge_data(2, 1, key='layer_0')['type'] == 0

    single = to_networkx_multiplex(edge_index, edge_types[:, 0])
    assert single.number_of_edges() == 2


def test_to_networkx_multiplex_errors():
    edge_index = fully_connected_edge_index(3)
    with pytest.raises(ValueError, match="'edge_index'"):
        to_networkx_multiplex(edge_index[0], torch.zeros(6, 1).long())
    with pytest.raises(ValueError, match="'edge_types'"):
        to_networkx_multiplex(edge_index, torch.zeros(5, 2).long())
    with pytest.raises(TypeError, match='integer'):
        to_networkx_multiplex(edge_index, torch.zeros(6, 2))
    with pytest.raises(ValueError, match="'layer_names'"):
        to_networkx_multiplex(edge_index, torch.zeros(6, 2).long(),
                              layer_names=['a'])


def test_plot_multiplex_graph(tmp_path):
    pytest.importorskip('matplotlib')
    edge_index = fully_connected_edge_index(4)
    true = torch.randint(0, 2, (12, 2), generator=torch.Generator()
                         .manual_seed(0))
    pred = true.clone()
    pred[0] = 1 - pred[0]
    path = plot_multiplex_graph(str(tmp_path / 'g' / 'graph.png'),
                                edge_index, pred, true,
                                layer_names=['springs', 'charges'],
                                title='system 0')
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
