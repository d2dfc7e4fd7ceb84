r"""Mappings from predicted edge factors onto label layers.

Unsupervised relational inference identifies edge types only up to a
relabelling, so an accuracy needs a *mapping* from what the model predicts
to the label layers. A mapping is a plain :obj:`dict` of lists (it can be
stored in JSON) of one of two kinds:

* **Factorised** (families :obj:`'fnri'` and :obj:`'sfnri'`):
  ``{'family': 'fnri', 'factor_of_layer': [p_0, ..., p_{L-1}],
  'label_maps': [[...], ...]}``. Label layer :math:`l` is explained by the
  predicted factor ``factor_of_layer[l]`` (distinct factors with the same
  class count :math:`K_l`) and a predicted class :math:`k` of that factor
  means label ``label_maps[l][k]`` (a permutation of
  :math:`\{0, \ldots, K_l - 1\}`).
* **Joint** (family :obj:`'nri'`): ``{'family': 'nri', 'class_map':
  [...]}``. The predicted combined class :math:`c` (mixed radix of the
  predicted factors, layer 0 most significant) means the label combination
  ``class_map[c]`` (a combined class of the label layers), or nothing when
  it is :obj:`-1` (more predicted than label classes).

All accuracies are read from the joint confusion matrix of
:func:`~torch_geometric_fnri.metrics.confusion_matrix`.

**Search and tie-break.** :func:`fit_edge_mapping` maximises the number of
edges whose labels are right in *every* layer (combined accuracy). Among
equally good mappings it returns the *first* in a fixed order, which makes
the result deterministic and equal to a brute-force search that keeps the
first maximum:

* factorised: ``factor_of_layer`` in :func:`itertools.permutations` order
  of :obj:`range(P)` taken :math:`L` at a time (skipping assignments whose
  class counts differ), then ``label_maps`` in
  :func:`itertools.product` order of the per-layer
  :func:`itertools.permutations` (identity only when
  :obj:`allow_label_permutation=False`). The search is exhaustive when the
  number of candidates is at most :obj:`max_enumeration`; otherwise, for
  every factor assignment, each layer's permutation is chosen separately by
  a linear assignment on that layer's confusion matrix (maximising per-layer
  accuracy; an approximation of the combined optimum) and the assignment
  with the best combined accuracy is kept.
* joint: the lexicographically smallest ``class_map`` among the optimal
  ones (the order of :func:`itertools.permutations`), found exactly by a
  linear assignment on the :math:`C_\text{pred} \times C_\text{label}`
  confusion matrix followed by a greedy lexicographic repair (each row takes
  the smallest column that still admits an optimal completion). Rectangular
  matrices are padded with empty rows/columns; padded columns become
  :obj:`-1`.
"""
import itertools
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from torch_geometric_fnri.model_family import get_model_family
from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts

from .linear_assignment import lexicographic_max_assignment
from .missed_pairs import MissedPairs
from .mixed_radix import decode_mixed_radix

_CHUNK = 4096


def _prod(values: Sequence[int]) -> int:
    out = 1
    for v in values:
        out *= v
    return out


def _strides(num_classes: List[int]) -> np.ndarray:
    return np.array([_prod(num_classes[i + 1:])
                     for i in range(len(num_classes))], dtype=np.int64)


def _digits(num_classes: List[int]) -> np.ndarray:
    # [prod(K), len(K)] digits of every combined class.
    code = torch.arange(_prod(num_classes))
    return decode_mixed_radix(code, num_classes).numpy()


def check_family(family: str) -> str:
    r"""Validates a model family name (one of
    :data:`~torch_geometric_fnri.nn.MODEL_FAMILIES`; see
    :func:`~torch_geometric_fnri.nn.get_model_family`)."""
    return get_model_family(family).name


def is_joint_family(family: str) -> bool:
    r"""Whether the mappings of :obj:`family` are joint (a bijection of
    the combined classes, NRI) rather than factorised."""
    return get_model_family(family).joint


