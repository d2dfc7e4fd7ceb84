from typing import Callable, Optional

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing
from torch_geometric.nn.inits import reset

from torch_geometric_fnri.nn._validation import (
    check_edge_index,
    check_node_features,
)


class NodeToEdgeConv(MessagePassing):
    r"""The node-to-edge operation :math:`v \to e` of the
    `"Neural Relational Inference for Interacting Systems"
    <https://arxiv.org/abs/1802.04687>`_ paper, which builds an edge
    embedding from the embeddings of the two endpoints of every edge:

    .. math::
        \mathbf{e}_{j \to i} = h_{\mathbf{\Theta}}\left(
        \mathbf{x}_j \, \Vert \, \mathbf{x}_i \right)

    where :math:`j` is the source (``edge_index[0]``) and :math:`i` the
    target (``edge_index[1]``), and :math:`h_{\mathbf{\Theta}}` is an
    optional neural network (identity if not given). Leading node
    dimensions after the first (*e.g.*, time) are kept, so
    :obj:`x` of shape :obj:`[N, T, F]` gives edge features
    :obj:`[E, T, 2F]` before :math:`h_{\mathbf{\Theta}}`.

    Args:
        nn (torch.nn.Module, optional): A neural network
            :math:`h_{\mathbf{\Theta}}` applied to the concatenated endpoint
            features of shape :obj:`[E, *, 2F]`. (default: :obj:`None`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(|\mathcal{V}|, F)` or
          :math:`(|\mathcal{V}|, T, F)`,
          edge indices :math:`(2, |\mathcal{E}|)`
        - **output:** edge features :math:`(|\mathcal{E}|, F')` or
          :math:`(|\mathcal{E}|, T, F')` (:math:`F' = 2F` without
          :obj:`nn`)
    """
    def __init__(self, nn: Optional[Callable] = None, **kwargs):
        kwargs.setdefault('aggr', None)
        kwargs.setdefault('node_dim', 0)
        super().__init__(**kwargs)
        self.nn = nn
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        super().reset_parameters()
        if self.nn is not None:
            reset(self.nn)

    def forward(self, x: Tensor, edge_index: Tensor) -> Tensor:
        check_node_features(x)
        check_edge_index(edge_index, x.size(0))
        # edge_updater_type: (x: Tensor)
        return self.edge_updater(edge_index, x=x)

    def edge_update(self, x_j: Tensor, x_i: Tensor) -> Tensor:
        out = torch.cat([x_j, x_i], dim=-1)
        return out if self.nn is None else self.nn(out)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(nn={self.nn})'
