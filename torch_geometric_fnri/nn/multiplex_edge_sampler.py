import math
from typing import List, Optional, Sequence, Union

import torch
from torch import Tensor

from torch_geometric_fnri.nn._validation import warn_if_not_finite
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule
from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts
from torch_geometric_fnri.utils.int_checks import check_int


class MultiplexEdgeSampler(RebuildableModule):
    r"""Samples multiplex edge values from encoder logits, as in the
    `"Factorised Neural Relational Inference for Multi-Interaction Systems"
    <https://arxiv.org/abs/1905.08721>`_ paper.

    The columns of the logits are split into one block per layer-graph
    (:math:`K_1, \ldots, K_L` columns); every block gets an independent
    Gumbel-softmax (:obj:`mode='gumbel'`):

    .. math::
        \mathbf{z}_l = \mathrm{softmax}\left((\mathbf{h}_l + c\,
        \mathbf{g}_l) / \tau\right), \qquad
        g = -\log(\epsilon - \log(u + \epsilon)), \ u \sim \mathcal{U}[0, 1)

    with noise scale :math:`c` (1 in the papers; :math:`c = 0` feeds the
    decoder the relaxed posterior :math:`\mathrm{softmax}(\mathbf{h}_l /
    \tau)` without noise, as sfNRI's factors are, and draws nothing), one
    for all layer-graphs or one :math:`c_l` per layer-graph.

    One block (an int :obj:`num_edge_types`) is NRI. With :obj:`hard=True`
    the forward value is the one-hot argmax of every block and the gradient
    is that of the soft sample (straight-through). :obj:`mode='sigmoid'`
    is sfNRI: :math:`z = \sigma(s \cdot h)` per column with sharpness
    :math:`s`, no noise; :obj:`hard=True` rounds (straight-through).

    Args:
        num_edge_types (int or List[int]): The number of edge types per
            layer-graph. In :obj:`'sigmoid'` mode every column is one
            factor, so pass the number of factors.
        tau (float, optional): Gumbel-softmax temperature
            :math:`0 < \tau < \infty`.
            (default: :obj:`0.5`)
        hard (bool, optional): Straight-through hard samples.
            (default: :obj:`False`)
        noise_scale (float or List[float], optional): The scale
            :math:`0 \le c < \infty` of the Gumbel noise, or one scale per
            layer-graph (:obj:`'gumbel'` mode only; sigmoid mode has no
            noise). (default: :obj:`1.0`)
        mode (str, optional): :obj:`'gumbel'` or :obj:`'sigmoid'`.
            (default: :obj:`'gumbel'`)
        sharpness (float, optional): Sigmoid sharpness :math:`s`.
            (default: :obj:`1.0`)
        eps (float, optional): The :math:`\epsilon` of the Gumbel noise.
            (default: :obj:`1e-10`)

    Shapes:
        - **input:** logits :math:`(|\mathcal{E}|, \sum_l K_l)`
        - **output:** edge values :math:`(|\mathcal{E}|, \sum_l K_l)`
    """
    def __init__(self, num_edge_types: Union[int, List[int]],
                 tau: float = 0.5, hard: bool = False, mode: str = 'gumbel',
                 sharpness: float = 1.0, eps: float = 1e-10,
                 noise_scale: Union[float, Sequence[float]] = 1.0):
        super().__init__()
        if mode not in ('gumbel', 'sigmoid'):
            raise ValueError(f"'mode' must be 'gumbel' or 'sigmoid' "
                             f"(got {mode!r})")
        if not 0 < tau < math.inf:
            raise ValueError(f"'tau' must be positive and finite (got {tau})")
        if not 0 < sharpness < math.inf:
            raise ValueError(f"'sharpness' must be positive and finite "
                             f"(got {sharpness})")
        per_layer = isinstance(noise_scale, (list, tuple))
        scales = list(noise_scale) if per_layer else [noise_scale]
        if not scales or not all(
                isinstance(c, (int, float)) and not isinstance(c, bool)
                and 0 <= c < math.inf for c in scales):
            raise ValueError(f"'noise_scale' must be non-negative and "
                             f"finite, one number or one per layer-graph "
                             f"(got {noise_scale!r})")
        if mode == 'sigmoid' and (per_layer or noise_scale != 1.0):
            raise ValueError(f"'noise_scale' scales the Gumbel noise; "
                             f"mode='sigmoid' has none (got "
                             f"noise_scale={noise_scale!r})")
        self.num_edge_types = as_edge_type_counts(num_edge_types)
        if per_layer and len(scales) != len(self.num_edge_types):
            raise ValueError(f"'noise_scale' needs one scale per "
                             f"layer-graph ({len(self.num_edge_types)} for "
                             f"num_edge_types={self.num_edge_types}, got "
                             f"{len(scales)})")
        if mode == 'gumbel' and min(self.num_edge_types) < 2:
            raise ValueError(
                f"every layer-graph needs at least 2 edge types (a non-edge "
                f"and an interaction); a block of one type always samples "
                f"it (got num_edge_types={self.num_edge_types})")
        self.tau = float(tau)
        self.hard = hard
        self.mode = mode
        self.sharpness = float(sharpness)
        self.eps = eps
        self.noise_scale: Union[float, List[float]] = (
            [float(c) for c in scales] if per_layer else float(noise_scale))
        self.width = sum(self.num_edge_types)
        # The scale of every logit column (a per-layer scale repeated over
        # its block's columns); None where one scale serves every column.
        self.register_buffer(
            'column_noise_scale',
            torch.tensor(scales, dtype=torch.float64).repeat_interleave(
                torch.tensor(self.num_edge_types)) if per_layer else None,
            persistent=False)

    @property
    def has_noise(self) -> bool:
        r"""Whether training samples draw Gumbel noise (a scale above 0
        for some layer-graph)."""
        scales = self.noise_scale if isinstance(self.noise_scale, list) \
            else [self.noise_scale]
        return any(c > 0 for c in scales)

    @property
    def num_layer_graphs(self) -> int:
        r"""The number of layer-graphs: blocks (:obj:`'gumbel'`) or
        factors (:obj:`'sigmoid'`)."""
        return self.width if self.mode == 'sigmoid' else len(
            self.num_edge_types)

    def _check(self, logits: Tensor) -> None:
        if not isinstance(logits, Tensor) or logits.dim() != 2 \
                or logits.size(1) != self.width:
            shape = tuple(logits.shape) if isinstance(logits, Tensor) \
                else type(logits).__name__
            raise ValueError(
                f"'logits' must have shape [E, {self.width}] for "
                f"num_edge_types={self.num_edge_types} (got {shape})")
        warn_if_not_finite(logits, 'logits')

    def _blockwise(self, t: Tensor, fn) -> Tensor:
        # Applies fn over the last dim of every layer block.
        ks = self.num_edge_types
        if len(set(ks)) == 1:
            return fn(t.view(t.size(0), len(ks), ks[0])).view(t.shape)
        return torch.cat([fn(b) for b in t.split(ks, dim=-1)], dim=-1)

    @staticmethod
    def _one_hot_argmax(t: Tensor) -> Tensor:
        index = t.argmax(dim=-1, keepdim=True)
        return torch.zeros_like(t).scatter_(-1, index, 1.0)

    def probabilities(self, logits: Tensor) -> Tensor:
        r"""Returns the per-layer softmax of the logits (the posterior used
        by the KL term), or :math:`\sigma(s \cdot h)` in sigmoid mode."""
        self._check(logits)
        if self.mode == 'sigmoid':
            return torch.sigmoid(self.sharpness * logits)
        return self._blockwise(logits, lambda b: b.softmax(dim=-1))

    def forward(self, logits: Tensor, deterministic: bool = False,
                generator: Optional[torch.Generator] = None) -> Tensor:
        r"""Samples edge values.

        Args:
            logits (torch.Tensor): Logits :obj:`[E, sum(K)]`.
            deterministic (bool, optional): If set to :obj:`True`, returns
                the per-layer one-hot argmax of the logits, without noise
                (sigmoid mode: the detached sigmoid, rounded only if
                :obj:`hard`). (default: :obj:`False`)
            generator (torch.Generator, optional): Random generator of the
                Gumbel noise, on the device of :obj:`logits`.
                (default: :obj:`None`)
        """
        self._check(logits)
        if self.mode == 'sigmoid':
            z = torch.sigmoid(self.sharpness * logits)
            if deterministic:
                # sfNRI has no noise: evaluation feeds the decoder the
                # values it was trained on, as the reference does.
                return (z.round() if self.hard else z).detach()
            if self.hard:
                return z.round() - z.detach() + z
            return z
        if deterministic:
            return self._blockwise(logits.detach(), self._one_hot_argmax)
        if not self.has_noise:
            perturbed = logits
        elif self.column_noise_scale is not None:
            perturbed = logits + self.column_noise_scale.to(
                logits.dtype) * self._gumbel(logits, generator)
        else:
            perturbed = logits + self.noise_scale * self._gumbel(logits,
                                                                 generator)
        soft = self._blockwise(perturbed / self.tau,
                               lambda b: b.softmax(dim=-1))
        if self.hard:
            hard = self._blockwise(soft.detach(), self._one_hot_argmax)
            return hard - soft.detach() + soft
        return soft

    def _gumbel(self, logits: Tensor,
                generator: Optional[torch.Generator]) -> Tensor:
        # Standard Gumbel noise of the logits' shape.
        if generator is None:  # Compiles with symbolic sizes; same draws.
            u = torch.rand_like(logits, memory_format=torch.contiguous_format)
        else:
            u = torch.rand(logits.shape, generator=generator,
                           device=logits.device, dtype=logits.dtype)
        return -torch.log(self.eps - torch.log(u + self.eps))

    def keep_layer_graphs(self, values: Tensor, count: int) -> Tensor:
        r"""Returns :obj:`values` (samples :obj:`[E, sum(K)]`) with every
        layer-graph after the first :obj:`count` replaced by the non-edge,
        without gradient: the one-hot of the first type of its block
        (sigmoid mode: every factor is one layer-graph and becomes 0). A
        decoder that skips the first type then ignores those layer-graphs.

        Args:
            values (torch.Tensor): Edge values :obj:`[E, sum(K)]`, as
                returned by :meth:`forward`.
            count (int): How many layer-graphs to keep, from the first
                (:obj:`1 <= count`; at least the number of layer-graphs
                returns :obj:`values` unchanged).
        """
        self._check(values)
        check_int('count', count, 1)
        layers = self.num_layer_graphs
        if count >= layers:
            return values
        if self.mode == 'sigmoid':
            return torch.cat([values[:, :count],
                              values.new_zeros(values.size(0),
                                               layers - count)], dim=-1)
        blocks = list(values.split(self.num_edge_types, dim=-1))
        for layer in range(count, layers):
            non_edge = torch.zeros_like(blocks[layer])
            non_edge[:, 0] = 1.0
            blocks[layer] = non_edge
        return torch.cat(blocks, dim=-1)

    def __repr__(self) -> str:
        noise = ('' if self.noise_scale == 1.0 else
                 f', noise_scale={self.noise_scale}')
        return (f'{self.__class__.__name__}({self.num_edge_types}, '
                f'tau={self.tau}, hard={self.hard}, mode={self.mode!r}'
                f'{noise})')
