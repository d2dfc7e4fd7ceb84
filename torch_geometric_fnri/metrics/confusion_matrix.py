r"""Confusion matrices of edge-type predictions (bincount based).

Counts are :obj:`torch.long` and additive, so the matrices of several
batches can simply be summed.
"""
from typing import Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts

from .mixed_radix import encode_mixed_radix


def _check_labels(value: Tensor, num_classes, name: str) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"'{name}' must be a torch.Tensor "
                        f"(got {type(value).__name__})")
    if value.dtype.is_floating_point or value.dtype.is_complex \
            or value.dtype == torch.bool:
        raise TypeError(f"'{name}' must be an integer tensor "
                        f"(got {value.dtype})")
    if value.dim() == 1 and len(num_classes) == 1:
        value = value.unsqueeze(-1)
    if value.dim() != 2 or value.size(1) != len(num_classes):
        raise ValueError(f"'{name}' must have shape [E, {len(num_classes)}]"
                         f" (got {tuple(value.shape)})")
    if value.numel() > 0:
        bound = torch.tensor(num_classes, device=value.device)
        if bool((value < 0).any()) or bool((value >= bound).any()):
            raise ValueError(f"'{name}' values must lie in [0, K) per column "
                             f"with K = {num_classes} (got values in "
                             f"[{int(value.min())}, {int(value.max())}])")
    return value.long()


def confusion_matrix(
    pred: Tensor,
    target: Tensor,
    pred_num_classes: Sequence[int],
    num_edge_types: Sequence[int],
) -> Tensor:
    r"""Joint confusion matrix of multi-factor predictions and multi-layer
    labels.

    Both sides are reduced to one combined class by
    :func:`~torch_geometric_fnri.metrics.encode_mixed_radix` (layer 0 most
    significant), so the matrix holds the full joint distribution: any
    accuracy of any mapping from predicted factors to label layers can be
    read from it.

    Args:
        pred (torch.Tensor): Predicted classes of shape :obj:`[E, P]` (or
            :obj:`[E]` when :math:`P = 1`).
        target (torch.Tensor): Labels of shape :obj:`[E, L]` (or :obj:`[E]`
            when :math:`L = 1`).
        pred_num_classes (Sequence[int]): The class count of every
            predicted factor (length :math:`P`).
        num_edge_types (Sequence[int]): The class count :math:`K_l` of every
            label layer (length :math:`L`).

    Returns:
        :class:`torch.LongTensor` of shape
        :obj:`[prod(pred_num_classes), prod(num_edge_types)]` whose entry
        ``[p, t]`` counts the edges with combined prediction :obj:`p` and
        combined label :obj:`t`.

    Examples:
        >>> pred = torch.tensor([[0, 1], [1, 1], [1, 0]])
        >>> target = torch.tensor([[0, 1], [1, 0], [1, 0]])
        >>> confusion_matrix(pred, target, [2, 2], [2, 2])
        tensor([[0, 0, 0, 0],
                [0, 1, 0, 0],
                [0, 0, 1, 0],
                [0, 0, 1, 0]])
    """
    pred_num_classes = as_edge_type_counts(
        pred_num_classes, 'pred_num_classes', allow_int=False)
    num_edge_types = as_edge_type_counts(num_edge_types, allow_int=False)
    pred = _check_labels(pred, pred_num_classes, 'pred')
    target = _check_labels(target, num_edge_types, 'target')
    if pred.size(0) != target.size(0):
        raise ValueError(f"'pred' and 'target' must have the same number of "
                         f"edges (got {pred.size(0)} and {target.size(0)})")
    num_pred = 1
    for k in pred_num_classes:
        num_pred *= k
    num_target = 1
    for k in num_edge_types:
        num_target *= k
    pred_code = encode_mixed_radix(pred, pred_num_classes)
    target_code = encode_mixed_radix(target.to(pred.device), num_edge_types)
    flat = pred_code * num_target + target_code
    counts = torch.bincount(flat, minlength=num_pred * num_target)
    return counts.view(num_pred, num_target)
