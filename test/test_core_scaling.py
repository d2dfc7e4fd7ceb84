import argparse
import csv

import pytest
from script_loader import load_script


def _module():
    return load_script('benchmarks', 'core_scaling.py')


def _write_log(path, times, accuracies):
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, ['epoch', 'valid_acc_combined', 'time'])
        writer.writeheader()
        for epoch, (t, acc) in enumerate(zip(times, accuracies)):
            writer.writerow({'epoch': epoch, 'valid_acc_combined': acc,
                             'time': t})


def test_a_run_is_read_from_its_log(tmp_path):
    core = _module()
    _write_log(tmp_path / 'log.csv', [30.0, 30.0, 60.0], [0.3, 0.4, 0.5])
    run = core.read_run(str(tmp_path), updates_per_epoch=157,
                        batch_size=32)
    assert run['epochs'] == 3
    assert run['seconds'] == 120.0
    assert run['updates'] == 471 and run['examples'] == 471 * 32
    assert run['minutes'] == [0.5, 1.0, 2.0]
    assert run['valid_combined'] == [0.3, 0.4, 0.5]
    # The accuracy at matched minutes: the last epoch finished by then.
    assert core.accuracy_at(run, 0.4) is None
    assert core.accuracy_at(run, 0.5) == 0.3
    assert core.accuracy_at(run, 1.99) == 0.4
    assert core.accuracy_at(run, 5.0) == 0.5


def test_each_arrangement_launches_the_train_module_its_way():
    core = _module()
    args = core.parse_args(['--epochs', '2'])
    single = core.train_command(args, 'out', 42, ddp=False)
    assert single[1:3] == ['-m', 'torch_geometric_fnri.train']
    assert single[single.index('--epochs') + 1] == '2'
    assert single[single.index('--batch-size') + 1] == '32'
    ddp = core.train_command(args, 'out', 42, ddp=True)
    assert ddp[1:6] == ['-m', 'torch.distributed.run', '--standalone',
                        '--nproc_per_node', '2']
    assert ddp[6:] == single[1:]
    with pytest.raises(SystemExit):
        core.parse_args(['--arrangements', '3 threads'])
    assert isinstance(args, argparse.Namespace)
