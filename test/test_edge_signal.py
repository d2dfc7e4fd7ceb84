import argparse

import pytest
from script_loader import load_script

from torch_geometric_fnri.datasets import PhysicsSystemDataset


# NRI's springs (one layer-graph), small enough to train a true-graph
# decoder on in seconds: 5 particles, 25 frames.
SPRINGS = dict(system='springs', num_simulations=(512, 64, 64),
               num_particles=5, num_frames=25, seed=0, log=False)


def _module():
    return load_script('benchmarks', 'edge_signal.py')


@pytest.fixture(scope='module')
def springs_signal(tmp_path_factory):
    signal = _module()
    root = str(tmp_path_factory.mktemp('springs'))
    splits = tuple(PhysicsSystemDataset(root, split=split, **SPRINGS)
                   for split in ('train', 'valid', 'test'))
    args = argparse.Namespace(system='springs', model='fnri', seed=0,
                              updates=128)
    trainer = signal.train_true_graph_decoder(args, splits)
    return trainer, signal.layer_signal(trainer, splits[1], 64, 2), splits


def test_a_trained_decoder_needs_the_springs(springs_signal):
    trainer, out, splits = springs_signal
    assert trainer.updates == 128
    assert list(out['layers']) == ['ideal_springs']
    springs = out['layers']['ideal_springs']
    labels = [splits[1][i].edge_type[:, 0] for i in range(64)]
    share = float(sum(int((e != 0).sum()) for e in labels)) / sum(
        e.numel() for e in labels)
    assert springs['edge_share'] == pytest.approx(share)
    # Measured: the loss rises 45-fold without the springs.
    assert springs['loss_ratio'] > 5
    assert springs['change_p90'] >= springs['change_median'] > 0
    assert out['residual_median'] > 0


def test_the_parse_defaults_name_the_fnri_system():
    args = _module().parse_args([])
    assert (args.system, args.model, args.prediction_steps) == \
        ('I+C+F', 'fnri', 2)
