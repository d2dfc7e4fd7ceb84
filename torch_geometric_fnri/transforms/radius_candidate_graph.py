r"""A candidate graph of the particles that come within a radius of each
other."""
from typing import Any, Dict, Sequence, Union

from torch import Tensor

from .candidate_graph import CandidateGraph, closest_approach
from .trajectory_normalizer import POSITION_VELOCITY_GROUPS


class RadiusCandidateGraph(CandidateGraph):
    r"""The candidate edges :math:`j \to i` between every two particles
    whose closest approach over :obj:`frames` (the smallest distance of
    their positions there) is at most :obj:`radius`, as
    :class:`torch_geometric.transforms.RadiusGraph` does for points but with
    plain :func:`torch.cdist`; see :class:`CandidateGraph` for what every
    candidate graph does. The graph is symmetric: both directions of a pair
    are edges or neither is.

    A particle far from all others has no edge (its pairs are all scored
    as predicted "no interaction"); the radius is in the units of the
    positions the transform sees (normalised ones for the package's
    datasets, whose positions lie in :math:`[-1, 1]`).

    Args:
        radius (float): The largest distance of a candidate pair,
            positive.
        frames (int or slice, optional): The frames of :obj:`x`
            :obj:`[N, T, D]` whose positions give the distances, *e.g.*
            :obj:`slice(0, 49)` for an encoder that reads frames 0-48.
            (default: :obj:`0`)
        position_features (Sequence[int], optional): The features of
            :obj:`x` that hold a particle's position.
            (default: :obj:`(0, 1)`)

    Examples:
        >>> transform = RadiusCandidateGraph(0.5, frames=slice(0, 49))
    """
    def __init__(self, radius: float, frames: Union[int, slice] = 0,
                 position_features: Sequence[int] = (
                     POSITION_VELOCITY_GROUPS[0])):
        super().__init__(frames)
        if isinstance(radius, bool) or not isinstance(
                radius, (int, float)) or not 0 < radius < float('inf'):
            raise ValueError(f"'radius' must be a positive finite number "
                             f"(got {radius!r})")
        self.radius = float(radius)
        self.position_features = list(position_features)

    @property
    def arguments(self) -> Dict[str, Any]:
        return {'radius': self.radius, 'frames': self.frames,
                'position_features': self.position_features}

    def links(self, x: Tensor) -> Tensor:
        return closest_approach(x[..., self.position_features]) <= \
            self.radius
