r"""The reverse of every edge of a graph."""
from typing import Optional

import torch
from torch import Tensor


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
    then has no break, and a missing reverse gives a wrong permutation
    instead of an error).

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
    if edge_index.numel() == 0:
        return edge_index.new_zeros(0)
    if num_nodes is None:
        num_nodes = int(edge_index.max()) + 1
    src, dst = edge_index
    key = src * num_nodes + dst
    order = key.argsort()
    sorted_key = key[order]
    reverse_key = dst * num_nodes + src
    pos = torch.searchsorted(sorted_key, reverse_key).clamp(
        max=key.numel() - 1)
    if torch.compiler.is_compiling():
        return order[pos]
    if bool((sorted_key[1:] == sorted_key[:-1]).any()):
        raise ValueError("'edge_index' must not hold duplicate edges")
    missing = sorted_key[pos] != reverse_key
    if bool(missing.any()):
        e = int(missing.nonzero()[0])
        raise ValueError(
            f"edge {e} ({int(src[e])} -> {int(dst[e])}) has no reverse "
            f"edge in 'edge_index'; symmetric edge values need every "
            f"edge's reverse")
    return order[pos]
