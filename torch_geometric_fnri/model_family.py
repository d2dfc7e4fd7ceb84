r"""The model families of relational inference (NRI, fNRI and sfNRI): how
each one maps the data's label layers onto its edge types, what it
predicts, how its predictions are matched to the labels, and which loss
terms it has."""
import math
from dataclasses import dataclass
from typing import Dict, List, Sequence


@dataclass(frozen=True)
class ModelFamily:
    r"""One model family of relational inference; look one up by name with
    :func:`get_model_family`. For label layers :math:`[K_1, \ldots, K_L]`:

    * :obj:`'nri'` (:obj:`joint`): one layer-graph with :math:`\prod_l K_l`
      types, the mixed-radix class :math:`\sum_l y_l \prod_{m > l} K_m`
      (layer 0 most significant); its predictions match the labels by any
      bijection of the combined classes;
    * :obj:`'fnri'`: one layer-graph per label layer (:math:`K_l` types);
    * :obj:`'sfnri'` (:obj:`sigmoid`): one sigmoid factor per (binary)
      label layer, no KL term and no non-edge type.

    Args:
        name (str): The family name, one of :data:`MODEL_FAMILIES`.
        joint (bool): One layer-graph over the combined label classes.
        sigmoid (bool): One sigmoid factor per binary label layer.
    """
    name: str
    joint: bool
    sigmoid: bool

    def check_num_edge_types(self, num_edge_types: Sequence[int]) -> None:
        r"""Raises a :class:`ValueError` when the family cannot model label
        layers :obj:`num_edge_types` (sfNRI needs binary layers)."""
        if self.sigmoid and any(k != 2 for k in num_edge_types):
            raise ValueError(f"'{self.name}' needs binary label layers "
                             f"(got num_edge_types={list(num_edge_types)})")

    def model_edge_types(self, num_edge_types: Sequence[int]) -> List[int]:
        r"""The types of every layer-graph of the model (the sampler's
        blocks) for label layers :obj:`num_edge_types`; sfNRI: one entry,
        its number of factors."""
        if self.joint:
            return [math.prod(num_edge_types)]
        if self.sigmoid:
            return [len(num_edge_types)]
        return list(num_edge_types)

    def encoder_heads(self, num_edge_types: Sequence[int]) -> List[int]:
        r"""The logits of every encoder head (one per layer-graph; sfNRI:
        one per factor)."""
        if self.sigmoid:
            return [1] * len(num_edge_types)
        return self.model_edge_types(num_edge_types)

    def pred_num_classes(self, num_edge_types: Sequence[int]) -> List[int]:
        r"""The class counts of the predicted factors."""
        if self.sigmoid:
            return [2] * len(num_edge_types)
        return self.model_edge_types(num_edge_types)

    @property
    def sampler_mode(self) -> str:
        r"""The :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler`
        mode: :obj:`'sigmoid'` or :obj:`'gumbel'`."""
        return 'sigmoid' if self.sigmoid else 'gumbel'

    @property
    def has_kl(self) -> bool:
        r"""Whether the learned objective has a KL term (and takes a KL
        prior); sfNRI's has none (as in the reference)."""
        return not self.sigmoid

    @property
    def has_non_edge(self) -> bool:
        r"""Whether the first type of every layer-graph can be the
        non-edge (:obj:`skip_first`); sfNRI's factors have no such type."""
        return not self.sigmoid

    @property
    def has_split_heads(self) -> bool:
        r"""Whether the encoder has one head per layer-graph that can branch
        off early (:obj:`split_point`); NRI has a single layer-graph."""
        return not self.joint

    @property
    def accuracy_family(self) -> str:
        r"""The :obj:`family` of
        :class:`~torch_geometric_fnri.metrics.EdgeAccuracy` and the edge
        mappings for this model's predictions."""
        return self.name

    def identity_mapping(self, num_edge_types: Sequence[int]) -> Dict:
        r"""The edge mapping that reads predictions as labels without
        relabelling (a supervised encoder's factor :math:`l` *is* label
        layer :math:`l`)."""
        if self.joint:
            return {'family': self.accuracy_family, 'class_map': list(
                range(self.pred_num_classes(num_edge_types)[0]))}
        return {'family': self.accuracy_family,
                'factor_of_layer': list(range(len(num_edge_types))),
                'label_maps': [list(range(k)) for k in num_edge_types]}

    def reference_batch_search(self, num_edge_types: Sequence[int],
                               skip_first: bool) -> Dict[str, object]:
        r"""The mapping search of the reference's per-batch accuracy (fNRI
        ``utils.py``), as the :obj:`family` and
        :obj:`allow_label_permutation` arguments of
        :func:`~torch_geometric_fnri.metrics.per_batch_optimal_accuracy`:

        * NRI: any bijection of the combined classes;
        * fNRI whose decoder skips the first type of every layer-graph
          (:obj:`skip_first`) and whose layers are all binary: the layer
          order only, type 0 pinned as the non-edge;
        * any other fNRI: any bijection of the combined classes (the
          reference ignores the factorisation there);
        * sfNRI: the factor order only.
        """
        if self.sigmoid:
            return {'family': self.accuracy_family,
                    'allow_label_permutation': False}
        if not self.joint and skip_first and all(k == 2
                                                 for k in num_edge_types):
            return {'family': self.accuracy_family,
                    'allow_label_permutation': False}
        return {'family': NRI.accuracy_family,
                'allow_label_permutation': True}


NRI = ModelFamily('nri', joint=True, sigmoid=False)
FNRI = ModelFamily('fnri', joint=False, sigmoid=False)
SFNRI = ModelFamily('sfnri', joint=False, sigmoid=True)

_FAMILIES = {family.name: family for family in (NRI, FNRI, SFNRI)}

#: The model family names, in the papers' order.
MODEL_FAMILIES = tuple(_FAMILIES)


def get_model_family(name: str) -> ModelFamily:
    r"""The model family called :obj:`name` (one of
    :data:`MODEL_FAMILIES`).

    Args:
        name (str): :obj:`'nri'`, :obj:`'fnri'` or :obj:`'sfnri'`.
    """
    if name not in MODEL_FAMILIES:
        raise ValueError(f"'family' must be one of {list(MODEL_FAMILIES)} "
                         f"(got {name!r})")
    return _FAMILIES[name]
