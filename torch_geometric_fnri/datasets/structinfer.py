r"""Trajectories in the layout of the StructInfer benchmark (Wang et al.,
"Benchmarking Structural Inference Methods for Interacting Dynamical
Systems with Synthetic Data", NeurIPS 2024 datasets track).

StructInfer stores the trajectories of a split as :obj:`[B, N, F, T]`
arrays (:math:`B` simulations, :math:`N` nodes, :math:`F` features,
:math:`T` time steps; its springs data in two files, positions and
velocities of :math:`F = 2` each, to be joined on the feature axis, its
NetSim data as one file with :math:`F = 1`) and the interaction graph as
one :obj:`[N, N]` adjacency matrix shared by all simulations of the file.

**The orientation of the adjacency is an argument without default.**
StructInfer's documentation says that a one at row :math:`i`, column
:math:`j` is a directed edge from node :math:`i` to node :math:`j`
(:obj:`orientation='row_to_column'`), but its springs and NetSim
generators use row :math:`i` as the node that is acted on: particle
:math:`i` feels the spring to :math:`j` when ``adj[i, j] = 1``, and
``x_i(t + 1)`` depends on ``sum_j adj[i, j] x_j(t)``
(:obj:`orientation='column_to_row'`, the ``[receiver, sender]`` layout of
this package). The two agree on undirected graphs only; the files do not
tell which one they follow, so every call names it.
"""
import os
from typing import Callable, List, Optional, Sequence, Union

import numpy as np

from ..transforms import TrajectoryNormalizer
from .trajectory_dataset import (
    TrajectoryDataset,
    _as_finite,
    from_arrays,
    read_numpy_file,
)

#: The meanings of ``adjacency[i, j] = 1``: an edge :math:`i \to j`
#: (StructInfer's documentation) or :math:`j \to i` (its generators, and
#: this package's ``[receiver, sender]`` layout).
ADJACENCY_ORIENTATIONS = ('row_to_column', 'column_to_row')

PathLike = Union[str, os.PathLike]


def _join_features(arrays: Sequence, names: Sequence[str]) -> np.ndarray:
    # The arrays [B, N, F_k, T] joined on the feature axis.
    checked = [_as_finite(array, name, 4, '[B, N, F, T]')
               for array, name in zip(arrays, names)]
    if not checked:
        raise ValueError("Give at least one trajectory array [B, N, F, T]")
    first = checked[0].shape
    for array, name in zip(checked[1:], names[1:]):
        if array.shape[:2] + array.shape[3:] != first[:2] + first[3:]:
            raise ValueError(
                f"'{name}' has shape {array.shape} but '{names[0]}' has "
                f"{first}: the trajectory arrays must agree in B, N and T "
                f"(they are joined on the feature axis F)")
    return np.concatenate(checked, axis=2)


def _labels(adjacency, name: str, num_sims: int, num_nodes: int,
            orientation: str) -> np.ndarray:
    # 0/1 labels [B, N, N] indexed [receiver, sender] (diagonal 0).
    if orientation not in ADJACENCY_ORIENTATIONS:
        raise ValueError(f"'orientation' must be one of "
                         f"{list(ADJACENCY_ORIENTATIONS)}: does "
                         f"adjacency[i, j] = 1 mean an edge i -> j "
                         f"('row_to_column') or j -> i ('column_to_row')? "
                         f"(got {orientation!r})")
    adjacency = np.asarray(adjacency)
    if adjacency.ndim not in (2, 3) or (adjacency.shape[-1]
                                        != adjacency.shape[-2]):
        raise ValueError(f"'{name}' must be a square adjacency matrix "
                         f"[N, N] or one per simulation [B, N, N] "
                         f"(got shape {adjacency.shape})")
    if adjacency.shape[-1] != num_nodes:
        raise ValueError(f"'{name}' is for N={adjacency.shape[-1]} nodes "
                         f"but the trajectories have N={num_nodes}")
    if adjacency.ndim == 3 and adjacency.shape[0] != num_sims:
        raise ValueError(f"'{name}' holds {adjacency.shape[0]} graphs but "
                         f"the trajectories {num_sims} simulations")
    if not (np.issubdtype(adjacency.dtype, np.integer)
            or np.issubdtype(adjacency.dtype, np.floating)
            or adjacency.dtype == np.bool_):
        raise ValueError(f"'{name}' must hold real numbers "
                         f"(got {adjacency.dtype})")
    # The diagonal is no edge (StructInfer's NetSim files hold -1 there).
    off_diagonal = ~np.eye(num_nodes, dtype=bool)
    values = np.unique(adjacency[..., off_diagonal])
    if not set(values.tolist()) <= {0, 1}:
        raise ValueError(f"'{name}' must hold 0 and 1 off the diagonal (got "
                         f"the values {values[:10].tolist()})")
    labels = np.where(off_diagonal, adjacency, 0).astype(np.int64)
    if orientation == 'row_to_column':
        labels = labels.swapaxes(-1, -2)
    return np.broadcast_to(labels, (num_sims, num_nodes, num_nodes))


