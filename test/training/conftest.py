import pytest

from torch_geometric_fnri.datasets import PhysicsSystemDataset

SIZES = dict(system='springs_charges', num_simulations=(16, 8, 8),
             num_particles=3, num_frames=13, sample_freq=10, seed=0,
             log=False)


@pytest.fixture(scope='session')
def tiny_splits():
    return tuple(
        PhysicsSystemDataset(None, split=split, **SIZES)
        for split in ('train', 'valid', 'test'))
