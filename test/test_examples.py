import json
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

EXAMPLE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'examples', 'springs_charges.py')


def _run(args, cwd):
    return subprocess.run([sys.executable, EXAMPLE] + args, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def _tiny(tmp_path, out, sizes=(8, 4, 4), frames=25, batch=4, steps=2):
    # The example at test sizes: 3 particles, hidden 8, one epoch, on CPU,
    # data under tmp_path and the run in out.
    train, valid, test = sizes
    return ['--num-train', str(train), '--num-valid', str(valid),
            '--num-test', str(test), '--num-particles', '3',
            '--num-frames', str(frames), '--hidden', '8',
            '--batch-size', str(batch), '--epochs', '1',
            '--prediction-steps', str(steps), '--out', str(out),
            '--data-root', str(tmp_path / 'data'), '--device', 'cpu']


@pytest.mark.slow
def test_springs_charges_smoke(tmp_path):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'run'
    args = _tiny(tmp_path, out, sizes=(16, 8, 8), batch=8, steps=3)
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'edge accuracy' in result.stdout
    assert 'fNRI block-averaged, 10 step' in result.stdout
    with open(out / 'metrics.json') as f:
        metrics = json.load(f)
    assert metrics['completed'] and metrics['test']['num_graphs'] == 8
    for name in ('combined', 'ideal_springs', 'charges'):
        assert 0 <= metrics['test'][f'acc_{name}'] <= 1
    assert (out / 'plots' / 'trajectories.png').is_file()
    assert (out / 'plots' / 'graph_0.png').is_file()
    assert (out / 'checkpoints' / 'last.pt').is_file()
    # The default is the fast recipe: its training settings and model.
    with open(out / 'config.json') as f:
        config = json.load(f)
    assert config['example']['recipe'] == 'fast'
    assert (config['train']['decoder_window'], config['train']['cauchy_scale'],
            config['train']['prediction_steps']) == (12, 0.01, 3)
    assert 'constant level' in result.stdout
    assert 'edge presence' in result.stdout
    # The progress line of the last epoch: 16 simulations in batches of 8.
    assert re.search(r'epoch   1/1,      2 updates, +[0-9.]+ min: validation '
                     r'accuracy [0-9.]+ \(ideal_springs [0-9.]+, charges '
                     r'[0-9.]+\)', result.stdout), result.stdout
    assert metrics['updates'] == 2 and metrics['examples'] == 16
    # Layer-graphs near their constant level are named as not learnt.
    level = {}  # The accuracy table's last column (the first table).
    for line in result.stdout.splitlines():
        name = line.split()[0] if line.strip() else None
        if name in ('ideal_springs', 'charges') and name not in level:
            level[name] = float(line.split()[-1])
    weak = [name for name in level if metrics['test'][f'acc_{name}'] <
            level[name] + 0.05]
    if weak:
        assert ("not learnt in this run's 2 updates (within 0.05 of the "
                f"constant level): {', '.join(weak)}") in result.stdout
    else:
        assert 'not learnt' not in result.stdout
    for key in ('auroc', 'precision', 'recall', 'f1'):
        assert f'{key}_charges' in metrics['test']

    # Resuming a finished run trains nothing more and reports again.
    result = _run(args + ['--resume', '--epochs', '2', '--no-plots'],
                  tmp_path)
    assert result.returncode == 0, result.stderr
    with open(out / 'metrics.json') as f:
        assert json.load(f)['epochs_done'] == 2


def test_springs_charges_cnn_encoder_paper_recipe(tmp_path):
    out = tmp_path / 'run'
    args = ['--recipe', 'paper', '--encoder', 'cnn', '--split-point', '1',
            '--no-plots'] + _tiny(tmp_path, out, frames=28)
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    state = torch.load(out / 'checkpoints' / 'last.pt', weights_only=False)
    keys = state['model'].keys()
    # The CNN's temporal convolutions and split point 1's two output heads.
    assert any('conv1.weight' in key for key in keys)
    assert {'encoder.lin_out.0.weight', 'encoder.lin_out.1.weight'} <= keys
    with open(out / 'metrics.json') as f:
        assert json.load(f)['test']['num_graphs'] == 4
    with open(out / 'config.json') as f:
        train = json.load(f)['train']
    assert (train['decoder_window'], train['cauchy_scale']) == (None, None)


def test_springs_charges_kuramoto(tmp_path):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'run'
    # The fast recipe reads Kuramoto with NRI's CNN encoder, which needs
    # 14 encoder frames: 29 frames in all.
    args = ['--system', 'kuramoto'] + _tiny(tmp_path, out, frames=29)
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'FNRI on kuramoto (learned)' in result.stdout
    with open(out / 'metrics.json') as f:
        test = json.load(f)['test']
    assert test['num_graphs'] == 4
    # Kuramoto has one layer-graph, 'coupling'.
    for name in ('combined', 'coupling'):
        assert 0 <= test[f'acc_{name}'] <= 1
    assert not any(key.startswith('acc_layer_') for key in test)
    # Graph plots for the first three test systems; no trajectory plot, as
    # the features are not x, y positions.
    for index in range(3):
        assert (out / 'plots' / f'graph_{index}.png').is_file()
    assert not (out / 'plots' / 'trajectories.png').exists()
    assert "no trajectory plot: it draws x, y positions but the features " \
        "are ['phase_velocity', 'sin_phase', 'phase', " \
        "'intrinsic_frequency']" in result.stdout


@pytest.mark.parametrize('args,message', [
    (['--system', 'oscillators'], 'invalid choice'),
    (['--num-particles', '1'], 'expected an integer >= 2, got 1'),
    (['--model', 'gnn'], 'invalid choice'),
    (['--num-frames', '25', '--prediction-steps', '20'],
     '--prediction-steps must be at most'),
    (['--model', 'nri', '--split-point', '1'], 'NRI has a single'),
    (['--num-frames', '21'], 'trains the decoder on 12-frame windows'),
    (['--recipe', 'slow'], 'invalid choice'),
    (['--encoder', 'cnn', '--num-frames', '27'],
     'first 13 frames but needs at least 14; use --num-frames 28'),
    (['--burn-in-steps', '3'], '--burn-in-steps needs --decoder rnn'),
    (['--decoder', 'rnn', '--checkpoint-decoder'],
     '--checkpoint-decoder needs the MLP decoder'),
    (['--model', 'sfnri', '--prior', 'sparsity:0.9'], 'sfNRI has no KL'),
    (['--prior', 'sparsity:1.5'], 'expected sparsity:P'),
    (['--prior', 'dense'], 'expected sparsity:P'),
    (['--encoder-frames', '98'], 'needs at least 2 decoder frames'),
    (['--seed', '-1'], 'expected an integer >= 0, got -1'),
    (['--observation-noise', '-0.1'], 'expected a finite number >= 0'),
    (['--epochs', '0'], 'expected an integer >= 1, got 0'),
])
def test_springs_charges_bad_arguments(tmp_path, args, message):
    result = _run(args, tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.slow
def test_springs_charges_training_options_reach_the_model(tmp_path):
    from torch_geometric_fnri.nn import RNNDecoder
    from torch_geometric_fnri.training import load_trained
    out = tmp_path / 'run'
    args = ['--decoder', 'rnn', '--burn-in-steps', '3', '--tau', '1.0',
            '--hard', '--no-skip-first', '--prior', 'sparsity:0.9',
            '--encoder-frames', '10'] + _tiny(tmp_path, out) + [
                '--no-plots', '--recipe', 'paper']
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    run = load_trained(str(out))
    assert isinstance(run.model.decoder, RNNDecoder)
    assert run.model.sampler.tau == 1.0 and run.model.sampler.hard
    assert run.model.build_arguments['skip_first'] is False
    assert run.model.build_arguments['num_timesteps'] == 10
    assert run.encoder_frames == slice(0, 10)
    assert (run.config.non_edge_prior, run.config.burn_in_steps) == (0.9, 3)

    # A second run into the same directory is refused, not overwritten.
    again = _run(args, tmp_path)
    assert again.returncode != 0
    assert '--resume' in again.stderr and '--overwrite' in again.stderr
    assert run.epoch == load_trained(str(out)).epoch

    checkpointed = args[args.index('--num-train'):] + [
        '--checkpoint-decoder', '--overwrite']
    result = _run(checkpointed, tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_trained(str(out)).model.decoder.checkpoint
