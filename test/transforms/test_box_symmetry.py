import numpy as np
import pytest
import torch
from torch_geometric.data import Data

from torch_geometric_fnri.datasets import (
    get_system,
    sample_initial_state,
    simulate,
)
from torch_geometric_fnri.transforms import (
    BOX_SYMMETRIES,
    POSITION_VELOCITY_GROUPS,
    RandomBoxSymmetry,
    TrajectoryNormalizer,
    apply_box_symmetry,
)


def _key(matrix):
    return tuple(matrix.flatten().tolist())


def test_box_symmetries_are_the_dihedral_group_of_the_square():
    assert BOX_SYMMETRIES.shape == (8, 2, 2)
    keys = {_key(m) for m in BOX_SYMMETRIES}
    assert len(keys) == 8
    for m in BOX_SYMMETRIES:
        assert set(m.flatten().tolist()) <= {-1.0, 0.0, 1.0}
        assert torch.equal(m @ m.T, torch.eye(2))
        for n in BOX_SYMMETRIES:
            assert _key(m @ n) in keys
    assert sorted(int(torch.det(m)) for m in BOX_SYMMETRIES) == \
        [-1] * 4 + [1] * 4
    # The rotation by 90 degrees generates the four rotations.
    rotation = BOX_SYMMETRIES[1]
    powers = {_key(torch.linalg.matrix_power(rotation, k)) for k in range(4)}
    assert powers == {_key(m) for m in BOX_SYMMETRIES
                      if torch.det(m) > 0}


def _couplings(rng, num_sims, num_particles):
    # Random symmetric couplings for the two layers of I+C (springs, and
    # the product of 0/1 charges).
    springs = rng.integers(0, 2, (num_sims, num_particles, num_particles))
    springs = np.triu(springs, 1)
    springs = springs + springs.transpose(0, 2, 1)
    charges = rng.integers(0, 2, (num_sims, num_particles)).astype(float)
    charged = charges[:, :, None] * charges[:, None, :]
    charged[:, np.arange(num_particles), np.arange(num_particles)] = 0
    return np.stack([springs, charged], 1).astype(float)


def test_every_symmetry_maps_a_simulation_to_a_simulation():
    system = get_system('springs_charges')
    rng = np.random.default_rng(0)
    num_sims, num_particles = 6, 5
    loc, vel = sample_initial_state(system, rng, num_sims, num_particles)
    vel *= 4  # Fast particles: many wall reflections.
    # Two charged particles almost on top of each other: a clipped force.
    couplings = _couplings(rng, num_sims, num_particles)
    couplings[0, 1, 0, 1] = couplings[0, 1, 1, 0] = 1
    loc[0, :, 1] = loc[0, :, 0] + 1e-3
    pos, v = simulate(system, couplings, loc, vel, num_steps=2000,
                      sample_freq=10)
    assert (np.abs(pos) > 0.97 * system.box_size).any()  # Walls reached.
    for matrix in BOX_SYMMETRIES.double().numpy():
        pos_r, v_r = simulate(system, couplings,
                              np.einsum('ab,sbn->san', matrix, loc),
                              np.einsum('ab,sbn->san', matrix, vel),
                              num_steps=2000, sample_freq=10)
        np.testing.assert_allclose(
            pos_r, np.einsum('ab,stbn->stan', matrix, pos), rtol=0,
            atol=1e-9)
        np.testing.assert_allclose(
            v_r, np.einsum('ab,stbn->stan', matrix, v), rtol=0, atol=1e-9)


def test_a_rotation_by_45_degrees_is_not_a_symmetry_of_the_box():
    # The check above can fail: a rotation that does not map the box to
    # itself changes the trajectory.
    system = get_system('springs_charges')
    rng = np.random.default_rng(1)
    loc, vel = sample_initial_state(system, rng, 4, 5)
    vel *= 4
    couplings = _couplings(rng, 4, 5)
    c = s = np.sqrt(0.5)
    matrix = np.array([[c, -s], [s, c]])
    pos, _ = simulate(system, couplings, loc, vel, num_steps=2000,
                      sample_freq=10)
    pos_r, _ = simulate(system, couplings,
                        np.einsum('ab,sbn->san', matrix, loc),
                        np.einsum('ab,sbn->san', matrix, vel),
                        num_steps=2000, sample_freq=10)
    assert np.abs(pos_r - np.einsum('ab,stbn->stan', matrix, pos)).max() > 0.1


