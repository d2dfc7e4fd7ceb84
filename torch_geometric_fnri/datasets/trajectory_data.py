r"""Conversion of trajectory arrays into PyG :class:`Data` objects.

One trajectory is one graph: ``x`` of shape :obj:`[N, T, D]`, the fully
connected ``edge_index`` of
:func:`~torch_geometric_fnri.utils.fully_connected_edge_index` and, when
labels are known, ``edge_type`` of shape :obj:`[E, L]` (one column per
label layer; edge :math:`j \to i` carries ``labels[:, i, j]``).
"""
from typing import List, Optional

import numpy as np
import torch
from torch_geometric.data import Data

from ..utils import dense_to_edge_values, fully_connected_edge_index


def to_features(loc: np.ndarray, vel: np.ndarray) -> np.ndarray:
    r"""Stacks positions and velocities node-major, positions first.

    Shapes:
        - **input:** loc and vel :math:`(S, T, 2, N)`
        - **output:** :math:`(S, N, T, 4)` = (x, y, vx, vy)
    """
    return np.concatenate(
        [loc.transpose(0, 3, 1, 2),
         vel.transpose(0, 3, 1, 2)], axis=-1)


def build_data_list(features: np.ndarray,
                    labels: Optional[np.ndarray] = None) -> List[Data]:
    r"""Builds one :class:`Data` per trajectory.

    Args:
        features (numpy.ndarray): Node features (stored as float32).
        labels (numpy.ndarray, optional): Integer labels indexed
            ``[receiver, sender]``. (default: :obj:`None`)

    Shapes:
        - **input:** features :math:`(S, N, T, D)`, labels
          :math:`(S, L, N, N)`
        - **output:** list of :math:`S` graphs with ``x``
          :math:`(N, T, D)`, ``edge_index`` :math:`(2, N(N-1))` and
          ``edge_type`` :math:`(N(N-1), L)`
    """
    x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    edge_index = fully_connected_edge_index(x.size(1))
    if labels is None:
        return [Data(x=x[s], edge_index=edge_index) for s in range(len(x))]
    edge_type = dense_to_edge_values(torch.from_numpy(
        np.asarray(labels, dtype=np.int64))).transpose(1, 2).contiguous()
    return [
        Data(x=x[s], edge_index=edge_index, edge_type=edge_type[s])
        for s in range(len(x))
    ]
