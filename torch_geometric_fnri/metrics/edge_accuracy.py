r"""Permutation-invariant edge accuracy for NRI, fNRI and sfNRI."""
from typing import Dict, Iterable, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts
from torch_geometric_fnri.utils.int_checks import is_int

from .confusion_matrix import confusion_matrix
from .edge_mapping import (
    check_family,
    fit_edge_mapping,
    is_joint_family,
    mapped_accuracy,
    mapping_table,
)
from .missed_pairs import MissedPairs
from .mixed_radix import decode_mixed_radix, encode_mixed_radix


class EdgeAccuracy:
    r"""Edge accuracy up to the relabelling that unsupervised relational
    inference cannot resolve, accumulated over batches.

    :meth:`update` adds a batch to a joint confusion matrix (exact and
    additive, so accumulating equals one pass over all edges). :meth:`fit`
    returns the mapping from predicted factors to label layers with the best
    combined accuracy on everything accumulated (fit it on the validation
    set); :meth:`compute` reports the accuracies under a given mapping (use
    the validation mapping on the test set) or under the optimum for the
    accumulated data. Mappings, search and tie-break are described in
    :mod:`torch_geometric_fnri.metrics.edge_mapping`. The families:

    * :obj:`'fnri'`: predicted factor :math:`p` has
      ``pred_num_classes[p]`` classes; a mapping assigns a distinct factor
      of the same class count to each label layer and permutes the labels
      within each layer (all permutations are searched; for binary layers
      that is a flip per layer).
    * :obj:`'sfnri'`: as :obj:`'fnri'`, for binary (sigmoid) factors.
    * :obj:`'nri'`: any bijection between the predicted combined classes
      (typically :math:`P = 1` with :math:`C = \prod_l K_l` classes) and the
      combined label classes (mixed radix, layer 0 most significant), found
      exactly by linear assignment; rectangular when the counts differ.
      Applied to fNRI predictions it reproduces the reference's general
      fNRI search, which ignores the factorisation.

    With :obj:`allow_label_permutation=False` labels keep their identity
    (factorised: only the factor order is searched, like the reference's
    skip-first and sigmoid accuracies; joint: the identity mapping).

    The pairs that a candidate graph leaves out (:obj:`missed` of
    :meth:`update`, see :class:`~torch_geometric_fnri.metrics.MissedPairs`)
    count as predicted "no interaction" (label 0 in every layer) under
    every mapping: they add the same number of right pairs to every
    mapping, so the fitted mapping is that of the candidate edges alone,
    and the accuracies are over all pairs.

    Args:
        pred_num_classes (Sequence[int]): Class counts of the :math:`P`
            predicted factors (e.g. :obj:`[2, 2]` for fNRI, :obj:`[4]` for
            NRI on I+C).
        num_edge_types (Sequence[int]): Class counts :math:`K_l` of the
            :math:`L` label layers (e.g. :obj:`[2, 2]`).
        family (str, optional): :obj:`'fnri'`, :obj:`'sfnri'` or
            :obj:`'nri'`. (default: :obj:`'fnri'`)
        allow_label_permutation (bool, optional): Whether labels may be
            permuted (see above). (default: :obj:`True`)
        max_enumeration (int, optional): The largest number of factorised
            candidates searched exhaustively. (default: :obj:`100000`)

    Shapes:
        - **update input:** predictions :math:`(E, P)` and labels
          :math:`(E, L)`, both integer (1-D allowed when :math:`P = 1` or
          :math:`L = 1`)

    Examples:
        >>> metric = EdgeAccuracy([2, 2], [2, 2], family='fnri')
        >>> target = torch.tensor([[0, 1], [1, 0], [1, 1], [0, 0]])
        >>> metric.update(1 - target.flip(-1), target)
        >>> metric.compute()['combined']
        1.0
    """
    def __init__(
        self,
        pred_num_classes: Sequence[int],
        num_edge_types: Sequence[int],
        family: str = 'fnri',
        allow_label_permutation: bool = True,
        max_enumeration: int = 100_000,
    ):
        self.pred_num_classes = as_edge_type_counts(
            pred_num_classes, 'pred_num_classes', allow_int=False)
        self.num_edge_types = as_edge_type_counts(num_edge_types,
                                                  allow_int=False)
        self.family = check_family(family)
        if not isinstance(allow_label_permutation, bool):
            raise TypeError(f"'allow_label_permutation' must be a bool "
                            f"(got {allow_label_permutation!r})")
        self.allow_label_permutation = allow_label_permutation
        if not is_int(max_enumeration) or max_enumeration < 1:
            raise ValueError(f"'max_enumeration' must be a positive int "
                             f"(got {max_enumeration!r})")
        self.max_enumeration = max_enumeration
        # Fails early when the family cannot map these class counts.
        fit_edge_mapping(self._empty(), self.pred_num_classes,
                         self.num_edge_types, self.family,
                         self.allow_label_permutation, max_enumeration=1)
        self.reset()

    def _empty(self) -> Tensor:
        num_pred, num_target = 1, 1
        for k in self.pred_num_classes:
            num_pred *= k
        for k in self.num_edge_types:
            num_target *= k
        return torch.zeros(num_pred, num_target, dtype=torch.long)

    def reset(self) -> None:
        r"""Clears the accumulated confusion matrix and missed pairs."""
        self.confusion = self._empty()
        self.missed: Optional[MissedPairs] = None

    @torch.no_grad()
    def update(self, pred: Tensor, target: Tensor,
               missed: Optional[MissedPairs] = None) -> None:
        r"""Adds a batch of predictions and labels.

        Args:
            pred (torch.Tensor): Predicted classes :math:`(E, P)`.
            target (torch.Tensor): Labels :math:`(E, L)`.
            missed (MissedPairs, optional): The pairs of the batch's graphs
                outside their candidate graphs. (default: :obj:`None`)
        """
        counts = confusion_matrix(pred, target, self.pred_num_classes,
                                  self.num_edge_types)
        self.confusion = self.confusion + counts.cpu()
        self.missed = MissedPairs.total((self.missed, missed))

    @property
    def num_edges(self) -> int:
        r"""The number of edges accumulated so far."""
        return int(self.confusion.sum())

    @property
    def num_pairs(self) -> int:
        r"""The number of pairs scored so far: the edges and the missed
        pairs."""
        return self.num_edges + (0 if self.missed is None else
                                 self.missed.pairs)

    def fit(self) -> Dict:
        r"""Returns the mapping with the best combined accuracy on the
        accumulated edges, as a :obj:`dict` of plain lists."""
        if self.num_edges == 0:
            raise ValueError('No edges were accumulated; call update() first')
        return fit_edge_mapping(self.confusion, self.pred_num_classes,
                                self.num_edge_types, self.family,
                                self.allow_label_permutation,
                                self.max_enumeration)

    def compute(self, mapping: Optional[Dict] = None) -> Dict:
        r"""Accuracies on the accumulated edges.

        Args:
            mapping (dict, optional): A fixed mapping (e.g. fitted on the
                validation set, possibly loaded from JSON). If :obj:`None`,
                the optimum for the accumulated edges is used.
                (default: :obj:`None`)

        Returns:
            ``{'combined': float, 'per_layer': [float] * L, 'mapping':
            dict}``.
        """
        if mapping is None:
            mapping = self.fit()
        else:
            self._check_mapping_family(mapping)
        out = mapped_accuracy(self.confusion, mapping, self.pred_num_classes,
                              self.num_edge_types, self.missed)
        out['mapping'] = mapping
        return out

    def map_predictions(self, pred: Tensor, mapping: Dict) -> Tensor:
        r"""Translates predictions into label space.

        Args:
            pred (torch.Tensor): Predicted classes :math:`(E, P)`.
            mapping (dict): A mapping of :meth:`fit`.

        Returns:
            :class:`torch.LongTensor` of shape :math:`(E, L)`; edges whose
            predicted class maps to no label combination get :obj:`-1` in
            every layer.
        """
        self._check_mapping_family(mapping)
        table = torch.from_numpy(
            mapping_table(mapping, self.pred_num_classes,
                          self.num_edge_types)).to(pred.device)
        if pred.dim() == 1 and len(self.pred_num_classes) == 1:
            pred = pred.unsqueeze(-1)
        if pred.dim() != 2 or pred.size(1) != len(self.pred_num_classes):
            raise ValueError(f"'pred' must have shape "
                             f"[E, {len(self.pred_num_classes)}] "
                             f"(got {tuple(pred.shape)})")
        code = table[encode_mixed_radix(pred, self.pred_num_classes)]
        out = decode_mixed_radix(code.clamp(min=0), self.num_edge_types)
        return torch.where(code.unsqueeze(-1) >= 0, out, -1)

    def _check_mapping_family(self, mapping: Dict) -> None:
        if isinstance(mapping, dict) and mapping.get('family') is not None \
                and is_joint_family(mapping['family']) != \
                is_joint_family(self.family):
            raise ValueError(f"'mapping' of family {mapping['family']!r} "
                             f"does not fit family {self.family!r}")

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.pred_num_classes}, '
                f'{self.num_edge_types}, family={self.family!r})')


