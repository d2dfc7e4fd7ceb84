r"""Edge-presence metrics per label layer: AUROC from the encoder's edge
probabilities, and precision, recall and F1 of the predicted edges.

An edge of label layer :math:`l` is *present* when its label is not 0 (type
0 is the non-edge). The model's predicted factors are carried onto the
label layers by an accuracy mapping (see
:mod:`~torch_geometric_fnri.metrics.edge_mapping`), so that these metrics
describe the same layer-graphs as the edge accuracy. The pairs outside a
candidate graph (:class:`~torch_geometric_fnri.metrics.MissedPairs`) are
predicted absent with score 0.
"""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts

from .edge_mapping import mapping_table
from .missed_pairs import MissedPairs
from .mixed_radix import decode_mixed_radix, encode_mixed_radix


def label_probabilities(factor_probabilities: Sequence[Tensor],
                        mapping: Dict, pred_num_classes: Sequence[int],
                        num_edge_types: Sequence[int]) -> List[Tensor]:
    r"""Carries the encoder's per-factor class probabilities onto the label
    layers through :obj:`mapping`.

    The predicted factors are independent given the trajectories (one
    softmax or sigmoid each), so the probability of a predicted class
    combination is the product of its factors' probabilities; the mapping
    sends every combination to a label combination (or none), and each
    label layer's distribution is the marginal of those.

    Args:
        factor_probabilities (Sequence[torch.Tensor]): One :obj:`[E, C_p]`
            tensor per predicted factor, rows summing to one.
        mapping (dict): An accuracy mapping (see
            :func:`~torch_geometric_fnri.metrics.fit_edge_mapping`).
        pred_num_classes (Sequence[int]): :math:`C_p` per factor.
        num_edge_types (Sequence[int]): :math:`K_l` per label layer.

    Returns:
        One :obj:`[E, K_l]` tensor per label layer (rows sum to the
        probability that the prediction maps to some label, one unless the
        model has more classes than the labels).
    """
    pred_num_classes = as_edge_type_counts(
        pred_num_classes, 'pred_num_classes', allow_int=False)
    num_edge_types = as_edge_type_counts(num_edge_types, allow_int=False)
    if len(factor_probabilities) != len(pred_num_classes) or any(
            p.dim() != 2 or p.size(1) != c
            for p, c in zip(factor_probabilities, pred_num_classes)):
        raise ValueError(
            f"'factor_probabilities' must hold one [E, C_p] tensor per "
            f"factor with C_p in {pred_num_classes} (got "
            f"{[tuple(p.shape) for p in factor_probabilities]})")
    joint = factor_probabilities[0]
    for probs in factor_probabilities[1:]:  # Factor 0 most significant.
        joint = (joint.unsqueeze(-1) * probs.unsqueeze(1)).flatten(1)
    table = torch.as_tensor(mapping_table(mapping, pred_num_classes,
                                          num_edge_types),
                            device=joint.device)
    num_labels = 1
    for k in num_edge_types:
        num_labels *= k
    mapped = table >= 0
    label_joint = joint.new_zeros(joint.size(0), num_labels)
    label_joint.index_add_(1, table[mapped], joint[:, mapped])
    digits = decode_mixed_radix(torch.arange(num_labels,
                                             device=joint.device),
                                num_edge_types)
    out = []
    for layer, k in enumerate(num_edge_types):
        marginal = joint.new_zeros(joint.size(0), k)
        marginal.index_add_(1, digits[:, layer], label_joint)
        out.append(marginal)
    return out


def binary_auroc(scores: Tensor, labels: Tensor, missed_positives: int = 0,
                 missed_negatives: int = 0) -> float:
    r"""The area under the ROC curve of :obj:`scores` for the binary
    :obj:`labels`: the probability that a random positive scores above a
    random negative, ties counting one half (the Mann-Whitney statistic,
    with average ranks for ties). :obj:`nan` when one class is absent.

    Args:
        scores (torch.Tensor): Scores :obj:`[n]`.
        labels (torch.Tensor): 0/1 labels :obj:`[n]`.
        missed_positives (int, optional): Further positives, all with score
            0 (the pairs a candidate graph leaves out). (default: :obj:`0`)
        missed_negatives (int, optional): Further negatives with score 0.
            (default: :obj:`0`)
    """
    scores = scores.detach().flatten().double().cpu()
    labels = labels.detach().flatten().bool().cpu()
    if scores.numel() != labels.numel():
        raise ValueError(f"'scores' and 'labels' must have the same size "
                         f"(got {scores.numel()} and {labels.numel()})")
    num_pos = int(labels.sum())
    num_neg = labels.numel() - num_pos
    if num_pos + missed_positives == 0 or num_neg + missed_negatives == 0:
        return float('nan')
    # Pairs of a positive and a negative ranked right, ties one half.
    right = 0.0
    if num_pos and num_neg:
        values, inverse, counts = torch.unique(scores, return_inverse=True,
                                               return_counts=True)
        # Average rank (1-based) of every distinct value.
        ends = counts.cumsum(0).double()
        average = ends - (counts.double() - 1) / 2
        ranks = average[inverse]
        rank_sum = float(ranks[labels].sum())
        right = rank_sum - num_pos * (num_pos + 1) / 2
    if missed_positives or missed_negatives:
        def above_zero(group: Tensor) -> float:
            # The members of `group` that outrank a score of 0.
            return float((group > 0).sum()) + float((group == 0).sum()) / 2

        right += (missed_positives * (num_neg - above_zero(scores[~labels]))
                  + missed_negatives * above_zero(scores[labels])
                  + missed_positives * missed_negatives / 2)
    return right / ((num_pos + missed_positives) *
                    (num_neg + missed_negatives))


