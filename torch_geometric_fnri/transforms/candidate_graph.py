r"""The base of the candidate graphs: transforms that keep a few pairs of
particles as the edges the encoder scores, and record the pairs they leave
out."""
from typing import Any, ClassVar, Dict, Union

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from ..metrics.missed_pairs import (
    MISSED_PRESENCE,
    MissedPairs,
    presence_histogram,
)
from .carry_edge_type import carry_edge_type


class CandidateGraph(BaseTransform):
    r"""Base class of the candidate graphs, which replace the edges of a
    trajectory graph by candidate edges :math:`j \to i` chosen from its
    trajectories, for graphs too large for all :math:`N (N - 1)` pairs
    (:class:`KNNCandidateGraph`, :class:`RadiusCandidateGraph`,
    :class:`CorrelationCandidateGraph`). A subclass chooses the pairs in
    :meth:`links`; every candidate graph

    * reads the frames :obj:`frames` of :obj:`x` :obj:`[N, T, D]` (pass
      frames the encoder sees, never ones the decoder predicts);
    * has its edges sorted by receiver, then sender, without self-loops;
    * carries the labels :obj:`edge_type` :obj:`[E, L]`, when the graph has
      them, onto its edges (:func:`carry_edge_type`: every new edge must be
      in the old graph, as in the package's fully connected graphs) and
      records the pairs it leaves out by which layer-graphs they interact
      in (:class:`~torch_geometric_fnri.metrics.MissedPairs`, the attribute
      :obj:`missed_presence` :obj:`[1, 2^L]`, added to the record of a
      graph that a candidate graph restricted before), so that every edge
      metric scores them as predicted "no interaction" and sparse and
      dense runs are scored on the same pairs;
    * keeps :obj:`x` and the graph's other node and graph attributes, and
      drops its other edge attributes;
    * is stored as plain data, :attr:`config`, and built again by
      :meth:`from_config` (the :class:`~torch_geometric_fnri.training.Trainer`
      stores the candidate graph of a run, and
      :func:`~torch_geometric_fnri.training.load_trained` applies it to
      new data).

    A candidate graph is a function of the trajectories alone: applied to a
    graph it made, it gives the same graph.

    Args:
        frames (int or slice): The frames of :obj:`x` that choose the
            pairs, *e.g.* :obj:`slice(0, 49)` for an encoder that reads
            frames 0-48.
    """
    #: Every subclass by its name, for :meth:`from_config`.
    classes: ClassVar[Dict[str, type]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        CandidateGraph.classes[cls.__name__] = cls

    def __init__(self, frames: Union[int, slice]):
        if isinstance(frames, bool) or not isinstance(frames, (int, slice)):
            raise TypeError(f"'frames' must be an int or a slice "
                            f"(got {frames!r})")
        self.frames = frames

    def links(self, x: Tensor) -> Tensor:
        r"""Chooses the pairs: :obj:`out[i, j]` is :obj:`True` for a
        candidate edge :math:`j \to i` (the diagonal is ignored).

        Args:
            x (torch.Tensor): The node features of :obj:`frames`
                :obj:`[N, F, D]`.

        Shapes:
            - **output:** :math:`(N, N)` bool, indexed ``[receiver,
              sender]``
        """
        raise NotImplementedError

    @property
    def arguments(self) -> Dict[str, Any]:
        r"""The constructor's arguments by name (:obj:`frames` as given)."""
        raise NotImplementedError

    def edge_index(self, x: Tensor) -> Tensor:
        r"""The candidate edges of the trajectories :obj:`x`.

        Args:
            x (torch.Tensor): Node features :obj:`[N, T, D]`.

        Shapes:
            - **output:** :math:`(2, |\mathcal{E}|)` (sender, receiver),
              sorted by receiver, then sender
        """
        if x is None or x.dim() != 3:
            raise ValueError(f"'x' must have shape [N, T, D] (got "
                             f"{None if x is None else tuple(x.shape)})")
        frames = [self.frames] if isinstance(self.frames, int) else \
            self.frames
        selected = x[:, frames]
        if selected.size(1) == 0:
            raise ValueError(f"'frames={self.frames}' selects no frame of "
                             f"the {x.size(1)}")
        links = self.links(selected)
        links.fill_diagonal_(False)
        receiver, sender = links.nonzero().t()
        return torch.stack([sender, receiver])

    def with_edges(self, data: Data, edge_index: Tensor) -> Data:
        r"""The graph :obj:`data` on the edges :obj:`edge_index` (those of
        :meth:`edge_index`): its labels carried, the pairs it leaves out
        recorded (see above).

        Args:
            data (Data): The graph.
            edge_index (torch.Tensor): The new edges :obj:`[2, E']`.
        """
        out = Data(x=data.x, edge_index=edge_index)
        for key, value in data.items():
            if key not in ('x', 'edge_index', 'edge_type', MISSED_PRESENCE) \
                    and not data.is_edge_attr(key):
                out[key] = value
        edge_type = data.get('edge_type')
        if edge_type is None:
            return out
        out.edge_type = carry_edge_type(data.edge_index, edge_type,
                                        edge_index, data.num_nodes)
        num_layers = 1 if edge_type.dim() == 1 else edge_type.size(1)
        missed = MissedPairs(
            presence_histogram(edge_type.reshape(-1, num_layers)) -
            presence_histogram(out.edge_type.reshape(-1, num_layers)))
        earlier = MissedPairs.read(data)
        (missed if earlier is None else earlier + missed).write(out)
        return out

    def forward(self, data: Data) -> Data:
        return self.with_edges(data, self.edge_index(data.x))

    @property
    def config(self) -> Dict[str, Any]:
        r"""The class name and the arguments as plain (JSON) data: a
        slice of frames as :obj:`[start, stop, step]`, sequences as
        lists."""
        def plain(value):
            if isinstance(value, slice):
                return [value.start, value.stop, value.step]
            return list(value) if isinstance(value, (list, tuple)) else value

        return {'class': type(self).__name__,
                'arguments': {name: plain(value)
                              for name, value in self.arguments.items()}}

    @staticmethod
    def from_config(config: Dict[str, Any]) -> 'CandidateGraph':
        r"""Builds the candidate graph that :obj:`config` (a
        :attr:`config`) describes. Raises a :class:`ValueError` for a
        class that is no candidate graph of the package (or of a module
        imported since).

        Args:
            config (dict): A candidate graph's :attr:`config`.
        """
        if not isinstance(config, dict) or set(config) != {'class',
                                                           'arguments'}:
            raise ValueError(f"'config' must be a dict of 'class' and "
                             f"'arguments', a CandidateGraph's config (got "
                             f"{config!r})")
        cls = CandidateGraph.classes.get(config['class'])
        if cls is None:
            raise ValueError(f"{config['class']!r} is no candidate graph "
                             f"(known: {sorted(CandidateGraph.classes)})")
        arguments = dict(config['arguments'])
        if isinstance(arguments.get('frames'), list):
            arguments['frames'] = slice(*arguments['frames'])
        return cls(**arguments)

    def __repr__(self) -> str:
        arguments = ', '.join(f'{name}={value!r}'
                              for name, value in self.arguments.items())
        return f'{self.__class__.__name__}({arguments})'


def closest_approach(position: Tensor) -> Tensor:
    r"""The smallest distance of every two particles over the frames.

    Args:
        position (torch.Tensor): Positions :obj:`[N, F, P]`.

    Shapes:
        - **output:** :math:`(N, N)`, exactly symmetric, zero diagonal
    """
    distance = None
    for frame in position.unbind(1):
        # Without the matrix-product shortcut the distances are exact, so
        # the matrix is symmetric to the last bit.
        step = torch.cdist(frame, frame,
                           compute_mode='donot_use_mm_for_euclid_dist')
        distance = step if distance is None else torch.minimum(distance,
                                                               step)
    return distance


def top_k_links(scores: Tensor, k: int, largest: bool,
                symmetric: bool) -> Tensor:
    r"""Links every receiver :math:`i` to the :obj:`k` senders :math:`j
    \neq i` of the best :obj:`scores[i, j]` (all others if there are fewer),
    and with :obj:`symmetric` every link also in reverse.

    Args:
        scores (torch.Tensor): Scores :obj:`[N, N]` indexed ``[receiver,
            sender]``.
        k (int): Senders per receiver.
        largest (bool): Whether the largest scores are the best (else the
            smallest).
        symmetric (bool): Add the reverse of every link.

    Shapes:
        - **output:** :math:`(N, N)` bool, no diagonal
    """
    scores = scores.clone()
    scores.fill_diagonal_(float('-inf') if largest else float('inf'))
    best = scores.topk(min(k, scores.size(0) - 1), largest=largest).indices
    links = torch.zeros_like(scores, dtype=torch.bool)
    links.scatter_(1, best, True)
    return links | links.t() if symmetric else links
