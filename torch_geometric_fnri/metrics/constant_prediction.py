r"""The accuracy of predicting one class for every edge: the level an
encoder has to beat to have learnt anything."""
from typing import Dict, List, Sequence, Union

import torch
from torch import Tensor

from .mixed_radix import encode_mixed_radix


def constant_prediction_accuracy(
        edge_type: Tensor,
        num_edge_types: Sequence[int]) -> Dict[str, Union[float, List]]:
    r"""Returns the accuracy of the best constant prediction: the most
    frequent label combination for :obj:`'combined'` and each layer's most
    frequent label for :obj:`'per_layer'` (the best any permutation-invariant
    accuracy gives a model that predicts one class for every edge).

    Args:
        edge_type (torch.Tensor): Labels :obj:`[E, L]` (integer).
        num_edge_types (Sequence[int]): The class counts :math:`K_l`.

    Examples:
        >>> labels = torch.tensor([[0, 0], [0, 1], [1, 1], [0, 1]])
        >>> constant_prediction_accuracy(labels, [2, 2])
        {'combined': 0.5, 'per_layer': [0.75, 0.75]}
    """
    if edge_type.dim() != 2 or edge_type.size(1) != len(num_edge_types):
        raise ValueError(f"'edge_type' must have shape [E, "
                         f"{len(num_edge_types)}] (got "
                         f"{list(edge_type.shape)})")
    if edge_type.size(0) == 0:
        raise ValueError("'edge_type' must hold at least one edge")
    total = edge_type.size(0)
    combined = torch.bincount(encode_mixed_radix(edge_type, num_edge_types))
    return {
        'combined': float(combined.max()) / total,
        'per_layer': [float(torch.bincount(edge_type[:, layer]).max()) / total
                      for layer in range(edge_type.size(1))],
    }
