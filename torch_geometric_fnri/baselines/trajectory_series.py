r"""The trajectories a classical baseline scores: one split as arrays, the
feature groups of a dataset, and the checked series of one group.

A *series* array has shape :obj:`[B, N, T]`: :math:`B` independent
multivariate time series (one per simulation and feature dimension) of
:math:`N` nodes over :math:`T` frames. Every method of
:mod:`~torch_geometric_fnri.baselines` maps it to a score matrix
:obj:`[B, N, N]` indexed ``[receiver, sender]`` (the convention of
:mod:`~torch_geometric_fnri.utils.fully_connected`: entry ``[i, j]``
scores the edge :math:`j \to i`), with a zero diagonal. A node whose
series is constant (a particle without interactions keeps its velocity
until it meets a wall) scores 0 with every other node.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from ..transforms import POSITION_VELOCITY_FEATURES
from ..utils import fully_connected_edge_index


#: Features that are the same at every frame of a trajectory: the
#: intrinsic frequency of
#: :class:`~torch_geometric_fnri.datasets.KuramotoDataset` and the net
#: power of :class:`~torch_geometric_fnri.datasets.PowerGridDataset`.
CONSTANT_FEATURES = ('intrinsic_frequency', 'net_power')


def feature_groups(
        feature_names: Sequence[str]) -> Dict[str, Tuple[int, ...]]:
    r"""The feature groups a baseline scores, each a tuple of channel
    indices of ``x`` whose per-channel scores are averaged into one (see
    :func:`~torch_geometric_fnri.baselines.evaluate_edge_scores`).

    * Positions and velocities (:class:`PhysicsSystemDataset`,
      :func:`from_arrays` with :obj:`loc` and :obj:`vel`):
      ``{'positions': (0, 1), 'velocities': (2, 3)}``.
    * Any other layout (Kuramoto, swing dynamics): one group per feature
      except those of :data:`CONSTANT_FEATURES` (a Kuramoto oscillator's
      intrinsic frequency, a bus's net power), which are constant over a
      trajectory and therefore carry no dependence between nodes.

    Args:
        feature_names (Sequence[str]): The dataset's :obj:`feature_names`.
    """
    names = tuple(feature_names)
    if names == POSITION_VELOCITY_FEATURES:
        return {'positions': (0, 1), 'velocities': (2, 3)}
    return {name: (index, ) for index, name in enumerate(names)
            if name not in CONSTANT_FEATURES}


def split_trajectories(dataset, frames: Optional[slice] = None
                       ) -> Tuple[np.ndarray, Optional[Tensor]]:
    r"""Stacks the trajectories and labels of a dataset split.

    Every graph must have the same number of nodes :math:`N` and the fully
    connected ``edge_index`` of
    :func:`~torch_geometric_fnri.utils.fully_connected_edge_index`, so that
    a score matrix read in edge order lines up with ``edge_type``.

    Args:
        dataset: A dataset of the package (or any sequence of
            :class:`~torch_geometric.data.Data` with ``x`` :obj:`[N, T, D]`).
        frames (slice, optional): The frames to keep, *e.g.* the encoder's
            frames of :meth:`TrainConfig.frame_split
            <torch_geometric_fnri.training.TrainConfig.frame_split>`; all
            if :obj:`None`. (default: :obj:`None`)

    Returns:
        ``(x, edge_type)``: a float64 array :obj:`[S, N, T, D]` and a
        :class:`torch.LongTensor` :obj:`[S, N(N-1), L]`, or :obj:`None`
        when the graphs carry no ``edge_type``.
    """
    if len(dataset) == 0:
        raise ValueError('the dataset holds no simulations')
    frames = slice(None) if frames is None else frames
    graphs = [dataset[index] for index in range(len(dataset))]
    num_nodes = {int(data.x.size(0)) for data in graphs}
    if len(num_nodes) != 1:
        raise ValueError(f'the baselines score one particle count per split '
                         f'(got {sorted(num_nodes)}); score each count '
                         f'separately')
    edge_index = fully_connected_edge_index(num_nodes.pop())
    labelled = {getattr(data, 'edge_type', None) is not None
                for data in graphs}
    if len(labelled) != 1:
        raise ValueError("some graphs carry 'edge_type' and some do not")
    for index, data in enumerate(graphs):
        if not torch.equal(data.edge_index.cpu(), edge_index):
            raise ValueError(
                f"graph {index} does not have the fully connected "
                f"'edge_index' (sorted by target, then source): scores "
                f"would not line up with its edges; score the dataset "
                f"without transforms that change the graph")
    x = np.stack([data.x[:, frames].detach().cpu().double().numpy()
                  for data in graphs])
    if not labelled.pop():
        return x, None
    edge_type = torch.stack([
        data.edge_type.view(data.edge_type.size(0), -1).cpu()
        for data in graphs
    ])
    return x, edge_type


def feature_series(x: np.ndarray, channels: Sequence[int],
                   increments: bool = False) -> np.ndarray:
    r"""The series of one feature group.

    Args:
        x (numpy.ndarray): Trajectories :obj:`[S, N, T, D]`.
        channels (Sequence[int]): The group's feature indices.
        increments (bool, optional): Whether to take frame differences
            :math:`x_{t+1} - x_t` (one frame fewer). (default: :obj:`False`)

    Returns:
        An array :obj:`[S, C, N, T]` (:math:`T - 1` frames for
        increments), :math:`C` the number of channels.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"'x' must have shape [S, N, T, D] "
                         f"(got {x.shape})")
    channels = list(channels)
    if len(channels) == 0 or any(
            not isinstance(c, (int, np.integer)) or not 0 <= c < x.shape[-1]
            for c in channels):
        raise ValueError(f"'channels' must hold feature indices in "
                         f"[0, {x.shape[-1]}) (got {channels})")
    selected = x[..., channels]
    if increments:
        selected = np.diff(selected, axis=2)
    return selected.transpose(0, 3, 1, 2)


