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


def test_plot_marks_edges_against_the_ground_truth_with_a_legend(
        tmp_path, monkeypatch):
    pytest.importorskip('matplotlib')
    from matplotlib.colors import to_rgba

    import torch_geometric_fnri.visualization.multiplex_graph as module
    figures = []
    monkeypatch.setattr(module, 'save_figure',
                        lambda fig, path: figures.append(fig) or path)
    edge_index = fully_connected_edge_index(4)
    # One layer-graph of three types: two hits, a false edge, a true edge
    # inferred as a non-edge and one inferred as the other type.
    true = torch.zeros(12, dtype=torch.long)
    pred = torch.zeros(12, dtype=torch.long)
    true[[0, 1, 3, 4]] = torch.tensor([1, 2, 1, 2])
    pred[[0, 1, 2, 4]] = torch.tensor([1, 2, 1, 1])
    plot_multiplex_graph(str(tmp_path / 'graph.png'), edge_index, pred,
                         true, layer_names=['springs'])
    fig, = figures
    legend, = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        'inferred, true', 'inferred, not true', 'true, missed']
    assert legend.get_lines()[2].get_linestyle() == '--'

    def arrows(ax):
        # (green, red, grey, dashed) of every drawn edge.
        return sorted((to_rgba(p.get_edgecolor()) == to_rgba('tab:green'),
                       to_rgba(p.get_edgecolor()) == to_rgba('tab:red'),
                       to_rgba(p.get_edgecolor()) == to_rgba('tab:gray'),
                       p.get_linestyle() == 'dashed') for p in ax.patches)
    inferred, truth = fig.axes
    hit, false, missed = ((True, False, False, False),
                          (False, True, False, False),
                          (False, False, True, True))
    assert arrows(inferred) == sorted([hit, hit, false, false, missed,
                                       missed])
    assert len(truth.patches) == 4 and not fig.axes[1].get_legend()
    # Without the ground truth: one row, no legend.
    plot_multiplex_graph(str(tmp_path / 'alone.png'), edge_index, pred)
    assert len(figures[1].axes) == 1 and not figures[1].legends
