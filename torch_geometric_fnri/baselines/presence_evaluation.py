r"""Edge-presence metrics of baseline scores: the learned models' AUROC,
precision, recall and F1 per layer-graph, with the threshold and the sign
fitted on the validation split and applied to the test split.

An edge of layer :math:`l` is present when its label in column :math:`l`
of ``edge_type`` is not 0. AUROC and the precision/recall/F1 counts come
from :mod:`torch_geometric_fnri.metrics`, as for the learned models.
"""
import math
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor

from ..metrics import binary_auroc, presence_scores

#: How the per-channel scores :obj:`[..., C]` become one score per edge:
#: ``'signed'``, the mean as given; ``'best_sign'``, that mean times the
#: sign with the higher validation AUROC (per layer); ``'absolute'``, the
#: mean of the magnitudes.
SCORE_VARIANTS = ('signed', 'best_sign', 'absolute')


def fit_f1_threshold(scores: Tensor, present: Tensor) -> float:
    r"""The threshold :math:`\tau` for which predicting "present" at
    :math:`s \geq \tau` has the highest F1; every distinct score is a
    candidate, and among equal F1 the highest threshold wins (fewest
    predicted edges).

    Args:
        scores (torch.Tensor): Finite scores :obj:`[n]`.
        present (torch.Tensor): True presence :obj:`[n]` (bool or 0/1),
            with at least one present edge.
    """
    scores = scores.detach().flatten().double().cpu()
    present = present.detach().flatten().bool().cpu()
    if scores.numel() != present.numel() or scores.numel() == 0:
        raise ValueError(f"'scores' and 'present' must have the same, "
                         f"non-zero size (got {scores.numel()} and "
                         f"{present.numel()})")
    if not bool(torch.isfinite(scores).all()):
        raise ValueError("'scores' must be finite (got NaN or inf)")
    num_present = int(present.sum())
    if num_present == 0:
        raise ValueError('no edge is present: an F1 threshold needs at '
                         'least one')
    order = torch.argsort(scores, descending=True, stable=True)
    ranked = scores[order]
    true_pos = present[order].double().cumsum(0)
    predicted = torch.arange(1, len(ranked) + 1, dtype=torch.float64)
    f1 = 2 * true_pos / (predicted + num_present)
    # A threshold predicts a whole run of equal scores: only the last
    # position of each run is reachable.
    reachable = torch.ones_like(present)
    reachable[:-1] = ranked[:-1] != ranked[1:]
    f1[~reachable] = -1.0
    return float(ranked[int(torch.argmax(f1))])


def _reduce(scores: Tensor, variant: str) -> Tensor:
    # [S, E, C] (or [S, E]) channel scores -> [S, E] edge scores.
    if scores.dim() == 2:
        scores = scores.unsqueeze(-1)
    if variant == 'absolute':
        return scores.abs().mean(-1)
    return scores.mean(-1)


def _check_pair(scores: Tensor, edge_type: Tensor, split: str) -> Tensor:
    for name, value in (('scores', scores), ('edge_type', edge_type)):
        if not isinstance(value, Tensor):
            raise TypeError(f"'{split}_{name}' must be a torch.Tensor "
                            f"(got {type(value).__name__})")
    if edge_type.dim() == 2:
        edge_type = edge_type.unsqueeze(-1)
    if scores.dim() not in (2, 3) or edge_type.dim() != 3 or \
            scores.shape[:2] != edge_type.shape[:2]:
        raise ValueError(f"'{split}_scores' [S, E, C] or [S, E] and "
                         f"'{split}_edge_type' [S, E, L] must share S and E "
                         f"(got {tuple(scores.shape)} and "
                         f"{tuple(edge_type.shape)})")
    return edge_type


def evaluate_edge_scores(
    valid_scores: Tensor,
    valid_edge_type: Tensor,
    test_scores: Tensor,
    test_edge_type: Tensor,
    layer_names: Optional[Sequence[str]] = None,
) -> Dict[str, Dict[str, Dict[str, float]]]:
    r"""Scores edge presence per layer-graph in every variant of
    :data:`SCORE_VARIANTS`.

    For each variant and layer: the sign (+1 except for
    :obj:`'best_sign'`, where it is -1 when the validation AUROC is below
    one half) and the F1-maximising threshold (:func:`fit_f1_threshold`)
    are fitted on the validation split; AUROC, precision, recall and F1 are
    measured on the test split with them (:obj:`nan` where undefined, as
    without present validation edges there is no threshold). Edges of all
    simulations are pooled, as for the learned models.

    Args:
        valid_scores (torch.Tensor): Validation scores :obj:`[S, E, C]`
            (per channel, from
            :func:`~torch_geometric_fnri.baselines.edge_scores`) or
            :obj:`[S, E]`.
        valid_edge_type (torch.Tensor): Validation labels :obj:`[S, E, L]`.
        test_scores (torch.Tensor): Test scores, like :obj:`valid_scores`.
        test_edge_type (torch.Tensor): Test labels :obj:`[S', E, L]`.
        layer_names (Sequence[str], optional): One name per layer;
            ``layer_0``, ... if :obj:`None`. (default: :obj:`None`)

    Returns:
        ``{variant: {layer: {'sign', 'valid_auroc', 'threshold', 'auroc',
        'precision', 'recall', 'f1'}}}``.
    """
    valid_edge_type = _check_pair(valid_scores, valid_edge_type, 'valid')
    test_edge_type = _check_pair(test_scores, test_edge_type, 'test')
    num_layers = valid_edge_type.size(-1)
    if test_edge_type.size(-1) != num_layers or valid_scores.shape[2:] != \
            test_scores.shape[2:]:
        raise ValueError(f'the splits must have the same channels and '
                         f'layers (got scores {tuple(valid_scores.shape)} '
                         f'and {tuple(test_scores.shape)}, labels '
                         f'{tuple(valid_edge_type.shape)} and '
                         f'{tuple(test_edge_type.shape)})')
    names = ([f'layer_{layer}' for layer in range(num_layers)]
             if layer_names is None else list(layer_names))
    if len(names) != num_layers:
        raise ValueError(f"'layer_names' must name the {num_layers} "
                         f"layers (got {names})")
    out = {}
    for variant in SCORE_VARIANTS:
        valid = _reduce(valid_scores, variant).flatten()
        test = _reduce(test_scores, variant).flatten()
        out[variant] = {}
        for layer, name in enumerate(names):
            valid_present = valid_edge_type[..., layer].flatten() != 0
            test_present = test_edge_type[..., layer].flatten() != 0
            valid_auroc = binary_auroc(valid, valid_present)
            sign = -1.0 if variant == 'best_sign' and not math.isnan(
                valid_auroc) and valid_auroc < 0.5 else 1.0
            if bool(valid_present.any()):
                threshold = fit_f1_threshold(sign * valid, valid_present)
                counts = presence_scores(sign * test >= threshold,
                                         test_present)
            else:  # Nothing to fit a threshold on.
                threshold = math.nan
                counts = dict.fromkeys(('precision', 'recall', 'f1'),
                                       math.nan)
            out[variant][name] = {
                'sign': sign,
                'valid_auroc': (1.0 - valid_auroc if sign < 0 else
                                valid_auroc),
                'threshold': threshold,
                'auroc': binary_auroc(sign * test, test_present),
                **counts,
            }
    return out
