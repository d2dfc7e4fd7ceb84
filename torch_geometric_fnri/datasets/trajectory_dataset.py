r"""In-memory datasets of user trajectories and the reference file importer.
"""
import glob
import os.path as osp
from typing import Callable, List, Optional, Sequence

import numpy as np
from torch_geometric.data import Data, InMemoryDataset

from ..transforms import POSITION_VELOCITY_GROUPS, TrajectoryNormalizer
from .trajectory_data import build_data_list, to_features


class TrajectoryDataset(InMemoryDataset):
    r"""An in-memory dataset of trajectory graphs (no files), usually made
    with :func:`from_arrays` or :func:`load_reference_files`.

    Args:
        data_list (list of Data): Graphs with ``x`` :obj:`[N, T, D]`
            (normalised), ``edge_index`` and optional ``edge_type``.
        stats (TrajectoryNormalizer): The normalisation of ``x``.
        num_edge_types (list of int, optional): Classes per label layer.
            (default: :obj:`None`)
        interaction_names (list of str, optional): Names of the label
            layers. (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
    """
    def __init__(
        self,
        data_list: List[Data],
        stats: TrajectoryNormalizer,
        num_edge_types: Optional[List[int]] = None,
        interaction_names: Optional[List[str]] = None,
        transform: Optional[Callable] = None,
    ):
        super().__init__(None, transform)
        self.stats = stats
        self.num_edge_types = num_edge_types
        self.interaction_names = interaction_names
        self.data, self.slices = self.collate(data_list)


def _as_finite(array, name: str, ndim: int, layout: str) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != ndim:
        raise ValueError(f"'{name}' must have shape {layout} "
                         f"(got {array.shape})")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"'{name}' must be numeric (got {array.dtype})")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"'{name}' must be finite (got NaN or inf)")
    return array


def _check_labels(edges, num_sims: int, num_nodes: int) -> np.ndarray:
    edges = np.asarray(edges)
    if edges.ndim == 3:
        edges = edges[:, None]
    if (edges.ndim != 4 or edges.shape[0] != num_sims
            or edges.shape[2:] != (num_nodes, num_nodes)):
        raise ValueError(f"'edges' must have shape [S, L, N, N] or "
                         f"[S, N, N] with S={num_sims}, N={num_nodes} "
                         f"(got {edges.shape})")
    if not np.issubdtype(edges.dtype, np.number):
        raise ValueError(f"'edges' must be numeric (got {edges.dtype})")
    if not np.isfinite(edges).all():
        raise ValueError("'edges' must be finite (got NaN or inf)")
    if (edges < 0).any() or (edges != np.round(edges)).any():
        raise ValueError("'edges' must hold non-negative integer class "
                         "labels")
    return edges.astype(np.int64)


