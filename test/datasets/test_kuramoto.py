import math
import os.path as osp

import numpy as np
import pytest
import torch
from scipy.integrate import solve_ivp

import torch_geometric_fnri.datasets.kuramoto_dataset as module
from torch_geometric_fnri.datasets import (
    KuramotoDataset,
    KuramotoSystem,
    kuramoto_features,
    kuramoto_rates,
    simulate_kuramoto,
)
from torch_geometric_fnri.metrics import mapped_accuracy
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    load_splits,
    make_model,
)
from torch_geometric_fnri.transforms import TrajectoryNormalizer
from torch_geometric_fnri.utils import (
    fully_connected_edge_index,
    reverse_edge_permutation,
)

SMALL = dict(num_simulations=(6, 3, 2), num_particles=4, num_frames=7,
             sample_freq=5, log=False)


def random_system(seed, num_sims, num_oscillators):
    return KuramotoSystem().sample(np.random.default_rng(seed), num_sims,
                                   num_oscillators)


@pytest.fixture
def count_simulations(monkeypatch):
    calls = []

    def counting(*args, **kwargs):
        calls.append(args)
        return simulate_kuramoto(*args, **kwargs)

    monkeypatch.setattr(module, 'simulate_kuramoto', counting)
    return calls


def test_rates_match_a_double_loop():
    rng = np.random.default_rng(0)
    couplings = rng.normal(size=(3, 4, 4))  # Directed and signed too.
    phases = rng.uniform(-10, 10, size=(3, 4))
    frequencies = rng.uniform(1, 10, size=(3, 4))
    expected = np.empty((3, 4))
    for s in range(3):
        for i in range(4):
            expected[s, i] = frequencies[s, i] + sum(
                couplings[s, i, j] * math.sin(phases[s, j] - phases[s, i])
                for j in range(4))
    np.testing.assert_allclose(kuramoto_rates(phases, couplings,
                                              frequencies),
                               expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize('num_oscillators', [5, 10])
def test_integrator_matches_a_fine_reference(num_oscillators):
    # Runge-Kutta 4 at dt = 0.01 against DOP853 at tolerance 1e-12 over the
    # 99 frames (9.8 time units) of a trajectory: within 1e-5 rad.
    couplings, phases, frequencies = random_system(1, 3, num_oscillators)
    out = simulate_kuramoto(couplings, phases, frequencies, num_frames=99)
    times = 0.1 * np.arange(99)
    for s in range(3):
        reference = solve_ivp(
            lambda t, y: kuramoto_rates(y[None], couplings[s:s + 1],
                                        frequencies[s:s + 1])[0],
            (0, times[-1]), phases[s], method='DOP853', t_eval=times,
            rtol=1e-12, atol=1e-12)
        assert np.abs(out.phases[s] - reference.y).max() < 1e-5
    # Frame 0 is the initial state; the rates are the right-hand side at
    # every frame.
    assert np.array_equal(out.phases[..., 0], phases)
    for frame in (0, 50, 98):
        np.testing.assert_array_equal(
            out.rates[..., frame],
            kuramoto_rates(out.phases[..., frame], couplings, frequencies))


def test_sampled_couplings_are_symmetric_bernoulli():
    couplings, phases, frequencies = random_system(2, 4000, 5)
    assert np.array_equal(couplings, couplings.transpose(0, 2, 1))
    assert (np.diagonal(couplings, axis1=1, axis2=2) == 0).all()
    assert set(np.unique(couplings)) == {0.0, 1.0}
    # 40,000 pairs with p = 0.5: the rate is within 5 standard deviations.
    row, col = np.triu_indices(5, 1)
    rate = couplings[:, row, col].mean()
    assert abs(rate - 0.5) < 5 * math.sqrt(0.25 / 40000)
    assert 1 <= frequencies.min() and frequencies.max() < 10
    assert 0 <= phases.min() and phases.max() < 2 * math.pi
    strong = KuramotoSystem(coupling_strength=2.5).sample(
        np.random.default_rng(2), 4000, 5)[0]
    assert np.array_equal(strong, 2.5 * couplings)
    # In the dataset the label of j -> i equals that of i -> j.
    data = KuramotoDataset(None, **SMALL)[0]
    perm = reverse_edge_permutation(data.edge_index)
    assert torch.equal(data.edge_type, data.edge_type[perm])


def test_phase_shift_invariance():
    couplings, phases, frequencies = random_system(3, 4, 6)
    rates = kuramoto_rates(phases, couplings, frequencies)
    for shift in (0.7, -3.0, 2 * math.pi):
        np.testing.assert_allclose(
            kuramoto_rates(phases + shift, couplings, frequencies), rates,
            rtol=0, atol=1e-12)
    first = simulate_kuramoto(couplings, phases, frequencies, 20)
    shifted = simulate_kuramoto(couplings, phases + 0.7, frequencies, 20)
    np.testing.assert_allclose(shifted.phases, first.phases + 0.7,
                               rtol=0, atol=1e-10)
    np.testing.assert_allclose(shifted.rates, first.rates, rtol=0,
                               atol=1e-10)


def test_uncoupled_oscillators_turn_at_their_intrinsic_frequency():
    couplings, phases, frequencies = random_system(4, 50, 5)
    # Oscillator 0 of every simulation is uncoupled; the others may be.
    couplings[:, 0, :] = couplings[:, :, 0] = 0
    out = simulate_kuramoto(couplings, phases, frequencies, 30)
    rates = np.broadcast_to(frequencies[:, 0, None], (50, 30))
    assert np.array_equal(out.rates[:, 0], rates)
    times = 0.1 * np.arange(30)
    np.testing.assert_allclose(
        out.phases[:, 0], phases[:, 0, None] + frequencies[:, 0, None] *
        times, rtol=1e-12, atol=1e-12)
    features = kuramoto_features(out.phases, out.rates, frequencies)
    assert (features[:, 0, :, 0] == 0).all()  # Constant rate.
    coupled = couplings.any(-1)
    assert (features[..., 0].min(-1) == -1)[coupled].all()


def test_features_against_hand_computed_values():
    phases = np.array([[[0.0, 1.0, 3.0], [2.0, 2.0, 2.0]]])
    rates = np.array([[[5.0, 4.0, 6.0], [1.5, 1.5, 1.5]]])
    features = kuramoto_features(phases, rates, np.array([[2.0, 7.0]]))
    assert features.shape == (1, 2, 3, 4)
    np.testing.assert_allclose(features[0, 0], [
        [0.0, 0.0, -1.0, 2.0],
        [-1.0, math.sin(1.0), -1 / 3, 2.0],
        [1.0, math.sin(3.0), 1.0, 2.0],
    ], rtol=0, atol=1e-15)
    np.testing.assert_allclose(features[0, 1],
                               [[0.0, math.sin(2.0), 0.0, 7.0]] * 3)


def pipeline(split_index, size, num_oscillators, num_frames, sample_freq,
             seed, noise=0.0):
    # The documented seeding: graphs and initial states from the split's
    # stream, observation noise (phases, then rates) from its own.
    rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(split_index, )))
    couplings, phases, frequencies = KuramotoSystem().sample(
        rng, size, num_oscillators)
    out = simulate_kuramoto(couplings, phases, frequencies, num_frames,
                            sample_freq)
    phases, rates = out.phases, out.rates
    if noise:
        draws = np.random.default_rng(
            np.random.SeedSequence(seed, spawn_key=(split_index, 1)))
        phases = phases + noise * draws.standard_normal(phases.shape)
        rates = rates + noise * draws.standard_normal(rates.shape)
    return kuramoto_features(phases, rates, frequencies), couplings


