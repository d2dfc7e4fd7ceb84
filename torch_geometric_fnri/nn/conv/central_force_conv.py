import math
from typing import List, Union

import torch
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

#: Radial features per edge: the distance and its (bounded) inverse.
RADIAL_CHANNELS = 2


class CentralForceConv(MessagePassing):
    r"""Pairwise central forces with one learned radial profile per edge
    type: every edge :math:`j \to i` pushes its target along the line
    between the two particles,

    .. math::
        \mathbf{F}_i = \sum_{j \in \mathcal{N}(i)} \sum_{k \in \mathcal{A}}
        z_{ji,k} \, \psi_k(d_{ji}) \,
        \frac{\mathbf{p}_j - \mathbf{p}_i}{\max(d_{ji}, d_{\min})},
        \qquad
        \psi_k(d) = \mathbf{w}^{(2)}_k \cdot \mathrm{ReLU}\left(
        \mathbf{W}^{(1)}_k [d \, \Vert \, 1 / \max(d, d_{\min})] +
        \mathbf{b}^{(1)}_k\right) + b^{(2)}_k

    where :math:`d_{ji} = \lVert \mathbf{p}_j - \mathbf{p}_i \rVert` and
    :math:`z_{ji,k}` is the edge's (sampled) value of type :math:`k`.
    Springs (:math:`\psi \propto d`) and inverse-square forces
    (:math:`\psi \propto d^{-2}`) are both of this form, and the layer is
    equivariant to rotations, reflections and translations of the
    positions by construction, so one radial function per type is learnt
    from every pair and orientation at once. Not in the NRI/fNRI papers:
    see :class:`~torch_geometric_fnri.nn.models.MLPDecoder`'s
    :obj:`central_forces`, which adds :math:`\mathbf{F}_i` to the predicted
    velocity step.

    The output weights :math:`\mathbf{w}^{(2)}_k, b^{(2)}_k` start at zero,
    so the layer starts silent (:math:`\mathbf{F}_i = 0`) instead of adding
    random forces to an untrained decoder.

    Positions are :obj:`[N, P]` or :obj:`[N, T, P]` and edge weights
    :obj:`[E, sum(K)]` (one column per edge type, not PyG's :obj:`[E]`);
    see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        num_edge_types (int or List[int]): The number of edge types
            :math:`K` (one layer-graph) or the list
            :math:`[K_1, \ldots, K_L]` of types per layer-graph.
        hidden_channels (int): Hidden size of every radial MLP.
        skip_first (bool, optional): If set to :obj:`True`, the first type
            of every layer-graph is the non-edge and exerts no force.
            (default: :obj:`False`)
        min_distance (float, optional): :math:`d_{\min}`, which bounds the
            inverse distance and the direction of nearly coincident
            particles, in the units of the positions. (default: :obj:`0.01`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          positions :math:`(|\mathcal{V}|, P)` or
          :math:`(|\mathcal{V}|, T, P)`,
          edge indices :math:`(2, |\mathcal{E}|)`,
          edge weights :math:`(|\mathcal{E}|, \sum_l K_l)` (shared by all
          :math:`T`)
        - **output:** forces :math:`(|\mathcal{V}|, P)` or
          :math:`(|\mathcal{V}|, T, P)`
    """
    def __init__(self, num_edge_types: Union[int, List[int]],
                 hidden_channels: int, skip_first: bool = False,
                 min_distance: float = 0.01, **kwargs):
        kwargs.setdefault('aggr', 'sum')
        kwargs.setdefault('node_dim', 0)
        super().__init__(**kwargs)
        if not min_distance > 0:
            raise ValueError(f"'min_distance' must be positive "
                             f"(got {min_distance})")
        if not isinstance(hidden_channels, int) or hidden_channels < 1:
            raise ValueError(f"'hidden_channels' must be a positive int "
                             f"(got {hidden_channels!r})")
        self.num_edge_types = as_edge_type_counts(num_edge_types)
        self.hidden_channels = hidden_channels
        self.skip_first = skip_first
        self.min_distance = min_distance
        total = sum(self.num_edge_types)
        active = active_edge_types(self.num_edge_types, skip_first)
        self.all_active = len(active) == total
        self.register_buffer('active', torch.tensor(active, dtype=torch.long),
                             persistent=False)
        self.weight1 = Parameter(torch.empty(total, RADIAL_CHANNELS,
                                             hidden_channels))
        self.bias1 = Parameter(torch.empty(total, hidden_channels))
        self.weight2 = Parameter(torch.empty(total, hidden_channels, 1))
        self.bias2 = Parameter(torch.empty(total, 1))
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters: the first map as
        :class:`torch.nn.Linear` per edge type, the output map to zero."""
        super().reset_parameters()
        bound = 1.0 / math.sqrt(RADIAL_CHANNELS)
        torch.nn.init.uniform_(self.weight1, -bound, bound)
        torch.nn.init.uniform_(self.bias1, -bound, bound)
        torch.nn.init.zeros_(self.weight2)
        torch.nn.init.zeros_(self.bias2)

    def forward(self, pos: Tensor, edge_index: Tensor,
                edge_weight: Tensor) -> Tensor:
        check_node_features(pos, 'pos')
        check_edge_index(edge_index, pos.size(0))
        check_edge_values(edge_weight, edge_index.size(1),
                          sum(self.num_edge_types), 'edge_weight')
        return self._forward_unchecked(pos, edge_index, edge_weight)

    def _forward_unchecked(self, pos: Tensor, edge_index: Tensor,
                           edge_weight: Tensor) -> Tensor:
        # forward without the input checks, for every rollout step of a
        # decoder that checked its inputs once.
        params = [self.weight1, self.bias1, self.weight2, self.bias2]
        if not self.all_active:  # The active types' parameters and values.
            params = [p.index_select(0, self.active) for p in params]
            edge_weight = edge_weight.index_select(1, self.active)
        # propagate_type: (pos: PairTensor, edge_weight: Tensor,
        #                  weight1: Tensor, bias1: Tensor,
        #                  weight2: Tensor, bias2: Tensor)
        return self.propagate(edge_index, pos=(pos, pos),
                              edge_weight=edge_weight,
                              size=(pos.size(0), pos.size(0)),
                              weight1=params[0], bias1=params[1],
                              weight2=params[2], bias2=params[3])

    def message(self, pos_j: Tensor, pos_i: Tensor, edge_weight: Tensor,
                weight1: Tensor, bias1: Tensor, weight2: Tensor,
                bias2: Tensor) -> Tensor:
        offset = pos_j - pos_i  # [E, *, P]
        distance = offset.norm(dim=-1, keepdim=True)
        inverse = 1.0 / distance.clamp_min(self.min_distance)
        radial = torch.cat([distance, inverse], dim=-1)
        radial = radial.reshape(1, -1, RADIAL_CHANNELS)  # [1, R, 2]
        num_types = weight1.size(0)
        h = torch.relu_(torch.baddbmm(
            bias1.unsqueeze(1), radial.expand(num_types, -1, -1), weight1))
        psi = torch.baddbmm(bias2.unsqueeze(1), h, weight2)  # [K, R, 1]
        # Rows are (edge, time) pairs; every row of an edge shares its value.
        steps = psi.size(1) // edge_weight.size(0)
        z = edge_weight.t().unsqueeze(-1).expand(-1, -1, steps)
        z = z.reshape(num_types, -1, 1)
        magnitude = (psi * z).sum(0).view(distance.shape)
        return magnitude * inverse * offset

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_edge_types='
                f'{self.num_edge_types}, hidden_channels='
                f'{self.hidden_channels}, skip_first={self.skip_first})')
