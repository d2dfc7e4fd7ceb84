r"""Multiplex interaction graphs as :mod:`networkx` graphs and pictures."""
from typing import Dict, List, Optional, Sequence, Tuple

import networkx as nx
from torch import Tensor

from ._matplotlib import legend_line, new_figure, save_figure

#: How the inferred row marks an edge against the ground truth: (label,
#: colour, line style) of inferred true edges, inferred edges that are not
#: true (or of another type), and true edges the inference missed.
COMPARISON_STYLES = (
    ('inferred, true', 'tab:green', 'solid'),
    ('inferred, not true', 'tab:red', 'solid'),
    ('true, missed', 'tab:gray', 'dashed'),
)


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

    Nodes keep the same circular layout in every panel; edges of type 0
    (non-edges) are not drawn. With the ground truth, the inferred row
    marks every edge against it, as a legend under the panels says
    (:data:`COMPARISON_STYLES`): inferred edges of the true type are
    green, other inferred edges red, and true edges the inference missed
    (inferred as a non-edge or as another type) dashed grey.

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
            edges = _layer_edges(graph, name)
            if truth is not None and row_name == 'inferred':
                groups = _compare(edges, _layer_edges(truth, name))
            else:
                groups = [(list(edges), 'black', 'solid')]
            layer = nx.DiGraph()
            layer.add_nodes_from(graph.nodes)
            nx.draw_networkx_nodes(layer, positions, ax=ax, node_size=260,
                                   node_color='tab:blue')
            nx.draw_networkx_labels(layer, positions, ax=ax, font_size=8,
                                    font_color='white')
            for edgelist, color, style in groups:
                if edgelist:
                    nx.draw_networkx_edges(
                        layer, positions, ax=ax, edgelist=edgelist,
                        edge_color=color, style=style, arrows=True,
                        node_size=260, connectionstyle='arc3,rad=0.12')
            ax.set_title(f'{row_name}: {name}', fontsize=9)
            ax.set_axis_off()
    if truth is not None:
        handles = [legend_line(label, color=color, linestyle=style)
                   for label, color, style in COMPARISON_STYLES]
        fig.legend(handles=handles, loc='outside lower center',
                   ncols=len(handles), fontsize=8, frameon=False)
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def _layer_edges(graph: nx.MultiDiGraph,
                 name: str) -> Dict[Tuple[int, int], int]:
    # The edges of one layer-graph and their types.
    return {(u, v): data['type']
            for u, v, key, data in graph.edges(keys=True, data=True)
            if key == name}


def _compare(pred: Dict[Tuple[int, int], int],
             true: Dict[Tuple[int, int], int]) -> List[tuple]:
    # The inferred edges of the true type, the other inferred edges and
    # the missed true edges, each with its colour and line style.
    hits = [edge for edge, kind in pred.items() if true.get(edge) == kind]
    wrong = [edge for edge, kind in pred.items() if true.get(edge) != kind]
    missed = [edge for edge, kind in true.items() if pred.get(edge) != kind]
    return [(edges, color, style) for edges, (_, color, style) in zip(
        (hits, wrong, missed), COMPARISON_STYLES)]


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