def _check_confusion(confusion, num_pred: int, num_target: int) -> np.ndarray:
    if isinstance(confusion, Tensor):
        confusion = confusion.detach().cpu().numpy()
    confusion = np.asarray(confusion)
    if confusion.shape != (num_pred, num_target):
        raise ValueError(f"'confusion' must have shape "
                         f"[{num_pred}, {num_target}] (got "
                         f"{list(confusion.shape)})")
    return confusion.astype(np.int64)


def _factor_assignments(pred_num_classes: List[int],
                        num_edge_types: List[int]) -> List[tuple]:
    out = [a for a in itertools.permutations(range(len(pred_num_classes)),
                                             len(num_edge_types))
           if all(pred_num_classes[p] == k
                  for p, k in zip(a, num_edge_types))]
    if len(out) == 0:
        raise ValueError(f"No assignment of the predicted factors "
                         f"(pred_num_classes={pred_num_classes}) to the "
                         f"label layers (num_edge_types={num_edge_types}) "
                         f"with equal class counts exists")
    return out


def _factorised_table(factor_of_layer, label_maps, pred_digits,
                      target_strides) -> np.ndarray:
    table = np.zeros(pred_digits.shape[0], dtype=np.int64)
    for l, (p, label_map) in enumerate(zip(factor_of_layer, label_maps)):
        table += np.asarray(label_map)[pred_digits[:, p]] * target_strides[l]
    return table


def _fit_factorised(confusion, pred_num_classes, num_edge_types,
                    allow_label_permutation, max_enumeration) -> Dict:
    assignments = _factor_assignments(pred_num_classes, num_edge_types)
    pred_digits = _digits(pred_num_classes)
    target_digits = _digits(num_edge_types)
    strides = _strides(num_edge_types)
    rows = np.arange(confusion.shape[0])
    if allow_label_permutation:
        perms = [np.array(list(itertools.permutations(range(k))))
                 for k in num_edge_types]
    else:
        perms = [np.arange(k)[None] for k in num_edge_types]
    shape = tuple(len(p) for p in perms)
    num_label = _prod(shape)

    best_score, best = -1, None
    if len(assignments) * num_label <= max_enumeration:
        for a in assignments:
            # parts[l][i, c]: contribution of layer l's i-th permutation to
            # the target code of predicted combined class c.
            parts = [perms[l][:, pred_digits[:, p]] * strides[l]
                     for l, p in enumerate(a)]
            for start in range(0, num_label, _CHUNK):
                index = np.unravel_index(
                    np.arange(start, min(start + _CHUNK, num_label)), shape)
                table = sum(part[i] for part, i in zip(parts, index))
                score = confusion[rows, table].sum(axis=1)
                k = int(np.argmax(score))
                if int(score[k]) > best_score:
                    best_score = int(score[k])
                    best = (a, [perms[l][i[k]].tolist()
                                for l, i in enumerate(index)])
    else:
        for a in assignments:
            maps = []
            for l, p in enumerate(a):
                layer = np.zeros((num_edge_types[l], num_edge_types[l]),
                                 dtype=np.int64)
                np.add.at(layer, (pred_digits[:, p][:, None],
                                  target_digits[:, l][None, :]), confusion)
                if allow_label_permutation:
                    maps.append(lexicographic_max_assignment(layer).tolist())
                else:
                    maps.append(list(range(num_edge_types[l])))
            table = _factorised_table(a, maps, pred_digits, strides)
            score = int(confusion[rows, table].sum())
            if score > best_score:
                best_score, best = score, (a, maps)
    return {'factor_of_layer': list(best[0]), 'label_maps': best[1]}


