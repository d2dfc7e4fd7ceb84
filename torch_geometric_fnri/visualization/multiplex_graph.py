r"""Multiplex interaction graphs as :mod:`networkx` graphs and pictures."""
from typing import List, Optional, Sequence

import networkx as nx
from torch import Tensor

from ._matplotlib import new_figure, save_figure


def to_networkx_multiplex(
    edge_index: Tensor,
    edge_types: Tensor,
    num_nodes: Optional[int] = None,
    layer_names: Optional[Sequence[str]] = None,
    keep_zero: bool = False,
) -> nx.MultiDiGraph:
    r"""Converts a multiplex graph to a :class:`networkx.MultiDiGraph` with
    one edge per (edge, layer-graph) whose type is kept.

    Every networkx edge :obj:`(j, i, key)` (source :math:`j`, target
    :math:`i`, the package's convention) has the attributes
    :obj:`layer` (the column of :obj:`edge_types`), :obj:`interaction` (its
    name) and :obj:`type` (the integer edge type); the key is the
    interaction name.

    Args:
        edge_index (torch.Tensor): Edges of shape :obj:`[2, E]`.
        edge_types (torch.Tensor): Integer types of shape :obj:`[E, L]`
            (or :obj:`[E]` for one layer), e.g. a dataset's
            :obj:`edge_type` or a model's per-layer predictions.
        num_nodes (int, optional): Number of nodes (isolated nodes are
            kept). (default: :obj:`None`, :obj:`edge_index.max() + 1`)
        layer_names (Sequence[str], optional): Name of each layer-graph.
            (default: :obj:`None`, :obj:`'layer_0'`, ...)
        keep_zero (bool, optional): Keep edges of type 0 (by default type 0
            is the non-edge and is left out). (default: :obj:`False`)

    Example:
        >>> edge_index = torch.tensor([[1, 0], [0, 1]])
        >>> graph = to_networkx_multiplex(
        ...     edge_index, torch.tensor([[1, 0], [1, 1]]),
        ...     layer_names=['springs', 'charges'])
        >>> sorted(graph.edges(keys=True))
        [(0, 1, 'charges'), (0, 1, 'springs'), (1, 0, 'springs')]
    """
    if not isinstance(edge_index, Tensor) or edge_index.dim() != 2 or \
            edge_index.size(0) != 2:
        raise ValueError(f"'edge_index' must be a tensor of shape [2, E] "
                         f"(got {_shape(edge_index)})")
    if not isinstance(edge_types, Tensor):
        raise TypeError(f"'edge_types' must be a tensor "
                        f"(got {type(edge_types).__name__})")
    if edge_types.dim() == 1:
        edge_types = edge_types.unsqueeze(-1)
    if edge_types.dim() != 2 or edge_types.size(0) != edge_index.size(1):
        raise ValueError(
            f"'edge_types' must have shape [E, L] with "
            f"E={edge_index.size(1)} (got {tuple(edge_types.shape)})")
    if edge_types.is_floating_point():
        raise TypeError("'edge_types' must hold integer types (got a "
                        "floating-point tensor; round or argmax first)")
    num_layers = edge_types.size(1)
    names = _layer_names(layer_names, num_layers)
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1 if edge_index.numel() else 0
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(num_nodes))
    source, target = edge_index.tolist()
    for e, row in enumerate(edge_types.tolist()):
        for layer, value in enumerate(row):
            if value != 0 or keep_zero:
                graph.add_edge(source[e], target[e], key=names[layer],
                               layer=layer, interaction=names[layer],
                               type=int(value))
    return graph


def plot_multiplex_graph(
    path: str,
    edge_index: Tensor,
    pred_edge_types: Tensor,
    true_edge_types: Optional[Tensor] = None,
    num_nodes: Optional[int] = None,
    layer_names: Optional[Sequence[str]] = None,
    title: Optional[str] = None,
) -> str:
    r"""Draws the inferred multiplex graph of one system, one panel per
    layer-graph, beside the ground truth, and saves it as a PNG (needs
    :mod:`matplotlib`).

    Nodes keep the same circular layout in every panel. In the inferred
    row, edges also present in the ground truth are green and the others
    red; edges of type 0 (non-edges) are not drawn.

    Args:
        path (str): Output PNG file.
        edge_index (torch.Tensor): Edges of one system, :obj:`[2, E]`.
        pred_edge_types (torch.Tensor): Inferred types :obj:`[E, L]`, in
            the label layers' order (after any permutation mapping).
        true_edge_types (torch.Tensor, optional): Ground truth
            :obj:`[E, L]`. (default: :obj:`None`)
        num_nodes (int, optional): Number of nodes. (default: :obj:`None`)
        layer_names (Sequence[str], optional): Panel titles.
            (default: :obj:`None`)
        title (str, optional): Figure title. (default: :obj:`None`)

    Returns:
        The path written.
    """
    pred = to_networkx_multiplex(edge_index, pred_edge_types, num_nodes,
                                 layer_names)
    names = _layer_names(layer_names, pred_edge_types.view(
        edge_index.size(1), -1).size(1))
    rows = [('inferred', pred)]
    truth = None
    if true_edge_types is not None:
        truth = to_networkx_multiplex(edge_index, true_edge_types,
                                      pred.number_of_nodes(), names)
        rows.append(('ground truth', truth))
    positions = nx.circular_layout(sorted(pred.nodes))
    fig = new_figure(len(rows), len(names), panel_size=3.2)
    for r, (row_name, graph) in enumerate(rows):
        for c, name in enumerate(names):
            ax = fig.axes[r * len(names) + c]
            edges = [(u, v) for u, v, k in graph.edges(keys=True)
                     if k == name]
            if truth is not None and row_name == 'inferred':
                colors = ['tab:green' if truth.has_edge(u, v, key=name)
                          else 'tab:red' for u, v in edges]
            else:
                colors = ['black'] * len(edges)
            layer = nx.DiGraph()
            layer.add_nodes_from(graph.nodes)
            layer.add_edges_from(edges)
            nx.draw_networkx_nodes(layer, positions, ax=ax, node_size=260,
                                   node_color='tab:blue')
            nx.draw_networkx_labels(layer, positions, ax=ax, font_size=8,
                                    font_color='white')
            nx.draw_networkx_edges(layer, positions, ax=ax,
                                   edgelist=edges, edge_color=colors,
                                   arrows=True, node_size=260,
                                   connectionstyle='arc3,rad=0.12')
            ax.set_title(f'{row_name}: {name}', fontsize=9)
            ax.set_axis_off()
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def _layer_names(layer_names: Optional[Sequence[str]],
                 num_layers: int) -> List[str]:
    if layer_names is None:
        return [f'layer_{i}' for i in range(num_layers)]
    names = [str(name) for name in layer_names]
    if len(names) != num_layers or len(set(names)) != len(names):
        raise ValueError(f"'layer_names' must hold {num_layers} distinct "
                         f"names (got {names})")
    return names


def _shape(value) -> str:
    return str(tuple(value.shape)) if isinstance(value, Tensor) else \
        type(value).__name__
