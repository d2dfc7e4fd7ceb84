from typing import Optional

import torch
from torch import Tensor

from torch_geometric_fnri.nn._validation import (
    check_edge_index,
    check_node_features,
)
from torch_geometric_fnri.nn.conv import EdgeToNodeConv, NodeToEdgeConv
from torch_geometric_fnri.nn.models.nri_mlp import NRIMLP
from torch_geometric_fnri.nn.models.temporal_cnn import TemporalCNN

_MIN_TIMESTEPS = 18


class CNNEncoder(torch.nn.Module):
    r"""The CNN encoder of the `"Neural Relational Inference for Interacting
    Systems" <https://arxiv.org/abs/1802.04687>`_ paper (fNRI's
    :obj:`CNNEncoder_multi` with :obj:`split_point=0`). Every edge's pair of
    trajectories :math:`[\mathbf{x}_j \Vert \mathbf{x}_i]` (:math:`2D`
    channels over :math:`T` frames) goes through a :class:`TemporalCNN`,
    then :math:`\mathbf{e} = f_1(\cdot)`; with :obj:`factor=True`,
    :math:`\mathbf{n}_i = f_2(\frac{1}{N_{g(i)}} \sum_j \mathbf{e}_{j \to
    i})`, :math:`\mathbf{e}' = f_3([\mathbf{n}_j \Vert \mathbf{n}_i \Vert
    \mathbf{e}])` and logits :math:`\mathbf{W}\mathbf{e}' + \mathbf{b}`;
    with :obj:`factor=False` the logits are :math:`\mathbf{W}\mathbf{e} +
    \mathbf{b}` (and :math:`f_2, f_3` are not built, unlike the reference,
    which constructs them unused).

    Args:
        in_channels (int): Features per frame :math:`D`.
        hidden_channels (int): Hidden size :math:`H`.
        out_channels (int): Number of logits per edge.
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)
        factor (bool, optional): Use the factor-graph path.
            (default: :obj:`True`)

    Shapes:
        - **input:** node trajectories :math:`(|\mathcal{V}|, T, D)` with
          :math:`T \geq 18`, edge indices :math:`(2, |\mathcal{E}|)`,
          batch vector :math:`(|\mathcal{V}|)` *(optional)*
        - **output:** logits :math:`(|\mathcal{E}|, \text{out\_channels})`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, dropout: float = 0.,
                 factor: bool = True):
        super().__init__()
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.factor = factor
        hid = hidden_channels
        self.node_to_edge1 = NodeToEdgeConv(
            TemporalCNN(2 * in_channels, hid, hid, dropout))
        self.mlp1 = NRIMLP(hid, hid, hid, dropout)
        if factor:
            self.edge_to_node = EdgeToNodeConv(normalize=True)
            self.mlp2 = NRIMLP(hid, hid, hid, dropout)
            self.node_to_edge2 = NodeToEdgeConv()
            self.mlp3 = NRIMLP(3 * hid, hid, hid, dropout)
        self.lin_out = torch.nn.Linear(hid, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for module in self.children():
            if hasattr(module, 'reset_parameters') and \
                    module is not self.lin_out:
                module.reset_parameters()
        torch.nn.init.xavier_normal_(self.lin_out.weight)
        torch.nn.init.constant_(self.lin_out.bias, 0.1)

    def forward(self, x: Tensor, edge_index: Tensor,
                batch: Optional[Tensor] = None) -> Tensor:
        check_node_features(x, allowed_dims=(3, ))
        if x.size(-1) != self.in_channels or x.size(1) < _MIN_TIMESTEPS:
            raise ValueError(
                f"'x' must have shape [N, T, {self.in_channels}] with "
                f"T >= {_MIN_TIMESTEPS} (got {tuple(x.shape)})")
        num_nodes = x.size(0)
        check_edge_index(edge_index, num_nodes)
        e = self.mlp1(self.node_to_edge1(x, edge_index))  # [E, H]
        if self.factor:
            h = self.edge_to_node(e, edge_index, num_nodes, batch)
            h = self.mlp2(h)  # [N, H]
            e = torch.cat([self.node_to_edge2(h, edge_index), e], dim=-1)
            e = self.mlp3(e)  # [E, H]
        return self.lin_out(e)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, hidden_channels='
                f'{self.hidden_channels}, factor={self.factor})')
