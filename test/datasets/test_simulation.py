import dataclasses

import numpy as np
import pytest

from torch_geometric_fnri.datasets import (
    FiniteSpring,
    IdealSpring,
    get_system,
    sample_initial_state,
    simulate,
    simulate_system,
)

SYSTEM_NAMES = ['springs', 'charged', 'springs_charges',
                'springs_charges_fsprings']


def oracle(system, couplings, loc, vel, num_steps, sample_freq,
           initial_kick_bug=False):
    # One trajectory at a time, following reference-behaviour 1.1
    # literally, with the force laws written out pair by pair.
    box = system.box_size
    loc, vel = loc.copy(), vel.copy()
    num_particles = loc.shape[1]

    def clamp(x, v):
        over = x > box
        x[over] = 2 * box - x[over]
        v[over] = -np.abs(v[over])
        under = x < -box
        x[under] = -2 * box - x[under]
        v[under] = np.abs(v[under])

    def force(x, first=False):
        total = np.zeros((2, num_particles))
        for i in range(num_particles):
            for j in range(num_particles):
                if i == j:
                    continue
                r = x[:, i] - x[:, j]
                d = np.sqrt(r[0]**2 + r[1]**2)
                for layer, coupling in zip(system.layers, couplings):
                    inter, c = layer.interaction, coupling[i, j]
                    k = inter.strength
                    if isinstance(inter, IdealSpring):
                        total[:, i] += -k * c * r
                    elif isinstance(inter, FiniteSpring):
                        total[:, i] += -k * c * (1 - inter.rest_length /
                                                 d) * r
                    else:
                        sign = -1 if first and initial_kick_bug else 1
                        total[:, i] += sign * k * c * r / d**3
        return np.clip(total, -100., 100.)

    frames_loc, frames_vel = [], []
    clamp(loc, vel)
    vel += 1e-3 * force(loc, first=True)
    for i in range(1, num_steps):
        loc += 1e-3 * vel
        clamp(loc, vel)
        if i % sample_freq == 0:
            frames_loc.append(loc.copy())
            frames_vel.append(vel.copy())
        vel += 1e-3 * force(loc)
    return np.stack(frames_loc), np.stack(frames_vel)


def near_wall_states(system, rng, num_sims, num_particles):
    loc, vel = sample_initial_state(system, rng, num_sims, num_particles)
    # One particle just inside a wall heading out, one outside the box
    # (reflected by the initial clamp).
    loc[:, 0, 0], vel[:, 0, 0] = 4.99, 0.5
    loc[:, 1, 1] = -5.2
    return loc, vel


