import math
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn import Parameter
from torch_geometric.nn import MessagePassing

from torch_geometric_fnri.nn._validation import (
    check_edge_index,
    check_edge_values,
    check_node_features,
)
from torch_geometric_fnri.utils.edge_type_counts import (
    active_edge_types,
    as_edge_type_counts,
)

#: From this many input channels on, :class:`MultiplexMessageConv` applies
#: the first linear map of its message MLPs per node, before gathering:
#: :math:`O(|\mathcal{V}|)` matrix products, but every edge then gathers
#: two hidden vectors per active edge type. Below it, every edge gathers
#: the two raw feature vectors and the map is applied per edge, which is the
#: cheaper side for narrow inputs such as the MLP decoder's position and
#: velocity (the RNN decoder's hidden state is wide).
NODE_PROJECTION_MIN_CHANNELS = 16

# On CPU, the (edge, time) rows run through the message MLPs in equal blocks
# of at most this many hidden values (active types x hidden channels per
# row), so that a block's activations stay in the cache; accelerators run
# all rows at once. The README's performance section has the measurements.
_CPU_BLOCK_SIZE = 2**21

# Each activation and its in-place form; the in-place one is applied to
# fresh matrix-product outputs that autograd does not save, which avoids an
# allocation and a pass over the largest tensors of the decoder.
_ACTIVATIONS = {
    'relu': (torch.relu, torch.relu_),
    'tanh': (torch.tanh, torch.tanh_),
}


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
        [\mathbf{x}_j \, \Vert \, \mathbf{x}_i \, \Vert \,
        \mathbf{e}_{ji}] + \mathbf{b}^{(1)}_k\right)
        \right) + \mathbf{b}^{(2)}_k\right)

    where :math:`\mathbf{e}_{ji}` are optional edge features (for example
    relative positions, see :class:`MLPDecoder`'s
    :obj:`relative_messages`; none by default).

    With :obj:`skip_first=True` the first type of every layer-graph is the
    hard-coded non-edge: it is left out of :math:`\mathcal{A}` (no message
    is computed) but its parameters exist, as in the reference
    implementations. All active types are evaluated together with batched
    matrix products. From :data:`NODE_PROJECTION_MIN_CHANNELS` input
    channels on (as in the RNN decoder), the first linear map is applied per
    node as
    :math:`\mathbf{W}_{k,a} \mathbf{x}_j + \mathbf{W}_{k,b} \mathbf{x}_i`
    before gathering, which costs :math:`O(|\mathcal{V}|)` instead of
    :math:`O(|\mathcal{E}|)` matrix products.

    Node features are :obj:`[N, F]` or :obj:`[N, T, F]` (all frames at
    once) and edge weights :obj:`[E, sum(K)]` (one column per edge type, not
    PyG's :obj:`[E]`); see the tensor layout in
    :mod:`torch_geometric_fnri.nn`.

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
        edge_channels (int, optional): Size :math:`C` of the edge features
            :math:`\mathbf{e}_{ji}` given to :meth:`forward` as
            :obj:`edge_attr` (:obj:`0`: none). (default: :obj:`0`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          node features :math:`(|\mathcal{V}|, F)` or
          :math:`(|\mathcal{V}|, T, F)`,
          edge indices :math:`(2, |\mathcal{E}|)`,
          edge weights :math:`(|\mathcal{E}|, \sum_l K_l)` (shared by all
          :math:`T`), edge features :math:`(|\mathcal{E}|, C)` or
          :math:`(|\mathcal{E}|, T, C)` when :obj:`edge_channels > 0`
        - **output:** node features :math:`(|\mathcal{V}|, F_{out})` or
          :math:`(|\mathcal{V}|, T, F_{out})`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, num_edge_types: Union[int, List[int]],
                 skip_first: bool = False, dropout: float = 0.,
                 act: str = 'relu', edge_channels: int = 0, **kwargs):
        kwargs.setdefault('aggr', 'sum')
        kwargs.setdefault('node_dim', 0)
        super().__init__(**kwargs)
        if act not in _ACTIVATIONS:
            raise ValueError(f"'act' must be one of {list(_ACTIVATIONS)} "
                             f"(got {act!r})")
        if not isinstance(edge_channels, int) or edge_channels < 0:
            raise ValueError(f"'edge_channels' must be an int >= 0 "
                             f"(got {edge_channels!r})")
        self.in_channels = in_channels
        self.edge_channels = edge_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.num_edge_types = as_edge_type_counts(num_edge_types)
        self.skip_first = skip_first
        self.dropout = dropout
        self.act = act
        self.node_projection = in_channels >= NODE_PROJECTION_MIN_CHANNELS
        # Hidden values per CPU block; None runs all rows at once.
        self._cpu_block_size: Optional[int] = _CPU_BLOCK_SIZE

        total = sum(self.num_edge_types)
        active = active_edge_types(self.num_edge_types, skip_first)
        self.num_active = len(active)
        self.all_active = self.num_active == total
        self.register_buffer('active', torch.tensor(active, dtype=torch.long),
                             persistent=False)

        self.weight1 = Parameter(torch.empty(
            total, 2 * in_channels + edge_channels, hidden_channels))
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

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
                edge_attr: Optional[Tensor] = None) -> Tensor:
        check_node_features(x)
        if x.size(-1) != self.in_channels:
            raise ValueError(f"'x' must have {self.in_channels} features in "
                             f"its last dimension (got {tuple(x.shape)})")
        check_edge_index(edge_index, x.size(0))
        check_edge_values(edge_weight, edge_index.size(1),
                          sum(self.num_edge_types), 'edge_weight')
        expected = ((edge_index.size(1), ) + tuple(x.shape[1:-1]) +
                    (self.edge_channels, ))
        if self.edge_channels == 0 and edge_attr is not None:
            raise ValueError("'edge_attr' was given but the layer was built "
                             "with edge_channels=0")
        if self.edge_channels > 0 and (edge_attr is None
                                       or edge_attr.shape != expected):
            shape = None if edge_attr is None else tuple(edge_attr.shape)
            raise ValueError(f"'edge_attr' must have shape {list(expected)} "
                             f"(got {shape})")
        return self._forward_unchecked(x, edge_index, edge_weight, edge_attr)

    def _forward_unchecked(self, x: Tensor, edge_index: Tensor,
                           edge_weight: Tensor,
                           edge_attr: Optional[Tensor] = None) -> Tensor:
        # forward without the input checks (and their host-device
        # synchronisation): the decoders check their inputs once and call
        # this in every rollout step.
        weight1, bias1 = self.weight1, self.bias1
        weight2, bias2 = self.weight2, self.bias2
        if not self.all_active:  # The active types' parameters and values.
            weight1, bias1, weight2, bias2 = (
                p.index_select(0, self.active)
                for p in (weight1, bias1, weight2, bias2))
            edge_weight = edge_weight.index_select(1, self.active)
        channels = self.in_channels
        if self.node_projection:
            # [K, 2F + C, H] -> [2F + C, K * H]: the first linear map of all
            # types side by side, applied per node before gathering (and
            # to the edge features per edge).
            merged = weight1.transpose(0, 1).reshape(weight1.size(1), -1)
            src = x @ merged[:channels]
            dst = torch.addmm(bias1.reshape(-1), x.reshape(-1, channels),
                              merged[channels:2 * channels]).view(src.shape)
            pair = (src, dst)
            if edge_attr is not None:
                edge_attr = edge_attr @ merged[2 * channels:]
        else:
            pair = (x, x)
        # propagate_type: (x: PairTensor, edge_weight: Tensor,
        #                  edge_attr: Optional[Tensor],
        #                  weight1: Tensor, bias1: Tensor,
        #                  weight2: Tensor, bias2: Tensor)
        return self.propagate(edge_index, x=pair, edge_weight=edge_weight,
                              edge_attr=edge_attr,
                              size=(x.size(0), x.size(0)),
                              weight1=weight1, bias1=bias1,
                              weight2=weight2, bias2=bias2)

    def message(self, x_j: Tensor, x_i: Tensor, edge_weight: Tensor,
                edge_attr: Optional[Tensor], weight1: Tensor, bias1: Tensor,
                weight2: Tensor, bias2: Tensor) -> Tensor:
        num_types = self.num_active
        # Rows are (edge, time) pairs; every row of an edge shares its value.
        steps = x_j[0].numel() // x_j.size(-1)
        z = edge_weight.t().unsqueeze(-1).expand(-1, -1, steps)
        z = z.reshape(num_types, -1, 1)  # [K, E * T, 1]
        if self.node_projection:
            first = x_j + x_i
            if edge_attr is not None:
                first = first + edge_attr
            first = first.reshape(-1, num_types, self.hidden_channels)
        else:
            parts = [x_j, x_i] + ([] if edge_attr is None else [edge_attr])
            first = torch.cat(parts, dim=-1).reshape(-1, weight1.size(1))
        size = self._block_rows(first)
        outs = [
            self._type_mlps(block, z_block, weight1, bias1, weight2, bias2)
            for block, z_block in zip(first.split(size), z.split(size, 1))
        ]
        out = outs[0] if len(outs) == 1 else torch.cat(outs)
        return out.view(x_j.shape[:-1] + (self.out_channels, ))

    def _block_rows(self, first: Tensor) -> int:
        r"""Rows per block: all of them on accelerators, else equal blocks
        of at most :obj:`_cpu_block_size` hidden values each."""
        rows = first.size(0)
        if first.device.type != 'cpu' or self._cpu_block_size is None:
            return max(rows, 1)
        per_row = self.num_active * self.hidden_channels
        size = max(self._cpu_block_size // per_row, 1)
        blocks = -(-rows // size)
        return max(-(-rows // blocks), 1)

    def _type_mlps(self, first: Tensor, z: Tensor, weight1: Tensor,
                   bias1: Tensor, weight2: Tensor, bias2: Tensor) -> Tensor:
        r"""The weighted sum of the active types' message MLPs for a block
        of :math:`R` rows: :obj:`first` is :math:`(R, 2F + C)` (or the
        projected :math:`(R, K, H)`), :obj:`z` is :math:`(K, R, 1)`; returns
        :math:`(R, F_{out})`."""
        act, act_ = _ACTIVATIONS[self.act]
        if self.node_projection:
            # A view of the projections that other blocks share: not in place.
            h = act(first.transpose(0, 1))  # [K, R, H]
        else:
            pre = first.unsqueeze(0).expand(self.num_active, -1, -1)
            h = act_(torch.baddbmm(bias1.unsqueeze(1), pre, weight1))
        h = F.dropout(h, p=self.dropout, training=self.training)
        h = act_(torch.baddbmm(bias2.unsqueeze(1), h, weight2))
        return (h * z).sum(0)  # Weight every type by its edge value.

    def aggregate(self, inputs: Tensor, index: Tensor,
                  ptr: Optional[Tensor] = None,
                  dim_size: Optional[int] = None) -> Tensor:
        if self.aggr != 'sum':
            return super().aggregate(inputs, index, ptr, dim_size)
        # Row-wise index_add: its backward is a row gather, cheaper than the
        # element-wise gather behind scatter_add_ on CPU.
        dim = self.node_dim
        size = list(inputs.shape)
        size[dim] = dim_size
        return inputs.new_zeros(size).index_add_(dim, index, inputs)

    def __repr__(self) -> str:
        edge = (f', edge_channels={self.edge_channels}'
                if self.edge_channels else '')
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.out_channels}, num_edge_types={self.num_edge_types}, '
                f'skip_first={self.skip_first}{edge})')
