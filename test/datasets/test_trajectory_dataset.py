import re
import warnings

import numpy as np
import pytest
import torch
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.datasets import from_arrays, load_reference_files
from torch_geometric_fnri.datasets.trajectory_dataset import read_numpy_file
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


def test_from_arrays_refuses_data_it_would_garble():
    loc, vel = arrays()
    # Simulations of different particle counts cannot stack into one array.
    ragged = [loc[0], np.zeros((6, 2, 4))]
    with pytest.raises(ValueError, match="'loc' must be one array .*"
                       "different shapes .*one dataset per particle count"):
        from_arrays(ragged, ragged)
    # Complex values would lose their imaginary part.
    with pytest.raises(ValueError, match="'loc' must hold real numbers "
                       r"\(got complex128\)"):
        from_arrays(loc + 1j, vel)
    with pytest.raises(ValueError, match="'edges' must hold real numbers"):
        from_arrays(loc, vel, np.ones((4, 3, 3)) * 1j)
    # Values beyond float32 once normalised would be stored as inf.
    train = from_arrays(loc, vel)
    with pytest.raises(ValueError, match='beyond float32 .*other units'):
        from_arrays(loc * 1e300, vel, stats=train.stats)


def test_from_arrays_warns_of_an_inferred_class_count_with_gaps():
    loc, vel = arrays()
    edges = np.zeros((4, 2, 3, 3), dtype=np.int64)
    edges[:, 1, 0, 1] = 1
    edges[0, 0, 1, 2] = 10**9
    with pytest.warns(UserWarning, match=r'layer 0 take 2 values \(\[0, '
                      r'1000000000\]\) but num_edge_types\[0\] is inferred '
                      r'as 1000000001'):
        from_arrays(loc, vel, edges)
    edges[0, 0, 1, 2] = 1
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert from_arrays(loc, vel, edges).num_edge_types == [2, 2]
        # Given counts are not questioned.
        edges[0, 0, 1, 2] = 2
        from_arrays(loc, vel, edges, num_edge_types=[3, 2])


def test_from_arrays_knows_directed_labels():
    from torch_geometric_fnri.nn import build_model
    from torch_geometric_fnri.training import TrainConfig, Trainer
    loc, vel = arrays()
    edges = np.zeros((4, 1, 3, 3), dtype=np.int64)
    edges[:, 0, 0, 1] = edges[:, 0, 1, 0] = 1
    assert not from_arrays(loc, vel, edges).directed
    edges[2, 0, 2, 0] = 1  # 0 -> 2 without 2 -> 0.
    train = from_arrays(loc, vel, edges)
    assert train.directed
    # A model that symmetrises its edges is refused on such data.
    model = build_model('nri', [2], num_timesteps=3, hidden_channels=8,
                        symmetric=True)
    with pytest.raises(ValueError, match='directed interactions'):
        Trainer(model, TrainConfig(epochs=1, batch_size=2,
                                   prediction_steps=1, progress=False),
                train, train)


def _reference_folder(folder, edges_per_split, num_nodes=3):
    for split, edges in edges_per_split.items():
        loc, vel = arrays(len(edges), num_nodes=num_nodes, seed=len(split))
        np.save(folder / f'loc_{split}.npy', loc)
        np.save(folder / f'vel_{split}.npy', vel)
        np.save(folder / f'edges_{split}.npy', edges)


def test_reference_labels_are_the_same_classes_in_every_split(tmp_path):
    # fNRI layout: class indices as they are (a test split without class 1
    # keeps its 2), a layer of -1/+1 charges as 0/1.
    train = np.zeros((4, 2, 3, 3))
    train[:, 0, 0, 1] = [0, 1, 2, 1]
    train[:, 1] = -1
    train[0, 1, 0, 1] = 1
    test = train.copy()
    test[:, 0, 0, 1] = [0, 2, 2, 0]
    test[:, 1] = 1
    _reference_folder(tmp_path, {'train': train, 'test': test})
    loaded = {'train': load_reference_files(str(tmp_path), 'train')}
    with pytest.warns(UserWarning, match='inferred as 3'):
        loaded['test'] = load_reference_files(str(tmp_path), 'test')
    edge = fully_connected_edge_index(3).t().tolist().index([1, 0])
    for split, array in (('train', train), ('test', test)):
        labels = torch.stack([d.edge_type[edge] for d in loaded[split]])
        assert labels[:, 0].tolist() == array[:, 0, 0, 1].tolist()
        assert labels[:, 1].tolist() == ((array[:, 1, 0, 1] + 1) / 2
                                         ).tolist()


@pytest.mark.parametrize('edges,match', [
    # NRI [S, N, N] with a third class would merge it into class 1.
    (np.full((4, 3, 3), 2.0), r'NRI edges .* got the values \[2.0\]'),
    # Continuous fNRI couplings are no classes.
    (np.linspace(0, 1, 4 * 2 * 9).reshape(4, 2, 3, 3),
     'layer 0 holds the values .*continuous couplings'),
    (np.full((4, 1, 3, 3), -2.0), r'layer 0 holds the values \[-2.0\]'),
])
def test_reference_labels_that_are_no_classes_are_refused(tmp_path, edges,
                                                          match):
    _reference_folder(tmp_path, {'train': edges})
    with pytest.raises(ValueError, match=match):
        load_reference_files(str(tmp_path), 'train')


@pytest.mark.parametrize('content,match', [
    (lambda b: b[:200], 'truncated, empty or damaged'),
    (lambda b: b'', 'truncated, empty or damaged'),
    (lambda b: bytes(range(256)) * 4, r'no .npy or .npz file'),
])
def test_unreadable_reference_files_are_named(tmp_path, content, match):
    edges = np.zeros((4, 3, 3))
    _reference_folder(tmp_path, {'train': edges})
    path = tmp_path / 'vel_train.npy'
    path.write_bytes(content(path.read_bytes()))
    with pytest.raises(ValueError, match=f"'{re.escape(str(path))}' is not "
                       f"a readable NumPy file: .*{match}"):
        load_reference_files(str(tmp_path), 'train')


def test_read_numpy_file(tmp_path):
    np.savez(tmp_path / 'good.npz', a=np.arange(3))
    assert read_numpy_file(str(tmp_path / 'good.npz'))['a'].tolist() == \
        [0, 1, 2]
    np.savez(tmp_path / 'objects.npz', a=np.array([1, 'a'], dtype=object))
    with pytest.raises(ValueError, match='arrays of Python objects'):
        read_numpy_file(str(tmp_path / 'objects.npz'))
    (tmp_path / 'cut.npz').write_bytes(
        (tmp_path / 'good.npz').read_bytes()[:100])
    with pytest.raises(ValueError, match=r"cut.npz' is not a readable "
                       r"NumPy file: it is truncated"):
        read_numpy_file(str(tmp_path / 'cut.npz'))
