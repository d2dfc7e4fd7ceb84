r"""A candidate graph of nearest neighbours, without pyg-lib or
torch-cluster."""
from typing import Any, Dict, Sequence, Union

from torch import Tensor

from ..utils.int_checks import is_int
from .candidate_graph import CandidateGraph, closest_approach, top_k_links
from .trajectory_normalizer import POSITION_VELOCITY_GROUPS


class KNNCandidateGraph(CandidateGraph):
    r"""The candidate edges :math:`j \to i` from each particle's :obj:`k`
    nearest particles :math:`j`, as
    :class:`torch_geometric.transforms.KNNGraph` does for points but with
    plain :func:`torch.cdist` (no pyg-lib or torch-cluster); see
    :class:`CandidateGraph` for what every candidate graph does.

    The distance of two particles is the smallest distance of their
    positions over :obj:`frames` (their closest approach; with one frame,
    their distance there). With :obj:`symmetric=True` every edge also gets
    its reverse, as :obj:`symmetric=True` models need.

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
        super().__init__(frames)
        if not is_int(k) or k < 1:
            raise ValueError(f"'k' must be a positive int (got {k!r})")
        self.k = int(k)
        self.symmetric = symmetric
        self.position_features = list(position_features)

    @property
    def arguments(self) -> Dict[str, Any]:
        return {'k': self.k, 'frames': self.frames,
                'symmetric': self.symmetric,
                'position_features': self.position_features}

    def links(self, x: Tensor) -> Tensor:
        distance = closest_approach(x[..., self.position_features])
        return top_k_links(distance, self.k, largest=False,
                           symmetric=self.symmetric)
