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
from torch_geometric_fnri.nn.models.temporal_cnn import TemporalCNN
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule


class CNNEncoder(RebuildableModule):
    r"""The CNN encoder of the `"Neural Relational Inference for Interacting
    Systems" <https://arxiv.org/abs/1802.04687>`_ paper, also fNRI's
    :obj:`CNNEncoder_multi` with its :obj:`split_point`. Every edge's pair
    of trajectories :math:`[\mathbf{x}_j \Vert \mathbf{x}_i]` (:math:`2D`
    channels over :math:`T` frames) goes through a :class:`TemporalCNN`,
    then :math:`\mathbf{e} = f_1(\cdot)`; with :obj:`factor=True`,
    :math:`\mathbf{n}_i = f_2(\frac{1}{N_{g(i)}} \sum_j \mathbf{e}_{j \to
    i})`, :math:`\mathbf{e}' = f_3([\mathbf{n}_j \Vert \mathbf{n}_i \Vert
    \mathbf{e}])` and logits :math:`\mathbf{W}\mathbf{e}' + \mathbf{b}`;
    with :obj:`factor=False` the logits are :math:`\mathbf{W}\mathbf{e} +
    \mathbf{b}` (and :math:`f_2, f_3` are not built, unlike the reference,
    which constructs them unused).

    With per-layer :obj:`out_channels` :math:`[K_0, \ldots, K_{L-1}]` and
    the factor graph, :obj:`split_point` sets where the layer-graphs get
    heads of their own, as in :class:`MLPEncoder`: :obj:`0` (the paper's
    fNRI) shares everything; :obj:`1` gives every layer-graph its own
    :math:`f_3` and output layer (:math:`H \to K_l`); :obj:`2` its own
    :math:`f_2` as well. The logits are concatenated in layer order.

    Trajectories are :obj:`[N, T, D]` (a 2-D :obj:`x` is refused), not PyG's
    :obj:`[N, F]`; see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Features per frame :math:`D`.
        hidden_channels (int): Hidden size :math:`H`.
        out_channels (int or List[int]): Number of logits per edge, or the
            per-layer-graph numbers :math:`[K_l]`, which
            :obj:`split_point > 0` needs.
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)
        factor (bool, optional): Use the factor-graph path.
            (default: :obj:`True`)
        split_point (int, optional): :obj:`0`, :obj:`1` or :obj:`2`, see
            above; above :obj:`0` needs :obj:`factor=True`.
            (default: :obj:`0`)

    Shapes:
        - **input:** node trajectories :math:`(|\mathcal{V}|, T, D)` with
          :math:`T \geq 14`, edge indices :math:`(2, |\mathcal{E}|)`,
          batch vector :math:`(|\mathcal{V}|)` *(optional)*
        - **output:** logits :math:`(|\mathcal{E}|, \sum \text{out\_channels})`
    """
    min_timesteps: int = TemporalCNN.min_timesteps

    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: Union[int, List[int]], dropout: float = 0.,
                 factor: bool = True, split_point: int = 0):
        super().__init__()
        heads = head_sizes(out_channels, split_point)
        if split_point > 0 and not factor:
            raise ValueError(f"'split_point={split_point}' needs the factor "
                             f"graph ('factor=True')")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.factor = factor
        self.split_point = split_point
        hid = hidden_channels
        self.node_to_edge1 = NodeToEdgeConv(
            TemporalCNN(2 * in_channels, hid, hid, dropout))
        self.mlp1 = NRIMLP(hid, hid, hid, dropout)
        if factor:
            self.edge_to_node = EdgeToNodeConv(normalize=True)
            # Shared modules before the split point, one per layer-graph
            # after.
            self.mlp2 = shared_or_per_head(
                lambda: NRIMLP(hid, hid, hid, dropout), len(heads),
                split_point == 2)
            self.node_to_edge2 = NodeToEdgeConv()
            self.mlp3 = shared_or_per_head(
                lambda: NRIMLP(3 * hid, hid, hid, dropout), len(heads),
                split_point >= 1)
        self.lin_out = output_layer(hid, heads, split_point)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        modules = [self.node_to_edge1, self.mlp1]
        if self.factor:
            modules += [*copies(self.mlp2), *copies(self.mlp3)]
        for module in modules:
            module.reset_parameters()
        reset_output_layer(self.lin_out)

    def forward(self, x: Tensor, edge_index: Tensor,
                batch: Optional[Tensor] = None) -> Tensor:
        check_node_features(x, allowed_dims=(3, ))
        if x.size(-1) != self.in_channels or x.size(1) < self.min_timesteps:
            raise ValueError(
                f"'x' must have shape [N, T, {self.in_channels}] with "
                f"T >= {self.min_timesteps} (got {tuple(x.shape)})")
        num_nodes = x.size(0)
        check_edge_index(edge_index, num_nodes)
        e = self.mlp1(self.node_to_edge1(x, edge_index))  # [E, H]
        if not self.factor:
            return self.lin_out(e)
        h = self.edge_to_node(e, edge_index, num_nodes, batch)  # [N, H]
        return split_logits(
            h, e, self.mlp2, self.mlp3, self.lin_out, self.split_point,
            lambda n: self.node_to_edge2(n, edge_index))  # [E, sum(K)]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, hidden_channels='
                f'{self.hidden_channels}, factor={self.factor}, '
                f'split_point={self.split_point})')