def per_batch_optimal_accuracy(
    batches: Iterable[tuple],
    pred_num_classes: Sequence[int],
    num_edge_types: Sequence[int],
    family: str = 'fnri',
    allow_label_permutation: bool = True,
    weighted: bool = False,
) -> Dict:
    r"""The reference's (optimistic) accuracy: the best mapping is chosen
    separately for every batch *using its labels*, and the batch accuracies
    are averaged.

    This is what the fNRI paper reports (batches of 128 simulations). It
    over-estimates the accuracy of a model evaluated with one mapping
    (:class:`EdgeAccuracy` fitted on validation data), most for small
    batches. It equals the reference's figure when :obj:`family` and
    :obj:`allow_label_permutation` give the reference's search, which
    depends on the model (see
    :func:`torch_geometric_fnri.training.reference_batch_search`): the
    fNRI search with a skip-first decoder keeps labels fixed
    (:obj:`allow_label_permutation=False`), so the default here is more
    permissive than the reference for such models.

    Args:
        batches (Iterable[tuple]): Pairs ``(pred [E, P], target [E, L])``,
            one per batch, or triples with the batch's
            :class:`~torch_geometric_fnri.metrics.MissedPairs` (or
            :obj:`None`) third.
        pred_num_classes (Sequence[int]): Class counts of the predicted
            factors.
        num_edge_types (Sequence[int]): Class counts of the label layers.
        family (str, optional): See :class:`EdgeAccuracy`.
            (default: :obj:`'fnri'`)
        allow_label_permutation (bool, optional): See
            :class:`EdgeAccuracy`. (default: :obj:`True`)
        weighted (bool, optional): If set to :obj:`True`, batches are
            weighted by their number of pairs (edges and missed pairs); the
            reference uses the plain mean over batches (:obj:`False`),
            which over-weights a smaller last batch.
            (default: :obj:`False`)

    Returns:
        ``{'combined': float, 'per_layer': [float] * L, 'num_batches':
        int}``.
    """
    if not isinstance(weighted, bool):
        raise TypeError(f"'weighted' must be a bool (got {weighted!r})")
    metric = EdgeAccuracy(pred_num_classes, num_edge_types, family,
                          allow_label_permutation)
    combined, per_layer, weights = [], [], []
    for batch in batches:
        metric.reset()
        metric.update(*batch)
        if metric.num_edges == 0:
            continue
        out = metric.compute()
        combined.append(out['combined'])
        per_layer.append(out['per_layer'])
        weights.append(metric.num_pairs if weighted else 1)
    if len(combined) == 0:
        raise ValueError("'batches' must contain at least one non-empty "
                         "batch")
    total = sum(weights)
    num_layers = len(metric.num_edge_types)
    return {
        'combined': sum(w * c for w, c in zip(weights, combined)) / total,
        'per_layer': [
            sum(w * p[l] for w, p in zip(weights, per_layer)) / total
            for l in range(num_layers)
        ],
        'num_batches': len(combined),
    }
