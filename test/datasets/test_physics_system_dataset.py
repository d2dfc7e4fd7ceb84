import os
import os.path as osp

import numpy as np
import pytest
import torch
from torch_geometric.loader import DataLoader

import torch_geometric_fnri.datasets.physics_system_dataset as module
from torch_geometric_fnri.datasets import (
    PhysicsSystemDataset,
    simulate_system,
)
from torch_geometric_fnri.utils import fully_connected_edge_index

SMALL = dict(num_simulations=(6, 3, 2), num_particles=4, num_frames=4,
             sample_freq=20)


@pytest.fixture
def count_simulations(monkeypatch):
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return simulate_system(*args, **kwargs)

    monkeypatch.setattr(module, 'simulate_system', counting)
    return calls


def test_in_memory_shapes():
    dataset = PhysicsSystemDataset(None, 'springs_charges', **SMALL)
    assert str(dataset) == 'PhysicsSystemDataset(springs_charges, ' \
        'split=train, 6)'
    assert len(dataset) == 6
    data = dataset[0]
    assert data.x.shape == (4, 4, 4) and data.x.dtype == torch.float32
    assert data.edge_type.shape == (12, 2)
    assert data.edge_type.dtype == torch.int64
    assert torch.equal(data.edge_index, fully_connected_edge_index(4))
    assert dataset.num_edge_types == [2, 2]
    assert dataset.interaction_names == ['ideal_springs', 'charges']
    # The papers' simulators integrate (T + 1) f steps and keep every f-th
    # state after the first (Kuramoto and swing dynamics: (T - 1) f).
    assert not dataset.first_frame_is_initial_state
    assert dataset.num_steps == (4 + 1) * dataset.sample_freq
    # Training positions and velocities span [-1, 1] exactly.
    x = dataset._data.x
    for group in ([0, 1], [2, 3]):
        assert x[..., group].min() == -1 and x[..., group].max() == 1


def test_statistics_from_train_only():
    train = PhysicsSystemDataset(None, 'springs', 'train', **SMALL)
    valid = PhysicsSystemDataset(None, 'springs', 'valid', **SMALL)
    assert valid.stats == train.stats
    bigger = dict(SMALL, num_simulations=(6, 30, 2))
    assert PhysicsSystemDataset(None, 'springs', 'valid',
                                **bigger).stats == train.stats
    # The valid split is the split's own seed stream, normalised with the
    # train statistics.
    raw = simulate_system('springs', 3, 4, 100, 20,
                          np.random.SeedSequence(42, spawn_key=(1, )))
    x = valid.stats.denormalize(valid._data.x.double()).view(3, 4, 4, 4)
    np.testing.assert_allclose(x[..., :2].numpy(),
                               raw.loc.transpose(0, 3, 1, 2), rtol=1e-5,
                               atol=1e-6)
    labels = valid[1].edge_type[:, 0]
    row, col = fully_connected_edge_index(4)[[1, 0]]
    assert torch.equal(labels,
                       torch.from_numpy(raw.couplings[1, 0][row, col]).long())


def test_cache_reuse_and_parameters(tmp_path, count_simulations):
    first = PhysicsSystemDataset(str(tmp_path), 'springs_charges', **SMALL)
    assert len(count_simulations) == 3  # all splits in one process()
    again = PhysicsSystemDataset(str(tmp_path), 'springs_charges', 'test',
                                 **SMALL)
    same = PhysicsSystemDataset(str(tmp_path), 'springs_charges', **SMALL)
    assert len(count_simulations) == 3
    assert torch.equal(same._data.x, first._data.x)
    assert again.stats == first.stats and len(again) == 2
    other = PhysicsSystemDataset(str(tmp_path), 'springs_charges', seed=1,
                                 **SMALL)
    assert len(count_simulations) == 6
    assert other.processed_dir != first.processed_dir
    assert not torch.equal(other._data.x, first._data.x)
    PhysicsSystemDataset(str(tmp_path), 'springs_charges', **SMALL,
                         force_reload=True)
    assert len(count_simulations) == 9


