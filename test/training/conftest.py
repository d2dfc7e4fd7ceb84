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


@pytest.fixture
def first_batch():
    r"""Returns the first batch of four simulations of a split."""
    from torch.utils.data import SequentialSampler

    from torch_geometric_fnri.training import TensorBatchLoader

    def make(dataset, size=4):
        return next(iter(TensorBatchLoader(dataset, size,
                                           SequentialSampler(dataset))))
    return make


@pytest.fixture
def script_selection(monkeypatch):
    r"""Makes a trainer's validation report the given values of the
    selection metric ``valid_nll_m``, one per epoch."""
    def script(trainer, values):
        values = iter(values)
        real = trainer.validate

        def validate():
            result = real()
            result['valid_nll_m'] = next(values)
            return result
        monkeypatch.setattr(trainer, 'validate', validate)
    return script
