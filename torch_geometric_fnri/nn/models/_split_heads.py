"""The per-layer-graph heads of the NRI-family encoders (private).

Both encoders end the same way: edge features :math:`\\mathbf{e}` (the
*skip*) are averaged into their receivers, a node MLP transforms them, they
go back to the edges next to the skip, and an edge MLP and a linear layer
give the logits. fNRI's :obj:`split_point` says where the layer-graphs get
modules of their own: :obj:`0` none, :obj:`1` the edge MLP and the output
layer, :obj:`2` the node MLP as well.
"""
from typing import Callable, List, Optional, Union

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts

Module = torch.nn.Module


def head_sizes(out_channels: Union[int, List[int]],
               split_point: int) -> List[int]:
    r"""Checks :obj:`out_channels` and :obj:`split_point` and returns the
    logits per head: :obj:`[out_channels]` for an int, else the list."""
    if split_point not in (0, 1, 2):
        raise ValueError(f"'split_point' must be 0, 1 or 2 "
                         f"(got {split_point!r})")
    heads = as_edge_type_counts(out_channels, 'out_channels')
    if split_point > 0 and isinstance(out_channels, int):
        raise ValueError(f"'split_point={split_point}' needs the "
                         f"per-layer-graph 'out_channels' as a list")
    return heads


def shared_or_per_head(make: Callable[[], Module], num_heads: int,
                       per_head: bool) -> Module:
    r"""One module from :obj:`make`, or a :class:`~torch.nn.ModuleList` of
    :obj:`num_heads` of them."""
    if per_head:
        return torch.nn.ModuleList([make() for _ in range(num_heads)])
    return make()


def output_layer(hidden_channels: int, heads: List[int],
                 split_point: int) -> Module:
    r"""A :class:`~torch.nn.Linear` to :math:`\sum_l K_l` logits, or one to
    :math:`K_l` per head when :obj:`split_point > 0`."""
    if split_point == 0:
        return torch.nn.Linear(hidden_channels, sum(heads))
    return torch.nn.ModuleList(
        [torch.nn.Linear(hidden_channels, k) for k in heads])


def reset_output_layer(lin_out: Module) -> None:
    r"""The reference initialisation: xavier-normal weights, bias 0.1."""
    for lin in copies(lin_out):
        torch.nn.init.xavier_normal_(lin.weight)
        torch.nn.init.constant_(lin.bias, 0.1)


def copies(module: Module) -> List[Module]:
    r"""The per-head copies of a module, or the shared one in a list."""
    if isinstance(module, torch.nn.ModuleList):
        return list(module)
    return [module]


def split_logits(aggregated: Tensor, skip: Tensor, node_mlp: Module,
                 edge_mlp: Module, lin_out: Module, split_point: int,
                 to_edges: Optional[Callable[[Tensor], Tensor]]) -> Tensor:
    r"""Runs the heads and concatenates their logits in head order: per
    head, :obj:`lin_out(edge_mlp([to_edges(node_mlp(aggregated)) || skip]))`.

    Args:
        aggregated (torch.Tensor): What the node MLP reads, :math:`(N, H)`
            (or :math:`(E, H)` without the factor graph).
        skip (torch.Tensor): The edge features :math:`(E, H)`.
        node_mlp, edge_mlp, lin_out (torch.nn.Module): Shared modules or
            per-head :class:`~torch.nn.ModuleList` as :obj:`split_point`
            says.
        split_point (int): :obj:`0`, :obj:`1` or :obj:`2`.
        to_edges (callable, optional): Node features :math:`(N, H)` to
            their edges' :math:`(E, 2H)` (:obj:`None` without the factor
            graph).

    Returns:
        torch.Tensor: Logits :math:`(E, \sum_l K_l)`.
    """
    def edge_features(node: Module) -> Tensor:
        h = node(aggregated)
        if to_edges is not None:
            h = to_edges(h)
        return torch.cat([h, skip], dim=-1)

    if split_point == 2:
        return torch.cat([
            lin(mlp(edge_features(node)))
            for node, mlp, lin in zip(node_mlp, edge_mlp, lin_out)
        ], dim=-1)
    e = edge_features(node_mlp)
    if split_point == 1:
        return torch.cat([lin(mlp(e)) for mlp, lin in zip(edge_mlp, lin_out)],
                         dim=-1)
    return lin_out(edge_mlp(e))