@pytest.mark.parametrize('noise', [0.0, 0.05])
def test_dataset_against_the_documented_pipeline(noise):
    train = KuramotoDataset(None, observation_noise=noise, **SMALL)
    valid = KuramotoDataset(None, split='valid', observation_noise=noise,
                            **SMALL)
    features, _ = pipeline(0, 6, 4, 7, 5, 42, noise)
    stats = TrajectoryNormalizer.fit(features.reshape(-1, 4))
    assert train.stats == stats and valid.stats == stats
    expected = torch.from_numpy(stats.normalize(features)).float()
    assert torch.equal(train._data.x.view(6, 4, 7, 4), expected)
    features, couplings = pipeline(1, 3, 4, 7, 5, 42, noise)
    expected = torch.from_numpy(stats.normalize(features)).float()
    assert torch.equal(valid._data.x.view(3, 4, 7, 4), expected)
    # Edge j -> i (edge_index[0] = j) is labelled with couplings[i, j].
    sender, receiver = fully_connected_edge_index(4)
    for s in range(3):
        assert torch.equal(valid[s].edge_type[:, 0], torch.from_numpy(
            couplings[s][receiver, sender] != 0).long())


def test_shapes_statistics_and_determinism():
    dataset = KuramotoDataset(None, **SMALL)
    assert str(dataset) == 'KuramotoDataset(kuramoto, split=train, 6)'
    data = dataset[0]
    assert data.x.shape == (4, 7, 4) and data.x.dtype == torch.float32
    assert torch.equal(data.edge_index, fully_connected_edge_index(4))
    assert data.edge_type.shape == (12, 1)
    assert data.edge_type.dtype == torch.int64
    assert dataset.num_edge_types == [2]
    assert dataset.interaction_names == ['coupling']
    assert dataset.directed is False
    assert dataset.num_steps == 30
    # Every training feature spans [-1, 1] on its own.
    x = dataset._data.x.view(-1, 4)
    assert (x.min(0).values == -1).all() and (x.max(0).values == 1).all()
    again = KuramotoDataset(None, **SMALL)
    assert torch.equal(again._data.x, dataset._data.x)
    assert torch.equal(again._data.edge_type, dataset._data.edge_type)
    other = KuramotoDataset(None, seed=1, **SMALL)
    assert not torch.equal(other._data.x, dataset._data.x)
    test = KuramotoDataset(None, split='test', **SMALL)
    assert not torch.equal(test[0].x, dataset[0].x)
    mixed = KuramotoDataset(None, **dict(SMALL, num_particles=(2, 4)))
    assert {d.num_nodes for d in mixed} <= {2, 3, 4}
    assert all(d.x.shape[1:] == (7, 4) for d in mixed)