def check_series(series, min_frames: int = 2) -> np.ndarray:
    r"""Checks a series array and returns it as float64.

    Args:
        series (numpy.ndarray): Series :obj:`[B, N, T]`.
        min_frames (int, optional): The fewest frames the method needs.
            (default: :obj:`2`)

    Raises:
        ValueError: When the shape, the values or the frame count do not
            fit.
    """
    series = np.asarray(series)
    if series.ndim != 3:
        raise ValueError(f"'series' must have shape [B, N, T] "
                         f"(got {series.shape})")
    if not (np.issubdtype(series.dtype, np.floating)
            or np.issubdtype(series.dtype, np.integer)):
        raise ValueError(f"'series' must hold real numbers "
                         f"(got {series.dtype})")
    batch, num_nodes, num_frames = series.shape
    if batch < 1 or num_nodes < 2:
        raise ValueError(f"'series' needs B >= 1 series of N >= 2 nodes "
                         f"(got B={batch}, N={num_nodes})")
    if num_frames < min_frames:
        raise ValueError(f'this method needs at least {min_frames} frames '
                         f'(got {num_frames})')
    series = series.astype(np.float64)
    if not np.isfinite(series).all():
        raise ValueError("'series' must be finite (got NaN or inf)")
    return series


def standardize(series: np.ndarray) -> np.ndarray:
    r"""Zero mean and unit (population) variance along the frames of a
    checked series array :obj:`[B, N, T]`; a constant series becomes
    zeros."""
    centred = series - series.mean(-1, keepdims=True)
    scale = centred.std(-1, keepdims=True)
    return centred / np.where(scale > 0, scale, 1.0)


def correlation_matrices(z: np.ndarray) -> np.ndarray:
    r"""The sample correlation matrices :obj:`[B, N, N]` of standardised
    series :obj:`[B, N, T]`, with a unit diagonal also for constant series
    (uncorrelated with every other node)."""
    correlation = z @ z.transpose(0, 2, 1) / z.shape[-1]
    index = np.arange(z.shape[1])
    correlation[:, index, index] = 1.0
    return correlation


def zero_diagonal(scores: np.ndarray) -> np.ndarray:
    r"""Sets the self-pairs of score matrices :obj:`[B, N, N]` to 0 (in
    place) and returns them."""
    index = np.arange(scores.shape[-1])
    scores[:, index, index] = 0.0
    return scores
