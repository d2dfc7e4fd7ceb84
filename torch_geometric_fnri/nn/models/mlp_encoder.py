from typing import List, Optional, Union

from torch import Tensor

from torch_geometric_fnri.nn._validation import (
    check_edge_index,
    check_node_features,
)
from torch_geometric_fnri.nn.conv import EdgeToNodeConv, NodeToEdgeConv
from torch_geometric_fnri.nn.models._split_heads import (
    copies,
    head_sizes,
    output_layer,
    reset_output_layer,
    shared_or_per_head,
    split_logits,
)
from torch_geometric_fnri.nn.models.nri_mlp import NRIMLP
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule


class MLPEncoder(RebuildableModule):
    r"""The MLP encoder of the `"Neural Relational Inference for Interacting
    Systems" <https://arxiv.org/abs/1802.04687>`_ paper, also the fNRI and
    sfNRI encoder (fNRI's :obj:`MLPEncoder_multi` and
    :obj:`MLPEncoder_sigmoid`, with their :obj:`split_point`). With
    :obj:`factor=True`:

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

    With per-layer :obj:`out_channels` :math:`[K_0, \ldots, K_{L-1}]`,
    :obj:`split_point` sets where the layer-graphs get heads of their own:
    :obj:`0` (the paper's fNRI) shares everything and has one output layer
    of :math:`\sum_l K_l` logits; :obj:`1` gives every layer-graph its own
    :math:`f_4` and output layer (:math:`H \to K_l`); :obj:`2` its own
    :math:`f_3` as well. The logits of the layer-graphs are concatenated in
    layer order in every case.

    Trajectories are :obj:`[N, T, D]` (or flattened :obj:`[N, T * D]`), not
    PyG's :obj:`[N, F]` per frame; see the tensor layout in
    :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Size of each flattened node trajectory
            :math:`T \cdot D` (time-major: all features of frame 0 first).
        hidden_channels (int): Hidden size :math:`H`.
        out_channels (int or List[int]): Number of logits per edge,
            :math:`\sum_l K_l` (or the number of factors for sfNRI), or the
            per-layer-graph numbers :math:`[K_l]` (sfNRI: one per factor),
            which :obj:`split_point > 0` needs.
        dropout (float, optional): Dropout of the MLP blocks.
            (default: :obj:`0.`)
        factor (bool, optional): Use the factor-graph (edge-node-edge) path.
            (default: :obj:`True`)
        split_point (int, optional): :obj:`0`, :obj:`1` or :obj:`2`, see
            above. (default: :obj:`0`)

    Shapes:
        - **input:** node trajectories :math:`(|\mathcal{V}|, T, D)` or
          :math:`(|\mathcal{V}|, T \cdot D)`, edge indices
          :math:`(2, |\mathcal{E}|)`, batch vector :math:`(|\mathcal{V}|)`
          *(optional)*
        - **output:** logits :math:`(|\mathcal{E}|, \sum \text{out\_channels})`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: Union[int, List[int]], dropout: float = 0.,
                 factor: bool = True, split_point: int = 0):
        super().__init__()
        heads = head_sizes(out_channels, split_point)
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.factor = factor
        self.split_point = split_point
        hid = hidden_channels
        self.mlp1 = NRIMLP(in_channels, hid, hid, dropout)
        self.node_to_edge1 = NodeToEdgeConv(NRIMLP(2 * hid, hid, hid,
                                                   dropout))
        # Shared modules before the split point, one per layer-graph after.
        self.mlp3 = shared_or_per_head(
            lambda: NRIMLP(hid, hid, hid, dropout), len(heads),
            split_point == 2)
        self.mlp4 = shared_or_per_head(
            lambda: NRIMLP(3 * hid if factor else 2 * hid, hid, hid, dropout),
            len(heads), split_point >= 1)
        self.lin_out = output_layer(hid, heads, split_point)
        self.node_to_edge2 = NodeToEdgeConv()
        self.edge_to_node = EdgeToNodeConv(normalize=True)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for module in (self.mlp1, self.node_to_edge1, *copies(self.mlp3),
                       *copies(self.mlp4)):
            module.reset_parameters()
        reset_output_layer(self.lin_out)

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
        aggregated = (self.edge_to_node(skip, edge_index, num_nodes, batch)
                      if self.factor else skip)  # [N, H] or [E, H]
        to_edges = ((lambda n: self.node_to_edge2(n, edge_index))
                    if self.factor else None)
        return split_logits(aggregated, skip, self.mlp3, self.mlp4,
                            self.lin_out, self.split_point,
                            to_edges)  # [E, sum(out_channels)]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, hidden_channels='
                f'{self.hidden_channels}, factor={self.factor}, '
                f'split_point={self.split_point})')
