r"""The encoder's edge metrics on one split: accuracy under one mapping,
the reference's per-batch optimum, and edge presence per layer, over all
pairs (those outside a candidate graph count as predicted "no
interaction")."""
from typing import Dict, List, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    MissedPairs,
    edge_presence_metrics,
    per_batch_optimal_accuracy,
)
from .distributed import all_gather_objects, all_reduce_sum


def identity_mapping(model: torch.nn.Module) -> Dict:
    r"""The mapping that reads predictions as labels without relabelling
    (supervised encoders are trained on the labels, so their factor
    :math:`l` *is* label layer :math:`l`; see
    :meth:`~torch_geometric_fnri.nn.ModelFamily.identity_mapping`)."""
    return model.family.identity_mapping(model.num_edge_types)


def reference_batch_search(model: torch.nn.Module) -> Dict[str, object]:
    r"""The mapping search of the reference's per-batch accuracy for
    :obj:`model` (fNRI ``utils.py``), as the :obj:`family` and
    :obj:`allow_label_permutation` arguments of
    :func:`~torch_geometric_fnri.metrics.per_batch_optimal_accuracy`:

    * NRI: any bijection of the combined classes;
    * fNRI whose decoder skips the first type of every layer-graph
      (:attr:`~torch_geometric_fnri.nn.RelationalInference.skip_first`)
      and whose layers are all binary: the layer order only, type 0 pinned
      as the non-edge;
    * any other fNRI: any bijection of the combined classes (the reference
      ignores the factorisation there);
    * sfNRI: the factor order only.
    """
    return model.family.reference_batch_search(model.num_edge_types,
                                               model.skip_first)


def all_reduce_accuracy(accuracy: EdgeAccuracy) -> None:
    r"""Sums the confusion matrix and the missed pairs of
    :obj:`accuracy` over the processes of a distributed run (in place)."""
    accuracy.confusion = all_reduce_sum(accuracy.confusion)
    if accuracy.missed is not None:
        accuracy.missed = MissedPairs(all_reduce_sum(accuracy.missed.counts))


class EdgeEvaluation:
    r"""Accumulates the encoder metrics of :func:`evaluate` over the
    batches of a split (see there for the keys): the joint confusion
    matrix of the predicted classes and the labels, the reference's
    per-batch optimal accuracy over groups of
    :obj:`accuracy_batch_size` simulations, and the encoder's
    probabilities for edge presence; with graphs that record the pairs
    their candidate graph leaves out (see
    :class:`~torch_geometric_fnri.metrics.MissedPairs`), those pairs too.

    Args:
        model (torch.nn.Module): A :class:`RelationalInference` model.
        layer_names (Sequence[str]): Names of the label layers.
        accuracy_batch_size (int): Simulations per group of the per-batch
            optimal accuracy.
        device (torch.device): Where the sums are kept.
    """
    def __init__(self, model: torch.nn.Module, layer_names: Sequence[str],
                 accuracy_batch_size: int, device: torch.device):
        self.model = model
        self.layer_names = list(layer_names)
        self.accuracy_batch_size = accuracy_batch_size
        self.device = device
        self.accuracy = EdgeAccuracy(model.pred_num_classes,
                                     model.num_edge_types,
                                     family=model.family.accuracy_family)
        self.search = reference_batch_search(model)
        self.sums: Dict[str, Tensor] = {}
        # (factor probabilities, labels, missed pairs) per batch.
        self.presence_inputs: List = []

    def _add(self, key: str, value: float) -> None:
        value = torch.tensor(value).to(self.device, torch.float64)
        self.sums[key] = (self.sums[key] + value if key in self.sums else
                          value)

    def update(self, logits: Tensor, pred: Tensor, edge_type: Tensor,
               batch) -> None:
        r"""Adds the edges of one batch.

        Args:
            logits (torch.Tensor): Encoder logits :obj:`[E, W]`.
            pred (torch.Tensor): Predicted classes :obj:`[E, P]`.
            edge_type (torch.Tensor): Labels :obj:`[E, L]`.
            batch (Batch): The batch (:obj:`batch` and :obj:`edge_index`
                give every edge's simulation; a record of missed pairs
                the pairs outside its candidate graphs).
        """
        model = self.model
        missed = MissedPairs.read(batch)
        self.accuracy.update(pred, edge_type, missed)
        self.presence_inputs.append((
            [p.detach().cpu() for p in model.factor_probabilities(logits)],
            edge_type.detach().cpu(), missed))
        # Re-chooses the mapping for every group of accuracy_batch_size
        # graphs (the reference's per-batch optimum with its search).
        edge_batch = batch.batch[batch.edge_index[1]]
        group = edge_batch // self.accuracy_batch_size
        graph_group = torch.arange(batch.num_graphs, device=group.device
                                   ) // self.accuracy_batch_size
        for g in torch.unique(group).tolist():
            mask = group == g
            result = per_batch_optimal_accuracy(
                [(pred[mask], edge_type[mask],
                  MissedPairs.read(batch, graph_group == g))],
                model.pred_num_classes, model.num_edge_types, **self.search)
            self._add('acc_batches', 1.0)
            self._add('acc_opt_combined', result['combined'])
            for name, value in zip(self.layer_names, result['per_layer']):
                self._add(f'acc_opt_{name}', value)

    def compute(self, mapping: Optional[Dict] = None,
                full: bool = False) -> Dict:
        r"""The metrics of the whole split (all-reduced over processes), or
        an empty :obj:`dict` when no batch had labels.

        Args:
            mapping (dict, optional): Fixed accuracy mapping, else fitted
                on this split. (default: :obj:`None`)
            full (bool, optional): Also the edge confusion matrix.
                (default: :obj:`False`)
        """
        if 'acc_batches' not in self.sums:
            return {}
        keys = sorted(self.sums)
        totals = dict(zip(keys, all_reduce_sum(
            torch.stack([self.sums[k] for k in keys]))))
        accuracy, names = self.accuracy, self.layer_names
        all_reduce_accuracy(accuracy)
        result = accuracy.compute(mapping)
        out: Dict = {'acc_combined': result['combined']}
        for name, value in zip(names, result['per_layer']):
            out[f'acc_{name}'] = value
        batches = float(totals['acc_batches'])
        out['acc_batch_optimal_combined'] = float(
            totals['acc_opt_combined']) / batches
        for name in names:
            out[f'acc_batch_optimal_{name}'] = float(
                totals[f'acc_opt_{name}']) / batches
        out['edge_mapping'] = result['mapping']
        out.update(self._edge_presence(result['mapping']))
        if full:
            out['edge_confusion'] = accuracy.confusion.tolist()
        return out

    def _edge_presence(self, mapping: Dict) -> Dict[str, float]:
        # AUROC, precision, recall and F1 of every layer over the whole
        # split (the batches of every process), and the share of the
        # interactions the candidate graphs miss.
        inputs = [item for part in all_gather_objects(self.presence_inputs)
                  for item in part]
        probabilities = [torch.cat(parts) for parts in
                         zip(*(probs for probs, _, _ in inputs))]
        target = torch.cat([labels for _, labels, _ in inputs])
        return edge_presence_metrics(
            probabilities, target, mapping, self.model.pred_num_classes,
            self.model.num_edge_types, self.layer_names,
            MissedPairs.total(missed for _, _, missed in inputs))
