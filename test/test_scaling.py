import json

import pytest
from script_loader import load_script

TINY = ['--particles-per-batch', '16', '--k', '2', '--warmup', '1',
        '--updates', '1', '--threads', '1']


def _module():
    return load_script('benchmarks', 'scaling.py')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('scaling_data'))


def test_rows_of_both_candidate_graphs(root, tmp_path, capsys):
    scaling = _module()
    out = tmp_path / 'out'
    assert scaling.main(['--num-particles', '5', '8', '--candidates', 'full',
                         'knn', '--data-root', root, '--out', str(out),
                         *TINY]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == json.loads((out / 'scaling.json').read_text())
    assert (out / 'scaling.png').stat().st_size > 0
    rows = last['rows']
    assert [(r['num_particles'], r['candidates']) for r in rows] == [
        (5, 'full'), (5, 'knn'), (8, 'full'), (8, 'knn')]
    for row in rows:
        assert tuple(row) == scaling.ROW_KEYS
        assert row['failure'] is None
        assert row['seconds_per_update'] > 0
        assert 0 < row['peak_memory_gb'] < last['memory_cap_gb']
        n = row['num_particles']
        assert row['batch_size'] == 16 // n
        if row['candidates'] == 'full':
            assert row['edges_per_graph'] == n * (n - 1)
        else:  # Every particle's 2 nearest, and their reverses.
            assert n * 2 <= row['edges_per_graph'] <= min(4 * n, n * (n - 1))


def test_a_configuration_over_the_cap_is_null(root, tmp_path):
    scaling = _module()
    args = scaling.parse_args(['--memory-cap-gb', '0.3', '--data-root',
                               root, '--out', str(tmp_path), *TINY])
    row = scaling.measure(args, 5, 'knn')
    assert row['seconds_per_update'] is None
    assert row['peak_memory_gb'] is None
    assert row['failure']  # The worker's last error line.
    assert row['edges_per_graph'] > 0


def test_the_worker_gets_the_run_settings():
    scaling = _module()
    args = scaling.parse_args(['--k', '3', '--threads', '1', '--updates',
                               '4', '--data-root', 'somewhere'])
    command = scaling.worker_command(args, 300, 'knn')
    worker = scaling.parse_args(command[2:])
    assert worker.worker
    assert (worker.num_particles, worker.candidates) == ([300], ['knn'])
    for key in ('k', 'threads', 'updates', 'warmup', 'data_root',
                'particles_per_batch', 'prediction_steps', 'seed',
                'data_seed'):
        assert getattr(worker, key) == getattr(args, key)
    with pytest.raises(SystemExit):
        scaling.parse_args(['--warmup', '0'])
