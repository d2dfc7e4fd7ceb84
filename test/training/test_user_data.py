import numpy as np
import pytest

from torch_geometric_fnri.datasets import PhysicsSystemDataset, from_arrays
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import TrainConfig, Trainer, get_recipe
from torch_geometric_fnri.transforms import KNNCandidateGraph

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


def _knn_splits(symmetric):
    # Springs and charges on a candidate graph of the nearest neighbour.
    sizes = dict(num_simulations=(8, 4, 4), num_particles=4, num_frames=13,
                 sample_freq=10, seed=0, log=False)
    transform = KNNCandidateGraph(1, symmetric=symmetric)
    return [PhysicsSystemDataset(None, 'springs_charges', split,
                                 transform=transform, **sizes)
            for split in ('train', 'valid')]


def test_symmetric_model_refuses_a_directed_candidate_graph():
    model = get_recipe('fast').build_model('fnri', 'learned', [2, 2], 13)
    assert model.symmetric
    config = TrainConfig(**CONFIG)
    with pytest.raises(ValueError, match=r"symmetric=True\) but in graph 0 "
                       r"of 'train_dataset' edge [0-9]+ \([0-9] -> [0-9]\) "
                       r"has no reverse.*build the model with "
                       r"symmetric=False, or make the candidate graph "
                       r"symmetric \(transforms.KNNCandidateGraph"):
        Trainer(model, config, *_knn_splits(symmetric=False))
    trainer = Trainer(model, config, *_knn_splits(symmetric=True))
    assert trainer.train_epoch(0)['train_loss'] > 0
