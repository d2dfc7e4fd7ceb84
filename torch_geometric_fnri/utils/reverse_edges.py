r"""Edge lookup: where given edges sit in a graph, and the reverse of every
edge."""
from typing import Optional

import torch
from torch import Tensor


def find_edges(edge_index: Tensor, query: Tensor,
               num_nodes: Optional[int] = None) -> Tensor:
    r"""Returns the position in :obj:`edge_index` of every edge of
    :obj:`query`, or :obj:`-1` for an edge that :obj:`edge_index` does not
    hold. Works for any edge order and for batches of graphs.

    The check of duplicate edges reads the data, so it is left out while
    :func:`torch.compile` traces the function (the compiled graph then has
    no break).

    Args:
        edge_index (torch.Tensor): Edges :obj:`[2, E]` without duplicates.
        query (torch.Tensor): The edges to find :obj:`[2, Q]`.
        num_nodes (int, optional): The number of nodes, by default one more
            than the largest index of both. (default: :obj:`None`)

    Shapes:
        - **input:** :math:`(2, |\mathcal{E}|)`, :math:`(2, Q)`
        - **output:** :math:`(Q)` (long)

    Examples:
        >>> edge_index = torch.tensor([[1, 2, 0], [0, 0, 1]])
        >>> find_edges(edge_index, torch.tensor([[0, 2, 1], [1, 1, 0]]))
        tensor([ 2, -1,  0])
    """
    for name, value in (('edge_index', edge_index), ('query', query)):
        if value.dim() != 2 or value.size(0) != 2:
            raise ValueError(f"'{name}' must have shape [2, E] "
                             f"(got {list(value.shape)})")
    if edge_index.numel() == 0:
        return query.new_full((query.size(1), ), -1)
    if num_nodes is None:
        num_nodes = int(torch.cat([edge_index, query], dim=1).max()) + 1
    key = edge_index[0] * num_nodes + edge_index[1]
    order = key.argsort()
    sorted_key = key[order]
    if not torch.compiler.is_compiling() and \
            bool((sorted_key[1:] == sorted_key[:-1]).any()):
        raise ValueError("'edge_index' must not hold duplicate edges")
    query_key = query[0] * num_nodes + query[1]
    pos = torch.searchsorted(sorted_key, query_key).clamp(
        max=key.numel() - 1)
    return torch.where(sorted_key[pos] == query_key, order[pos], -1)


def reverse_edge_permutation(edge_index: Tensor,
                             num_nodes: Optional[int] = None) -> Tensor:
    r"""Returns :obj:`perm` of shape :obj:`[E]` such that edge
    :obj:`perm[e]` is the reverse of edge :obj:`e` (the edge
    :math:`i \to j` of the edge :math:`j \to i`), so that
    :obj:`0.5 * (v + v[perm])` symmetrises per-edge values :obj:`v`.

    Works for any edge order and for batches of graphs; every edge needs its
    reverse in :obj:`edge_index` (self-loops are their own reverse). The
    checks of duplicate and missing edges read the data, so they are left
    out while :func:`torch.compile` traces the function (the compiled graph
    then has no break, and a missing reverse gives :obj:`-1` instead of an
    error).

    Args:
        edge_index (torch.Tensor): Edges :obj:`[2, E]` without duplicates.
        num_nodes (int, optional): The number of nodes, by default
            :obj:`edge_index.max() + 1`. (default: :obj:`None`)

    Examples:
        >>> edge_index = torch.tensor([[1, 2, 0, 2, 0, 1],
        ...                            [0, 0, 1, 1, 2, 2]])
        >>> reverse_edge_permutation(edge_index)
        tensor([2, 4, 0, 5, 1, 3])
    """
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"'edge_index' must have shape [2, E] "
                         f"(got {list(edge_index.shape)})")
    perm = find_edges(edge_index, edge_index.flip(0), num_nodes)
    if torch.compiler.is_compiling():
        return perm
    missing = perm < 0
    if bool(missing.any()):
        e = int(missing.nonzero()[0])
        src, dst = edge_index[:, e].tolist()
        raise ValueError(
            f"edge {e} ({src} -> {dst}) has no reverse edge in "
            f"'edge_index'; symmetric edge values need every edge's "
            f"reverse")
    return perm