def _build(arrays: Sequence, names: Sequence[str], adjacency,
           adjacency_name: str, orientation: str,
           stats: Optional[TrajectoryNormalizer],
           groups: Optional[Sequence[Sequence[int]]],
           transform: Optional[Callable]) -> TrajectoryDataset:
    trajectories = _join_features(arrays, names)
    num_sims, num_nodes = trajectories.shape[:2]
    labels = _labels(adjacency, adjacency_name, num_sims, num_nodes,
                     orientation)
    return from_arrays(features=trajectories.transpose(0, 1, 3, 2),
                       edges=labels, stats=stats, groups=groups,
                       num_edge_types=[2], transform=transform)


def from_structinfer_arrays(
    trajectories: Union[np.ndarray, Sequence[np.ndarray]],
    adjacency: np.ndarray,
    *,
    orientation: str,
    stats: Optional[TrajectoryNormalizer] = None,
    groups: Optional[Sequence[Sequence[int]]] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Turns StructInfer arrays into a :class:`TrajectoryDataset` with the
    layout of :class:`PhysicsSystemDataset`: ``x`` :obj:`[N, T, F]`, the
    fully connected ``edge_index`` and ``edge_type`` :obj:`[N(N-1), 1]`
    (1 on the edges of the graph, 0 elsewhere; edge :math:`j \to i` is
    ``edge_index[:, k] = (j, i)``). A graph with one-way edges makes the
    dataset :obj:`directed`.

    Pass the ``stats`` of the training split for the validation and test
    splits; without them they are fitted on these trajectories, every
    feature with its own minimum and maximum unless ``groups`` joins some
    (e.g. :data:`~torch_geometric_fnri.transforms.POSITION_VELOCITY_GROUPS`
    for positions and velocities, :math:`F = 4`).

    Args:
        trajectories (numpy.ndarray or sequence of numpy.ndarray): The
            trajectories, or several arrays joined on the feature axis in
            order (e.g. StructInfer's positions, then velocities).
        adjacency (numpy.ndarray): 0/1 off the diagonal, which is ignored;
            one graph for all simulations or one per simulation.
        orientation (str): What ``adjacency[i, j] = 1`` means: an edge
            :math:`i \to j` (:obj:`'row_to_column'`, StructInfer's
            documentation) or :math:`j \to i` (:obj:`'column_to_row'`,
            StructInfer's generators); see the module docstring. No
            default.
        stats (TrajectoryNormalizer, optional): The normalisation to apply.
            (default: :obj:`None`)
        groups (sequence of sequence of int, optional): Features that share
            one minimum and maximum when :obj:`stats` are fitted.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)

    Shapes:
        - **input:** trajectories :math:`(B, N, F, T)` (or arrays
          :math:`(B, N, F_k, T)` with :math:`\sum_k F_k = F`), adjacency
          :math:`(N, N)` or :math:`(B, N, N)`
    """
    arrays = ([trajectories] if isinstance(trajectories, np.ndarray) else
              list(trajectories))
    names = (['trajectories'] if len(arrays) == 1 else
             [f'trajectories[{index}]' for index in range(len(arrays))])
    return _build(arrays, names, adjacency, 'adjacency', orientation, stats,
                  groups, transform)


def _read_array(path: PathLike) -> np.ndarray:
    # The array of a .npy file or of a .npz file that holds exactly one.
    loaded = read_numpy_file(os.fspath(path))
    if isinstance(loaded, np.ndarray):
        return loaded
    if len(loaded) != 1:
        raise ValueError(f"'{os.fspath(path)}' must hold one array (got "
                         f"{sorted(loaded)}); save one array per file")
    return next(iter(loaded.values()))


def load_structinfer_files(
    trajectories: Union[PathLike, Sequence[PathLike]],
    adjacency: PathLike,
    *,
    orientation: str,
    stats: Optional[TrajectoryNormalizer] = None,
    groups: Optional[Sequence[Sequence[int]]] = None,
    transform: Optional[Callable] = None,
) -> TrajectoryDataset:
    r"""Reads StructInfer files (``.npy``, or ``.npz`` holding one array)
    with :func:`from_structinfer_arrays`; errors name the file. For
    StructInfer's springs data of 15 nodes, read as its generators use the
    adjacency::

        train = load_structinfer_files(
            ['loc_train_springs15r1.npy', 'vel_train_springs15r1.npy'],
            'edges_train_springs15r1.npy', orientation='column_to_row',
            groups=POSITION_VELOCITY_GROUPS)
        valid = load_structinfer_files(
            ['loc_valid_springs15r1.npy', 'vel_valid_springs15r1.npy'],
            'edges_valid_springs15r1.npy', orientation='column_to_row',
            stats=train.stats)

    Args:
        trajectories (str or sequence of str): The trajectory file, or
            several joined on the feature axis in order.
        adjacency (str): The adjacency file.
        orientation (str): What ``adjacency[i, j] = 1`` means (see
            :func:`from_structinfer_arrays`). No default.
        stats (TrajectoryNormalizer, optional): The normalisation to apply.
            (default: :obj:`None`)
        groups (sequence of sequence of int, optional): Features that share
            one minimum and maximum when :obj:`stats` are fitted.
            (default: :obj:`None`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
    """
    paths: List[PathLike] = ([trajectories] if isinstance(
        trajectories, (str, os.PathLike)) else list(trajectories))
    return _build([_read_array(path) for path in paths],
                  [os.fspath(path) for path in paths], _read_array(adjacency),
                  os.fspath(adjacency), orientation, stats, groups, transform)
