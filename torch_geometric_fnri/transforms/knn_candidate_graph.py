r"""A candidate graph of nearest neighbours, without pyg-lib or
torch-cluster."""
from typing import Sequence, Union

import torch
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from ..utils.int_checks import is_int
from .carry_edge_type import carry_edge_type
from .trajectory_normalizer import POSITION_VELOCITY_GROUPS


class KNNCandidateGraph(BaseTransform):
    r"""Replaces the edges of a trajectory graph by the candidate edges
    :math:`j \to i` from each particle's :obj:`k` nearest particles
    :math:`j`, as :class:`torch_geometric.transforms.KNNGraph` does for
    points but with plain :func:`torch.cdist` (no pyg-lib or
    torch-cluster), for graphs too large for all :math:`N (N - 1)` pairs.

    The distance of two particles is the smallest distance of their
    positions over :obj:`frames` (their closest approach; with one frame,
    their distance there). Pass frames the encoder sees, never ones the
    decoder predicts. With :obj:`symmetric=True` every edge also gets its
    reverse, as :obj:`symmetric=True` models need. The edges are sorted by
    receiver, then sender, and hold no self-loops. Labels :obj:`edge_type`
    :obj:`[E, L]`, when the graph has them, follow the edges
    (:func:`carry_edge_type`; every new edge must be in the old graph, as
    in the package's fully connected graphs). Other edge attributes are
    dropped.

    Args:
        k (int): The number of nearest neighbours of every particle (all
            others if it has fewer).
        frames (int or slice, optional): The frames of :obj:`x`
            :obj:`[N, T, D]` whose positions give the distances, *e.g.*
            :obj:`slice(0, 49)` for an encoder that reads frames 0-48.
            (default: :obj:`0`)
        symmetric (bool, optional): Add the reverse of every edge.
            (default: :obj:`True`)
        position_features (Sequence[int], optional): The features of
            :obj:`x` that hold a particle's position.
            (default: :obj:`(0, 1)`)

    Examples:
        >>> from torch_geometric_fnri.datasets import PhysicsSystemDataset
        >>> dataset = PhysicsSystemDataset(
        ...     'data', 'springs_charges', 'train', num_particles=20,
        ...     transform=KNNCandidateGraph(4, frames=slice(0, 49)))
    """
    def __init__(self, k: int, frames: Union[int, slice] = 0,
                 symmetric: bool = True,
                 position_features: Sequence[int] = (
                     POSITION_VELOCITY_GROUPS[0])):
        if not is_int(k) or k < 1:
            raise ValueError(f"'k' must be a positive int (got {k!r})")
        if isinstance(frames, bool) or not isinstance(frames, (int, slice)):
            raise TypeError(f"'frames' must be an int or a slice "
                            f"(got {frames!r})")
        self.k = k
        self.frames = frames
        self.symmetric = symmetric
        self.position_features = list(position_features)

    def forward(self, data: Data) -> Data:
        x = data.x
        if x is None or x.dim() != 3:
            raise ValueError(f"'x' must have shape [N, T, D] (got "
                             f"{None if x is None else tuple(x.shape)})")
        frames = [self.frames] if isinstance(self.frames, int) else \
            self.frames
        position = x[:, frames][..., self.position_features]  # [N, F, P]
        if position.size(1) == 0:
            raise ValueError(f"'frames={self.frames}' selects no frame of "
                             f"the {x.size(1)}")
        num_nodes = x.size(0)
        distance = torch.cdist(position.transpose(0, 1),
                               position.transpose(0, 1)).amin(0)  # [N, N]
        distance.fill_diagonal_(float('inf'))
        k = min(self.k, num_nodes - 1)
        nearest = distance.topk(k, largest=False).indices  # [N, k]
        linked = torch.zeros_like(distance, dtype=torch.bool)
        linked.scatter_(1, nearest, True)  # [receiver, sender]
        if self.symmetric:
            linked = linked | linked.t()
        receiver, sender = linked.nonzero().t()
        edge_index = torch.stack([sender, receiver])
        out = Data(x=x, edge_index=edge_index)
        for key, value in data.items():
            if key not in ('x', 'edge_index', 'edge_type') and \
                    not data.is_edge_attr(key):
                out[key] = value
        if data.get('edge_type') is not None:
            out.edge_type = carry_edge_type(data.edge_index, data.edge_type,
                                            edge_index, num_nodes)
        return out

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(k={self.k}, '
                f'frames={self.frames}, symmetric={self.symmetric})')
