r"""Invertible min-max normalisation of trajectory features."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

ArrayLike = Union[Tensor, np.ndarray]

#: Feature groups of (x, y, vx, vy) features: positions share one min/max,
#: velocities another (as in the NRI / fNRI data loaders).
POSITION_VELOCITY_GROUPS = ((0, 1), (2, 3))
#: The names of those features, in order (the ``feature_names`` of the
#: particle datasets).
POSITION_VELOCITY_FEATURES = ('x', 'y', 'vx', 'vy')


class TrajectoryNormalizer(BaseTransform):
    r"""Scales every feature of the last dimension to :math:`[-1, 1]`,

    .. math::
        x' = 2 \frac{x - m}{M - m} - 1, \qquad
        x = (x' + 1) \frac{M - m}{2} + m,

    with per-feature minimum :math:`m` and maximum :math:`M` (usually fitted
    on the training split with :meth:`fit`, features of one group sharing
    their statistics). As a transform it normalises ``data.x``.

    Args:
        minimum (sequence of float): :math:`m`, one entry per feature.
        maximum (sequence of float): :math:`M`, one entry per feature.

    Shapes:
        - **input:** features :math:`(*, D)`
        - **output:** features :math:`(*, D)`
    """
    def __init__(self, minimum: Sequence[float], maximum: Sequence[float]):
        minimum = torch.as_tensor(minimum, dtype=torch.float64).flatten()
        maximum = torch.as_tensor(maximum, dtype=torch.float64).flatten()
        if minimum.shape != maximum.shape or minimum.numel() == 0:
            raise ValueError(f"'minimum' and 'maximum' must have the same "
                             f"non-zero length (got {minimum.numel()} and "
                             f"{maximum.numel()})")
        if not (torch.isfinite(minimum).all()
                and torch.isfinite(maximum).all()):
            raise ValueError("'minimum' and 'maximum' must be finite")
        if not (maximum > minimum).all():
            raise ValueError(f"'maximum' must exceed 'minimum' for every "
                             f"feature (got minimum={minimum.tolist()}, "
                             f"maximum={maximum.tolist()})")
        self.minimum = minimum
        self.maximum = maximum

    @classmethod
    def fit(
        cls,
        x: ArrayLike,
        groups: Optional[Sequence[Sequence[int]]] = None,
    ) -> 'TrajectoryNormalizer':
        r"""Fits the statistics to features :obj:`[*, D]`.

        Args:
            x (torch.Tensor or numpy.ndarray): The (training) features.
            groups (sequence of sequence of int, optional): Features that
                share one minimum and maximum; features in no group get
                their own. Use :data:`POSITION_VELOCITY_GROUPS` for
                (x, y, vx, vy). (default: :obj:`None`)
        """
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, Tensor)
                            else x).to(torch.float64)
        if x.dim() < 1 or x.numel() == 0:
            raise ValueError(f"'x' must be a non-empty array [*, D] "
                             f"(got shape {tuple(x.shape)})")
        num_features = x.size(-1)
        flat = x.reshape(-1, num_features)
        groups = [list(g) for g in (groups or [])]
        grouped = {i for g in groups for i in g}
        if any(i < 0 or i >= num_features for i in grouped):
            raise ValueError(f"'groups' must index features 0..."
                             f"{num_features - 1} (got {groups})")
        groups += [[i] for i in range(num_features) if i not in grouped]
        minimum = torch.empty(num_features, dtype=torch.float64)
        maximum = torch.empty(num_features, dtype=torch.float64)
        for group in groups:
            minimum[group] = flat[:, group].min()
            maximum[group] = flat[:, group].max()
        return cls(minimum, maximum)

    @property
    def num_features(self) -> int:
        return self.minimum.numel()

    @property
    def scale(self) -> Tensor:
        r"""The per-feature factor :math:`(M - m) / 2` from normalised to
        physical units (float64, shape :obj:`[D]`)."""
        return (self.maximum - self.minimum) / 2

    def _stats(self, x: ArrayLike):
        if x.shape[-1] != self.num_features:
            raise ValueError(f"'x' must have {self.num_features} features "
                             f"in its last dimension (got shape "
                             f"{tuple(x.shape)})")
        if isinstance(x, Tensor):
            return (self.minimum.to(x.device, x.dtype),
                    self.maximum.to(x.device, x.dtype))
        return self.minimum.numpy(), self.maximum.numpy()

    def normalize(self, x: ArrayLike) -> ArrayLike:
        r"""Maps physical features to :math:`[-1, 1]` (same type and dtype
        as the input; numpy inputs are computed in float64)."""
        minimum, maximum = self._stats(x)
        return 2 * (x - minimum) / (maximum - minimum) - 1

    def denormalize(self, x: ArrayLike) -> ArrayLike:
        r"""Maps normalised features back to physical units."""
        minimum, maximum = self._stats(x)
        return (x + 1) * (maximum - minimum) / 2 + minimum

    def forward(self, data: Data) -> Data:
        data.x = self.normalize(data.x)
        return data

    def to_dict(self) -> Dict[str, List[float]]:
        r"""Returns the statistics as plain Python floats (exact in
        JSON)."""
        return {
            'minimum': self.minimum.tolist(),
            'maximum': self.maximum.tolist()
        }

    @classmethod
    def from_dict(
        cls,
        stats: Dict[str, List[float]],
    ) -> 'TrajectoryNormalizer':
        missing = [key for key in ('minimum', 'maximum')
                   if not isinstance(stats, dict) or key not in stats]
        if missing:
            raise ValueError(
                f"a TrajectoryNormalizer is stored as a dict with "
                f"'minimum' and 'maximum' (see to_dict); this one lacks "
                f"{missing} (got {stats!r:.200})")
        return cls(stats['minimum'], stats['maximum'])

    def __eq__(self, other) -> bool:
        return (isinstance(other, TrajectoryNormalizer)
                and torch.equal(self.minimum, other.minimum)
                and torch.equal(self.maximum, other.maximum))

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(minimum={self.minimum.tolist()}, '
                f'maximum={self.maximum.tolist()})')