def test_cache_key_and_reuse(tmp_path, count_simulations):
    root = str(tmp_path)
    first = KuramotoDataset(root, **SMALL)
    assert len(count_simulations) == 3  # All splits in one process().
    parent, name = osp.split(first.processed_dir)
    assert parent == osp.join(root, 'KuramotoDataset')
    assert name.startswith('kuramoto_')
    same = KuramotoDataset(root, split='test', **SMALL)
    assert len(count_simulations) == 3 and same.stats == first.stats
    assert same.processed_dir == first.processed_dir
    directories = {first.processed_dir}
    for changed in (dict(seed=1), dict(num_frames=8), dict(sample_freq=4),
                    dict(num_particles=5), dict(observation_noise=0.1),
                    dict(system=KuramotoSystem(coupling_strength=2.0))):
        dataset = KuramotoDataset(root, **dict(SMALL, **changed))
        directories.add(dataset.processed_dir)
    assert len(directories) == 7 and len(count_simulations) == 21
    parameters = first.generation_parameters
    assert parameters['system'] == repr(KuramotoSystem())
    assert 'dt' not in parameters  # The particles' time step does not apply.


@pytest.mark.parametrize('kwargs, match', [
    (dict(system='springs'), "'system' must be 'kuramoto' or a"),
    (dict(split='val'), "'split' must be one of"),
    (dict(num_particles=1), "'num_particles' must be an int >= 2"),
    (dict(num_frames=0), "'num_frames' must be an int >= 1"),
    (dict(sample_freq=0), "'sample_freq' must be an int >= 1"),
    (dict(num_simulations=(1, 2)), "'num_simulations' must be"),
    (dict(seed=-1), "'seed' must be an int >= 0"),
    (dict(observation_noise=-0.1), "'observation_noise' must be"),
])
def test_dataset_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KuramotoDataset(None, **dict(SMALL, **kwargs))


@pytest.mark.parametrize('kwargs, match', [
    (dict(frequency_range=(10.0, 1.0)), "'frequency_range' must be"),
    (dict(frequency_range=(1.0, math.inf)), "'frequency_range' must be"),
    (dict(coupling_probability=1.5), "'coupling_probability' must be"),
    (dict(coupling_strength=0.0), "'coupling_strength' must be"),
    (dict(dt=-0.01), "'dt' must be"),
])
def test_system_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KuramotoSystem(**kwargs)


def test_simulator_errors():
    couplings, phases, frequencies = random_system(5, 2, 3)
    with pytest.raises(ValueError, match=r"'couplings' must have shape"):
        simulate_kuramoto(couplings[:, :2], phases, frequencies)
    with pytest.raises(ValueError, match=r"'frequencies' must have shape"):
        simulate_kuramoto(couplings, phases, frequencies[:1])
    with pytest.raises(ValueError, match=r"'phases' must have shape"):
        simulate_kuramoto(couplings, phases[0], frequencies)
    for bad in (0.0, -1.0, math.nan, True):
        with pytest.raises(ValueError, match="'dt' must be"):
            simulate_kuramoto(couplings, phases, frequencies, dt=bad)
    with pytest.raises(ValueError, match="'num_frames' must be an int"):
        simulate_kuramoto(couplings, phases, frequencies, num_frames=0)
    phases[0, 0] = math.nan
    with pytest.raises(ValueError, match="'phases' must be finite"):
        simulate_kuramoto(couplings, phases, frequencies)


def test_nri_trains_one_epoch_on_kuramoto(tmp_path):
    splits = load_splits('kuramoto', (16, 8, 8), num_particles=3,
                         num_frames=13, seed=0, root=str(tmp_path / 'data'))
    assert all(isinstance(s, KuramotoDataset) for s in splits)
    assert [s.split for s in splits] == ['train', 'valid', 'test']
    torch.manual_seed(0)
    model = make_model('nri', 'learned', splits[0].num_edge_types, 13, 8)
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False, seed=1)
    trainer = Trainer(model, config, *splits, run_dir=str(tmp_path / 'run'))
    result = trainer.fit()
    trainer.close()
    test = result['test']
    assert result['completed'] and test['num_graphs'] == 8
    confusion = torch.tensor(test['edge_confusion'])
    labels = torch.cat([data.edge_type for data in splits[2]])[:, 0]
    assert confusion.sum(0).tolist() == torch.bincount(
        labels, minlength=2).tolist()
    accuracy = mapped_accuracy(confusion, test['edge_mapping'], [2], [2])
    assert test['acc_coupling'] == pytest.approx(accuracy['combined'])
    for key in ('nll_1', 'nll_m', 'mse_step_1', 'mse_step_1_physical'):
        assert math.isfinite(test[key]) and test[key] >= 0
