r"""Relative geometry of the two ends of every edge, for decoder messages."""
import torch
from torch import Tensor

#: Features per edge of :func:`relative_edge_features`.
RELATIVE_EDGE_CHANNELS = 6


def relative_edge_features(x: Tensor, edge_index: Tensor,
                           min_distance: float) -> Tensor:
    r"""The relative position :math:`\mathbf{p}_j - \mathbf{p}_i`, relative
    velocity :math:`\mathbf{v}_j - \mathbf{v}_i`, distance
    :math:`d_{ji} = \lVert \mathbf{p}_j - \mathbf{p}_i \rVert` and inverse
    distance :math:`1 / \max(d_{ji}, d_{\min})` of every edge
    :math:`j \to i` (``edge_index[0]`` is :math:`j`), for node features
    laid out as (x, y, vx, vy, ...).

    Args:
        x (torch.Tensor): Node features :obj:`[N, *, D]` with
            :math:`D \geq 4`.
        edge_index (torch.Tensor): Edges :obj:`[2, E]`.
        min_distance (float): :math:`d_{\min}`, which bounds the inverse
            distance of nearly coincident particles.

    Shapes:
        - **output:** :math:`(E, *, 6)`
    """
    source, target = x[edge_index[0]], x[edge_index[1]]
    position = source[..., :2] - target[..., :2]
    velocity = source[..., 2:4] - target[..., 2:4]
    distance = position.norm(dim=-1, keepdim=True)
    inverse = 1.0 / distance.clamp_min(min_distance)
    return torch.cat([position, velocity, distance, inverse], dim=-1)
