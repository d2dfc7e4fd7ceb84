import numpy as np
import pytest
import torch
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.datasets import from_arrays, load_reference_files
from torch_geometric_fnri.utils import fully_connected_edge_index


def arrays(num_sims=4, num_frames=6, num_nodes=3, seed=0):
    rng = np.random.default_rng(seed)
    loc = rng.normal(size=(num_sims, num_frames, 2, num_nodes))
    vel = 0.1 * rng.normal(size=(num_sims, num_frames, 2, num_nodes))
    return loc, vel


def test_from_arrays_layout():
    loc, vel = arrays()
    edges = np.zeros((4, 2, 3, 3), dtype=np.int64)
    edges[:, 0, 2, 0] = 1  # interaction on 2 due to 0 -> edge 0->2
    edges[:, 1, 1, 2] = 1
    dataset = from_arrays(loc, vel, edges, interaction_names=['a', 'b'])
    assert len(dataset) == 4 and dataset.num_edge_types == [2, 2]
    data = dataset[1]
    assert data.x.shape == (3, 6, 4) and data.x.dtype == torch.float32
    assert torch.equal(data.edge_index, fully_connected_edge_index(3))
    source, target = data.edge_index
    on0 = data.edge_type[:, 0] == 1
    on1 = data.edge_type[:, 1] == 1
    assert (source[on0].tolist(), target[on0].tolist()) == ([0], [2])
    assert (source[on1].tolist(), target[on1].tolist()) == ([2], [1])
    # x, y share one min/max, vx, vy another.
    x = dataset._data.x
    assert x[..., :2].min() == -1 and x[..., :2].max() == 1
    assert x[..., 2:].min() == -1 and x[..., 2:].max() == 1
    np.testing.assert_allclose(
        dataset.stats.denormalize(data.x.double())[:, :, 0].numpy(),
        loc[1, :, 0].T, rtol=1e-5, atol=1e-6)
    batch = next(iter(DataLoader(dataset, batch_size=2)))
    assert batch.x.shape == (6, 6, 4) and batch.edge_type.shape == (12, 2)


def test_from_arrays_with_train_stats_and_features():
    loc, vel = arrays()
    train = from_arrays(loc, vel)
    test_loc, test_vel = arrays(seed=1)
    test = from_arrays(test_loc, test_vel, stats=train.stats)
    assert test.stats is train.stats and test.num_edge_types is None
    assert 'edge_type' not in test[0]
    features = np.random.default_rng(2).normal(size=(2, 3, 5, 3))
    features[..., 2] *= 10
    dataset = from_arrays(features=features, edges=np.ones((2, 3, 3)))
    x = dataset._data.x
    for d in range(3):  # one min/max per feature
        assert x[..., d].min() == -1 and x[..., d].max() == 1
    assert dataset[0].edge_type.shape == (6, 1)


@pytest.mark.parametrize('kwargs, match', [
    (dict(loc=np.zeros((2, 3, 2))), "'loc' must have shape"),
    (dict(vel=np.zeros((2, 3, 2, 4))), "'loc' and 'vel' must both"),
    (dict(loc=np.full((2, 3, 2, 3), np.nan)), "'loc' must be finite"),
    (dict(features=np.zeros((2, 3, 4, 4))), "not both"),
    (dict(edges=np.zeros((2, 2, 3))), "'edges' must have shape"),
    (dict(edges=-np.ones((2, 3, 3))), 'non-negative integer'),
    (dict(edges=np.zeros((2, 2, 3, 3)), num_edge_types=[2]),
     "'num_edge_types' must have one entry per label layer"),
    (dict(edges=np.full((2, 1, 3, 3), 2), num_edge_types=[2]),
     'must be below'),
    (dict(edges=np.zeros((2, 2, 3, 3)), interaction_names=['a']),
     "'interaction_names' must have one entry"),
])
def test_from_arrays_errors(kwargs, match):
    rng = np.random.default_rng(0)
    base = dict(loc=rng.normal(size=(2, 3, 2, 3)),
                vel=rng.normal(size=(2, 3, 2, 3)))
    if 'features' in kwargs:
        base['features'] = kwargs.pop('features')
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        from_arrays(**base)


def test_load_nri_files(tmp_path):
    rng = np.random.default_rng(3)
    for split, num_sims in (('train', 4), ('valid', 2), ('test', 2)):
        loc, vel = arrays(num_sims, seed=num_sims)
        charges = np.where(rng.random((num_sims, 3)) < 0.5, -1., 1.)
        edges = charges[:, :, None] * charges[:, None, :]  # diagonal +1
        np.save(tmp_path / f'loc_{split}_charged3.npy', loc)
        np.save(tmp_path / f'vel_{split}_charged3.npy', vel)
        np.save(tmp_path / f'edges_{split}_charged3.npy', edges)
    train = load_reference_files(str(tmp_path), 'train')
    valid = load_reference_files(str(tmp_path), 'valid',
                                 suffix='_charged3')
    assert valid.stats == train.stats and len(valid) == 2
    assert train._data.x[..., :2].min() == -1
    edges = np.load(tmp_path / 'edges_valid_charged3.npy')
    row, col = fully_connected_edge_index(3)[[1, 0]]
    expected = (edges[0][row, col] + 1) / 2  # like charges -> 1
    assert valid[0].edge_type[:, 0].tolist() == expected.tolist()
    with pytest.raises(ValueError, match="'split' must be"):
        load_reference_files(str(tmp_path), 'val')
    with pytest.raises(ValueError, match='File not found'):
        load_reference_files(str(tmp_path), 'test', suffix='_springs5')


def test_load_fnri_folder(tmp_path):
    rng = np.random.default_rng(4)
    for split in ('train', 'valid', 'test'):
        loc, vel = arrays(3, seed=5)
        edges = (rng.random((3, 2, 4, 4)) < 0.5).astype(np.float64)
        edges = np.maximum(edges, edges.swapaxes(-1, -2))
        np.save(tmp_path / f'loc_{split}.npy', np.repeat(loc, 2, -1)[..., :4])
        np.save(tmp_path / f'vel_{split}.npy', np.repeat(vel, 2, -1)[..., :4])
        np.save(tmp_path / f'edges_{split}.npy', edges)
    test = load_reference_files(str(tmp_path), 'test')
    assert test.num_edge_types == [2, 2]
    edges = np.load(tmp_path / 'edges_test.npy')
    row, col = fully_connected_edge_index(4)[[1, 0]]
    assert test[2].edge_type.numpy().T.tolist() == \
        edges[2][:, row, col].tolist()
    np.save(tmp_path / 'loc_test_x.npy', np.zeros(1))
    np.save(tmp_path / 'loc_test_y.npy', np.zeros(1))
    (tmp_path / 'loc_test.npy').unlink()
    with pytest.raises(ValueError, match="Expected one 'loc_test.npy'"):
        load_reference_files(str(tmp_path), 'test')
