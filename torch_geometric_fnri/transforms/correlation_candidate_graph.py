r"""A cheap statistical pre-filter as a candidate graph: the pairs of the
most correlated trajectories."""
from typing import Any, Dict, Sequence, Union

import torch
from torch import Tensor

from ..utils.int_checks import is_int
from .candidate_graph import CandidateGraph, top_k_links
from .trajectory_normalizer import POSITION_VELOCITY_GROUPS


class CorrelationCandidateGraph(CandidateGraph):
    r"""The candidate edges :math:`j \to i` from the :obj:`k` particles
    :math:`j` whose trajectories correlate most strongly with particle
    :math:`i`'s over :obj:`frames`: the magnitude of the Pearson
    correlation (:func:`torch.corrcoef`) of the series of every feature of
    :obj:`features` (or of their frame differences, with
    :obj:`increments`), averaged over those features. A cheap pre-filter
    for the encoder, which does not need positions (any features, *e.g.*
    Kuramoto's phases); see :class:`CandidateGraph` for what every
    candidate graph does. A particle whose series is constant correlates
    with none (score 0). With :obj:`symmetric=True` every edge also gets
    its reverse, as :obj:`symmetric=True` models need.

    Args:
        k (int): The number of partners of every particle (all others if
            it has fewer).
        frames (slice): The frames of :obj:`x` :obj:`[N, T, D]` whose
            series are correlated, at least two (three with
            :obj:`increments`), *e.g.* :obj:`slice(0, 49)` for an encoder
            that reads frames 0-48.
        features (Sequence[int], optional): The features of :obj:`x`
            correlated. (default: :obj:`(2, 3)`, the velocities of
            (x, y, vx, vy))
        increments (bool, optional): Correlate the differences of
            consecutive frames instead of the values. (default:
            :obj:`False`)
        symmetric (bool, optional): Add the reverse of every edge.
            (default: :obj:`True`)

    Examples:
        >>> transform = CorrelationCandidateGraph(4, frames=slice(0, 49))
    """
    def __init__(self, k: int, frames: Union[int, slice],
                 features: Sequence[int] = POSITION_VELOCITY_GROUPS[1],
                 increments: bool = False, symmetric: bool = True):
        super().__init__(frames)
        if not is_int(k) or k < 1:
            raise ValueError(f"'k' must be a positive int (got {k!r})")
        features = list(features)
        if not features or not all(is_int(d) and d >= 0 for d in features):
            raise ValueError(f"'features' must be a non-empty list of "
                             f"feature indices (got {features!r})")
        self.k = int(k)
        self.features = [int(d) for d in features]
        self.increments = increments
        self.symmetric = symmetric

    @property
    def arguments(self) -> Dict[str, Any]:
        return {'k': self.k, 'frames': self.frames,
                'features': self.features, 'increments': self.increments,
                'symmetric': self.symmetric}

    def links(self, x: Tensor) -> Tensor:
        if max(self.features) >= x.size(-1):
            raise ValueError(f"'features={self.features}' but 'x' has "
                             f"{x.size(-1)} features")
        series = x[..., self.features].double()  # [N, F, C]
        if self.increments:
            series = series.diff(dim=1)
        if series.size(1) < 2:
            raise ValueError(
                f"'frames={self.frames}' gives {series.size(1)} "
                f"{'frame difference' if self.increments else 'frame'}(s) "
                f"to correlate; a correlation needs at least 2")
        strength = torch.stack([
            torch.corrcoef(channel).abs().nan_to_num(0.0)
            for channel in series.unbind(-1)
        ]).mean(0)  # [N, N]; a constant series gives NaN, here 0.
        return top_k_links(strength, self.k, largest=True,
                           symmetric=self.symmetric)
