r"""The pairs of particles that a candidate graph leaves out.

A candidate graph (see
:class:`~torch_geometric_fnri.transforms.CandidateGraph`) keeps some of the
:math:`N (N - 1)` ordered pairs of a simulation as edges; the encoder never
sees the others, and every edge metric scores them as predicted "no
interaction" (label 0 in every layer-graph), so that a sparse run and a
dense run are scored on the same pairs. What the metrics need of the left
out pairs is how many interact in which layer-graphs: the candidate
transforms count them by *presence pattern* (which layers have a label
other than 0) when they drop the edges, and store the counts on the graph,
so no metric needs the dense labels.
"""
from typing import Iterable, List, Optional

import torch
from torch import Tensor

from .mixed_radix import decode_mixed_radix, encode_mixed_radix

#: The graph attribute of the record: :obj:`[1, 2^L]` counts per graph
#: (:obj:`[B, 2^L]` in a batch), indexed by presence pattern.
MISSED_PRESENCE = 'missed_presence'


def presence_histogram(edge_type: Tensor) -> Tensor:
    r"""Counts the edges of every presence pattern: pattern :math:`p` has
    bit :math:`L - 1 - l` set when the label of layer :math:`l` is not 0
    (layer 0 most significant, as in
    :func:`~torch_geometric_fnri.metrics.encode_mixed_radix`).

    Args:
        edge_type (torch.Tensor): Labels :obj:`[E, L]` (integer).

    Shapes:
        - **output:** :math:`(2^L)` long

    Examples:
        >>> presence_histogram(torch.tensor([[0, 0], [0, 2], [1, 1]]))
        tensor([1, 1, 0, 1])
    """
    if edge_type.dim() != 2:
        raise ValueError(f"'edge_type' must have shape [E, L] (got "
                         f"{tuple(edge_type.shape)})")
    num_layers = edge_type.size(1)
    pattern = encode_mixed_radix((edge_type != 0).long(), [2] * num_layers)
    return torch.bincount(pattern, minlength=2**num_layers).cpu()


class MissedPairs:
    r"""The pairs outside a candidate graph, counted by presence pattern
    (see :func:`presence_histogram`); additive over graphs and batches.

    Args:
        counts (torch.Tensor): Pairs per pattern :obj:`[2^L]` (integer,
            non-negative).

    Examples:
        >>> missed = MissedPairs(torch.tensor([5, 1, 0, 2]))
        >>> missed.pairs, missed.non_edges, missed.interactions
        (8, 5, [2, 3])
    """
    def __init__(self, counts: Tensor):
        counts = torch.as_tensor(counts)
        size = counts.numel()
        if counts.dim() != 1 or size < 2 or size & (size - 1) or \
                counts.dtype.is_floating_point or bool((counts < 0).any()):
            raise ValueError(f"'counts' must hold 2^L non-negative integer "
                             f"counts, L >= 1 (got {counts.tolist()!r})")
        self.counts = counts.long().cpu()

    @property
    def num_layers(self) -> int:
        r"""The number of layer-graphs :math:`L`."""
        return self.counts.numel().bit_length() - 1

    @property
    def patterns(self) -> Tensor:
        r"""The presence of every pattern per layer, :obj:`[2^L, L]` (0/1)."""
        return decode_mixed_radix(torch.arange(self.counts.numel()),
                                  [2] * self.num_layers)

    @property
    def pairs(self) -> int:
        r"""The number of pairs left out."""
        return int(self.counts.sum())

    @property
    def non_edges(self) -> int:
        r"""Those that interact in no layer-graph."""
        return int(self.counts[0])

    @property
    def interactions(self) -> List[int]:
        r"""Those that interact in layer-graph :math:`l`, per layer."""
        return (self.counts.unsqueeze(-1) * self.patterns).sum(0).tolist()

    def __add__(self, other: 'MissedPairs') -> 'MissedPairs':
        if other.counts.shape != self.counts.shape:
            raise ValueError(f"cannot add the missed pairs of "
                             f"{self.num_layers} and {other.num_layers} "
                             f"layer-graphs")
        return MissedPairs(self.counts + other.counts)

    @classmethod
    def read(cls, data, graphs: Optional[Tensor] = None
             ) -> Optional['MissedPairs']:
        r"""The record of a graph or a batch (summed over its graphs, or
        over those :obj:`graphs` selects), or :obj:`None` when it has none
        (a graph that no candidate graph restricted).

        Args:
            data (Data or Batch): The graph or batch.
            graphs (torch.Tensor, optional): Indices or a mask of the
                graphs of a batch. (default: :obj:`None`, all)
        """
        record = data.get(MISSED_PRESENCE) if hasattr(data, 'get') else None
        if record is None:
            return None
        record = record.view(-1, record.size(-1))
        if graphs is not None:
            record = record[graphs.to(record.device)]
        return cls(record.sum(0))

    @staticmethod
    def total(records: Iterable[Optional['MissedPairs']]
              ) -> Optional['MissedPairs']:
        r"""The sum of :obj:`records` (those of several graphs or
        batches), leaving out :obj:`None`; :obj:`None` when all are.

        Args:
            records (Iterable[MissedPairs]): The records.
        """
        out = None
        for record in records:
            if record is not None:
                out = record if out is None else out + record
        return out

    def write(self, data) -> None:
        r"""Stores the record on the graph :obj:`data` (replacing any)."""
        data[MISSED_PRESENCE] = self.counts.view(1, -1)

    def __eq__(self, other) -> bool:
        return isinstance(other, MissedPairs) and torch.equal(
            self.counts, other.counts)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.counts.tolist()})'
