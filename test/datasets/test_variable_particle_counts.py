from itertools import permutations

import numpy as np
import pytest
import torch
from torch_geometric.loader import DataLoader

import torch_geometric_fnri.datasets.physics_system_dataset as module
from torch_geometric_fnri.datasets import (
    PhysicsSystemDataset,
    simulate_system,
)
from torch_geometric_fnri.datasets.trajectory_data import to_features
from torch_geometric_fnri.training import make_model
from torch_geometric_fnri.training.loaders import make_loader
from torch_geometric_fnri.utils import fully_connected_edge_index

MIXED = dict(num_simulations=(16, 8, 8), num_particles=(3, 5),
             num_frames=13, sample_freq=10, seed=0, log=False)


@pytest.fixture(scope='module')
def train():
    return PhysicsSystemDataset(None, 'springs_charges', **MIXED)


def group_trajectories(dataset, split, count):
    # The oracle: the simulations of one particle count, simulated on their
    # own from the stream documented for them.
    return simulate_system(
        dataset.system, int((dataset.particle_counts(split) == count).sum()),
        count, dataset.num_steps, dataset.sample_freq,
        np.random.SeedSequence(dataset.seed,
                               spawn_key=(module.SPLITS.index(split), 3,
                                          count)))


def test_counts_cover_range_and_follow_seed(train):
    counts = train.particle_counts('train')
    assert counts.shape == (16, ) and set(counts.tolist()) == {3, 4, 5}
    assert [d.num_nodes for d in train] == counts.tolist()
    again = PhysicsSystemDataset(None, 'springs_charges', **MIXED)
    assert np.array_equal(again.particle_counts('train'), counts)
    for ours, theirs in zip(train, again):
        assert torch.equal(ours.x, theirs.x)
        assert torch.equal(ours.edge_type, theirs.edge_type)
    other = PhysicsSystemDataset(None, 'springs_charges',
                                 **dict(MIXED, seed=1))
    assert not np.array_equal(other.particle_counts('train'), counts)
    # Splits draw their counts from streams of their own.
    assert not np.array_equal(train.particle_counts('valid'),
                              train.particle_counts('test'))


def test_graphs_fully_connected(train):
    for data in train:
        n = data.num_nodes
        pairs = set(permutations(range(n), 2))  # All i != j, no self-loops.
        columns = [tuple(c) for c in data.edge_index.t().tolist()]
        assert len(columns) == n * (n - 1) and set(columns) == pairs
        assert torch.equal(data.edge_index, fully_connected_edge_index(n))
        assert data.x.shape == (n, 13, 4)
        assert data.edge_type.shape == (n * (n - 1), 2)


def test_trajectories_and_labels_match_group_simulation(train):
    counts = train.particle_counts('train')
    physical = []
    for count in (3, 4, 5):
        trajectories = group_trajectories(train, 'train', count)
        features = to_features(trajectories.loc, trajectories.vel)
        physical.append(features.reshape(-1, 4))
        expected_x = torch.from_numpy(
            train.stats.normalize(features).astype(np.float32))
        labels = torch.from_numpy(
            train.system.labels(trajectories.couplings))
        indices = np.flatnonzero(counts == count)
        assert len(indices) == len(expected_x)
        for position, x, label in zip(indices, expected_x, labels):
            data = train[int(position)]
            assert torch.equal(data.x, x)
            source, target = data.edge_index
            assert torch.equal(data.edge_type,
                               label[:, target, source].t())
    # The normalisation spans every training graph, whatever its size.
    physical = np.concatenate(physical)
    for group in ([0, 1], [2, 3]):
        assert train.stats.minimum[group].tolist() == \
            [physical[:, group].min()] * 2
        assert train.stats.maximum[group].tolist() == \
            [physical[:, group].max()] * 2
    valid = PhysicsSystemDataset(None, 'springs_charges', split='valid',
                                 **MIXED)
    assert torch.equal(valid.stats.minimum, train.stats.minimum)
    assert torch.equal(valid.stats.maximum, train.stats.maximum)


