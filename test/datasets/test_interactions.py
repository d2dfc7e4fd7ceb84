import dataclasses

import numpy as np
import pytest

from torch_geometric_fnri.datasets import (
    Coulomb,
    FiniteSpring,
    IdealSpring,
    Interaction,
    get_system,
    sample_initial_state,
    simulate,
)

DT = 1e-3
INTERACTIONS = [IdealSpring(strength=0.3), FiniteSpring(strength=0.2,
                                                        rest_length=1.5),
                Coulomb(strength=0.7)]


def law(interaction, coupling, r):
    # The documented force on i due to j, written out for one pair.
    d = np.sqrt(r @ r)
    k = interaction.strength
    if isinstance(interaction, IdealSpring):
        return -k * coupling * r
    if isinstance(interaction, FiniteSpring):
        return -k * coupling * (1 - interaction.rest_length / d) * r
    return k * coupling * r / d**3


def pair_potential(interaction, coupling, d):
    k = interaction.strength
    if isinstance(interaction, IdealSpring):
        return 0.5 * k * coupling * d**2
    if isinstance(interaction, FiniteSpring):
        return 0.5 * k * coupling * (d - interaction.rest_length)**2
    return k * coupling / d


def loop_forces(layers, couplings, loc, use_terms):
    # Forces [2, N] of one trajectory by an explicit double loop, either
    # from the physical laws or from the coefficients of `terms`.
    num_particles = loc.shape[1]
    force = np.zeros((2, num_particles))
    for i in range(num_particles):
        for j in range(num_particles):
            if i == j:
                continue
            r = loc[:, i] - loc[:, j]
            d = np.sqrt(r @ r)
            for interaction, coupling in zip(layers, couplings):
                if use_terms:
                    terms = interaction.terms(np.array(coupling[i, j]))
                    force[:, i] += sum(c * d**-p for p, c in terms.items()) * r
                else:
                    force[:, i] += law(interaction, coupling[i, j], r)
    return force


def loop_potential(layers, couplings, loc):
    num_particles = loc.shape[1]
    total = 0.
    for i in range(num_particles):
        for j in range(i + 1, num_particles):
            d = np.sqrt(((loc[:, i] - loc[:, j])**2).sum())
            for interaction, coupling in zip(layers, couplings):
                total += pair_potential(interaction, coupling[i, j], d)
    return total


def big_box(name='springs_charges_fsprings'):
    # No wall within reach, so the forces are the only influence.
    return dataclasses.replace(get_system(name), box_size=1e6)


def simulated_forces(system, couplings, loc):
    # The simulator's forces: from rest, the first saved velocity is
    # dt * F(x_0) (one initial kick, then one drift).
    _, vel = simulate(system, couplings, loc, np.zeros_like(loc),
                      num_steps=2, sample_freq=1)
    return vel[:, 0] / DT


def random_setup(seed, num_sims=3, num_particles=4):
    system = big_box()
    rng = np.random.default_rng(seed)
    couplings = system.sample_couplings(rng, num_sims, num_particles)
    # Particles on a jittered grid: no pair closer than about 1.
    grid = 1.6 * np.stack(np.divmod(np.arange(num_particles), 2)).astype(
        float)
    loc = grid[None] + 0.2 * rng.standard_normal((num_sims, 2,
                                                 num_particles))
    return system, couplings, loc


def test_terms_reproduce_the_force_laws():
    rng = np.random.default_rng(0)
    loc = rng.standard_normal((2, 5)) * 2
    couplings = rng.integers(0, 2, size=(3, 5, 5)).astype(float)
    couplings = np.triu(couplings, 1) + np.triu(couplings, 1).swapaxes(1, 2)
    couplings[2] *= -1.  # Coulomb couplings are charge products.
    from_terms = loop_forces(INTERACTIONS, couplings, loc, use_terms=True)
    from_laws = loop_forces(INTERACTIONS, couplings, loc, use_terms=False)
    assert np.abs(from_laws).max() > 1e-2
    np.testing.assert_allclose(from_terms, from_laws, rtol=1e-12,
                               atol=1e-14)


def test_terms_keep_the_coupling_shape():
    coupling = np.arange(6.).reshape(2, 3)
    for interaction in INTERACTIONS:
        terms = interaction.terms(coupling)
        assert all(c.shape == (2, 3) for c in terms.values())
    assert set(IdealSpring().terms(coupling)) == {0}
    assert set(FiniteSpring().terms(coupling)) == {0, 1}
    assert set(Coulomb().terms(coupling)) == {3}
    spring = FiniteSpring(strength=0.2, rest_length=1.5)
    np.testing.assert_allclose(spring.terms(coupling)[1], 0.3 * coupling,
                               rtol=1e-15)
    np.testing.assert_allclose(spring.terms(coupling)[0], -0.2 * coupling,
                               rtol=1e-15)


