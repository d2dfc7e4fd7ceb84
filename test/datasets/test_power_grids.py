import importlib.util
import os.path as osp
import sys
import time

import networkx as nx
import numpy as np
import pytest
import scipy.integrate
import torch

from torch_geometric_fnri.datasets import (
    GRID_CASES,
    PowerGridDataset,
    SwingSystem,
    load_power_grid,
    simulate_swing,
    swing_features,
)
from torch_geometric_fnri.datasets import swing
from torch_geometric_fnri.datasets.graph_families import relabel_simulations

needs_pypower = pytest.mark.skipif(
    importlib.util.find_spec('pypower') is None,
    reason="needs pypower (the 'grids' extra)")
SMALL = dict(num_simulations=(4, 2, 2), num_frames=6, log=False)
# Buses, branches and adjacent bus pairs of the PYPOWER cases.
SIZES = {'case14': (14, 20, 20), 'case30': (30, 41, 41),
         'case39': (39, 46, 46), 'case57': (57, 80, 78),
         'case118': (118, 186, 179), 'case300': (300, 411, 409)}


def random_grid(seed, num_buses=8):
    # A connected graph with couplings of the size of line susceptances and
    # balanced powers, for the physics without PYPOWER.
    rng = np.random.default_rng(seed)
    graph = nx.connected_watts_strogatz_graph(num_buses, 4, 0.3, seed=seed)
    adjacency = nx.to_numpy_array(graph)
    couplings = adjacency * rng.uniform(5, 30, (num_buses, num_buses))
    couplings = np.triu(couplings, 1) + np.triu(couplings, 1).T
    power = rng.normal(0, 1, num_buses)
    return couplings, power - power.mean()


def energy(trajectories, couplings, power, inertia):
    # sum m w^2 / 2 - sum P theta - sum_{i<j} K cos(theta_i - theta_j),
    # per simulation and frame: conserved without damping, and its rate is
    # -d sum w^2 with damping d.
    theta, omega = trajectories.phases, trajectories.frequencies
    difference = theta[:, :, None] - theta[:, None, :]
    potential = 0.5 * (couplings[None, :, :, None] *
                       np.cos(difference)).sum((1, 2))
    return (0.5 * inertia * (omega**2).sum(1) -
            (power[None, :, None] * theta).sum(1) - potential)


def test_constants():
    assert swing.NOMINAL_FREQUENCY == 60.0
    assert swing.INERTIA == pytest.approx(2 * 5.0 / (2 * np.pi * 60))
    assert swing.INERTIA == pytest.approx(0.026526, abs=1e-6)
    assert swing.DAMPING == pytest.approx(2.0 / (2 * np.pi * 60))
    assert (swing.DT, swing.SAMPLE_FREQ) == (1e-3, 20)
    assert swing.FEATURE_NAMES == ('sin_phase', 'cos_phase', 'frequency',
                                   'net_power')
    system = SwingSystem()
    assert (system.grid, system.coupling, system.phase_std,
            system.frequency_std) == ('case14', None, 0.1, 1.0)
    assert system.name == 'swing_case14'
    assert (system.num_edge_types, system.interaction_names,
            system.directed) == ([2], ['line'], False)


def test_arguments_are_checked():
    for kwargs in (dict(grid='case15'), dict(coupling=0.0),
                   dict(inertia=-1.0), dict(damping=float('nan')),
                   dict(phase_std=-0.1), dict(dt=0), dict(coupling=True)):
        with pytest.raises(ValueError):
            SwingSystem(**kwargs)
    with pytest.raises(ValueError, match='case14'):
        PowerGridDataset(None, 'ieee14', **SMALL)
    with pytest.raises(ValueError, match='case'):
        load_power_grid('case9')
    couplings, power = random_grid(0)
    with pytest.raises(ValueError, match='symmetric'):
        simulate_swing(np.triu(couplings), power, np.zeros((1, 8)),
                       np.zeros((1, 8)))
    with pytest.raises(ValueError, match='shape'):
        simulate_swing(couplings, power, np.zeros((1, 7)), np.zeros((1, 7)))


