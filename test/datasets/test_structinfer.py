import pathlib
import re

import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import (
    ADJACENCY_ORIENTATIONS,
    from_structinfer_arrays,
    load_structinfer_files,
)
from torch_geometric_fnri.transforms import POSITION_VELOCITY_GROUPS
from torch_geometric_fnri.utils import fully_connected_edge_index


def trajectories(num_sims=3, num_nodes=4, num_features=2, num_steps=7,
                 seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(num_sims, num_nodes, num_features, num_steps))


def one_way_adjacency():
    adjacency = np.zeros((4, 4))
    adjacency[0, 2] = adjacency[1, 3] = adjacency[3, 1] = 1
    adjacency[np.arange(4), np.arange(4)] = -1  # NetSim files: ignored.
    return adjacency


def edges(data):
    # The labelled edges as (source, target) pairs.
    source, target = data.edge_index
    on = data.edge_type[:, 0] == 1
    return sorted(zip(source[on].tolist(), target[on].tolist()))


def test_orientation_is_explicit_and_tested():
    assert ADJACENCY_ORIENTATIONS == ('row_to_column', 'column_to_row')
    features = trajectories()
    rows = from_structinfer_arrays(features, one_way_adjacency(),
                                   orientation='row_to_column')
    columns = from_structinfer_arrays(features, one_way_adjacency(),
                                      orientation='column_to_row')
    for data in rows:  # adjacency[i, j] = 1: edge i -> j.
        assert edges(data) == [(0, 2), (1, 3), (3, 1)]
    for data in columns:  # adjacency[i, j] = 1: edge j -> i.
        assert edges(data) == [(1, 3), (2, 0), (3, 1)]
    assert rows.directed and columns.directed
    with pytest.raises(TypeError, match='orientation'):
        from_structinfer_arrays(features, one_way_adjacency())
    with pytest.raises(ValueError, match="'orientation' must be one of"):
        from_structinfer_arrays(features, one_way_adjacency(),
                                orientation='sender_receiver')


def test_layout_and_normalisation():
    features = trajectories()
    features[:, :, 1] *= 10
    dataset = from_structinfer_arrays(features, np.ones((4, 4)),
                                      orientation='row_to_column')
    assert len(dataset) == 3 and not dataset.directed
    assert dataset.num_edge_types == [2]
    data = dataset[2]
    assert data.x.shape == (4, 7, 2) and data.x.dtype == torch.float32
    assert torch.equal(data.edge_index, fully_connected_edge_index(4))
    assert data.edge_type.shape == (12, 1) and (data.edge_type == 1).all()
    # x[n, t, f] is trajectories[b, n, f, t]; every feature spans [-1, 1].
    np.testing.assert_allclose(
        dataset.stats.denormalize(data.x.double()).numpy(),
        features[2].transpose(0, 2, 1), rtol=1e-5, atol=1e-5)
    x = dataset._data.x
    for feature in range(2):
        assert x[..., feature].min() == -1 and x[..., feature].max() == 1
    # Validation data with the training statistics.
    valid = from_structinfer_arrays(trajectories(seed=1), np.ones((4, 4)),
                                    orientation='row_to_column',
                                    stats=dataset.stats)
    assert valid.stats is dataset.stats


def test_positions_and_velocities_are_joined_on_the_feature_axis():
    loc, vel = trajectories(seed=2), 0.1 * trajectories(seed=3)
    dataset = from_structinfer_arrays([loc, vel], one_way_adjacency(),
                                      orientation='column_to_row',
                                      groups=POSITION_VELOCITY_GROUPS)
    data = dataset[0]
    assert data.x.shape == (4, 7, 4)
    np.testing.assert_allclose(
        dataset.stats.denormalize(data.x.double()).numpy(),
        np.concatenate([loc[0], vel[0]], axis=1).transpose(0, 2, 1),
        rtol=1e-5, atol=1e-5)
    x = dataset._data.x  # x, y share one min/max, vx, vy another.
    assert x[..., :2].min() == -1 and x[..., :2].max() == 1
    assert x[..., 2:].min() == -1 and x[..., 2:].max() == 1


def test_one_adjacency_per_simulation():
    adjacency = np.zeros((3, 4, 4))
    adjacency[0, 0, 1] = adjacency[1, 2, 3] = 1
    dataset = from_structinfer_arrays(trajectories(), adjacency,
                                      orientation='row_to_column')
    assert [edges(data) for data in dataset] == [[(0, 1)], [(2, 3)], []]