def _fit_joint(confusion, allow_label_permutation) -> Dict:
    num_pred, num_target = confusion.shape
    if not allow_label_permutation:
        if num_pred != num_target:
            raise ValueError(f"The identity mapping needs as many predicted "
                             f"as label classes (got {num_pred} and "
                             f"{num_target})")
        return {'class_map': list(range(num_pred))}
    n = max(num_pred, num_target)
    score = np.zeros((n, n), dtype=np.int64)
    score[:num_pred, :num_target] = confusion
    sigma = lexicographic_max_assignment(score)[:num_pred]
    sigma[sigma >= num_target] = -1
    return {'class_map': sigma.tolist()}


def fit_edge_mapping(
    confusion,
    pred_num_classes: Sequence[int],
    num_edge_types: Sequence[int],
    family: str = 'fnri',
    allow_label_permutation: bool = True,
    max_enumeration: int = 100_000,
) -> Dict:
    r"""Finds the mapping with the highest combined accuracy on a joint
    confusion matrix (see the module docstring for the search and the
    tie-break).

    Args:
        confusion (torch.Tensor or numpy.ndarray): Joint confusion counts of
            shape :obj:`[prod(pred_num_classes), prod(num_edge_types)]`.
        pred_num_classes (Sequence[int]): Class counts of the :math:`P`
            predicted factors.
        num_edge_types (Sequence[int]): Class counts :math:`K_l` of the
            :math:`L` label layers.
        family (str, optional): :obj:`'fnri'` or :obj:`'sfnri'` (factor
            assignment times within-layer permutations; :obj:`'sfnri'`
            requires binary classes) or :obj:`'nri'` (any bijection of the
            combined classes). (default: :obj:`'fnri'`)
        allow_label_permutation (bool, optional): If set to :obj:`False`,
            labels keep their identity: only the factor-to-layer assignment
            is searched (factorised), or the identity is used (joint).
            (default: :obj:`True`)
        max_enumeration (int, optional): The largest number of factorised
            candidates searched exhaustively. (default: :obj:`100000`)

    Returns:
        The mapping as a :obj:`dict` of plain lists.
    """
    family = check_family(family)
    pred_num_classes = as_edge_type_counts(
        pred_num_classes, 'pred_num_classes', allow_int=False)
    num_edge_types = as_edge_type_counts(num_edge_types, allow_int=False)
    confusion = _check_confusion(confusion, _prod(pred_num_classes),
                                 _prod(num_edge_types))
    if is_joint_family(family):
        mapping = _fit_joint(confusion, allow_label_permutation)
    else:
        if get_model_family(family).sigmoid and any(
                k != 2 for k in pred_num_classes + num_edge_types):
            raise ValueError(f"Family {family!r} needs binary factors and "
                             f"layers (got pred_num_classes="
                             f"{pred_num_classes}, num_edge_types="
                             f"{num_edge_types})")
        mapping = _fit_factorised(confusion, pred_num_classes,
                                  num_edge_types, allow_label_permutation,
                                  max_enumeration)
    return {'family': family, **mapping}