def test_missing_pypower_names_the_extra(monkeypatch):
    load_power_grid.cache_clear()
    monkeypatch.setitem(sys.modules, 'pypower.case14', None)
    try:
        with pytest.raises(ImportError,
                           match=r'torch_geometric_fnri\[grids\]'):
            load_power_grid('case14')
        with pytest.raises(ImportError, match='grids'):
            PowerGridDataset(None, 'case14', **SMALL)
    finally:
        load_power_grid.cache_clear()


@needs_pypower
@pytest.mark.parametrize('case', GRID_CASES)
def test_topology_is_the_branch_table(case):
    from pypower import idx_brch
    data = getattr(importlib.import_module(f'pypower.{case}'), case)()
    num_buses, num_branches, num_pairs = SIZES[case]
    grid = load_power_grid(case)
    assert grid.num_buses == num_buses == len(data['bus'])
    assert len(data['branch']) == num_branches
    assert (data['branch'][:, idx_brch.BR_STATUS] > 0).all()
    assert np.array_equal(grid.adjacency, grid.adjacency.T)
    assert (np.diag(grid.adjacency) == 0).all()
    assert int(grid.adjacency.sum()) == 2 * num_pairs
    assert nx.is_connected(nx.from_numpy_array(grid.adjacency))
    row = {int(b): i for i, b in enumerate(data['bus'][:, 0])}
    pairs = {frozenset((row[int(f)], row[int(t)]))
             for f, t in data['branch'][:, :2]}
    assert {frozenset(p) for p in zip(*np.nonzero(grid.adjacency))} == pairs
    assert ((grid.susceptance > 0) == (grid.adjacency > 0)).all()
    assert grid.net_power.sum() == pytest.approx(0, abs=1e-12)
    assert not grid.adjacency.flags.writeable


@needs_pypower
def test_ieee14_values():
    grid = load_power_grid('case14')
    assert grid.base_mva == 100.0 and grid.reference_bus == 0
    # Line 1-2 (x = 0.05917) and transformer 4-7 (x = 0.20912, tap 0.978).
    assert grid.susceptance[0, 1] == pytest.approx(1 / 0.05917)
    assert grid.susceptance[3, 6] == pytest.approx(1 / (0.20912 * 0.978))
    # Bus 2 generates 40 MW and draws 21.7 MW; the reference bus 1
    # generates 232.4 MW less the mismatch 272.4 - 259 MW of the case.
    assert grid.net_power[1] == pytest.approx((40 - 21.7) / 100)
    assert grid.net_power[0] == pytest.approx((232.4 - 13.4) / 100)
    assert grid.net_power[2] == pytest.approx(-0.942)


@needs_pypower
def test_series_capacitor_of_case300_couples_by_its_magnitude():
    grid = load_power_grid('case300')
    assert grid.susceptance[98, 244] == pytest.approx(1 / 0.3697)
    assert grid.reference_bus == 256


@needs_pypower
@pytest.mark.parametrize('case', GRID_CASES)
def test_synchronous_state_stays_put(case):
    system = SwingSystem(grid=case)
    grid = system.power_grid
    theta = system.synchronous_state()
    assert theta[grid.reference_bus] == 0
    row, col = np.nonzero(grid.adjacency)
    assert np.abs(theta[row] - theta[col]).max() < np.pi / 2
    out = simulate_swing(system.couplings(), grid.net_power,
                         np.stack([theta, theta + 1.0]),
                         np.zeros((2, grid.num_buses)), num_frames=11)
    assert np.abs(out.phases - out.phases[..., :1]).max() < 1e-8
    assert np.abs(out.frequencies).max() < 1e-7


@needs_pypower
def test_uniform_coupling():
    system = SwingSystem(grid='case14', coupling=10.0)
    assert np.array_equal(system.couplings(),
                          10.0 * system.power_grid.adjacency)
    theta = system.synchronous_state()
    assert not np.allclose(theta, SwingSystem().synchronous_state())
    with pytest.raises(ValueError, match='no stable synchronous state'):
        SwingSystem(grid='case14', coupling=0.1).synchronous_state()


