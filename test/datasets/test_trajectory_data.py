import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets.trajectory_data import (
    build_data_list,
    to_features,
)


def test_to_features_is_node_major_positions_first():
    rng = np.random.default_rng(0)
    loc = rng.standard_normal((2, 5, 2, 3))  # [S, T, 2, N]
    vel = rng.standard_normal((2, 5, 2, 3))
    features = to_features(loc, vel)
    assert features.shape == (2, 3, 5, 4)
    for s in range(2):
        for n in range(3):
            for t in range(5):
                assert features[s, n, t].tolist() == [
                    loc[s, t, 0, n], loc[s, t, 1, n], vel[s, t, 0, n],
                    vel[s, t, 1, n]]


def test_to_features_rejects_mismatched_arrays():
    with pytest.raises(ValueError):
        to_features(np.zeros((2, 5, 2, 3)), np.zeros((2, 5, 2, 4)))


def test_build_data_list_without_labels():
    features = np.arange(2 * 3 * 4 * 1, dtype=np.float64).reshape(2, 3, 4, 1)
    data_list = build_data_list(features)
    assert len(data_list) == 2
    for s, data in enumerate(data_list):
        assert data.x.dtype == torch.float32 and data.x.shape == (3, 4, 1)
        assert torch.equal(data.x, torch.tensor(features[s],
                                                dtype=torch.float32))
        # Fully connected, sorted by receiver then sender.
        assert data.edge_index.tolist() == [[1, 2, 0, 2, 0, 1],
                                            [0, 0, 1, 1, 2, 2]]
        assert 'edge_type' not in data


def test_edge_j_to_i_carries_labels_i_j():
    rng = np.random.default_rng(1)
    num_sims, num_layers, num_nodes = 3, 2, 4
    features = rng.standard_normal((num_sims, num_nodes, 6, 4))
    labels = rng.integers(0, 3, size=(num_sims, num_layers, num_nodes,
                                      num_nodes))
    data_list = build_data_list(features, labels)
    assert len(data_list) == num_sims
    for s, data in enumerate(data_list):
        num_edges = num_nodes * (num_nodes - 1)
        assert data.edge_type.shape == (num_edges, num_layers)
        assert data.edge_type.dtype == torch.int64
        assert data.edge_type.is_contiguous()
        for e, (j, i) in enumerate(data.edge_index.t().tolist()):
            assert data.edge_type[e].tolist() == labels[s, :, i, j].tolist()
        np.testing.assert_allclose(data.x.numpy(), features[s], rtol=1e-6)


def test_labels_must_be_square():
    with pytest.raises(ValueError, match=r"'adj' must have shape \[\.\.\., "
                       r"N, N\]"):
        build_data_list(np.zeros((1, 3, 2, 4)), np.zeros((1, 1, 3, 2)))