def presence_scores(pred_present: Tensor, present: Tensor,
                    missed_positives: int = 0) -> Dict[str, float]:
    r"""Precision, recall and F1 of predicted edges against true edges
    (:obj:`nan` where undefined: no predicted or no true edges).

    Args:
        pred_present (torch.Tensor): Predicted presence :obj:`[n]` (bool).
        present (torch.Tensor): True presence :obj:`[n]` (bool).
        missed_positives (int, optional): Further true edges, predicted
            absent (those a candidate graph leaves out).
            (default: :obj:`0`)
    """
    pred_present = pred_present.bool().flatten()
    present = present.bool().flatten()
    true_pos = int((pred_present & present).sum())
    predicted = int(pred_present.sum())
    actual = int(present.sum()) + missed_positives
    precision = true_pos / predicted if predicted else float('nan')
    recall = true_pos / actual if actual else float('nan')
    if predicted and actual and true_pos:
        f1 = 2 * precision * recall / (precision + recall)
    elif predicted and actual:
        f1 = 0.0
    else:
        f1 = float('nan')
    return {'precision': precision, 'recall': recall, 'f1': f1}


def edge_presence_metrics(factor_probabilities: Sequence[Tensor],
                          target: Tensor, mapping: Dict,
                          pred_num_classes: Sequence[int],
                          num_edge_types: Sequence[int],
                          layer_names: Sequence[str],
                          missed: Optional[MissedPairs] = None
                          ) -> Dict[str, float]:
    r"""AUROC, precision, recall and F1 of edge presence per label layer.

    The score of an edge in layer :math:`l` is the mapped probability that
    its label is not 0; it is predicted present when its most probable
    mapped label is not 0 (the predicted classes of the accuracy). The
    pairs outside a candidate graph (:obj:`missed`) are predicted absent
    with score 0; with them, :obj:`missed_share_<layer>` is the share of
    the layer's interacting pairs that the candidate graph leaves out.

    Args:
        factor_probabilities (Sequence[torch.Tensor]): One :obj:`[E, C_p]`
            tensor per predicted factor.
        target (torch.Tensor): Labels :obj:`[E, L]`.
        mapping (dict): The accuracy mapping.
        pred_num_classes (Sequence[int]): :math:`C_p` per factor.
        num_edge_types (Sequence[int]): :math:`K_l` per label layer.
        layer_names (Sequence[str]): Names for the keys.
        missed (MissedPairs, optional): The pairs outside the candidate
            graphs. (default: :obj:`None`)

    Returns:
        ``{'auroc_<layer>', 'precision_<layer>', 'recall_<layer>',
        'f1_<layer>'}`` for every layer, and ``'missed_share_<layer>'``
        (:obj:`nan` for a layer without interactions) with
        :obj:`missed`.
    """
    if target.dim() == 1:
        target = target.unsqueeze(-1)
    layers = label_probabilities(factor_probabilities, mapping,
                                 pred_num_classes, num_edge_types)
    if len(layer_names) != len(layers) or target.size(1) != len(layers):
        raise ValueError(f"need one name and one label column per layer "
                         f"({len(layers)}); got {len(layer_names)} names "
                         f"and {target.size(1)} columns")
    factors = torch.stack([p.argmax(-1) for p in factor_probabilities], -1)
    table = torch.as_tensor(mapping_table(mapping, pred_num_classes,
                                          num_edge_types))
    mapped = table.to(factors.device)[encode_mixed_radix(factors,
                                                         pred_num_classes)]
    predicted = decode_mixed_radix(mapped.clamp(min=0), num_edge_types)
    if missed is not None and missed.num_layers != len(layers):
        raise ValueError(f"'missed' counts {missed.num_layers} layer(s), "
                         f"the labels have {len(layers)}")
    out: Dict[str, float] = {}
    for layer, (name, probs) in enumerate(zip(layer_names, layers)):
        present = target[:, layer] != 0
        missed_pos = 0 if missed is None else missed.interactions[layer]
        missed_neg = 0 if missed is None else missed.pairs - missed_pos
        out[f'auroc_{name}'] = binary_auroc(probs[:, 1:].sum(-1), present,
                                            missed_pos, missed_neg)
        pred_present = (mapped >= 0) & (predicted[:, layer] != 0)
        for key, value in presence_scores(pred_present, present,
                                          missed_pos).items():
            out[f'{key}_{name}'] = value
        if missed is not None:
            interacting = int(present.sum()) + missed_pos
            out[f'missed_share_{name}'] = (missed_pos / interacting
                                           if interacting else float('nan'))
    return out
