import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import from_arrays
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import TrainConfig, Trainer

CONFIG = dict(epochs=1, batch_size=4, prediction_steps=2, progress=False)


def _own_system(num_particles=6, seed=0):
    # The README's form: arrays of one's own system, no names given.
    rng = np.random.default_rng(seed)
    shape = (4, 13, 2, num_particles)
    edges = rng.integers(0, 2, size=(4, 2, num_particles, num_particles))
    train = from_arrays(rng.normal(size=shape), rng.normal(size=shape),
                        edges)
    valid = from_arrays(rng.normal(size=shape), rng.normal(size=shape),
                        edges, stats=train.stats)
    return train, valid


def test_from_arrays_without_names_trains():
    train, valid = _own_system()
    assert train.interaction_names is None
    trainer = Trainer(build_model('fnri', train.num_edge_types,
                                  num_timesteps=6, hidden_channels=8),
                      TrainConfig(**CONFIG), train, valid)
    assert trainer.layer_names == ['layer_0', 'layer_1']
    metrics = trainer.fit()
    assert metrics['layer_names'] == ['layer_0', 'layer_1']
    assert {'acc_layer_0', 'acc_layer_1'} <= set(metrics['valid'])
