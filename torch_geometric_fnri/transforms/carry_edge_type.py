r"""Edge labels that follow a graph whose edges are rebuilt."""
import copy
from typing import Callable, Optional

from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from torch_geometric_fnri.utils import find_edges

MISSING = ('raise', 'non_edge')


def carry_edge_type(edge_index: Tensor, edge_type: Tensor,
                    new_edge_index: Tensor,
                    num_nodes: Optional[int] = None,
                    missing: str = 'raise') -> Tensor:
    r"""Returns the labels of the edges of :obj:`new_edge_index`: every
    edge :math:`j \to i` takes the labels of the edge :math:`j \to i` of
    :obj:`edge_index`, wherever it sits there (any edge order, any subset
    or superset of the old edges, batches of graphs).

    An edge that :obj:`edge_index` does not hold raises an error with
    :obj:`missing='raise'`; with :obj:`missing='non_edge'` it gets the
    non-edge label :obj:`0` in every layer (right when every edge left out
    of the old graph is no interaction, *e.g.* the self-loops that a
    transform adds to the package's fully connected graphs).

    Args:
        edge_index (torch.Tensor): The old edges :obj:`[2, E]` (sender,
            receiver), without duplicates.
        edge_type (torch.Tensor): Their labels :obj:`[E, L]` (or
            :obj:`[E]`).
        new_edge_index (torch.Tensor): The new edges :obj:`[2, E']`.
        num_nodes (int, optional): The number of nodes. (default:
            :obj:`None`, one more than the largest index)
        missing (str, optional): :obj:`'raise'` or :obj:`'non_edge'`, see
            above. (default: :obj:`'raise'`)

    Shapes:
        - **input:** :math:`(2, |\mathcal{E}|)`, :math:`(|\mathcal{E}|, L)`,
          :math:`(2, |\mathcal{E}'|)`
        - **output:** :math:`(|\mathcal{E}'|, L)`

    Examples:
        >>> edge_index = torch.tensor([[1, 2, 0], [0, 0, 1]])
        >>> edge_type = torch.tensor([[1, 0], [0, 1], [1, 1]])
        >>> carry_edge_type(edge_index, edge_type,
        ...                 torch.tensor([[0, 1], [1, 0]]))
        tensor([[1, 1],
                [1, 0]])
    """
    if missing not in MISSING:
        raise ValueError(f"'missing' must be one of {MISSING} "
                         f"(got {missing!r})")
    if edge_type.dim() not in (1, 2) or \
            edge_type.size(0) != edge_index.size(-1):
        raise ValueError(f"'edge_type' must have shape [E, L] with "
                         f"E={edge_index.size(-1)} (got "
                         f"{tuple(edge_type.shape)})")
    position = find_edges(edge_index, new_edge_index, num_nodes)
    found = position >= 0
    if missing == 'raise' and not bool(found.all()):
        e = int((~found).nonzero()[0])
        src, dst = new_edge_index[:, e].tolist()
        raise ValueError(
            f"the new edge {e} ({src} -> {dst}) is not in the old graph, "
            f"so it has no label: pass missing='non_edge' if the edges the "
            f"old graph leaves out are no interactions")
    out = edge_type[position.clamp(min=0)]
    return out * found.view((-1, ) + (1, ) * (out.dim() - 1))


class CarryEdgeType(BaseTransform):
    r"""Applies a transform that rebuilds :obj:`edge_index` (*e.g.*
    :class:`torch_geometric.transforms.ToUndirected`, a candidate graph of
    one's own) and gives the new edges their labels :obj:`edge_type`
    :obj:`[E, L]` with :func:`carry_edge_type`. The transform sees the
    graph without :obj:`edge_type` (so that it neither drops nor merges the
    labels as edge features) and must keep the nodes.

    Args:
        transform (callable): The transform of a :class:`Data` object.
        missing (str, optional): What a new edge that the old graph does
            not hold gets: an error (:obj:`'raise'`) or the non-edge label
            :obj:`0` (:obj:`'non_edge'`); see :func:`carry_edge_type`.
            (default: :obj:`'raise'`)

    Examples:
        >>> import torch_geometric.transforms as T
        >>> transform = CarryEdgeType(T.ToUndirected())
    """
    def __init__(self, transform: Callable[[Data], Data],
                 missing: str = 'raise'):
        if missing not in MISSING:
            raise ValueError(f"'missing' must be one of {MISSING} "
                             f"(got {missing!r})")
        self.transform = transform
        self.missing = missing

    def forward(self, data: Data) -> Data:
        edge_type = data.get('edge_type')
        if edge_type is None:
            return self.transform(data)
        edge_index, num_nodes = data.edge_index, data.num_nodes
        unlabelled = copy.copy(data)
        del unlabelled.edge_type
        out = self.transform(unlabelled)
        if out.num_nodes != num_nodes:
            raise ValueError(f"the transform changed the number of nodes "
                             f"({num_nodes} -> {out.num_nodes}), so the "
                             f"labels cannot follow the edges")
        out.edge_type = carry_edge_type(edge_index, edge_type,
                                        out.edge_index, num_nodes,
                                        self.missing)
        return out

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.transform!r}, '
                f'missing={self.missing!r})')
