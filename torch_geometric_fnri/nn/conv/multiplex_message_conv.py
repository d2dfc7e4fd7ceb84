import math
from typing import List, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.nn import MessagePassing

from torch_geometric_fnri.nn._validation import (
    as_edge_type_list,
    check_edge_index,
    check_edge_values,
    check_node_features,
)

_ACTIVATIONS = {'relu': torch.relu, 'tanh': torch.tanh}


class MultiplexMessageConv(MessagePassing):
    r"""The multiplex message-passing layer of the NRI/fNRI decoders from the
    `"Factorised Neural Relational Inference for Multi-Interaction Systems"
    <https://arxiv.org/abs/1905.08721>`_ paper. Every edge type :math:`k`
    of every layer-graph owns a two-layer message MLP :math:`f_k`; the
    message of edge :math:`j \to i` is the sum of the active types'
    messages weighted by the edge's (sampled) value :math:`z_{ji,k}`, and
    messages are summed at the target:

    .. math::
        \mathbf{m}_i = \sum_{j \in \mathcal{N}(i)} \sum_{k \in \mathcal{A}}
        z_{ji,k} \, \sigma\left(\mathbf{W}^{(2)}_k \,
        \mathrm{Dropout}\left(\sigma\left(\mathbf{W}^{(1)}_k
        [\mathbf{x}_j \, \Vert \, \mathbf{x}_i] + \mathbf{b}^{(1)}_k\right)
        \right) + \mathbf{b}^{(2)}_k\right)

    With :obj:`skip_first=True` the first type of every layer-graph is the
    hard-coded non-edge: it is left out of :math:`\mathcal{A}` (no message
    is computed) but its parameters exist, as in the reference
    implementations. All active types are evaluated together with batched
    matrix products. If :obj:`in_channels` is large (as in the RNN decoder),
    the first linear map is applied per node as
    :math:`\mathbf{W}_{k,a} \mathbf{x}_j + \mathbf{W}_{k,b} \mathbf{x}_i`
    before gathering, which costs :math:`O(|\mathcal{V}|)` instead of
    :math:`O(|\mathcal{E}|)` matrix products.

    Args:
        in_channels (int): Size of each node feature :math:`F`.
        hidden_channels (int): Hidden size of the message MLPs.
        out_channels (int): Size of each message.
        num_edge_types (int or List[int]): The number of edge types
            :math:`K` (one layer-graph, NRI) or the list
            :math:`[K_1, \ldots, K_L]` of types per layer-graph (fNRI).
            The layer has :math:`\sum_l K_l` message MLPs.
        skip_first (bool, optional): If set to :obj:`True`, the first type
            of every layer-graph sends no message. (default: :obj:`False`)
        dropout (float, optional): Dropout probability between the two
            linear maps. (default: :obj:`0.`)
        act (str, optional): The activation, :obj:`'relu'` (MLP decoder)
            or :obj:`'tanh'` (RNN decoder). (default: :obj:`'relu'`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(|\mathcal{V}|, F)` or
          :math:`(|\mathcal{V}|, T, F)`,
          edge indices :math:`(2, |\mathcal{E}|)`,
          edge weights :math:`(|\mathcal{E}|, \sum_l K_l)` (shared by all
          :math:`T`)
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})` or
          :math:`(|\mathcal{V}|, T, F_{out})`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, num_edge_types: Union[int, List[int]],
                 skip_first: bool = False, dropout: float = 0.,
                 act: str = 'relu', **kwargs):
        kwargs.setdefault('aggr', 'sum')
        kwargs.setdefault('node_dim', 0)
        super().__init__(**kwargs)
        if act not in _ACTIVATIONS:
            raise ValueError(f"'act' must be one of {list(_ACTIVATIONS)} "
                             f"(got {act!r})")
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.num_edge_types = as_edge_type_list(num_edge_types)
        self.skip_first = skip_first
        self.dropout = dropout
        self.act = act
        self.node_projection = in_channels >= 16

        total = sum(self.num_edge_types)
        first = set()
        offset = 0
        for k in self.num_edge_types:
            first.add(offset)
            offset += k
        active = [k for k in range(total)
                  if not (skip_first and k in first)]
        self.num_active = len(active)
        self.all_active = self.num_active == total
        self.register_buffer('active', torch.tensor(active, dtype=torch.long),
                             persistent=False)

        self.weight1 = Parameter(torch.empty(total, 2 * in_channels,
                                             hidden_channels))
        self.bias1 = Parameter(torch.empty(total, hidden_channels))
        self.weight2 = Parameter(torch.empty(total, hidden_channels,
                                             out_channels))
        self.bias2 = Parameter(torch.empty(total, out_channels))
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module (the default
        initialisation of :class:`torch.nn.Linear`, per edge type)."""
        super().reset_parameters()
        for weight, bias in ((self.weight1, self.bias1),
                             (self.weight2, self.bias2)):
            bound = 1.0 / math.sqrt(weight.size(1))
            # Same distribution as torch.nn.Linear's default init.
            torch.nn.init.uniform_(weight, -bound, bound)
            torch.nn.init.uniform_(bias, -bound, bound)

    def forward(self, x: Tensor, edge_index: Tensor,
                edge_weight: Tensor) -> Tensor:
        check_node_features(x)
        if x.size(-1) != self.in_channels:
            raise ValueError(f"'x' must have {self.in_channels} features in "
                             f"its last dimension (got {tuple(x.shape)})")
        check_edge_index(edge_index, x.size(0))
        check_edge_values(edge_weight, edge_index.size(1),
                          sum(self.num_edge_types), 'edge_weight')
        return self.propagate_unchecked(x, edge_index, edge_weight)

    def propagate_unchecked(self, x: Tensor, edge_index: Tensor,
                            edge_weight: Tensor) -> Tensor:
        r"""Same as :meth:`forward` without input checks (no host-device
        synchronisation); for use inside decoder rollouts."""
        weight1, bias1 = self.weight1, self.bias1
        if not self.all_active:
            weight1 = weight1.index_select(0, self.active)
            bias1 = bias1.index_select(0, self.active)
            edge_weight = edge_weight.index_select(1, self.active)
        channels = self.in_channels
        if self.node_projection:
            # [K, 2F, H] -> [2F, K * H]: the first linear map of all types
            # side by side, applied per node before gathering.
            merged = weight1.transpose(0, 1).reshape(2 * channels, -1)
            src = x @ merged[:channels]
            dst = torch.addmm(bias1.reshape(-1), x.reshape(-1, channels),
                              merged[channels:]).view(src.shape)
            pair = (src, dst)
        else:
            pair = (x, x)
        # propagate_type: (x: PairTensor, edge_weight: Tensor,
        #                  weight1: Tensor, bias1: Tensor)
        return self.propagate(edge_index, x=pair, edge_weight=edge_weight,
                              size=(x.size(0), x.size(0)),
                              weight1=weight1, bias1=bias1)

    def message(self, x_j: Tensor, x_i: Tensor, edge_weight: Tensor,
                weight1: Tensor, bias1: Tensor) -> Tensor:
        num_edges = x_j.size(0)
        if self.node_projection:
            # [E * T, K * H] -> [K, E * T, H]
            h = (x_j + x_i).reshape(-1, self.num_active, self.hidden_channels)
            h = h.transpose(0, 1)
        else:
            # One batched product per type, laid out type-major so that the
            # second product reads contiguous memory: [K, E * T, H].
            pre = torch.cat([x_j, x_i], dim=-1)
            pre = pre.reshape(1, -1, pre.size(-1)).expand(self.num_active,
                                                          -1, -1)
            h = torch.baddbmm(bias1.unsqueeze(1), pre, weight1)
        act = _ACTIVATIONS[self.act]
        h = act(h)
        h = F.dropout(h, p=self.dropout, training=self.training)
        weight2, bias2 = self.weight2, self.bias2
        if not self.all_active:
            weight2 = weight2.index_select(0, self.active)
            bias2 = bias2.index_select(0, self.active)
        h = torch.baddbmm(bias2.unsqueeze(1), h, weight2)
        h = act(h)
        # Weight every type by its edge value, shared over time.
        steps = h.size(1) // num_edges
        z = edge_weight.t().unsqueeze(-1).expand(-1, -1, steps)
        out = (h * z.reshape(self.num_active, -1, 1)).sum(0)
        return out.view(x_j.shape[:-1] + (self.out_channels, ))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, num_edge_types={self.num_edge_types}, '
                f'skip_first={self.skip_first})')