def test_equal_phases_without_power_stay_synchronised():
    couplings, _ = random_grid(1)
    phases = np.full((3, 8), 0.7) + np.arange(3)[:, None]
    out = simulate_swing(couplings, np.zeros(8), phases, np.zeros((3, 8)),
                         num_frames=21)
    assert np.abs(out.phases - phases[..., None]).max() < 1e-12
    assert np.abs(out.frequencies).max() < 1e-11


def test_mean_frequency_decays_exponentially():
    # With one m and d and zero net power the couplings cancel in the sum:
    # m dW/dt = -d W for the mean frequency W.
    couplings, power = random_grid(2)
    rng = np.random.default_rng(2)
    phases, frequencies = rng.normal(0, 0.3, (5, 8)), rng.normal(1, 1, (5, 8))
    inertia, damping = 0.05, 0.02
    out = simulate_swing(couplings, power, phases, frequencies, inertia,
                         damping, num_frames=30, sample_freq=20)
    times = np.arange(30) * 20 * swing.DT
    expected = frequencies.mean(1)[:, None] * np.exp(-damping / inertia *
                                                     times)
    assert np.allclose(out.frequencies.mean(1), expected, rtol=1e-9,
                       atol=1e-12)


def test_energy_is_conserved_without_damping_and_dissipated_with_it():
    couplings, power = random_grid(3)
    rng = np.random.default_rng(3)
    phases, frequencies = rng.normal(0, 0.5, (4, 8)), rng.normal(0, 2, (4, 8))
    kinetic = 0.5 * swing.INERTIA * (frequencies**2).sum(1).max()
    drifts = []
    for dt in (1e-3, 5e-4):
        free = simulate_swing(couplings, power, phases, frequencies,
                              damping=0.0, num_frames=50,
                              sample_freq=int(0.02 / dt), dt=dt)
        conserved = energy(free, couplings, power, swing.INERTIA)
        drifts.append(np.abs(conserved - conserved[:, :1]).max())
    # Within 1e-3 of the kinetic energy at the default step, and the drift
    # of a fourth-order scheme: 16 times smaller at half the step.
    assert drifts[0] < 1e-3 * kinetic
    assert drifts[1] < drifts[0] / 8
    damped = simulate_swing(couplings, power, phases, frequencies,
                            damping=0.05, num_frames=50)
    dissipated = energy(damped, couplings, power, swing.INERTIA)
    assert (np.diff(dissipated, axis=1) < 0).all()


def test_rk4_matches_an_adaptive_integrator():
    couplings, power = random_grid(4)
    rng = np.random.default_rng(4)
    phases, frequencies = rng.normal(0, 0.3, (1, 8)), rng.normal(0, 1, (1, 8))
    out = simulate_swing(couplings, power, phases, frequencies,
                         num_frames=50)

    def rhs(_, state):
        theta, omega = state[:8], state[8:]
        flows = (couplings * np.sin(theta[:, None] - theta[None])).sum(1)
        return np.concatenate([omega, (power - swing.DAMPING * omega -
                                       flows) / swing.INERTIA])

    times = np.arange(50) * swing.SAMPLE_FREQ * swing.DT
    reference = scipy.integrate.solve_ivp(
        rhs, (0, times[-1]), np.concatenate([phases[0], frequencies[0]]),
        method='DOP853', t_eval=times, rtol=1e-12, atol=1e-12).y
    assert np.abs(out.phases[0] - reference[:8]).max() < 1e-5
    assert np.abs(out.frequencies[0] - reference[8:]).max() < \
        1e-4 * np.abs(reference[8:]).max()


