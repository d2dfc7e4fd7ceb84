r"""Mixed-radix codes for multi-layer edge labels.

An edge with labels :math:`(y_0, \ldots, y_{L-1})`, :math:`y_l < K_l`, has
the combined class

.. math::
    c = \sum_{l} y_l \prod_{m > l} K_m,

i.e. layer 0 is the most significant digit (the convention of the fNRI
data loaders; I+C: :math:`c = 2 y_\text{spring} + y_\text{charge}`).
"""
from typing import List, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


def _strides(num_classes: List[int]) -> List[int]:
    strides = [1] * len(num_classes)
    for i in range(len(num_classes) - 2, -1, -1):
        strides[i] = strides[i + 1] * num_classes[i + 1]
    return strides


def encode_mixed_radix(digits: Tensor, num_classes: Sequence[int]) -> Tensor:
    r"""Combines per-layer labels into one class (layer 0 most significant).

    Args:
        digits (torch.Tensor): Integer labels of shape :obj:`[..., L]` with
            ``digits[..., l] < num_classes[l]``.
        num_classes (Sequence[int]): The class counts :math:`K_l`.

    Returns:
        :class:`torch.LongTensor` of shape :obj:`[...]` with values in
        :math:`[0, \prod_l K_l)`.

    Examples:
        >>> encode_mixed_radix(torch.tensor([[1, 0], [1, 1]]), [2, 2])
        tensor([2, 3])
    """
    num_classes = as_edge_type_counts(num_classes, 'num_classes',
                                      allow_int=False)
    if digits.dim() < 1 or digits.size(-1) != len(num_classes):
        raise ValueError(f"'digits' must have shape [..., "
                         f"{len(num_classes)}] (got {tuple(digits.shape)})")
    strides = torch.tensor(_strides(num_classes), dtype=torch.long,
                           device=digits.device)
    return (digits.long() * strides).sum(dim=-1)


def decode_mixed_radix(code: Tensor, num_classes: Sequence[int]) -> Tensor:
    r"""Inverse of :func:`encode_mixed_radix`.

    Args:
        code (torch.Tensor): Combined classes of shape :obj:`[...]`.
        num_classes (Sequence[int]): The class counts :math:`K_l`.

    Returns:
        :class:`torch.LongTensor` of shape :obj:`[..., L]`.

    Examples:
        >>> decode_mixed_radix(torch.tensor([2, 3]), [2, 2])
        tensor([[1, 0],
                [1, 1]])
    """
    num_classes = as_edge_type_counts(num_classes, 'num_classes',
                                      allow_int=False)
    code = code.long()
    strides = _strides(num_classes)
    digits = [(code // s) % k for s, k in zip(strides, num_classes)]
    return torch.stack(digits, dim=-1)