@pytest.mark.parametrize('suffix', ['.npy', '.npz'])
def test_files(tmp_path, suffix):
    loc, vel = trajectories(seed=4), trajectories(seed=5)
    adjacency = one_way_adjacency()
    paths = []
    for name, array in (('loc', loc), ('vel', vel), ('edges', adjacency)):
        path = tmp_path / f'{name}_train_springs4r1{suffix}'
        if suffix == '.npy':
            np.save(path, array)
        else:
            np.savez(path, array)
        paths.append(path)
    loaded = load_structinfer_files([str(paths[0]), paths[1]], paths[2],
                                    orientation='row_to_column')
    expected = from_structinfer_arrays([loc, vel], adjacency,
                                       orientation='row_to_column')
    assert torch.equal(loaded._data.x, expected._data.x)
    assert torch.equal(loaded._data.edge_type, expected._data.edge_type)
    single = load_structinfer_files(paths[0], str(paths[2]),
                                    orientation='column_to_row')
    assert single[0].x.shape == (4, 7, 2)


def write(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return str(path)


@pytest.mark.parametrize('features, adjacency, match', [
    (np.zeros((3, 4, 7)), np.ones((4, 4)),
     r"'trajectories' must have shape \[B, N, F, T\]"),
    (np.full((3, 4, 2, 7), np.nan), np.ones((4, 4)),
     "'trajectories' must be finite"),
    (trajectories(), np.ones((4, 5)), "'adjacency' must be a square"),
    (trajectories(), np.ones(4), "'adjacency' must be a square"),
    (trajectories(), np.ones((1, 3, 4, 4)), "'adjacency' must be a square"),
    (trajectories(), np.ones((5, 5)),
     "'adjacency' is for N=5 nodes but the trajectories have N=4"),
    (trajectories(), np.ones((2, 4, 4)),
     "'adjacency' holds 2 graphs but the trajectories 3 simulations"),
    (trajectories(), np.full((4, 4), 0.5), "must hold 0 and 1 off the"),
    (trajectories(), np.full((4, 4), 2), "must hold 0 and 1 off the"),
    (trajectories(), np.full((4, 4), 'a'), 'must hold real numbers'),
    ([trajectories(), trajectories(num_steps=6)], np.ones((4, 4)),
     r"'trajectories\[1\]' has shape \(3, 4, 2, 6\) but 'trajectories\[0\]' "
     r"has \(3, 4, 2, 7\): the trajectory arrays must agree in B, N and T"),
    ([], np.ones((4, 4)), 'Give at least one trajectory array'),
])
def test_bad_arrays_raise(features, adjacency, match):
    with pytest.raises(ValueError, match=match):
        from_structinfer_arrays(features, adjacency,
                                orientation='row_to_column')


def test_bad_files_raise_naming_them(tmp_path):
    good = write(tmp_path, 'loc.npy', trajectories())
    flat = write(tmp_path, 'flat.npy', np.zeros((3, 4, 7)))
    wide = write(tmp_path, 'wide.npy', np.ones((4, 5)))
    five = write(tmp_path, 'five.npy', np.ones((5, 5)))
    both = str(tmp_path / 'both.npz')
    np.savez(both, loc=trajectories(), vel=trajectories())
    broken = tmp_path / 'broken.npy'
    broken.write_bytes(b'not numpy')
    for paths, adjacency, match in (
            (flat, five, f"'{flat}' must have shape [B, N, F, T]"),
            (good, wide, f"'{wide}' must be a square adjacency"),
            (good, five, f"'{five}' is for N=5 nodes but the trajectories "
                         f"have N=4"),
            (both, five, f"'{both}' must hold one array (got ['loc', "
                         f"'vel'])"),
            (good, str(broken), f"'{broken}' is not a readable NumPy file"),
    ):
        with pytest.raises(ValueError, match=re.escape(match)):
            load_structinfer_files(paths, adjacency,
                                   orientation='row_to_column')
    assert len(load_structinfer_files(
        pathlib.Path(good), pathlib.Path(write(tmp_path, 'edges.npy',
                                               np.eye(4))),
        orientation='row_to_column')) == 3