def from_arrays(
    loc: Optional[np.ndarray] = None,
    vel: Optional[np.ndarray] = None,
    edges: Optional[np.ndarray] = None,
    *,
    features: Optional[np.ndarray] = None,
    stats: Optional[TrajectoryNormalizer] = None,
    groups: Optional[Sequence[Sequence[int]]] = None,
    num_edge_types: Optional[List[int]] = None,
    interaction_names: Optional[List[str]] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Turns user arrays into a :class:`TrajectoryDataset` with the layout
    of :class:`PhysicsSystemDataset`.

    Give either ``loc`` and ``vel`` (reference layout) or ``features``.
    Pass the ``stats`` of the training set for validation/test arrays;
    without ``stats`` they are fitted on these arrays (positions and
    velocities share one min/max each; ``features`` use ``groups``, by
    default one min/max per feature).

    Args:
        loc (numpy.ndarray, optional): Positions. (default: :obj:`None`)
        vel (numpy.ndarray, optional): Velocities. (default: :obj:`None`)
        edges (numpy.ndarray, optional): Integer labels per layer indexed
            ``[receiver, sender]``; the diagonal is ignored.
            (default: :obj:`None`)
        features (numpy.ndarray, optional): Node features.
            (default: :obj:`None`)
        stats (TrajectoryNormalizer, optional): The normalisation to apply.
            (default: :obj:`None`)
        groups (sequence of sequence of int, optional): Feature groups for
            fitting :obj:`stats` from ``features``. (default: :obj:`None`)
        num_edge_types (list of int, optional): Classes per label layer;
            inferred as ``max(label) + 1`` (at least 2) if not given.
            (default: :obj:`None`)
        interaction_names (list of str, optional): Layer names.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)

    Shapes:
        - **input:** loc and vel :math:`(S, T, 2, N)`, or features
          :math:`(S, N, T, D)`; edges :math:`(S, L, N, N)` or
          :math:`(S, N, N)`
    """
    if features is not None:
        if loc is not None or vel is not None:
            raise ValueError("Give either 'features' or 'loc' and 'vel', "
                             "not both")
        features = _as_finite(features, 'features', 4, '[S, N, T, D]')
    else:
        if loc is None or vel is None:
            raise ValueError("Give 'loc' and 'vel' (or 'features')")
        loc = _as_finite(loc, 'loc', 4, '[S, T, 2, N]')
        vel = _as_finite(vel, 'vel', 4, '[S, T, 2, N]')
        if loc.shape[2] != 2 or loc.shape != vel.shape:
            raise ValueError(f"'loc' and 'vel' must both have shape "
                             f"[S, T, 2, N] (got {loc.shape} and "
                             f"{vel.shape})")
        features = to_features(loc, vel)
        groups = POSITION_VELOCITY_GROUPS if groups is None else groups
    num_sims, num_nodes = features.shape[:2]
    if num_sims < 1 or num_nodes < 2 or features.shape[2] < 1:
        raise ValueError(f"The trajectories need S >= 1, N >= 2 and T >= 1 "
                         f"(got S={num_sims}, N={num_nodes}, "
                         f"T={features.shape[2]})")
    if stats is None:
        stats = TrajectoryNormalizer.fit(features, groups)
    elif not isinstance(stats, TrajectoryNormalizer):
        raise TypeError(f"'stats' must be a TrajectoryNormalizer "
                        f"(got {type(stats).__name__})")
    features = stats.normalize(features)

    labels = None
    if edges is not None:
        labels = _check_labels(edges, num_sims, num_nodes)
        idx = np.arange(num_nodes)
        labels[:, :, idx, idx] = 0
        num_layers = labels.shape[1]
        if num_edge_types is None:
            num_edge_types = [
                max(2, int(labels[:, layer].max()) + 1)
                for layer in range(num_layers)
            ]
        if len(num_edge_types) != num_layers:
            raise ValueError(f"'num_edge_types' must have one entry per "
                             f"label layer ({num_layers}) "
                             f"(got {num_edge_types})")
        for layer, k in enumerate(num_edge_types):
            if labels[:, layer].max() >= k:
                raise ValueError(f"Labels of layer {layer} must be below "
                                 f"num_edge_types[{layer}]={k}")
    if (interaction_names is not None and labels is not None
            and len(interaction_names) != labels.shape[1]):
        raise ValueError(f"'interaction_names' must have one entry per "
                         f"label layer ({labels.shape[1]}) "
                         f"(got {interaction_names})")
    return TrajectoryDataset(build_data_list(features, labels), stats,
                             num_edge_types, interaction_names, transform)


def _reference_path(folder: str, kind: str, split: str,
                    suffix: Optional[str]) -> str:
    if suffix is not None:
        path = osp.join(folder, f'{kind}_{split}{suffix}.npy')
        if not osp.exists(path):
            raise ValueError(f"File not found: '{path}'")
        return path
    path = osp.join(folder, f'{kind}_{split}.npy')
    if osp.exists(path):
        return path
    matches = sorted(glob.glob(osp.join(glob.escape(folder),
                                        f'{kind}_{split}_*.npy')))
    if len(matches) != 1:
        raise ValueError(f"Expected one '{kind}_{split}.npy' or "
                         f"'{kind}_{split}_<suffix>.npy' in '{folder}' "
                         f"(found {[osp.basename(m) for m in matches]}); "
                         f"pass 'suffix'")
    return matches[0]


def _reference_labels(edges: np.ndarray) -> np.ndarray:
    if edges.ndim == 3:  # NRI [S, N, N]: 0/1 springs or -1/+1 charges.
        return ((edges + 1) / 2).astype(np.int64)
    if edges.ndim == 4:  # fNRI [S, L, N, N]: rank among the split's values.
        return np.unique(edges, return_inverse=True)[1].reshape(
            edges.shape).astype(np.int64)
    raise ValueError(f"'edges' files must have shape [S, N, N] (NRI) or "
                     f"[S, L, N, N] (fNRI) (got {edges.shape})")


def load_reference_files(
    folder: str,
    split: str = 'train',
    suffix: Optional[str] = None,
    stats: Optional[TrajectoryNormalizer] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Imports a dataset written by the NRI or fNRI generation scripts.

    Reads ``loc_{split}{suffix}.npy``, ``vel_...`` and ``edges_...``
    (:obj:`[S, T, 2, N]` and :obj:`[S, N, N]` or :obj:`[S, L, N, N]`).
    With ``suffix=None`` the fNRI folder style (``loc_train.npy``) is
    tried first, then a unique NRI-style file (``loc_train_springs5.npy``).
    Labels follow the reference loaders: NRI edges map to
    :math:`\lfloor (e + 1) / 2 \rfloor` (charges :math:`\pm 1` to 0/1),
    fNRI edges to their rank among the split's values. The normalisation
    is fitted on the training files unless ``stats`` is given.

    Args:
        folder (str): The folder with the ``.npy`` files.
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        suffix (str, optional): File suffix, e.g. ``'_springs5'``.
            (default: :obj:`None`)
        stats (TrajectoryNormalizer, optional): The normalisation.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
    """
    if split not in ('train', 'valid', 'test'):
        raise ValueError(f"'split' must be 'train', 'valid' or 'test' "
                         f"(got {split!r})")
    if stats is None:
        train_loc = np.load(_reference_path(folder, 'loc', 'train', suffix))
        train_vel = np.load(_reference_path(folder, 'vel', 'train', suffix))
        features = to_features(
            _as_finite(train_loc, 'loc', 4, '[S, T, 2, N]'),
            _as_finite(train_vel, 'vel', 4, '[S, T, 2, N]'))
        stats = TrajectoryNormalizer.fit(features, POSITION_VELOCITY_GROUPS)
    loc = np.load(_reference_path(folder, 'loc', split, suffix))
    vel = np.load(_reference_path(folder, 'vel', split, suffix))
    edges = np.load(_reference_path(folder, 'edges', split, suffix))
    return from_arrays(loc, vel, _reference_labels(edges), stats=stats,
                       transform=transform)
