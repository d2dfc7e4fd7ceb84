from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.utils import scatter

from torch_geometric_fnri.nn._validation import (
    check_decoder_inputs,
    check_dropout,
)
from torch_geometric_fnri.nn.conv import MultiplexMessageConv
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule


class RNNDecoder(RebuildableModule):
    r"""The recurrent (GRU-style) decoder of the `"Neural Relational
    Inference for Interacting Systems" <https://arxiv.org/abs/1802.04687>`_
    paper. Messages are computed from the hidden states :math:`\mathbf{h}`
    with :obj:`tanh` message MLPs
    (:class:`~torch_geometric_fnri.nn.conv.MultiplexMessageConv`), divided
    by the number of active edge types and averaged over the incoming edges
    of every node (:math:`\mathbf{a}_i`). Then

    .. math::
        \mathbf{r} &= \sigma(W_{ir} \mathbf{x} + W_{hr} \mathbf{a}), \quad
        \mathbf{u} = \sigma(W_{iu} \mathbf{x} + W_{hu} \mathbf{a}) \\
        \mathbf{n} &= \tanh(W_{in} \mathbf{x} + \mathbf{r} \odot W_{hn}
        \mathbf{a}), \quad
        \mathbf{h} \leftarrow (1 - \mathbf{u}) \odot \mathbf{n} +
        \mathbf{u} \odot \mathbf{h}

    and :math:`\mathbf{x}^{t+1} = \mathbf{x}^t + f_{\mathrm{out}}
    (\mathbf{h})`. The reference divides the summed messages by the feature
    dimension :math:`D` while calling it an average; the mean over incoming
    edges used here equals it for the paper's setting (5 fully connected
    particles, :math:`D = 4`). Set :obj:`reference_average=True` to divide
    by :math:`D` as the reference does.

    Trajectories are :obj:`[N, T, D]` (a 2-D :obj:`x` is refused) and edge
    weights :obj:`[E, sum(K)]` (one column per edge type, not PyG's
    :obj:`[E]`); see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Features per frame :math:`D`.
        hidden_channels (int): Hidden size :math:`H`.
        num_edge_types (int or List[int]): Edge types per layer-graph.
        skip_first (bool, optional): The first type of every layer-graph is
            a non-edge without message. (default: :obj:`False`)
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)
        reference_average (bool, optional): Divide aggregated messages by
            :math:`D` instead of the in-degree. (default: :obj:`False`)

    Shapes:
        - **input:** trajectories :math:`(|\mathcal{V}|, T, D)`, edge
          indices :math:`(2, |\mathcal{E}|)`, edge weights
          :math:`(|\mathcal{E}|, \sum_l K_l)`
        - **output:** predictions :math:`(|\mathcal{V}|, T - 1, D)`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 num_edge_types: Union[int, List[int]],
                 skip_first: bool = False, dropout: float = 0.,
                 reference_average: bool = False):
        super().__init__()
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.dropout = check_dropout(dropout)
        self.reference_average = reference_average
        hid = hidden_channels
        # Built with the generator state forked and initialised once by
        # reset_parameters (the same draws as the layers' own defaults).
        with torch.random.fork_rng(devices=[]):
            self.message_conv = MultiplexMessageConv(
                hid, hid, hid, num_edge_types, skip_first=skip_first,
                dropout=dropout, act='tanh')
            self.hidden_r = torch.nn.Linear(hid, hid, bias=False)
            self.hidden_i = torch.nn.Linear(hid, hid, bias=False)
            self.hidden_h = torch.nn.Linear(hid, hid, bias=False)
            self.input_r = torch.nn.Linear(in_channels, hid)
            self.input_i = torch.nn.Linear(in_channels, hid)
            self.input_n = torch.nn.Linear(in_channels, hid)
            self.lin1 = torch.nn.Linear(hid, hid)
            self.lin2 = torch.nn.Linear(hid, hid)
            self.lin3 = torch.nn.Linear(hid, in_channels)
        self.num_edge_types = self.message_conv.num_edge_types
        self.reset_parameters()

    @property
    def skip_first(self) -> bool:
        r"""Whether the first type of every layer-graph sends no
        message."""
        return self.message_conv.skip_first

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for module in self.children():
            module.reset_parameters()

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
                pred_steps: int = 1,
                burn_in_steps: Optional[int] = None) -> Tensor:
        r"""Unrolls the decoder over steps :math:`0, \ldots, T - 2`.

        Args:
            x (torch.Tensor): Trajectories :obj:`[N, T, D]`.
            edge_index (torch.Tensor): Edge indices :obj:`[2, E]`.
            edge_weight (torch.Tensor): Edge weights :obj:`[E, sum(K)]`.
            pred_steps (int, optional): The input at step :math:`s` is the
                ground truth if :math:`s \bmod M = 0`, else the previous
                prediction. (default: :obj:`1`)
            burn_in_steps (int, optional): If given, the input is the ground
                truth for :math:`s \leq` :obj:`burn_in_steps` and the
                previous prediction afterwards (:obj:`pred_steps` is then
                unused). (default: :obj:`None`)
        """
        check_decoder_inputs(x, edge_index, edge_weight, self.in_channels,
                             sum(self.num_edge_types), pred_steps)
        num_nodes = x.size(0)
        if self.reference_average:
            scale = x.new_full((num_nodes, 1), 1.0 / self.in_channels)
        else:
            ones = x.new_ones(edge_index.size(1))
            degree = scatter(ones, edge_index[1], 0, dim_size=num_nodes)
            scale = 1.0 / degree.clamp(min=1).unsqueeze(-1)
        scale = scale / max(self.message_conv.num_active, 1)

        hidden = x.new_zeros(num_nodes, self.hidden_channels)
        preds = []
        for s in range(x.size(1) - 1):
            if burn_in_steps is None:
                teacher = s % pred_steps == 0
            else:
                teacher = s <= burn_in_steps
            inputs = x[:, s] if teacher else preds[-1]
            agg = self.message_conv._forward_unchecked(
                hidden, edge_index, edge_weight) * scale
            r = torch.sigmoid(self.input_r(inputs) + self.hidden_r(agg))
            u = torch.sigmoid(self.input_i(inputs) + self.hidden_i(agg))
            n = torch.tanh(self.input_n(inputs) + r * self.hidden_h(agg))
            hidden = (1 - u) * n + u * hidden
            h = F.relu(self.lin1(hidden))
            h = F.dropout(h, p=self.dropout, training=self.training)
            h = F.relu(self.lin2(h))
            h = F.dropout(h, p=self.dropout, training=self.training)
            preds.append(inputs + self.lin3(h))
        return torch.stack(preds, dim=1)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'hidden_channels={self.hidden_channels}, '
                f'num_edge_types={self.num_edge_types})')
