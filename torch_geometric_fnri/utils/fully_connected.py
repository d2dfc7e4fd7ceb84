r"""The fully connected graph and the package's edge-order convention.

Every graph in this package follows one convention, that of NRI after its
receiver/sender fix:

* ``edge_index[0]`` is the **source** (sender) :math:`j`, ``edge_index[1]``
  the **target** (receiver) :math:`i`; a message of edge :math:`j \to i`
  sees ``[x_j, x_i]`` and is aggregated at :math:`i`.
* Edges are sorted by target, then by source: for :math:`N = 3` the edges
  are ``1→0, 2→0, 0→1, 2→1, 0→2, 1→2``. The edge :math:`j \to i` has the
  position :math:`i (N - 1) + j - [j > i]`, which is the row-major order of
  the off-diagonal entries of an :math:`N \times N` matrix indexed
  ``[receiver, sender]``.
* The label of edge :math:`j \to i` is ``A[i, j]``: the interaction acting
  on :math:`i` due to :math:`j`.

With edges sorted by target, the :math:`N - 1` incoming edges of every node
are contiguous.
"""
from typing import Optional

import torch
from torch import Tensor

from .int_checks import is_int


def _check_num_nodes(num_nodes: int) -> None:
    if not is_int(num_nodes):
        raise TypeError(f"'num_nodes' must be an int (got {num_nodes!r})")
    if num_nodes < 2:
        raise ValueError(
            f"'num_nodes' must be at least 2 for a graph with edges "
            f"(got {num_nodes})")


def fully_connected_edge_index(
    num_nodes: int,
    device: Optional[torch.device] = None,
) -> Tensor:
    r"""Returns the directed fully connected graph without self-loops.

    Args:
        num_nodes (int): The number of nodes :math:`N \geq 2`.
        device (torch.device, optional): The device of the result.
            (default: :obj:`None`)

    Returns:
        :class:`torch.LongTensor` of shape :obj:`[2, N * (N - 1)]`, sorted by
        target then source (see the module docstring).
    """
    _check_num_nodes(num_nodes)
    node = torch.arange(num_nodes, device=device)
    target = node.repeat_interleave(num_nodes - 1)
    offset = torch.arange(num_nodes - 1, device=device).repeat(num_nodes)
    source = offset + (offset >= target).long()
    return torch.stack([source, target], dim=0)


def dense_to_edge_values(adj: Tensor) -> Tensor:
    r"""Reads the off-diagonal entries of dense matrices in edge order.

    Args:
        adj (torch.Tensor): Matrices of shape :obj:`[..., N, N]` indexed
            ``[receiver, sender]``.

    Returns:
        :class:`torch.Tensor` of shape :obj:`[..., N * (N - 1)]` whose entry
        for edge :math:`j \to i` is ``adj[..., i, j]``.
    """
    if adj.dim() < 2 or adj.size(-1) != adj.size(-2):
        raise ValueError(f"'adj' must have shape [..., N, N] "
                         f"(got {tuple(adj.shape)})")
    num_nodes = adj.size(-1)
    source, target = fully_connected_edge_index(num_nodes, adj.device)
    return adj[..., target, source]


def edge_values_to_dense(values: Tensor, num_nodes: int) -> Tensor:
    r"""Inverse of :func:`dense_to_edge_values`; the diagonal is zero.

    Args:
        values (torch.Tensor): Edge values of shape
            :obj:`[..., N * (N - 1)]` in edge order.
        num_nodes (int): The number of nodes :math:`N`.

    Returns:
        :class:`torch.Tensor` of shape :obj:`[..., N, N]`.
    """
    _check_num_nodes(num_nodes)
    num_edges = num_nodes * (num_nodes - 1)
    if values.dim() < 1 or values.size(-1) != num_edges:
        raise ValueError(
            f"'values' must have shape [..., {num_edges}] for "
            f"num_nodes={num_nodes} (got {tuple(values.shape)})")
    source, target = fully_connected_edge_index(num_nodes, values.device)
    out = values.new_zeros(values.shape[:-1] + (num_nodes, num_nodes))
    out[..., target, source] = values
    return out
