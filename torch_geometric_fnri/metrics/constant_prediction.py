r"""The accuracy of predicting one class for every edge: the level an
encoder has to beat to have learnt anything."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from torch import Tensor

from .missed_pairs import MissedPairs
from .mixed_radix import encode_mixed_radix


def constant_prediction_accuracy(
        edge_type: Tensor, num_edge_types: Sequence[int],
        missed: Optional[MissedPairs] = None
) -> Dict[str, Union[float, List]]:
    r"""Returns the accuracy of the best constant prediction: the most
    frequent label combination for :obj:`'combined'` and each layer's most
    frequent label for :obj:`'per_layer'` (the best any permutation-invariant
    accuracy gives a model that predicts one class for every edge).

    The pairs outside a candidate graph (:obj:`missed`) count with their
    labels: 0 where they do not interact, and 1 where they do in a layer of
    two types. The missed record does not say which type an interacting
    pair has in a layer of more types, so those pairs count towards no
    label there (the level is then a lower bound).

    Args:
        edge_type (torch.Tensor): Labels :obj:`[E, L]` (integer).
        num_edge_types (Sequence[int]): The class counts :math:`K_l`.
        missed (MissedPairs, optional): The pairs outside the candidate
            graphs. (default: :obj:`None`)

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
    per_layer = [torch.bincount(edge_type[:, layer])
                 for layer in range(edge_type.size(1))]
    if missed is not None:
        total += missed.pairs
        binary = torch.tensor([k == 2 for k in num_edge_types])
        # The patterns whose every interacting layer has two types are
        # label combinations (presence is the label).
        known = (missed.patterns.bool() <= binary).all(-1)
        codes = encode_mixed_radix(missed.patterns[known], num_edge_types)
        combined = _added(combined, codes, missed.counts[known])
        for layer, interacting in enumerate(missed.interactions):
            counts = [missed.pairs - interacting] + (
                [interacting] if num_edge_types[layer] == 2 else [])
            per_layer[layer] = _added(per_layer[layer],
                                      torch.arange(len(counts)),
                                      torch.tensor(counts))
    return {
        'combined': float(combined.max()) / total,
        'per_layer': [float(counts.max()) / total for counts in per_layer],
    }


def graphs_constant_prediction_accuracy(
        graphs: Sequence, num_edge_types: Sequence[int]
) -> Dict[str, Union[float, List]]:
    r""":func:`constant_prediction_accuracy` of the labels
    (:obj:`edge_type` :obj:`[E_i, L]`) of :obj:`graphs`, with the pairs
    that their candidate graphs left out (their :class:`MissedPairs`
    records, if any).

    Args:
        graphs (Sequence[Data]): The graphs, *e.g.* a test split's.
        num_edge_types (Sequence[int]): The class counts :math:`K_l`.
    """
    return constant_prediction_accuracy(
        torch.cat([data.edge_type for data in graphs]), num_edge_types,
        MissedPairs.total(MissedPairs.read(data) for data in graphs))


def _added(counts: Tensor, index: Tensor, values: Tensor) -> Tensor:
    # counts (a bincount) with values added at index, grown as needed.
    size = max(counts.numel(), int(index.max()) + 1 if index.numel() else 0)
    out = torch.zeros(size, dtype=torch.long)
    out[:counts.numel()] = counts
    return out.index_add_(0, index, values.long())