@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_equals_per_trajectory_oracle(name):
    system = get_system(name)
    rng = np.random.default_rng(0)
    couplings = system.sample_couplings(rng, 3, 4)
    loc, vel = near_wall_states(system, rng, 3, 4)
    out_loc, out_vel = simulate(system, couplings, loc, vel, num_steps=300,
                                sample_freq=50)
    assert out_loc.shape == (3, 5, 2, 4) and out_vel.shape == (3, 5, 2, 4)
    for s in range(3):
        ref_loc, ref_vel = oracle(system, couplings[s], loc[s], vel[s], 300,
                                  50)
        np.testing.assert_allclose(out_loc[s], ref_loc, rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(out_vel[s], ref_vel, rtol=1e-9,
                                   atol=1e-12)


def test_reference_initial_kick_bug():
    system = get_system('springs_charges')
    rng = np.random.default_rng(1)
    couplings = np.zeros((1, 2, 3, 3))
    couplings[0, 1] = 1 - np.eye(3)
    loc, vel = sample_initial_state(system, rng, 1, 3)
    loc_copy, vel_copy = loc.copy(), vel.copy()
    buggy = simulate(system, couplings, loc, vel, 200, 100,
                     reference_initial_kick_bug=True)
    # The inputs are not modified (a single trajectory's transpose is
    # contiguous, so a missing copy would write through).
    assert np.array_equal(loc, loc_copy) and np.array_equal(vel, vel_copy)
    fixed = simulate(system, couplings, loc, vel, 200, 100)
    ref = oracle(system, couplings[0], loc[0], vel[0], 200, 100,
                 initial_kick_bug=True)
    np.testing.assert_allclose(buggy[1][0], ref[1], rtol=1e-9, atol=1e-12)
    assert not np.allclose(buggy[1], fixed[1], rtol=0, atol=1e-9)


def big_box(name):
    return dataclasses.replace(get_system(name), box_size=1e6)


def test_energy_conserved_for_ideal_springs():
    system = big_box('springs')
    rng = np.random.default_rng(2)
    couplings = system.sample_couplings(rng, 4, 5)
    loc, vel = sample_initial_state(system, rng, 4, 5)
    loc_t, vel_t = simulate(system, couplings, loc, vel, 5000, 10)
    diff = loc_t[..., :, None] - loc_t[..., None, :]  # [S, T, 2, N, N]
    potential = 0.25 * 0.1 * (couplings[:, None, 0] *
                              (diff**2).sum(2)).sum((-1, -2))
    kinetic = 0.5 * (vel_t**2).sum((-1, -2))
    energy = potential + kinetic
    assert kinetic.std(1).min() > 1e-3  # energy does move between terms
    drift = np.abs(energy - energy[:, :1]) / energy[:, :1]
    assert drift.max() < 5e-3


@pytest.mark.parametrize('name', SYSTEM_NAMES)
def test_momentum_conserved(name):
    system = big_box(name)
    rng = np.random.default_rng(3)
    couplings = system.sample_couplings(rng, 4, 4)
    # Well separated particles: no force reaches the clip.
    grid = np.array([[0., 2., 0., 2.], [0., 0., 2., 2.]])
    loc = np.broadcast_to(grid, (4, 2, 4)).copy()
    _, vel = sample_initial_state(system, rng, 4, 4)
    _, vel_t = simulate(system, couplings, loc, vel, 1000, 100)
    momentum = vel_t.sum(-1)
    initial = vel.sum(-1)[:, None]
    # The first saved frame already includes the forces.
    assert np.abs(vel_t - vel[:, None]).max() > 1e-3
    np.testing.assert_allclose(momentum, np.broadcast_to(
        initial, momentum.shape), atol=1e-12)


def test_wall_reflection():
    system = get_system('springs')
    couplings = np.zeros((1, 1, 2, 2))
    loc = np.array([[[4.99, 0.], [0., -4.995]]])
    vel = np.array([[[0.5, 0.], [0., -0.5]]])
    loc_t, vel_t = simulate(system, couplings, loc, vel, 1000, 10)
    assert np.abs(loc_t).max() <= 5.
    # x of particle 0 and y of particle 1 hit the wall and turned around.
    assert vel_t[0, -1, 0, 0] == -0.5 and vel_t[0, -1, 1, 1] == 0.5
    # Crossing at step 21 (x = 5.0005 -> 4.9995), then 969 steps back.
    np.testing.assert_allclose(loc_t[0, -1, 0, 0], 4.9995 - 969 * 5e-4,
                               atol=1e-9)
    trajectories = simulate_system('charged', 20, 5, 3000, 100, seed=4)
    assert np.abs(trajectories.loc).max() <= 5.


def two_particles(distance):
    loc = np.array([[[0., distance], [0., 0.]]])
    return loc, np.zeros_like(loc)


def test_like_charges_repel_unlike_attract():
    system = get_system('charged')
    loc, vel = two_particles(1.)
    for charge_product, sign in ((1., 1.), (-1., -1.)):
        couplings = np.full((1, 1, 2, 2), charge_product)
        couplings[..., [0, 1], [0, 1]] = 0.
        loc_t, _ = simulate(system, couplings, loc, vel, 200, 100)
        distance = loc_t[0, -1, 0, 1] - loc_t[0, -1, 0, 0]
        assert sign * (distance - 1.) > 1e-3


def test_finite_spring_rest_length():
    system = get_system('springs_charges_fsprings')
    couplings = np.zeros((1, 3, 2, 2))
    couplings[0, 2] = [[0., 1.], [1., 0.]]
    results = []
    for distance in (1., 2., 0.5):
        loc, vel = two_particles(distance)
        loc_t, vel_t = simulate(system, couplings, loc, vel, 200, 100)
        results.append(loc_t[0, -1, 0, 1] - loc_t[0, -1, 0, 0] - distance)
        if distance == 1.:
            assert (vel_t == 0).all()
    assert results[0] == 0. and results[1] < -1e-4 and results[2] > 1e-4


def test_coincident_charges_stay_finite():
    system = get_system('springs_charges')
    couplings = np.zeros((1, 2, 3, 3))
    couplings[0, 1] = 1 - np.eye(3)
    loc = np.array([[[0., 0., 1e-13], [0., 0., 0.]]])
    vel = np.zeros_like(loc)
    loc_t, vel_t = simulate(system, couplings, loc, vel, 500, 100)
    assert np.isfinite(loc_t).all() and np.isfinite(vel_t).all()
    # The clipped force (100 per component) acted on particle 2.
    assert vel_t[0, 0, 0, 2] > 0.05


def test_determinism_and_seed():
    first = simulate_system('springs_charges_fsprings', 5, 4, 300, 100,
                            seed=7)
    second = simulate_system('springs_charges_fsprings', 5, 4, 300, 100,
                             seed=7)
    other = simulate_system('springs_charges_fsprings', 5, 4, 300, 100,
                            seed=8)
    for a, b in zip(first, second):
        assert a.tobytes() == b.tobytes()
    assert not np.array_equal(first.loc, other.loc)
    assert first.couplings.shape == (5, 3, 4, 4)


@pytest.mark.slow
def test_independent_of_num_workers():
    kwargs = dict(num_simulations=7, num_particles=3, num_steps=200,
                  sample_freq=100, seed=3, chunk_size=2, mp_context='fork')
    serial = simulate_system('springs_charges', num_workers=1, **kwargs)
    parallel = simulate_system('springs_charges', num_workers=2, **kwargs)
    for a, b in zip(serial, parallel):
        assert a.tobytes() == b.tobytes()
    # Chunks draw from different streams.
    assert not np.array_equal(serial.loc[0], serial.loc[2])


def test_any_num_particles():
    trajectories = simulate_system('springs_charges', 3, 2, 200, 50, seed=0)
    assert trajectories.loc.shape == (3, 3, 2, 2)
    trajectories = simulate_system('charged', 2, 12, 200, 100, seed=0)
    assert trajectories.vel.shape == (2, 1, 2, 12)


def test_simulate_errors():
    system = get_system('springs_charges')
    couplings = np.zeros((1, 2, 3, 3))
    loc = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match="'system' must be one of"):
        simulate_system('gravity', 2)
    with pytest.raises(ValueError, match="'num_particles' must be an int"):
        simulate_system('springs', 2, num_particles=1)
    with pytest.raises(ValueError, match="'loc' must have shape"):
        simulate(system, couplings, np.zeros((1, 3, 3)), loc)
    with pytest.raises(ValueError, match="'vel' must be finite"):
        simulate(system, couplings, loc, np.full((1, 2, 3), np.nan))
    with pytest.raises(ValueError, match="'couplings' must have shape"):
        simulate(system, couplings[:, :1], loc, loc)
    bad = couplings.copy()
    bad[0, 0, 0, 1] = 1.
    with pytest.raises(ValueError, match='symmetric'):
        simulate(system, bad, loc, loc)
    with pytest.raises(ValueError, match="'num_steps' must exceed"):
        simulate(system, couplings, loc, loc, num_steps=100, sample_freq=100)
    with pytest.raises(RuntimeError, match='three box sizes'):
        simulate(system, couplings, np.full((1, 2, 3), 16.), loc)
    with pytest.raises(TypeError, match="'seed' must be"):
        simulate_system('springs', 2, seed='a')


def test_simulate_system_progress_bar(capsys):
    pytest.importorskip('tqdm')
    quiet = simulate_system('springs', 5, num_particles=3, num_steps=300,
                            seed=0, chunk_size=2)
    assert 'simulating' not in capsys.readouterr().err
    shown = simulate_system('springs', 5, num_particles=3, num_steps=300,
                            seed=0, chunk_size=2, progress=True,
                            desc='simulating train')
    err = capsys.readouterr().err
    assert 'simulating train' in err and '5/5' in err
    assert np.array_equal(quiet.loc, shown.loc)
