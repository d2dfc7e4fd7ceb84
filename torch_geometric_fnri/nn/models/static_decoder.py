from typing import List, Optional, Union

import torch
from torch import Tensor

from torch_geometric_fnri.nn._validation import check_decoder_inputs
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule
from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


class StaticDecoder(RebuildableModule):
    r"""The static ("no change") baseline decoder of the `"Factorised Neural
    Relational Inference for Multi-Interaction Systems"
    <https://arxiv.org/abs/1905.08721>`_ paper: output index :math:`t`
    repeats the ground-truth frame :math:`\lfloor t / M \rfloor M`. It has no
    parameters and ignores the edges (they are only checked).

    Trajectories are :obj:`[N, T, D]` (a 2-D :obj:`x` is refused) and edge
    weights :obj:`[E, sum(K)]` (one column per edge type, not PyG's
    :obj:`[E]`); see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Features per frame :math:`D`.
        num_edge_types (int or List[int]): Edge types per layer-graph (the
            expected width of :obj:`edge_weight`).

    Shapes:
        - **input:** trajectories :math:`(|\mathcal{V}|, T, D)`, edge
          indices :math:`(2, |\mathcal{E}|)`, edge weights
          :math:`(|\mathcal{E}|, \sum_l K_l)` *(optional)*
        - **output:** predictions :math:`(|\mathcal{V}|, T - 1, D)`
    """
    def __init__(self, in_channels: int,
                 num_edge_types: Union[int, List[int]]):
        super().__init__()
        self.in_channels = in_channels
        self.num_edge_types = as_edge_type_counts(num_edge_types)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Does nothing: the static decoder has no parameters."""

    def forward(self, x: Tensor, edge_index: Tensor,
                edge_weight: Optional[Tensor] = None,
                pred_steps: int = 1) -> Tensor:
        check_decoder_inputs(x, edge_index, edge_weight, self.in_channels,
                             sum(self.num_edge_types), pred_steps)
        steps = torch.arange(x.size(1) - 1, device=x.device)
        return x[:, (steps // pred_steps) * pred_steps]

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.in_channels})'
