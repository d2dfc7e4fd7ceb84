import json
import re

import pytest
from script_loader import load_script

from torch_geometric_fnri import train as train_cli

# The examples at test sizes (their own defaults otherwise).
TINY = ['--num-train', '16', '--num-valid', '8', '--num-test', '8',
        '--epochs', '1']


def test_springs_charges_example(tmp_path, monkeypatch, capsys):
    pytest.importorskip('matplotlib')
    monkeypatch.chdir(tmp_path)  # Its data/ and runs/ go there.
    example = load_script('examples', 'springs_charges.py')
    assert example.main(TINY) == 0
    stdout = capsys.readouterr().out
    run = tmp_path / 'runs' / 'springs_charges'
    with open(run / 'metrics.json') as f:
        metrics = json.load(f)
    assert metrics['completed'] and metrics['test']['num_graphs'] == 8
    # The progress line (16 simulations: one batch of the fast recipe's
    # 32), the tables and the plots.
    assert re.search(r'epoch   1/1,      1 updates, +[0-9.]+ min: validation '
                     r'accuracy [0-9.]+ \(ideal_springs [0-9.]+, charges '
                     r'[0-9.]+\)', stdout), stdout
    for text in ('FNRI on I+C (learned), 8 test simulations',
                 'constant level', 'edge presence',
                 'fNRI block-averaged, 10 step'):
        assert text in stdout
    for name in ('graph_0', 'graph_1', 'graph_2', 'trajectories'):
        assert (run / 'plots' / f'{name}.png').is_file()
    with open(run / 'config.json') as f:
        config = json.load(f)
    hidden = config['run']['model']['encoder']['arguments'][
        'hidden_channels']
    assert (config['train']['decoder_window'], config['train']['batch_size'],
            hidden) == (12, 32, 64)

    # The example trains what the full command line trains for its flags.
    assert train_cli.main(TINY + ['--out', str(tmp_path / 'cli'),
                                  '--no-plots']) == 0
    with open(tmp_path / 'cli' / 'metrics.json') as f:
        cli = json.load(f)
    # The recipe's test-time refinement and symmetry ensemble ran in both;
    # their wall times differ.
    for result in (cli, metrics):
        assert result['test_refined']['refine_seconds'] > 0
        del result['test_refined']['refine_seconds']
        for split in ('valid', 'test'):
            assert result[f'{split}_symmetrised']['seconds'] > 0
            del result[f'{split}_symmetrised']['seconds']
    assert cli == metrics


def test_springs_charges_example_on_kuramoto(tmp_path, monkeypatch, capsys):
    pytest.importorskip('matplotlib')
    monkeypatch.chdir(tmp_path)
    example = load_script('examples', 'springs_charges.py')
    assert example.main(TINY + ['--system', 'kuramoto', '--out', 'k']) == 0
    stdout = capsys.readouterr().out
    assert 'FNRI on kuramoto (learned)' in stdout
    # The inferred coupling graphs; no trajectory plot of phases.
    assert (tmp_path / 'k' / 'plots' / 'graph_2.png').is_file()
    assert not (tmp_path / 'k' / 'plots' / 'trajectories.png').exists()
    assert 'no trajectory plot' in stdout


def test_custom_model_example_trains(tmp_path, capsys):
    example = load_script('examples', 'custom_model.py')
    losses = example.main([
        '--num-train', '32', '--num-valid', '8', '--epochs', '3',
        '--hidden', '16', '--num-particles', '5', '--k', '2', '--root',
        str(tmp_path / 'data')])
    assert len(losses) == 3 and losses[-1] < 0.9 * losses[0], losses
    stdout = capsys.readouterr().out
    assert re.search(r'validation edge accuracy, [0-9]+ candidate edges: '
                     r'combined [0-9.]+, ideal_springs [0-9.]+, charges '
                     r'[0-9.]+', stdout), stdout