def test_int_path_unchanged():
    # An int and a one-value range give the same data, from the split's
    # single stream (as before ranges existed).
    fixed = dict(MIXED, num_particles=4)
    dataset = PhysicsSystemDataset(None, 'springs', **fixed)
    same = PhysicsSystemDataset(None, 'springs',
                                **dict(fixed, num_particles=(4, 4)))
    assert dataset.generation_parameters == same.generation_parameters
    assert dataset.generation_parameters['num_particles'] == 4
    trajectories = simulate_system(
        dataset.system, 16, 4, dataset.num_steps, dataset.sample_freq,
        np.random.SeedSequence(0, spawn_key=(0, )))
    expected = dataset.stats.normalize(
        to_features(trajectories.loc, trajectories.vel)).astype(np.float32)
    assert torch.equal(dataset.x.view(16, 4, 13, 4),
                       torch.from_numpy(expected))
    assert torch.equal(same.x, dataset.x)


def test_cache_key_and_reload(tmp_path, monkeypatch):
    first = PhysicsSystemDataset(str(tmp_path), 'springs', **MIXED)
    fixed = PhysicsSystemDataset(str(tmp_path), 'springs',
                                 **dict(MIXED, num_particles=5))
    wider = PhysicsSystemDataset(str(tmp_path), 'springs',
                                 **dict(MIXED, num_particles=(3, 6)))
    assert first.generation_parameters['num_particles'] == (3, 5)
    assert len({first.processed_dir, fixed.processed_dir,
                wider.processed_dir}) == 3

    def failing(*args, **kwargs):
        raise AssertionError('simulated although cached')

    monkeypatch.setattr(module, 'simulate_system', failing)
    cached = PhysicsSystemDataset(str(tmp_path), 'springs',
                                  **dict(MIXED, num_particles=[3, 5]))
    assert cached.processed_dir == first.processed_dir
    assert [d.num_nodes for d in cached] == [d.num_nodes for d in first]
    assert torch.equal(cached.x, first.x)
    assert torch.equal(cached.edge_index, first.edge_index)


@pytest.mark.parametrize('num_particles, match', [
    ((1, 3), r"pair \(min, max\) of ints >= 2"),
    ((3, 5, 7), r"pair \(min, max\) of ints >= 2"),
    ((3.0, 5), r"pair \(min, max\) of ints >= 2"),
    ((True, 5), r"pair \(min, max\) of ints >= 2"),
    ((5, 3), "min <= max"),
    (1, "'num_particles' must be an int >= 2"),
    (4.0, "'num_particles' must be an int >= 2"),
    ('3-5', "'num_particles' must be an int >= 2"),
])
def test_bad_num_particles(num_particles, match):
    with pytest.raises(ValueError, match=match):
        PhysicsSystemDataset(None, num_particles=num_particles)


def test_mixed_batch_through_encoder(train):
    # The on-device loader needs equal sizes: make_loader falls back to
    # PyG's DataLoader.
    assert isinstance(make_loader(train, 8, False, on_device=True),
                      DataLoader)
    batch = next(iter(DataLoader(train, batch_size=8)))
    sizes = batch.ptr.diff()
    assert len(set(sizes.tolist())) > 1
    model = make_model('fnri', 'learned', train.num_edge_types, 13, 8)
    model.eval()
    frames = slice(0, 13 // 2)
    with torch.no_grad():
        logits = model.encode(batch.x[:, frames], batch.edge_index,
                              batch.batch)
        single = [
            model.encode(data.x[:, frames], data.edge_index)
            for data in batch.to_data_list()
        ]
    assert logits.size(0) == int((sizes * (sizes - 1)).sum())
    assert torch.allclose(logits, torch.cat(single), atol=1e-6)