def test_corrupt_and_partial_cache_rebuilt(tmp_path, count_simulations):
    first = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    path = osp.join(first.processed_dir, 'train.pt')
    with open(path, 'r+b') as f:
        f.seek(100)
        f.write(b'garbage')
    with pytest.warns(UserWarning, match="'train.pt' is missing or corrupt"):
        rebuilt = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    assert len(count_simulations) == 6
    assert torch.equal(rebuilt._data.x, first._data.x)
    os.remove(osp.join(first.processed_dir, 'manifest.json'))
    with pytest.warns(UserWarning, match='incomplete'):
        rebuilt = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    assert len(count_simulations) == 9
    assert torch.equal(rebuilt._data.x, first._data.x)
    assert not any('.tmp' in name
                   for name in os.listdir(first.processed_dir))


def test_a_failed_cache_write_leaves_no_partial_file(tmp_path,
                                                    monkeypatch):
    import errno
    real_save = PhysicsSystemDataset.save

    def save_then_disk_full(data_list, path):
        real_save(data_list, path)
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(PhysicsSystemDataset, 'save',
                        staticmethod(save_then_disk_full))
    with pytest.raises(OSError, match='No space left'):
        PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    monkeypatch.undo()
    found = [name for _, _, names in os.walk(tmp_path) for name in names]
    assert not any('tmp' in name for name in found), found
    # Temporary files a killed process left (this version's and the
    # earlier 'train.pt.tmp<pid>') go at the next rebuild.
    first = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    stale = ['train.pt.tmp4242', 'valid.4242.0a1b2c3d.tmp.pt']
    for name in stale:
        with open(osp.join(first.processed_dir, name), 'wb') as f:
            f.write(b'partial')
    os.remove(osp.join(first.processed_dir, 'manifest.json'))
    with pytest.warns(UserWarning, match='incomplete'):
        PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    assert not set(stale) & set(os.listdir(first.processed_dir))


def test_dataloader_batching():
    dataset = PhysicsSystemDataset(None, 'springs_charges_fsprings',
                                   **SMALL)
    batch = next(iter(DataLoader(dataset, batch_size=3)))
    assert batch.num_graphs == 3
    assert batch.x.shape == (12, 4, 4)
    assert batch.edge_type.shape == (36, 3)
    assert torch.equal(batch.edge_index[:, 12:24],
                       fully_connected_edge_index(4) + 4)
    assert torch.equal(batch.edge_type[12:24], dataset[1].edge_type)


def test_dict_sizes_and_pre_transform():
    def add_flag(data):
        data.flag = torch.ones(1)
        return data

    dataset = PhysicsSystemDataset(
        None, 'springs', 'test', num_simulations={
            'train': 2,
            'valid': 1,
            'test': 3
        }, num_particles=3, num_frames=2, sample_freq=10,
        pre_transform=add_flag)
    assert len(dataset) == 3 and dataset[0].flag.tolist() == [1.]


def _add_flag(data):
    data.flag = torch.ones(1)
    return data


def _add_other_flag(data):
    data.flag = torch.zeros(1)
    return data


def test_pre_transform_is_part_of_the_cache_key(tmp_path,
                                                count_simulations):
    plain = PhysicsSystemDataset(str(tmp_path), 'springs', **SMALL)
    flagged = PhysicsSystemDataset(str(tmp_path), 'springs', **SMALL,
                                   pre_transform=_add_flag)
    assert len(count_simulations) == 6  # Not the plain cache.
    assert flagged.processed_dir != plain.processed_dir
    assert 'flag' not in plain[0] and flagged[0].flag.tolist() == [1.]
    # The same function again (as a new process would see it) reuses it.
    again = PhysicsSystemDataset(str(tmp_path), 'springs', 'valid', **SMALL,
                                 pre_transform=_add_flag)
    assert len(count_simulations) == 6
    assert again.processed_dir == flagged.processed_dir
    assert again[0].flag.tolist() == [1.]
    other = PhysicsSystemDataset(str(tmp_path), 'springs', **SMALL,
                                 pre_transform=_add_other_flag)
    assert len(count_simulations) == 9
    assert other[0].flag.tolist() == [0.]
    # No memory address in the key: it is the same in every process.
    key = flagged.generation_parameters['pre_transform']
    assert key.startswith('<function _add_flag') and '0x' not in key
    assert 'pre_transform' not in plain.generation_parameters


