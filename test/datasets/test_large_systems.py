import tracemalloc

import numpy as np
import pytest

from torch_geometric_fnri.datasets import (
    BarabasiAlbertGraph,
    get_system,
    sample_initial_state,
    simulate,
    simulate_system,
)
from torch_geometric_fnri.datasets import simulation

SYSTEMS = ['springs_charges_fsprings', 'one_way_springs_charges']


@pytest.mark.parametrize('name', SYSTEMS)
def test_sparse_pairs_give_the_dense_trajectories(name, monkeypatch):
    system = get_system(name)
    rng = np.random.default_rng(0)
    couplings = system.sample_couplings(rng, 6, 20)
    couplings[:, 0, 3, :] = couplings[:, 0, :, 3] = 0  # Uncoupled pairs.
    loc, vel = sample_initial_state(system, rng, 6, 20)
    dense = simulate(system, couplings, loc, vel, 300, 50)
    monkeypatch.setattr(simulation, 'SPARSE_FROM_NUM_PARTICLES', 2)
    sparse = simulate(system, couplings, loc, vel, 300, 50)
    for a, b in zip(dense, sparse):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('name', SYSTEMS)
def test_groups_change_no_trajectory(name, monkeypatch):
    # From SPARSE_FROM_NUM_PARTICLES on the trajectories advance in groups,
    # each evaluating its own coupled pairs: bit for bit the same.
    system = get_system(name)
    whole = simulate_system(system, 7, 64, num_steps=200, sample_freq=50,
                            seed=1)
    num_pairs = 64 * 63 // (1 if system.directed else 2)
    monkeypatch.setattr(simulation, 'MAX_GROUP_PAIR_ENTRIES', 3 * num_pairs)
    assert simulation._group_size(7, 64, system.directed) == 3
    grouped = simulate_system(system, 7, 64, num_steps=200, sample_freq=50,
                              seed=1)
    assert np.array_equal(whole.loc, grouped.loc)
    assert np.array_equal(whole.vel, grouped.vel)


def test_uncoupled_particles_drift_freely():
    system = get_system('springs')
    rng = np.random.default_rng(2)
    loc = rng.uniform(-1, 1, size=(2, 2, 80))
    vel = np.full((2, 2, 80), 0.5)
    out_loc, out_vel = simulate(system, np.zeros((2, 1, 80, 80)), loc, vel,
                                1000, 500)
    np.testing.assert_allclose(out_loc[:, 0], loc + 0.25, atol=1e-12)
    assert (out_vel == 0.5).all()


@pytest.mark.parametrize('name, graph', [
    ('springs', BarabasiAlbertGraph(m=2)),
    ('charged', None),  # Every pair interacts.
])
def test_a_thousand_particles_in_bounded_memory(name, graph):
    # The dense pair incidence of 1,000 particles alone would take 8 GB.
    system = get_system(name)
    if graph is not None:
        system = system.on_graph(graph)
    tracemalloc.start()
    try:
        trajectories = simulate_system(system, 2, 1000, num_steps=21,
                                       sample_freq=10, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert trajectories.loc.shape == (2, 2, 2, 1000)
    assert np.isfinite(trajectories.loc).all()
    assert peak < 300 * 2**20