def mapping_table(
    mapping: Dict,
    pred_num_classes: Sequence[int],
    num_edge_types: Sequence[int],
) -> np.ndarray:
    r"""Returns, for every predicted combined class, the combined label
    class it is mapped to (:obj:`-1` for none), after validating
    :obj:`mapping`.

    Args:
        mapping (dict): A mapping of :func:`fit_edge_mapping`.
        pred_num_classes (Sequence[int]): Class counts of the predicted
            factors.
        num_edge_types (Sequence[int]): Class counts of the label layers.

    Returns:
        :class:`numpy.ndarray` of shape :obj:`[prod(pred_num_classes)]`.
    """
    pred_num_classes = as_edge_type_counts(
        pred_num_classes, 'pred_num_classes', allow_int=False)
    num_edge_types = as_edge_type_counts(num_edge_types, allow_int=False)
    if not isinstance(mapping, dict) or 'family' not in mapping:
        raise TypeError(f"'mapping' must be a dict with a 'family' key "
                        f"(got {mapping!r})")
    family = check_family(mapping['family'])
    num_pred, num_target = _prod(pred_num_classes), _prod(num_edge_types)
    if is_joint_family(family):
        table = np.asarray(mapping.get('class_map'), dtype=np.int64)
        assigned = table[table >= 0]
        if table.shape != (num_pred, ) or (table < -1).any() \
                or (table >= num_target).any() \
                or len(np.unique(assigned)) != len(assigned):
            raise ValueError(f"'mapping[\"class_map\"]' must list {num_pred} "
                             f"distinct classes in [0, {num_target}) or -1 "
                             f"(got {mapping.get('class_map')!r})")
        return table
    factor_of_layer = list(mapping.get('factor_of_layer', []))
    label_maps = list(mapping.get('label_maps', []))
    ok = (len(factor_of_layer) == len(num_edge_types)
          and len(label_maps) == len(num_edge_types)
          and len(set(factor_of_layer)) == len(factor_of_layer)
          and all(0 <= p < len(pred_num_classes) for p in factor_of_layer))
    ok = ok and all(
        pred_num_classes[p] == k and sorted(m) == list(range(k))
        for p, m, k in zip(factor_of_layer, label_maps, num_edge_types))
    if not ok:
        raise ValueError(f"'mapping' does not fit pred_num_classes="
                         f"{pred_num_classes} and num_edge_types="
                         f"{num_edge_types} (got {mapping!r})")
    return _factorised_table(factor_of_layer, label_maps,
                             _digits(pred_num_classes),
                             _strides(num_edge_types))


def mapped_accuracy(
    confusion,
    mapping: Dict,
    pred_num_classes: Sequence[int],
    num_edge_types: Sequence[int],
    missed: Optional[MissedPairs] = None,
) -> Dict:
    r"""Combined and per-layer accuracy of a fixed mapping.

    Args:
        confusion (torch.Tensor or numpy.ndarray): Joint confusion counts of
            shape :obj:`[prod(pred_num_classes), prod(num_edge_types)]`.
        mapping (dict): A mapping of :func:`fit_edge_mapping`.
        pred_num_classes (Sequence[int]): Class counts of the predicted
            factors.
        num_edge_types (Sequence[int]): Class counts of the label layers.
        missed (MissedPairs, optional): The pairs outside the candidate
            graph, scored as predicted "no interaction" (label 0 in every
            layer): right in a layer where they do not interact, and in
            every layer when they interact nowhere. (default: :obj:`None`)

    Returns:
        ``{'combined': float, 'per_layer': [float] * L}``: the fraction of
        edges (and missed pairs) right in every layer, and in each layer.
    """
    table = mapping_table(mapping, pred_num_classes, num_edge_types)
    num_edge_types = as_edge_type_counts(num_edge_types, allow_int=False)
    confusion = _check_confusion(confusion, len(table),
                                 _prod(num_edge_types))
    if missed is None:
        missed = MissedPairs(torch.zeros(2**len(num_edge_types),
                                         dtype=torch.long))
    elif missed.num_layers != len(num_edge_types):
        raise ValueError(f"'missed' counts {missed.num_layers} layer(s), "
                         f"the labels have {len(num_edge_types)}")
    total = int(confusion.sum()) + missed.pairs
    if total == 0:
        raise ValueError("'confusion' is empty (no edges were counted)")
    target_digits = _digits(num_edge_types)
    pred_digits = np.where(table[:, None] >= 0,
                           target_digits[np.maximum(table, 0)], -1)
    correct = pred_digits[:, None, :] == target_digits[None, :, :]
    per_layer = (confusion[:, :, None] * correct).sum(axis=(0, 1))
    combined = (confusion * correct.all(axis=-1)).sum()
    missed_right = [missed.pairs - n for n in missed.interactions]
    return {'combined': (int(combined) + missed.non_edges) / total,
            'per_layer': [(int(v) + right) / total
                          for v, right in zip(per_layer, missed_right)]}