@pytest.mark.parametrize('kwargs, match', [
    (dict(system='gravity'), "'system' must be one of"),
    (dict(split='val'), "'split' must be one of"),
    (dict(num_particles=1), "'num_particles' must be an int >= 2"),
    (dict(num_frames=0), "'num_frames' must be an int >= 1"),
    (dict(num_simulations=(1, 2)), "'num_simulations' must be"),
    (dict(num_simulations={'train': 1}), "'num_simulations' must have"),
    (dict(num_simulations=(1, 0, 1)), "'num_simulations' must hold"),
    (dict(seed=-1), "'seed' must be an int >= 0"),
    (dict(seed=1.5), "'seed' must be an int >= 0"),
])
def test_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PhysicsSystemDataset(None, **kwargs)


def test_unloadable_cache_regenerated(tmp_path, count_simulations,
                                      monkeypatch):
    PhysicsSystemDataset(str(tmp_path), 'springs', **SMALL)
    original = PhysicsSystemDataset.load
    failures = []

    def failing_once(self, path, *args, **kwargs):
        if not failures:
            failures.append(path)
            raise RuntimeError('unreadable')
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(PhysicsSystemDataset, 'load', failing_once)
    with pytest.warns(UserWarning, match='Could not load'):
        dataset = PhysicsSystemDataset(str(tmp_path), 'springs', **SMALL)
    assert len(failures) == 1 and len(count_simulations) == 6
    assert len(dataset) == 6


def test_observation_noise():
    sizes = dict(system='springs_charges', num_simulations=(16, 8, 8),
                 num_particles=3, num_frames=13, sample_freq=10, seed=0,
                 log=False)
    clean = PhysicsSystemDataset(None, split='test', **sizes)
    noisy = PhysicsSystemDataset(None, split='test', observation_noise=0.05,
                                 **sizes)
    again = PhysicsSystemDataset(None, split='test', observation_noise=0.05,
                                 **sizes)
    x = {name: torch.stack([d[i].x for i in range(8)])
         for name, d in (('clean', clean), ('noisy', noisy),
                         ('again', again))}
    assert torch.equal(x['noisy'], x['again'])  # Seeded.
    # In physical units the difference is the noise: zero mean, std 0.05.
    diff = noisy.stats.denormalize(x['noisy']) - \
        clean.stats.denormalize(x['clean'])
    assert abs(float(diff.std()) - 0.05) < 0.005
    assert abs(float(diff.mean())) < 0.005
    for i in range(8):
        assert torch.equal(noisy[i].edge_type, clean[i].edge_type)
    # The noise is part of the cache key only when it is not zero.
    assert 'observation_noise' not in clean.generation_parameters
    assert noisy.generation_parameters['observation_noise'] == 0.05
    for bad in (-0.1, float('nan'), float('inf'), True, '0.1'):
        with pytest.raises(ValueError, match="'observation_noise'"):
            PhysicsSystemDataset(None, observation_noise=bad, **sizes)


class _RunsCode:
    def __reduce__(self):
        return (os.system, ('touch ran',))


@pytest.mark.parametrize('content', [b'', b'\x00garbage', 'pickle'])
def test_unreadable_pre_transform_record_rebuilds_the_cache(
        tmp_path, count_simulations, monkeypatch, content):
    # PyG loads pre_transform.pt without weights_only: a damaged one (or
    # one that would run code) is rebuilt like the other cache files.
    monkeypatch.chdir(tmp_path)
    first = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    path = osp.join(first.processed_dir, 'pre_transform.pt')
    if content == 'pickle':
        torch.save(_RunsCode(), path)
    else:
        with open(path, 'wb') as f:
            f.write(content)
    with pytest.warns(UserWarning, match="'pre_transform.pt' is unreadable; "
                      "regenerating"):
        rebuilt = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    assert len(count_simulations) == 6 and not osp.exists('ran')
    assert torch.equal(rebuilt._data.x, first._data.x)
    assert torch.load(path, weights_only=True) == 'None'


def test_a_file_where_a_cache_folder_belongs_is_named(tmp_path):
    first = PhysicsSystemDataset(str(tmp_path), 'charged', **SMALL)
    for path in (first.processed_dir, str(tmp_path / 'root_file')):
        if osp.isdir(path):
            for name in os.listdir(path):
                os.remove(osp.join(path, name))
            os.rmdir(path)
        with open(path, 'w') as f:
            f.write('not a folder')
        with pytest.raises(NotADirectoryError,
                           match=f"folder at '{path}', but it is a file"):
            PhysicsSystemDataset(path if 'root_file' in path
                                 else str(tmp_path), 'charged', **SMALL)
