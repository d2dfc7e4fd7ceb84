from typing import List, Union

import torch
import torch.nn.functional as F
import torch.utils.checkpoint
from torch import Tensor

from torch_geometric_fnri.nn._validation import (
    check_decoder_inputs,
    check_dropout,
)
from torch_geometric_fnri.nn.conv import (
    CentralForceConv,
    MultiplexMessageConv,
)
from torch_geometric_fnri.nn.models.relative_edge_features import (
    RELATIVE_EDGE_CHANNELS,
    relative_edge_features,
)
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule


class MLPDecoder(RebuildableModule):
    r"""The Markovian MLP decoder of the `"Neural Relational Inference for
    Interacting Systems" <https://arxiv.org/abs/1802.04687>`_ and
    `"Factorised Neural Relational Inference for Multi-Interaction Systems"
    <https://arxiv.org/abs/1905.08721>`_ papers. One step maps frame
    :math:`\mathbf{x}^t` to

    .. math::
        \mathbf{x}^{t+1}_i = \mathbf{x}^t_i + f_{\mathrm{out}}\left(
        [\mathbf{x}^t_i \Vert \mathbf{m}_i]\right)

    where :math:`\mathbf{m}_i` is the output of
    :class:`~torch_geometric_fnri.nn.conv.MultiplexMessageConv` (left out
    with :obj:`pairwise_messages=False`) and
    :math:`f_{\mathrm{out}}` is
    :obj:`Linear -> ReLU -> Dropout -> Linear -> ReLU -> Dropout -> Linear`.
    The rollout starts from the ground-truth frames
    :math:`0, M, 2M, \ldots` (:math:`M` = :obj:`pred_steps`) and feeds its
    own predictions back for :math:`M` steps; all starting frames advance
    together (one batched call per step). Output index :math:`t` predicts
    frame :math:`t + 1` from ground-truth frame
    :math:`\lfloor t / M \rfloor M`. Dropout is only active in training
    mode (the reference applies it in evaluation mode too).

    Trajectories are :obj:`[N, T, D]` (a 2-D :obj:`x` is refused) and edge
    weights :obj:`[E, sum(K)]` (one column per edge type, not PyG's
    :obj:`[E]`); see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Features per frame :math:`D`.
        hidden_channels (int): Hidden size of the message and output MLPs.
        num_edge_types (int or List[int]): Edge types per layer-graph.
        skip_first (bool, optional): The first type of every layer-graph is
            a non-edge without message. (default: :obj:`False`)
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)
        checkpoint (bool, optional): If set to :obj:`True`, recomputes every
            rollout step in the backward pass instead of storing its
            activations (:func:`torch.utils.checkpoint.checkpoint`), which
            cuts training memory by about :math:`M` times for a
            :math:`\approx 30\%` longer step; needed for large graphs.
            (default: :obj:`False`)
        relative_messages (bool, optional): Also give every message MLP
            the relative geometry of its edge at the current step
            (:func:`relative_edge_features`: relative position and
            velocity, distance, inverse distance; features laid out as
            (x, y, vx, vy, ...)). Not in the papers; it adds
            :math:`6 H` weights per edge type. (default: :obj:`False`)
        central_forces (bool, optional): Also add learned pairwise central
            forces to the predicted velocity step,
            :math:`\mathbf{x}^{t+1}_i \mathrel{+}= [\mathbf{0} \Vert
            \mathbf{F}_i \Vert \mathbf{0}]` with :math:`\mathbf{F}_i` from
            :class:`~torch_geometric_fnri.nn.conv.CentralForceConv` on the
            positions (one radial profile per edge type; features laid out
            as (x, y, vx, vy, ...)). Not in the papers: an inductive bias
            for weak pairwise forces, which the message MLPs learn slowly.
            (default: :obj:`False`)
        pairwise_messages (bool, optional): If set to :obj:`False`, the
            decoder has no message MLPs: :math:`f_{\mathrm{out}}` sees
            :math:`\mathbf{x}^t_i` alone (each particle's own dynamics, the
            walls included) and the edges act through the central forces
            only, which must then be on. The forces then also step the
            positions, :math:`\mathbf{x}^{t+1}_i \mathrel{+}=
            [\mathbf{c} \odot \mathbf{F}_i \Vert \mathbf{F}_i \Vert
            \mathbf{0}]` with a learned :math:`\mathbf{c} \in
            \mathbb{R}^2` (:obj:`force_position_step`, starting at zero:
            the :math:`\frac{1}{2} \Delta t^2 \mathbf{a}` of an integrator
            step, which the message MLPs give otherwise). Not in the papers:
            an interaction that is not a central force cannot be modelled,
            and the parameter count is not the paper's.
            (default: :obj:`True`)
        min_distance (float, optional): :math:`d_{\min}` of the inverse
            distance with :obj:`relative_messages` or
            :obj:`central_forces`, in the units of :obj:`x`.
            (default: :obj:`0.01`)

    Shapes:
        - **input:** trajectories :math:`(|\mathcal{V}|, T, D)`, edge
          indices :math:`(2, |\mathcal{E}|)`, edge weights
          :math:`(|\mathcal{E}|, \sum_l K_l)`
        - **output:** predictions :math:`(|\mathcal{V}|, T - 1, D)`, aligned
          with :obj:`x[:, 1:]`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 num_edge_types: Union[int, List[int]],
                 skip_first: bool = False, dropout: float = 0.,
                 checkpoint: bool = False, relative_messages: bool = False,
                 central_forces: bool = False, min_distance: float = 0.01,
                 pairwise_messages: bool = True):
        super().__init__()
        if not pairwise_messages and not central_forces:
            raise ValueError("'pairwise_messages=False' needs "
                             "'central_forces=True' (without either, the "
                             "decoder ignores the edges)")
        if not pairwise_messages and relative_messages:
            raise ValueError("'relative_messages' needs the message MLPs "
                             "('pairwise_messages=True')")
        for name, used in (('relative_messages', relative_messages),
                           ('central_forces', central_forces)):
            if used and in_channels < 4:
                raise ValueError(f"'{name}' needs (x, y, vx, vy, ...) "
                                 f"features (got in_channels={in_channels})")
        if not min_distance > 0:
            raise ValueError(f"'min_distance' must be positive "
                             f"(got {min_distance})")
        self.in_channels = in_channels
        self.relative_messages = relative_messages
        self.central_forces = central_forces
        self.pairwise_messages = pairwise_messages
        self.min_distance = min_distance
        self.checkpoint = checkpoint
        self.hidden_channels = hidden_channels
        self.dropout = check_dropout(dropout)
        # Built with the generator state forked and initialised once by
        # reset_parameters (the same draws as the layers' own defaults).
        with torch.random.fork_rng(devices=[]):
            self.message_conv = MultiplexMessageConv(
                in_channels, hidden_channels, hidden_channels,
                num_edge_types, skip_first=skip_first, dropout=dropout,
                act='relu', edge_channels=(RELATIVE_EDGE_CHANNELS
                                           if relative_messages else 0)
            ) if pairwise_messages else None
            self.lin1 = torch.nn.Linear(
                in_channels + (hidden_channels if pairwise_messages else 0),
                hidden_channels)
            self.lin2 = torch.nn.Linear(hidden_channels, hidden_channels)
            self.lin3 = torch.nn.Linear(hidden_channels, in_channels)
            # Initialised last, so that the other layers draw as without it.
            self.force_conv = (CentralForceConv(
                num_edge_types, hidden_channels, skip_first=skip_first,
                min_distance=min_distance) if central_forces else None)
        # Without message MLPs, a learned step carries the forces into the
        # positions too (per coordinate; starts at zero).
        self.force_position_step = (None if pairwise_messages else
                                    torch.nn.Parameter(torch.zeros(2)))
        self.num_edge_types = self._edge_conv.num_edge_types
        self.reset_parameters()

    @property
    def _edge_conv(self):
        # The layer that reads the edges (both share the edge types).
        return (self.message_conv if self.message_conv is not None else
                self.force_conv)

    @property
    def skip_first(self) -> bool:
        r"""Whether the first type of every layer-graph sends no
        message."""
        return self._edge_conv.skip_first

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for module in (self.message_conv, self.lin1, self.lin2, self.lin3,
                       self.force_conv):
            if module is not None:
                module.reset_parameters()
        if self.force_position_step is not None:
            torch.nn.init.zeros_(self.force_position_step)

    def step(self, x: Tensor, edge_index: Tensor,
             edge_weight: Tensor) -> Tensor:
        r"""One prediction step for frames :obj:`x` of shape
        :obj:`[N, *, D]` (no input checks)."""
        if self.message_conv is not None:
            edge_attr = (relative_edge_features(x, edge_index,
                                                self.min_distance)
                         if self.relative_messages else None)
            agg = self.message_conv._forward_unchecked(
                x, edge_index, edge_weight, edge_attr)
            h = self.lin1(torch.cat([x, agg], dim=-1))
        else:
            h = self.lin1(x)
        # In place: the linear outputs are not saved for backward.
        h = F.relu(h, inplace=True)
        h = F.dropout(h, p=self.dropout, training=self.training)
        h = F.relu(self.lin2(h), inplace=True)
        h = F.dropout(h, p=self.dropout, training=self.training)
        out = x + self.lin3(h)
        if self.force_conv is not None:
            force = self.force_conv._forward_unchecked(
                x[..., :2], edge_index, edge_weight)
            if self.force_position_step is None:
                out = out + F.pad(force, (2, self.in_channels - 4))
            else:
                step = torch.cat([self.force_position_step * force, force],
                                 dim=-1)
                out = out + F.pad(step, (0, self.in_channels - 4))
        return out

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor,
                pred_steps: int = 1) -> Tensor:
        check_decoder_inputs(x, edge_index, edge_weight, self.in_channels,
                             sum(self.num_edge_types), pred_steps)
        num_nodes, num_targets = x.size(0), x.size(1) - 1
        # Starting frames 0, M, 2M, ... that predict at least one target.
        current = x[:, 0:num_targets:pred_steps]  # [N, A, D]
        # The last start has only `rest` targets left (rest = M when the
        # targets split evenly); it leaves the rollout after them instead
        # of predicting frames past the end (the reference computes them
        # and drops them).
        full, rest = num_targets // pred_steps, num_targets % pred_steps
        preds = []
        use_checkpoint = (self.checkpoint and self.training
                          and torch.is_grad_enabled())
        for step in range(pred_steps if full > 0 else rest):
            if step == rest and rest > 0:
                current = current[:, :full]
            if use_checkpoint:
                current = torch.utils.checkpoint.checkpoint(
                    self.step, current, edge_index, edge_weight,
                    use_reentrant=False)
            else:
                current = self.step(current, edge_index, edge_weight)
            preds.append(current)
        # [N, full, M, D]: the starts that ran all M steps.
        out = torch.stack([p[:, :full] for p in preds], dim=2)
        out = out.reshape(num_nodes, full * pred_steps, self.in_channels)
        if rest > 0:  # The last start's `rest` predictions.
            tail = torch.stack([p[:, full] for p in preds[:rest]], dim=1)
            out = torch.cat([out, tail], dim=1)
        return out

    def __repr__(self) -> str:
        options = ''.join(f', {name}=True' for name in (
            'relative_messages', 'central_forces') if getattr(self, name))
        if not self.pairwise_messages:
            options += ', pairwise_messages=False'
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'hidden_channels={self.hidden_channels}, '
                f'num_edge_types={self.num_edge_types}, '
                f'skip_first={self.skip_first}{options})')
