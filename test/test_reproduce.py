import json
import os.path as osp
import subprocess
import sys

import pytest

SCRIPT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                  'benchmarks', 'reproduce.py')


def _run(args, cwd):
    return subprocess.run([sys.executable, SCRIPT] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_reproduce_tiny_protocol_and_resume(tmp_path):
    out = tmp_path / 'out'
    args = ['--protocol', 'cpu', '--systems', 'I+C', '--models', 'fnri',
            '--modes', 'learned', 'static', '--seeds', '0', '1',
            '--epochs', '1', '--num-simulations', '16', '8', '8',
            '--hidden', '8', '--num-frames', '25', '--device', 'cpu',
            '--out', str(out), '--data-root', str(tmp_path / 'data')]
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary['runs'] == 4  # 2 seeds x (learned + static)
    with open(out / 'results.json') as f:
        results = json.load(f)
    rows = {(r['model'], r['mode']): r for r in results['rows']}
    learned = rows[('fnri', 'learned')]
    assert learned['seeds'] == [0, 1]
    assert len(learned['acc_combined']) == 2
    assert all(0 <= a <= 1 for a in learned['acc_combined'])
    assert 'mse_block_10' in rows[('fnri', 'static')]
    text = (out / 'results.md').read_text()
    assert '| fnri | learned | 2 |' in text
    assert '94.0' in text  # The paper's fNRI I+C accuracy beside ours.
    run = out / 'I+C' / 'fnri-learned-seed0'
    with open(run / 'run_info.json') as f:
        assert json.load(f)['seconds'] > 0

    # A second invocation with more epochs resumes every run.
    result = _run(args[:args.index('--epochs')] + ['--epochs', '2'] +
                  args[args.index('--epochs') + 2:], tmp_path)
    assert result.returncode == 0, result.stderr
    with open(run / 'metrics.json') as f:
        assert json.load(f)['epochs_done'] == 2


def test_reproduce_bad_arguments(tmp_path):
    result = _run(['--epochs', '0'], tmp_path)
    assert result.returncode == 2
    assert '--epochs must be positive' in result.stderr
    result = _run(['--models', 'gnn'], tmp_path)
    assert result.returncode == 2