def test_features_and_relabelling():
    phases = np.random.default_rng(5).normal(size=(2, 3, 4))
    features = swing_features(phases, 2 * phases, np.array([1., -2., 1.]))
    assert features.shape == (2, 3, 4, 4)
    assert np.array_equal(features[..., 0], np.sin(phases))
    assert np.array_equal(features[..., 1], np.cos(phases))
    assert np.array_equal(features[..., 2], 2 * phases)
    assert (features[:, 1, :, 3] == -2).all()
    # Bus u becomes particle relabel[s, u].
    adjacency = np.array([[[0, 1, 0], [1, 0, 1], [0, 1, 0]]])
    relabel = np.array([[2, 0, 1], [0, 1, 2]])
    moved, labels = relabel_simulations(relabel, features, adjacency)
    assert np.array_equal(moved[0, 2], features[0, 0])
    assert np.array_equal(moved[0, 0], features[0, 1])
    assert np.array_equal(moved[1], features[1])
    assert labels.shape == (2, 1, 3, 3)
    # Bus 1, the centre of the path, is particle 0 in simulation 0.
    assert labels[0, 0].sum(1).tolist() == [2, 1, 1]
    assert np.array_equal(labels[1, 0], adjacency[0])


@needs_pypower
def test_dataset_labels_are_the_relabelled_grid():
    dataset = PowerGridDataset(None, 'case14', **SMALL)
    system = dataset.system
    assert dataset.num_edge_types == [2] and len(dataset) == 4
    assert dataset.feature_names == swing.FEATURE_NAMES
    assert dataset.num_steps == 5 * 20
    relabel, _, _ = system.sample(np.random.default_rng(
        np.random.SeedSequence(42, spawn_key=(0, ))), 4)
    grid = system.power_grid
    power = dataset.stats.normalize(np.stack(
        [np.zeros(14)] * 3 + [grid.net_power], -1))[:, 3]
    for index, data in enumerate(dataset):
        assert data.x.shape == (14, 6, 4)
        assert int(data.edge_type.sum()) == 2 * 20
        dense = torch.zeros(14, 14, dtype=torch.long)
        dense[data.edge_index[1], data.edge_index[0]] = data.edge_type[:, 0]
        bus = np.argsort(relabel[index])
        assert np.array_equal(dense.numpy(),
                              grid.adjacency[np.ix_(bus, bus)])
        assert np.allclose(data.x[:, :, 3].numpy(), power[bus][:, None],
                           atol=1e-6)
        assert data.x.abs().max() <= 1 + 1e-6


@needs_pypower
def test_dataset_is_seeded_and_cached(tmp_path):
    first = PowerGridDataset(str(tmp_path), 'case14', **SMALL)
    assert osp.basename(first.processed_dir).startswith('swing_case14_')
    assert first.generation_parameters['grid_sha256'] == \
        load_power_grid('case14').digest
    again = PowerGridDataset(str(tmp_path), 'case14', **SMALL)
    fresh = PowerGridDataset(None, 'case14', **SMALL)
    for a, b, c in zip(first, again, fresh):
        assert torch.equal(a.x, b.x) and torch.equal(a.x, c.x)
        assert torch.equal(a.edge_type, c.edge_type)
    other = PowerGridDataset(None, 'case14', seed=1, **SMALL)
    assert not torch.equal(first[0].x, other[0].x)
    directories = {first.processed_dir}
    for system, kwargs in (
            ('case30', {}), (SwingSystem(coupling=10.0), {}),
            (SwingSystem(damping=0.01), {}),
            (SwingSystem(phase_std=0.2), {}),
            (SwingSystem(frequency_std=0.5), {}),
            (SwingSystem(inertia=0.05), {}), (SwingSystem(dt=5e-4), {}),
            ('case14', dict(seed=1)), ('case14', dict(sample_freq=10)),
            ('case14', dict(observation_noise=0.01)),
            ('case14', dict(num_frames=7))):
        parameters = {**SMALL, **kwargs}
        dataset = PowerGridDataset(str(tmp_path), system, split='valid',
                                   **parameters)
        directories.add(dataset.processed_dir)
    assert len(directories) == 12


@needs_pypower
def test_a_small_dataset_builds_in_seconds():
    start = time.perf_counter()
    dataset = PowerGridDataset(None, 'case118',
                               num_simulations=(50, 10, 10), log=False)
    assert time.perf_counter() - start < 30
    assert dataset[0].x.shape == (118, 99, 4)
    assert int(dataset[0].edge_type.sum()) == 2 * 179
