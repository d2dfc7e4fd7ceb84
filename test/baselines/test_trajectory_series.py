import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from torch_geometric_fnri.baselines import (
    edge_scores,
    feature_groups,
    feature_series,
    split_trajectories,
)
from torch_geometric_fnri.datasets import from_arrays
from torch_geometric_fnri.datasets.kuramoto import FEATURE_NAMES
from torch_geometric_fnri.datasets.swing import (
    FEATURE_NAMES as SWING_FEATURES,
)


def _dataset(num_sims=3, num_frames=12, num_nodes=4, seed=0):
    rng = np.random.default_rng(seed)
    loc = rng.standard_normal((num_sims, num_frames, 2, num_nodes))
    vel = rng.standard_normal((num_sims, num_frames, 2, num_nodes))
    edges = rng.integers(0, 2, (num_sims, 2, num_nodes, num_nodes))
    return from_arrays(loc, vel, edges), edges


def test_the_feature_groups_of_each_layout():
    assert feature_groups(('x', 'y', 'vx', 'vy')) == {
        'positions': (0, 1), 'velocities': (2, 3)}
    # Kuramoto's intrinsic frequency is constant over a trajectory.
    assert feature_groups(FEATURE_NAMES) == {
        'phase_velocity': (0, ), 'sin_phase': (1, ), 'phase': (2, )}
    # So is a bus's net power in the swing dynamics.
    assert feature_groups(SWING_FEATURES) == {
        'sin_phase': (0, ), 'cos_phase': (1, ), 'frequency': (2, )}
    assert feature_groups(('a', 'b')) == {'a': (0, ), 'b': (1, )}


def test_a_split_is_stacked_with_its_labels():
    dataset, edges = _dataset()
    x, edge_type = split_trajectories(dataset, slice(0, 5))
    assert x.shape == (3, 4, 5, 4) and x.dtype == np.float64
    assert np.array_equal(x, np.stack([d.x[:, :5].double().numpy()
                                       for d in dataset]))
    assert edge_type.shape == (3, 12, 2)
    # Edge j -> i carries the label [i, j].
    source, target = dataset[0].edge_index
    assert torch.equal(edge_type,
                       torch.from_numpy(edges)[:, :, target,
                                               source].transpose(1, 2))


def test_scores_follow_the_edge_order_of_edge_index():
    dataset, _ = _dataset(num_sims=2, num_nodes=5)
    x, _ = split_trajectories(dataset)

    def oracle(series):  # [i, j] -> 10 i + j, plus 1000 per series.
        b = np.arange(len(series))[:, None, None]
        node = np.arange(series.shape[1])
        return 1000 * b + 10 * node[:, None] + node[None, :]

    scores = edge_scores(x, oracle, channels=(2, 3))
    assert scores.shape == (2, 20, 2) and scores.dtype == torch.float64
    source, target = dataset[0].edge_index
    for s in range(2):
        for c in range(2):
            expected = 1000 * (2 * s + c) + 10 * target + source
            assert torch.equal(scores[s, :, c], expected.double())


def test_increments_are_frame_differences():
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 4))
    series = feature_series(x, (0, 1), increments=True)
    assert series.shape == (2, 2, 3, 5)
    assert np.allclose(series[:, 1], np.diff(x[..., 1], axis=-1))


def test_bad_input_is_refused():
    dataset, _ = _dataset()
    x, _ = split_trajectories(dataset)
    with pytest.raises(ValueError, match=r"'channels' must hold feature"):
        feature_series(x, (4, ))
    with pytest.raises(ValueError, match=r'shape \[S, N, T, D\]'):
        feature_series(x[0], (0, ))
    with pytest.raises(ValueError, match="'method' must return"):
        edge_scores(x, lambda series: series, (0, ))
    with pytest.raises(ValueError, match='no simulations'):
        split_trajectories([])
    other, _ = _dataset(num_nodes=3)
    with pytest.raises(ValueError, match='one particle count per split'):
        split_trajectories([dataset[0], other[0]])
    graph = dataset[0]
    flipped = Data(x=graph.x, edge_index=graph.edge_index.flip(0),
                   edge_type=graph.edge_type)
    with pytest.raises(ValueError, match='fully connected'):
        split_trajectories([flipped])
    unlabelled = Data(x=graph.x, edge_index=graph.edge_index)
    with pytest.raises(ValueError, match="some graphs carry 'edge_type'"):
        split_trajectories([graph, unlabelled])
    x, edge_type = split_trajectories([unlabelled])
    assert edge_type is None and x.shape == (1, 4, 12, 4)