def test_forces_are_minus_the_gradient_of_the_potential():
    system, couplings, loc = random_setup(1, num_sims=1)
    layers = [layer.interaction for layer in system.layers]
    loc = loc[0]
    force = loop_forces(layers, couplings[0], loc, use_terms=True)
    h = 1e-6
    gradient = np.zeros_like(loc)
    for axis in range(2):
        for i in range(loc.shape[1]):
            step = np.zeros_like(loc)
            step[axis, i] = h
            gradient[axis, i] = (
                loop_potential(layers, couplings[0], loc + step) -
                loop_potential(layers, couplings[0], loc - step)) / (2 * h)
    assert np.abs(force).max() > 1e-2
    np.testing.assert_allclose(force, -gradient, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize('seed', range(2))
def test_simulator_forces_equal_the_double_loop(seed):
    system, couplings, loc = random_setup(seed)
    layers = [layer.interaction for layer in system.layers]
    forces = simulated_forces(system, couplings, loc)
    assert forces.shape == loc.shape
    for s in range(loc.shape[0]):
        expected = loop_forces(layers, couplings[s], loc[s],
                               use_terms=False)
        np.testing.assert_allclose(forces[s], expected, rtol=1e-9,
                                   atol=1e-12)


def test_pairwise_forces_conserve_momentum():
    system, couplings, loc = random_setup(2)
    forces = simulated_forces(system, couplings, loc)
    assert np.abs(forces).max() > 1e-2
    np.testing.assert_allclose(forces.sum(-1), 0., atol=1e-12)


def test_forces_are_euclidean_equivariant():
    system, couplings, loc = random_setup(3)
    forces = simulated_forces(system, couplings, loc)
    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle)],
                         [np.sin(angle), np.cos(angle)]])
    mirror = np.array([[1., 0.], [0., -1.]])
    for matrix in (rotation, mirror, mirror @ rotation):
        moved = simulated_forces(system, couplings,
                                 np.einsum('ab,sbn->san', matrix, loc))
        np.testing.assert_allclose(
            moved, np.einsum('ab,sbn->san', matrix, forces), rtol=1e-9,
            atol=1e-12)
    shifted = simulated_forces(system, couplings,
                               loc + np.array([[3.], [-2.]]))
    np.testing.assert_allclose(shifted, forces, rtol=1e-9, atol=1e-12)


def test_forces_are_permutation_equivariant():
    system, couplings, loc = random_setup(4)
    forces = simulated_forces(system, couplings, loc)
    perm = np.array([2, 0, 3, 1])
    moved = simulated_forces(system, couplings[..., perm, :][..., perm],
                             loc[..., perm])
    np.testing.assert_allclose(moved, forces[..., perm], rtol=1e-12,
                               atol=1e-14)


def test_energy_is_conserved_without_walls():
    # Every interaction switched on (charges +1, so Coulomb repels);
    # semi-implicit Euler keeps the energy within O(dt) over a short run.
    system, _, loc = random_setup(5, num_sims=2)
    layers = [layer.interaction for layer in system.layers]
    couplings = np.broadcast_to(1 - np.eye(4), (2, 3, 4, 4)).copy()
    _, vel = sample_initial_state(system, np.random.default_rng(5), 2, 4)
    loc_t, vel_t = simulate(system, couplings, loc, vel, num_steps=2001,
                            sample_freq=50)
    for s in range(2):
        energy = np.array([
            loop_potential(layers, couplings[s], loc_t[s, t]) +
            0.5 * (vel_t[s, t]**2).sum() for t in range(loc_t.shape[1])
        ])
        kinetic = 0.5 * (vel_t[s]**2).sum((-1, -2))
        assert kinetic.max() - kinetic.min() > 1e-2  # Energy moves.
        drift = np.abs(energy - energy[0]) / np.abs(energy[0])
        assert drift.max() < 1e-3


def test_finite_spring_is_at_rest_at_its_rest_length():
    spring = FiniteSpring(strength=0.4, rest_length=1.5)
    for d, sign in ((1.5, 0.), (2.5, -1.), (0.5, 1.)):
        r = np.array([d, 0.])
        terms = spring.terms(np.array(1.))
        force = sum(c * d**-p for p, c in terms.items()) * r
        assert np.sign(force[0]) == sign  # Pulls together, pushes apart.
        if sign == 0.:
            assert force[0] == 0.


def test_negated_flips_only_the_strength():
    spring = FiniteSpring(strength=0.2, rest_length=1.5)
    flipped = spring.negated()
    assert flipped == FiniteSpring(strength=-0.2, rest_length=1.5)
    assert type(flipped) is FiniteSpring and flipped.name == spring.name
    coupling = np.array([1., -1.])
    for interaction in INTERACTIONS:
        terms = interaction.terms(coupling)
        negated = interaction.negated().terms(coupling)
        assert set(terms) == set(negated)
        for power in terms:
            np.testing.assert_array_equal(negated[power], -terms[power])
    assert spring.strength == 0.2  # The original is unchanged.


def test_interactions_are_frozen_and_the_base_is_abstract():
    with pytest.raises(dataclasses.FrozenInstanceError):
        IdealSpring().strength = 1.
    with pytest.raises(NotImplementedError):
        Interaction('custom', 1.).terms(np.ones(2))
