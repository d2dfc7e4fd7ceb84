r"""The eight symmetries of the square box as a data augmentation."""
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor
from torch_geometric.data import Data
from torch_geometric.transforms import BaseTransform

from .trajectory_normalizer import (
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

#: The dihedral group of the square as :obj:`[8, 2, 2]` matrices acting on
#: column vectors (x, y): the identity, the rotations by 90, 180 and 270
#: degrees, and the reflections in the x axis, the y axis and the two
#: diagonals. Every entry is 0 or :math:`\pm 1`, so applying one is exact
#: in floating point.
BOX_SYMMETRIES = torch.tensor([
    [[1., 0.], [0., 1.]],
    [[0., -1.], [1., 0.]],
    [[-1., 0.], [0., -1.]],
    [[0., 1.], [-1., 0.]],
    [[1., 0.], [0., -1.]],
    [[-1., 0.], [0., 1.]],
    [[0., 1.], [1., 0.]],
    [[0., -1.], [-1., 0.]],
])


class RandomBoxSymmetry(BaseTransform):
    r"""Applies a uniformly drawn symmetry of the square box (one of the
    eight of :data:`BOX_SYMMETRIES`) to every 2D vector feature of a
    trajectory graph, one draw per graph.

    The particle systems of this library live in a square box centred at
    the origin with forces that depend only on relative positions and are
    clipped per Cartesian component, and the walls reflect per coordinate,
    so each of these symmetries maps a simulated trajectory to another
    trajectory of the same system with the same interaction graph (the
    labels are unchanged); the initial states are drawn isotropically, so
    the image is as likely as the original. (Other rotations are not
    symmetries: they do not map the box to itself and do not commute with
    the per-component force clipping.)

    The features may be normalised by an affine map :math:`x' = a x + c`
    that is the same for both components of a vector (as
    :class:`TrajectoryNormalizer` does with
    :data:`POSITION_VELOCITY_GROUPS`): the symmetry :math:`R` is then
    applied as :math:`x' \mapsto R (x' - c) + c`, where :math:`c` is the
    normalised image of the physical origin of that vector.

    Args:
        vector_dims (sequence of pairs of int, optional): The feature
            indices of every 2D vector, *e.g.* :obj:`((0, 1), (2, 3))` for
            (x, y, vx, vy). (default: :data:`POSITION_VELOCITY_GROUPS`)
        centers (sequence of float, optional): :math:`c` of every vector
            (:obj:`None`: all zero, for physical units). (default:
            :obj:`None`)

    Shapes:
        - **input:** node features :math:`(N, T, D)` and optionally the
          graph index of every node :math:`(N)`
        - **output:** node features :math:`(N, T, D)`
    """
    def __init__(
        self,
        vector_dims: Sequence[Tuple[int, int]] = POSITION_VELOCITY_GROUPS,
        centers: Optional[Sequence[float]] = None,
    ):
        dims = [tuple(pair) for pair in vector_dims]
        flat = [i for pair in dims for i in pair]
        if (not dims or any(len(pair) != 2 for pair in dims)
                or any(not isinstance(i, int) or i < 0 for i in flat)
                or len(set(flat)) != len(flat)):
            raise ValueError(f"'vector_dims' must be pairs of distinct "
                             f"non-negative feature indices "
                             f"(got {vector_dims!r})")
        centers = [0.0] * len(dims) if centers is None else list(centers)
        if len(centers) != len(dims):
            raise ValueError(f"'centers' must have one entry per vector "
                             f"({len(dims)}; got {len(centers)})")
        self.vector_dims = dims
        self.centers = [float(c) for c in centers]

    @classmethod
    def from_normalizer(
        cls,
        normalizer: TrajectoryNormalizer,
        vector_dims: Sequence[Tuple[int, int]] = POSITION_VELOCITY_GROUPS,
    ) -> 'RandomBoxSymmetry':
        r"""The augmentation for features normalised by
        :obj:`normalizer`; raises :class:`ValueError` unless both
        components of every vector share their statistics (otherwise no
        symmetry that swaps x and y commutes with the normalisation)."""
        origin = normalizer.normalize(
            torch.zeros(normalizer.num_features, dtype=torch.float64))
        centers = []
        for i, j in vector_dims:
            if max(i, j) >= normalizer.num_features:
                raise ValueError(f"'vector_dims' {tuple(vector_dims)} index "
                                 f"features beyond the normaliser's "
                                 f"{normalizer.num_features}")
            if (normalizer.minimum[i] != normalizer.minimum[j]
                    or normalizer.maximum[i] != normalizer.maximum[j]):
                raise ValueError(
                    f'features {i} and {j} are normalised with different '
                    f'statistics, so the symmetries of the box do not '
                    f'commute with the normalisation (fit the normaliser '
                    f'with POSITION_VELOCITY_GROUPS)')
            centers.append(float(origin[i]))
        return cls(vector_dims, centers)

    def augment(self, x: Tensor, batch: Optional[Tensor] = None,
                generator: Optional[torch.Generator] = None) -> Tensor:
        r"""Returns :obj:`x` with one random symmetry per graph applied.

        Args:
            x (torch.Tensor): Node features :obj:`[N, T, D]`.
            batch (torch.Tensor, optional): Graph index of every node
                :obj:`[N]` (:obj:`None`: one graph). (default: :obj:`None`)
            generator (torch.Generator, optional): The source of the draws
                (:obj:`None`: the global generator). (default: :obj:`None`)
        """
        if x.dim() != 3:
            raise ValueError(f"'x' must be [N, T, D] (got shape "
                             f"{tuple(x.shape)})")
        needed = max(i for pair in self.vector_dims for i in pair) + 1
        if x.size(-1) < needed:
            raise ValueError(f"'x' has {x.size(-1)} features but "
                             f"'vector_dims' needs {needed}")
        if batch is None:
            batch = torch.zeros(x.size(0), dtype=torch.long, device=x.device)
        elif batch.shape != (x.size(0), ):
            raise ValueError(f"'batch' must have shape [{x.size(0)}] (got "
                             f"{tuple(batch.shape)})")
        num_graphs = int(batch.max()) + 1 if batch.numel() else 0
        choice = torch.randint(len(BOX_SYMMETRIES), (num_graphs, ),
                               generator=generator)
        return apply_box_symmetry(x, choice.to(x.device)[batch],
                                  self.vector_dims, self.centers)

    def forward(self, data: Data) -> Data:
        data = data.clone()
        data.x = self.augment(data.x, getattr(data, 'batch', None))
        return data

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(vector_dims={self.vector_dims}, '
                f'centers={self.centers})')


def apply_box_symmetry(x: Tensor, symmetry: Tensor,
                       vector_dims: Sequence[Tuple[int, int]],
                       centers: Sequence[float]) -> Tensor:
    r"""Applies :obj:`BOX_SYMMETRIES[symmetry[n]]` to the vectors of node
    :math:`n` as :math:`v \mapsto R (v - c) + c`.

    Args:
        x (torch.Tensor): Node features :obj:`[N, T, D]`.
        symmetry (torch.Tensor): Index into :data:`BOX_SYMMETRIES` of every
            node :obj:`[N]`.
        vector_dims (sequence of pairs of int): Feature indices of every 2D
            vector.
        centers (sequence of float): :math:`c` of every vector.

    Shapes:
        - **output:** :math:`(N, T, D)`, a new tensor
    """
    rotation = BOX_SYMMETRIES.to(x.device, x.dtype)[symmetry]
    out = x.clone()
    for (i, j), center in zip(vector_dims, centers):
        vector = x[..., [i, j]] - center
        out[..., [i, j]] = torch.einsum('nab,ntb->nta', rotation,
                                        vector) + center
    return out