def _physical_features(seed=0, num_nodes=6, num_frames=7):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(num_nodes, num_frames, 4, generator=generator,
                    dtype=torch.float64)
    x[..., :2] = 2 * x[..., :2] + 0.7  # Asymmetric range: c != 0.
    return x


def test_augmentation_commutes_with_the_normalisation():
    x = _physical_features()
    normalizer = TrajectoryNormalizer.fit(x, POSITION_VELOCITY_GROUPS)
    augmentation = RandomBoxSymmetry.from_normalizer(normalizer)
    assert augmentation.centers[0] != 0
    for k, matrix in enumerate(BOX_SYMMETRIES.double()):
        symmetry = torch.full((x.size(0), ), k)
        expected = x.clone()
        expected[..., :2] = x[..., :2] @ matrix.T
        expected[..., 2:] = x[..., 2:] @ matrix.T
        out = apply_box_symmetry(normalizer.normalize(x), symmetry,
                                 augmentation.vector_dims,
                                 augmentation.centers)
        torch.testing.assert_close(out, normalizer.normalize(expected),
                                   rtol=0, atol=1e-12)


def test_one_symmetry_per_graph_drawn_from_the_generator():
    x = _physical_features(num_nodes=12)
    batch = torch.tensor([0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 3, 3])
    augmentation = RandomBoxSymmetry()
    out = augmentation.augment(x, batch, torch.Generator().manual_seed(5))
    again = augmentation.augment(x, batch, torch.Generator().manual_seed(5))
    assert torch.equal(out, again)
    expected = torch.randint(8, (4, ),
                             generator=torch.Generator().manual_seed(5))
    for graph in range(4):
        nodes = batch == graph
        matrix = BOX_SYMMETRIES.double()[expected[graph]]
        torch.testing.assert_close(out[nodes][..., :2],
                                   x[nodes][..., :2] @ matrix.T)
        torch.testing.assert_close(out[nodes][..., 2:],
                                   x[nodes][..., 2:] @ matrix.T)
    # The speed of every node and frame is unchanged.
    torch.testing.assert_close(out[..., 2:].norm(dim=-1),
                               x[..., 2:].norm(dim=-1))
    # Over many graphs every symmetry is drawn.
    many = torch.arange(800)
    single = torch.ones(800, 1, 4, dtype=torch.float64)
    single[..., 1] = 2
    single[..., 3] = 2
    seen = RandomBoxSymmetry().augment(
        single, many, torch.Generator().manual_seed(0))[:, 0, :2]
    assert len({tuple(row.tolist()) for row in seen}) == 8


def test_forward_leaves_the_graph_and_its_labels_alone():
    x = _physical_features().float()
    data = Data(x=x.clone(), edge_type=torch.tensor([[0, 1], [1, 0]]))
    torch.manual_seed(3)
    out = RandomBoxSymmetry()(data)
    assert torch.equal(data.x, x)
    assert torch.equal(out.edge_type, data.edge_type)
    assert out.x.shape == x.shape and out.x.dtype == torch.float32
    matches = [
        torch.allclose(out.x[..., :2], x[..., :2] @ m.T)
        and torch.allclose(out.x[..., 2:], x[..., 2:] @ m.T)
        for m in BOX_SYMMETRIES
    ]
    assert sum(matches) >= 1


@pytest.mark.parametrize('kwargs, match', [
    (dict(vector_dims=[(0, 1, 2)]), 'pairs of distinct'),
    (dict(vector_dims=[(0, 0)]), 'pairs of distinct'),
    (dict(vector_dims=[(0, 1), (1, 2)]), 'pairs of distinct'),
    (dict(vector_dims=[(-1, 1)]), 'pairs of distinct'),
    (dict(vector_dims=[]), 'pairs of distinct'),
    (dict(centers=[0.0]), 'one entry per vector'),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RandomBoxSymmetry(**kwargs)


def test_bad_inputs_raise():
    augmentation = RandomBoxSymmetry()
    with pytest.raises(ValueError, match=r"'x' must be \[N, T, D\]"):
        augmentation.augment(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="'vector_dims' needs 4"):
        augmentation.augment(torch.zeros(3, 5, 3))
    with pytest.raises(ValueError, match=r"'batch' must have shape \[3\]"):
        augmentation.augment(torch.zeros(3, 5, 4), torch.zeros(2).long())
    ungrouped = TrajectoryNormalizer.fit(_physical_features())
    with pytest.raises(ValueError, match='different statistics'):
        RandomBoxSymmetry.from_normalizer(ungrouped)
    narrow = TrajectoryNormalizer([0.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match='beyond the normaliser'):
        RandomBoxSymmetry.from_normalizer(narrow)
