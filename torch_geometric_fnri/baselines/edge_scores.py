r"""Scores of a method for every edge of every simulation, in edge order."""
from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from ..utils import dense_to_edge_values
from .trajectory_series import feature_series


def edge_scores(x: np.ndarray, method: Callable[[np.ndarray], np.ndarray],
                channels: Sequence[int], increments: bool = False) -> Tensor:
    r"""Scores every candidate edge of every simulation with a classical
    method, one feature channel at a time.

    Every channel of the group (*e.g.* x and y of the positions) is scored
    as a series of its own; the channels are reduced afterwards by
    :func:`~torch_geometric_fnri.baselines.evaluate_edge_scores` (the mean
    of the signed scores, or of their magnitudes).

    Args:
        x (numpy.ndarray): Trajectories :obj:`[S, N, T, D]` (see
            :func:`~torch_geometric_fnri.baselines.split_trajectories`).
        method (callable): Maps series :obj:`[B, N, T]` to score matrices
            :obj:`[B, N, N]` indexed ``[receiver, sender]``, *e.g.*
            :func:`~torch_geometric_fnri.baselines.pearson_correlation`.
        channels (Sequence[int]): The feature indices of the group.
        increments (bool, optional): Whether to score the frame
            differences instead of the values. (default: :obj:`False`)

    Returns:
        :class:`torch.Tensor` (float64) of shape :obj:`[S, N(N-1), C]`
        whose row :obj:`e` belongs to edge :obj:`e` of the fully connected
        ``edge_index`` (the score of ``[i, j]`` for :math:`j \to i`).
    """
    series = feature_series(x, channels, increments)
    num_sims, num_channels, num_nodes, num_frames = series.shape
    scores = np.asarray(method(series.reshape(-1, num_nodes, num_frames)))
    if scores.shape != (num_sims * num_channels, num_nodes, num_nodes):
        raise ValueError(f"'method' must return score matrices of shape "
                         f"[{num_sims * num_channels}, {num_nodes}, "
                         f"{num_nodes}] (got {scores.shape})")
    scores = torch.from_numpy(
        scores.reshape(num_sims, num_channels, num_nodes, num_nodes))
    return dense_to_edge_values(scores.double()).transpose(1, 2)
