r"""The predicted edge types of edge logits."""
from typing import Sequence, Union

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


def edge_type_argmax(logits: Tensor,
                     num_edge_types: Union[int, Sequence[int]]) -> Tensor:
    r"""Returns the most likely type of every edge in every layer-graph:
    the argmax of each layer-graph's block of :math:`K_l` logits (the blocks
    side by side in layer order, as the package's encoders and
    :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler` lay them out).
    This is the prediction that
    :meth:`~torch_geometric_fnri.metrics.EdgeAccuracy.update` takes, also
    for the logits of a model of one's own.

    Args:
        logits (torch.Tensor): Edge logits (or probabilities)
            :obj:`[E, sum(K)]`.
        num_edge_types (int or Sequence[int]): The number of edge types
            :math:`K_l` of every layer-graph (an int for one layer-graph,
            *e.g.* NRI's combined types).

    Shapes:
        - **input:** :math:`(|\mathcal{E}|, \sum_l K_l)`
        - **output:** :math:`(|\mathcal{E}|, L)` (long)

    Examples:
        >>> logits = torch.tensor([[2.0, 0.0, -1.0, 1.0],
        ...                        [0.0, 3.0, 1.0, 0.0]])
        >>> edge_type_argmax(logits, [2, 2])
        tensor([[0, 1],
                [1, 0]])
    """
    num_edge_types = as_edge_type_counts(num_edge_types)
    width = sum(num_edge_types)
    if not isinstance(logits, Tensor) or logits.dim() != 2 or \
            logits.size(1) != width:
        shape = (tuple(logits.shape) if isinstance(logits, Tensor) else
                 type(logits).__name__)
        raise ValueError(f"'logits' must have shape [E, {width}] for "
                         f"num_edge_types={num_edge_types} (got {shape})")
    return torch.stack([
        block.argmax(dim=-1)
        for block in logits.split(num_edge_types, dim=-1)
    ], dim=-1)
