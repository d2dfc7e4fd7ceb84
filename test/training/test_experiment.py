import os
import re

import pytest
import torch

from torch_geometric_fnri.datasets import SYSTEMS, PhysicsSystemDataset
from torch_geometric_fnri.nn import RNNDecoder, StaticDecoder, build_model
from torch_geometric_fnri.training import (
    GRAPH_CHOICES,
    LOADABLE_SYSTEMS,
    NETWORK_SYSTEMS,
    SYSTEM_NAMES,
    SYSTEMS_WITHOUT_GRAPH,
    SYSTEMS_WITHOUT_POSITIONS,
    FrameSplit,
    graph_family,
    load_splits,
    make_model,
)

TINY = dict(num_simulations=(4, 2, 2), num_particles=3, num_frames=4,
            seed=5)


def test_system_names():
    assert SYSTEM_NAMES == {'I+C': 'springs_charges',
                            'I+C+F': 'springs_charges_fsprings',
                            'springs': 'springs', 'charged': 'charged'}
    assert set(SYSTEM_NAMES.values()) <= set(SYSTEMS)


def assert_same_data(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert torch.equal(a.x, b.x)
        assert torch.equal(a.edge_index, b.edge_index)
        assert torch.equal(a.edge_type, b.edge_type)


def cache_files(root):
    return {os.path.join(path, name):
            os.stat(os.path.join(path, name)).st_mtime_ns
            for path, _, names in os.walk(root) for name in names}


def test_load_splits_simulates_then_loads_the_cache(tmp_path):
    splits = load_splits('I+C', root=str(tmp_path), **TINY)
    assert [dataset.split for dataset in splits] == ['train', 'valid',
                                                     'test']
    assert [len(dataset) for dataset in splits] == [4, 2, 2]
    for dataset in splits:
        assert dataset.system is SYSTEMS['springs_charges']
        assert dataset[0].x.shape == (3, 4, 4)
        assert dataset[0].edge_type.shape == (6, 2)
    # Oracle: the same datasets generated in memory.
    for split, dataset in zip(('train', 'valid', 'test'), splits):
        expected = PhysicsSystemDataset(None, system='springs_charges',
                                        split=split, log=False, **TINY)
        assert_same_data(dataset, expected)
    files = cache_files(tmp_path)
    assert any(name.endswith('manifest.json') for name in files)
    # A later call (here as another rank) reads the cache unchanged.
    again = load_splits('springs_charges', root=str(tmp_path), rank=1,
                        **TINY)
    assert cache_files(tmp_path) == files
    for first, second in zip(splits, again):
        assert_same_data(first, second)


def test_load_splits_passes_the_observation_noise(tmp_path):
    clean = load_splits('springs', root=str(tmp_path), **TINY)
    noisy = load_splits('springs', root=str(tmp_path),
                        observation_noise=0.05, **TINY)
    expected = PhysicsSystemDataset(None, system='springs', split='valid',
                                    observation_noise=0.05, log=False,
                                    **TINY)
    assert_same_data(noisy[1], expected)
    assert not torch.equal(clean[1][0].x, noisy[1][0].x)
    assert torch.equal(clean[1][0].edge_type, noisy[1][0].edge_type)


def test_load_splits_simulates_swing_on_the_grid_named_by_graph(tmp_path):
    pytest.importorskip('pypower')
    from torch_geometric_fnri.datasets import PowerGridDataset
    sizes = dict(num_simulations=(4, 2, 2), num_frames=6, seed=5)
    splits = load_splits('swing', root=str(tmp_path), num_particles=14,
                         graph='case14', **sizes)
    assert [len(dataset) for dataset in splits] == [4, 2, 2]
    # Oracle: the grid's dataset made directly, in memory.
    for split, dataset in zip(('train', 'valid', 'test'), splits):
        assert isinstance(dataset, PowerGridDataset)
        assert dataset[0].x.shape == (14, 6, 4)
        assert dataset[0].edge_type.shape == (14 * 13, 1)
        expected = PowerGridDataset(None, 'case14', split=split, log=False,
                                    **sizes)
        assert_same_data(dataset, expected)
    assert graph_family('case14', 'swing', 14) == 'case14'
    for system in NETWORK_SYSTEMS:
        assert system in LOADABLE_SYSTEMS and system in \
            SYSTEMS_WITHOUT_POSITIONS and system not in SYSTEMS_WITHOUT_GRAPH
    assert {'case300', 'sim3', 'karate_club'} <= set(GRAPH_CHOICES)


@pytest.mark.parametrize('graph,num_particles,message', [
    (None, 14, '--system swing simulates an IEEE test grid: give --graph'),
    ('er', 14, '--system swing simulates an IEEE test grid'),
    ('case30', 14, '--graph case30 is an IEEE test grid of 30 nodes: give '
     '--num-particles 30 (got 14)'),
    ('sim3', 14, "--system swing simulates an IEEE test grid: give --graph "
     "one of ['case14'"),
])
def test_load_splits_refuses_swing_without_its_grid(tmp_path, graph,
                                                    num_particles, message):
    pytest.importorskip('pypower')
    with pytest.raises(ValueError, match=re.escape(message)):
        load_splits('swing', (4, 2, 2), num_particles=num_particles,
                    root=str(tmp_path), graph=graph)
    assert not any(tmp_path.iterdir())


def test_a_network_of_its_own_system_is_no_graph_family_of_another():
    with pytest.raises(ValueError, match='--graph case14 is an IEEE test '
                       'grid: its dynamics are --system swing'):
        graph_family('case14', 'springs')
    with pytest.raises(ValueError, match="--graph sim3 is one of NetSim's "
                       "networks: its dynamics are --system netsim"):
        graph_family('sim3', 'kuramoto')


def test_load_splits_simulates_netsim_on_the_network_named_by_graph():
    from torch_geometric_fnri.datasets import NetSimDataset
    sizes = dict(num_simulations=(2, 1, 1), num_frames=3, seed=5)
    splits = load_splits('netsim', root=None, num_particles=5, graph='sim1',
                         **sizes)
    for split, dataset in zip(('train', 'valid', 'test'), splits):
        assert isinstance(dataset, NetSimDataset)
        assert dataset[0].x.shape == (5, 3, 1)
        expected = NetSimDataset(None, 'sim1', split=split, log=False,
                                 **sizes)
        assert_same_data(dataset, expected)
    with pytest.raises(ValueError, match=re.escape(
            "--graph sim3 is one of NetSim's networks of 15 nodes: give "
            "--num-particles 15 (got 5)")):
        load_splits('netsim', root=None, num_particles=5, graph='sim3',
                    **sizes)


def test_load_splits_rejects_an_unknown_system(tmp_path):
    with pytest.raises(ValueError, match="'system' must be one of"):
        load_splits('I+D', root=str(tmp_path), **TINY)


def same_model(first, second):
    first_state, second_state = first.state_dict(), second.state_dict()
    return first_state.keys() == second_state.keys() and all(
        torch.equal(first_state[k], second_state[k]) for k in first_state)


@pytest.mark.parametrize('family', ['nri', 'fnri', 'sfnri'])
@pytest.mark.parametrize('mode, dropout, decoder', [
    ('learned', 0.0, 'mlp'),
    ('supervised', 0.5, 'mlp'),
    ('true_graph', 0.0, 'mlp'),
    ('static', 0.0, 'static'),
])
def test_make_model_equals_the_documented_build(family, mode, dropout,
                                                decoder):
    torch.manual_seed(0)
    model = make_model(family, mode, (2, 2), num_frames=13,
                       hidden_channels=8)
    torch.manual_seed(0)
    expected = build_model(family, [2, 2], num_timesteps=6,
                           hidden_channels=8, decoder=decoder,
                           encoder_dropout=dropout)
    assert model.config == expected.config
    assert model.family.name == family
    assert same_model(model, expected)
    assert isinstance(model.decoder, StaticDecoder) == (mode == 'static')


def test_make_model_options():
    model = make_model('fnri', 'supervised', [2, 3], 20, 8,
                       frame_split=FrameSplit(encoder_frames=7),
                       encoder_dropout=0.1,
                       decoder='rnn', encoder='cnn')
    config = model.config
    assert config['encoder'] == {'class': 'CNNEncoder', 'arguments': dict(
        in_channels=4, hidden_channels=8, out_channels=5, dropout=0.1,
        factor=True, split_point=0)}
    assert config['num_edge_types'] == [2, 3]
    assert isinstance(model.decoder, RNNDecoder)
    static = make_model('nri', 'static', [2, 2], 13, 8, decoder='static')
    assert isinstance(static.decoder, StaticDecoder)
    # The static baseline of a recipe with MLP-decoder options (the fast
    # one's central forces) has none of them; other modes keep them, and
    # another decoder refuses them.
    static = make_model('fnri', 'static', [2, 2], 13, 8,
                        central_forces=True, relative_messages=True)
    assert isinstance(static.decoder, StaticDecoder)
    learned = make_model('fnri', 'true_graph', [2, 2], 13, 8,
                         central_forces=True)
    assert learned.decoder.central_forces
    with pytest.raises(ValueError, match="'central_forces' needs the MLP"):
        make_model('fnri', 'learned', [2, 2], 13, 8, decoder='rnn',
                   central_forces=True)
    with pytest.raises(ValueError, match="'family' must be one of"):
        make_model('gnn', 'learned', [2, 2], 13, 8)


def test_make_model_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="'mode' must be one of"):
        make_model('fnri', 'unsupervised', [2, 2], 13, 8)
