from typing import Optional

import torch
from torch import Tensor

from torch_geometric_fnri.nn._validation import (
    check_edge_index,
    check_node_features,
)
from torch_geometric_fnri.nn.conv import EdgeToNodeConv, NodeToEdgeConv
from torch_geometric_fnri.nn.models.nri_mlp import NRIMLP


class MLPEncoder(torch.nn.Module):
    r"""The MLP encoder of the `"Neural Relational Inference for Interacting
    Systems" <https://arxiv.org/abs/1802.04687>`_ paper (also the fNRI and
    sfNRI encoder with a single output head, *i.e.* fNRI's
    :obj:`split_point=0`). With :obj:`factor=True`:

    .. math::
        \mathbf{h}_i &= f_1(\mathbf{x}_i), \quad
        \mathbf{e}_{j \to i} = f_2([\mathbf{h}_j \Vert \mathbf{h}_i]) \\
        \mathbf{n}_i &= f_3\Big(\frac{1}{N_{g(i)}}\sum_j
        \mathbf{e}_{j \to i}\Big), \quad
        \mathbf{e}'_{j \to i} = f_4([\mathbf{n}_j \Vert \mathbf{n}_i \Vert
        \mathbf{e}_{j \to i}])

    and the logits are :math:`\mathbf{W} \mathbf{e}'_{j \to i} + \mathbf{b}`
    (no activation). :math:`f_1, \ldots, f_4` are :class:`NRIMLP` blocks and
    :math:`N_{g(i)}` is the size of node :math:`i`'s graph (see
    :class:`~torch_geometric_fnri.nn.conv.EdgeToNodeConv`). With
    :obj:`factor=False`,
    :math:`\mathbf{e}' = f_4([f_3(\mathbf{e}) \Vert \mathbf{e}])`.

    Args:
        in_channels (int): Size of each flattened node trajectory
            :math:`T \cdot D` (time-major: all features of frame 0 first).
        hidden_channels (int): Hidden size :math:`H`.
        out_channels (int): Number of logits per edge, :math:`\sum_l K_l`
            (or the number of factors for sfNRI).
        dropout (float, optional): Dropout of the MLP blocks.
            (default: :obj:`0.`)
        factor (bool, optional): Use the factor-graph (edge-node-edge) path.
            (default: :obj:`True`)

    Shapes:
        - **input:** node trajectories :math:`(|\mathcal{V}|, T, D)` or
          :math:`(|\mathcal{V}|, T \cdot D)`, edge indices
          :math:`(2, |\mathcal{E}|)`, batch vector :math:`(|\mathcal{V}|)`
          *(optional)*
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
        self.mlp1 = NRIMLP(in_channels, hid, hid, dropout)
        self.node_to_edge1 = NodeToEdgeConv(NRIMLP(2 * hid, hid, hid,
                                                   dropout))
        self.mlp3 = NRIMLP(hid, hid, hid, dropout)
        self.mlp4 = NRIMLP(3 * hid if factor else 2 * hid, hid, hid,
                           dropout)
        self.node_to_edge2 = NodeToEdgeConv()
        self.edge_to_node = EdgeToNodeConv(normalize=True)
        self.lin_out = torch.nn.Linear(hid, out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for module in (self.mlp1, self.node_to_edge1, self.mlp3, self.mlp4):
            module.reset_parameters()
        torch.nn.init.xavier_normal_(self.lin_out.weight)
        torch.nn.init.constant_(self.lin_out.bias, 0.1)

    def forward(self, x: Tensor, edge_index: Tensor,
                batch: Optional[Tensor] = None) -> Tensor:
        check_node_features(x)
        x = x.reshape(x.size(0), -1)
        if x.size(1) != self.in_channels:
            raise ValueError(
                f"'x' must have T * D = {self.in_channels} features per "
                f"node (got {x.size(1)})")
        num_nodes = x.size(0)
        check_edge_index(edge_index, num_nodes)
        h = self.mlp1(x)  # [N, H]
        skip = self.node_to_edge1(h, edge_index)  # [E, H]
        if self.factor:
            h = self.edge_to_node(skip, edge_index, num_nodes, batch)
            h = self.mlp3(h)  # [N, H]
            e = self.node_to_edge2(h, edge_index)  # [E, 2H]
        else:
            e = self.mlp3(skip)  # [E, H]
        e = self.mlp4(torch.cat([e, skip], dim=-1))  # [E, H]
        return self.lin_out(e)  # [E, out_channels]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, hidden_channels='
                f'{self.hidden_channels}, factor={self.factor})')
