import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch

from torch_geometric_fnri.datasets import PhysicsSystemDataset
from torch_geometric_fnri.metrics import EdgeAccuracy
from torch_geometric_fnri.training import load_splits

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

TINY_DATA = ['--num-train', '40', '--num-valid', '10', '--num-test', '10',
             '--num-particles', '3']


@pytest.fixture
def benchmark(monkeypatch):
    # The benchmark imports time_to_accuracy from its own folder.
    monkeypatch.syspath_prepend(osp.join(ROOT, 'benchmarks'))
    spec = importlib.util.spec_from_file_location(
        'isomorphism_generalisation',
        osp.join(ROOT, 'benchmarks', 'isomorphism_generalisation.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_protocol(sets, class_ids, valid_size):
    members = np.concatenate([sets[name] for name in
                              ('train', 'valid', 'seen', 'unseen')])
    assert sorted(members.tolist()) == list(range(len(class_ids)))
    assert all(np.all(np.diff(indices) > 0) for indices in sets.values())
    classes = {name: set(class_ids[indices].tolist())
               for name, indices in sets.items()}
    # Unseen classes are nowhere else; every other class is in training.
    assert not classes['unseen'] & (classes['train'] | classes['valid']
                                    | classes['seen'])
    assert classes['seen'] | classes['valid'] <= classes['train']
    assert len(sets['seen']) == len(sets['unseen']) > 0
    assert len(sets['valid']) == valid_size


def test_protocol_on_synthetic_classes(benchmark):
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 30, size=80)
    class_ids = np.repeat(np.arange(80), sizes)[rng.permutation(sizes.sum())]
    sets = benchmark.isomorphism_protocol(class_ids, 0.15, 50, seed=3)
    check_protocol(sets, class_ids, 50)
    # About 15 % unseen: whole classes, so up to one class off.
    assert abs(len(sets['unseen']) - 0.15 * len(class_ids)) <= sizes.max()
    assert sets['unseen'].dtype == np.int64

    # Deterministic under the seed, another seed gives other sets.
    again = benchmark.isomorphism_protocol(class_ids, 0.15, 50, seed=3)
    assert all(np.array_equal(sets[name], again[name]) for name in sets)
    other = benchmark.isomorphism_protocol(class_ids, 0.15, 50, seed=4)
    assert not np.array_equal(sets['unseen'], other['unseen'])
    assert not np.array_equal(sets['seen'], other['seen'])

    # Singleton classes can only be trained on or unseen.
    with pytest.raises(ValueError, match='beside the one kept for training'):
        benchmark.isomorphism_protocol(np.arange(20), 0.15, 1, seed=0)
    with pytest.raises(ValueError, match='no class went to the unseen set'):
        benchmark.isomorphism_protocol(np.zeros(10, dtype=np.int64), 0.15,
                                       1, seed=0)


def test_accuracy_report_against_hand_counts(benchmark):
    assert benchmark.class_size_buckets(np.array([1, 4])).tolist() == [4]
    assert benchmark.class_size_buckets(np.array([3, 17, 5])).tolist() == \
        [4, 16, 64]
    metric = EdgeAccuracy([2, 2], [2, 2])
    mapping = {'family': 'fnri', 'factor_of_layer': [1, 0],
               'label_maps': [[0, 1], [1, 0]]}
    # Two edges per simulation; predicted factor 1 is layer 0, factor 0
    # is layer 1 with its labels flipped.
    labels = torch.tensor([[0, 0], [1, 1],  # simulation 0
                           [0, 1], [1, 0],  # simulation 1
                           [1, 1], [0, 0]])  # simulation 2
    pred = torch.tensor([[1, 0], [0, 1],  # both right
                         [1, 0], [0, 0],  # layer 0 right, then neither
                         [0, 0], [0, 0]])  # layer 1 right, then layer 0
    simulations = torch.tensor([0, 0, 1, 1, 2, 2])
    out = benchmark.accuracy_report(
        metric, mapping, (pred, labels, simulations), np.array([2, 9, 9]),
        np.array([4, 16]), ['a', 'b', 'b'])
    assert out['acc_combined'] == 2 / 6
    assert out['acc_per_layer'] == [4 / 6, 3 / 6]
    assert out['constant_level'] == {'combined': 2 / 6,
                                     'per_layer': [3 / 6, 3 / 6]}
    assert out['by_class_size'] == [
        {'class_size': [1, 4], 'simulations': 1, 'classes': 1,
         'acc_combined': 1.0, 'acc_per_layer': [1.0, 1.0]},
        {'class_size': [5, 16], 'simulations': 2, 'classes': 1,
         'acc_combined': 0.0, 'acc_per_layer': [2 / 4, 1 / 4]},
    ]


def test_subset_keeps_what_the_trainer_reads(benchmark):
    dataset = PhysicsSystemDataset(None, 'springs_charges', 'valid',
                                   num_simulations=(4, 5, 2),
                                   num_particles=3, num_frames=4,
                                   sample_freq=10, seed=0, log=False)
    graphs = [dataset[i] for i in range(len(dataset))]
    subset = benchmark.SimulationSubset(graphs, [4, 1], dataset)
    assert len(subset) == 2 and subset[0] is graphs[4]
    assert [data is graphs[1] for data in subset] == [False, True]
    for name in ('num_edge_types', 'interaction_names', 'stats',
                 'feature_names', 'directed'):
        assert getattr(subset, name) == getattr(dataset, name)


def test_command_line(benchmark):
    args = benchmark.parse_args([])
    assert (args.recipe, args.model, args.mode, args.minutes) == (
        'fast', 'fnri', 'learned', 10.0)
    assert args.out == osp.join('results', 'isomorphism', 'I+C')
    assert benchmark.run_name(args) == 'fast-seed1'
    args = benchmark.parse_args(['--model', 'nri', '--mode', 'supervised',
                                 '--set', 'lr=0.01', '--tag', 'x',
                                 '--seed', '3'])
    assert benchmark.run_name(args) == 'nri-fast-supervised-x-seed3'
    for argv in (['--set', 'lr=0.01'], ['--unseen-fraction', '1'],
                 ['--num-particles', '9'], ['--updates', '0']):
        with pytest.raises(SystemExit):
            benchmark.parse_args(argv)


@pytest.mark.slow
def test_tiny_run_end_to_end(benchmark, tmp_path, capsys):
    data_root = str(tmp_path / 'data')
    out = tmp_path / 'out'
    args = TINY_DATA + [
        '--updates', '3', '--valid-size', '4', '--data-root', data_root,
        '--out', str(out), '--set', 'hidden_channels=8', '--tag', 'tiny',
        '--threads', '1', '--note', 'a test']
    assert benchmark.main(args) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with open(out / 'fast-tiny-seed1.json') as f:
        result = json.load(f)
    assert printed == result

    # The sets of the run, rebuilt from the same data and seed.
    splits = load_splits('I+C', (40, 10, 10), num_particles=3,
                         root=data_root)
    assert all(osp.exists(osp.join(split.processed_dir,
                                   f'isomorphism_{split.split}.json'))
               for split in splits)
    keys = [key for split in splits for key in split.isomorphism_classes()[1]]
    class_of_key = {}
    class_ids = np.array([class_of_key.setdefault(key, len(class_of_key))
                          for key in keys])
    sets = benchmark.isomorphism_protocol(class_ids, 0.15, 4, seed=0)
    check_protocol(sets, class_ids, 4)
    report = result['sets']
    for name, indices in sets.items():
        assert report[name]['simulations'] == len(indices)
        assert report[name]['classes'] == len(set(class_ids[indices]))
    assert report['unseen']['leakage']['fraction'] == 0.0
    assert report['unseen']['leakage']['num_shared_classes'] == 0
    assert report['seen']['leakage']['fraction'] == 1.0
    assert report['valid']['leakage']['fraction'] == 1.0
    assert result['data']['pool_classes'] == len(class_of_key)

    assert result['benchmark'] == 'isomorphism_generalisation'
    assert result['training']['updates'] == 3
    assert result['budget'] == {'updates': 3}
    assert result['model_args']['hidden_channels'] == 8
    assert result['machine']['other_jobs'] == 'a test'
    assert result['layer_names'] == ['ideal_springs', 'charges']
    assert set(result['edge_mapping']) == {'family', 'factor_of_layer',
                                           'label_maps'}
    for name in ('valid', 'seen', 'unseen'):
        part = report[name]
        assert 0 <= part['acc_combined'] <= 1
        assert len(part['acc_per_layer']) == 2
        assert 0 < part['constant_level']['combined'] <= 1
        assert sum(bucket['simulations'] for bucket in
                   part['by_class_size']) == part['simulations']
    assert result['seen_minus_unseen_combined'] == pytest.approx(
        report['seen']['acc_combined'] - report['unseen']['acc_combined'])
    assert 0 < result['original_split_test_leakage']['fraction'] <= 1
    assert os.listdir(out) == ['fast-tiny-seed1.json']
