import json
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from torch_geometric_fnri import train as train_cli

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _tiny(tmp_path, out, sizes=(8, 4, 4), frames=25, batch=4, steps=2):
    # The command at test sizes: 3 particles, hidden 8, one epoch, on CPU,
    # data under tmp_path and the run in out.
    train, valid, test = sizes
    return ['--num-train', str(train), '--num-valid', str(valid),
            '--num-test', str(test), '--num-particles', '3',
            '--num-frames', str(frames), '--hidden', '8',
            '--batch-size', str(batch), '--epochs', '1',
            '--prediction-steps', str(steps), '--out', str(out),
            '--data-root', str(tmp_path / 'data'), '--device', 'cpu']


@pytest.mark.slow
def test_train_module_smoke(tmp_path, capsys):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'run'
    args = _tiny(tmp_path, out, sizes=(16, 8, 8), batch=8, steps=3)
    result = subprocess.run(
        [sys.executable, '-m', 'torch_geometric_fnri.train'] + args,
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
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
    assert config['arguments']['recipe'] == 'fast'
    assert config['data'] == {
        'system': 'I+C', 'num_simulations': [16, 8, 8], 'num_particles': 3,
        'num_frames': 25, 'seed': 42, 'root': str(tmp_path / 'data'),
        'observation_noise': 0.0}
    assert (config['train']['decoder_window'], config['train']['cauchy_scale'],
            config['train']['prediction_steps']) == (12, 0.01, 3)
    assert 'constant level' in result.stdout
    assert 'edge presence' in result.stdout
    # The progress line of the last epoch: 16 simulations in batches of 8.
    assert re.search(r'epoch   1/1,      2 updates, +[0-9.]+ min: validation '
                     r'accuracy [0-9.]+ \(ideal_springs [0-9.]+, charges '
                     r'[0-9.]+\)', result.stdout), result.stdout
    assert metrics['updates'] == 2 and metrics['examples'] == 16

    # Resuming a finished run trains nothing more and reports again.
    assert train_cli.main(args + ['--resume', '--epochs', '2',
                                  '--no-plots']) == 0
    with open(out / 'metrics.json') as f:
        assert json.load(f)['epochs_done'] == 2
    assert 'FNRI on I+C (learned)' in capsys.readouterr().out


def test_train_module_cnn_encoder_paper_recipe(tmp_path):
    out = tmp_path / 'run'
    args = ['--recipe', 'paper', '--encoder', 'cnn', '--split-point', '1',
            '--no-plots'] + _tiny(tmp_path, out, frames=28)
    assert train_cli.main(args) == 0
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


def test_train_module_kuramoto(tmp_path, capsys):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'run'
    # The fast recipe reads Kuramoto with NRI's CNN encoder, which needs
    # 14 encoder frames: 29 frames in all.
    args = ['--system', 'kuramoto'] + _tiny(tmp_path, out, frames=29)
    assert train_cli.main(args) == 0
    stdout = capsys.readouterr().out
    assert 'FNRI on kuramoto (learned)' in stdout
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
        "'intrinsic_frequency']" in stdout


def test_train_module_static_baseline(tmp_path, capsys):
    pytest.importorskip('matplotlib')
    out = tmp_path / 'run'
    assert train_cli.main(['--mode', 'static'] + _tiny(tmp_path, out)) == 0
    stdout = capsys.readouterr().out
    # No encoder: no edge tables and no graphs; the static rollout's plot.
    assert 'FNRI on I+C (static)' in stdout and 'edge accuracy' not in stdout
    assert 'NRI per-step, 10 step' in stdout
    assert (out / 'plots' / 'trajectories.png').is_file()
    assert not (out / 'plots' / 'graph_0.png').exists()


# Rejected by the command line before any data is simulated.
@pytest.mark.parametrize('args,message', [
    (['--system', 'oscillators'], 'invalid choice'),
    (['--num-particles', '1'], 'expected an integer >= 2, got 1'),
    (['--model', 'gnn'], 'invalid choice'),
    (['--num-frames', '25', '--prediction-steps', '20'],
     '--prediction-steps must be at most'),
    (['--num-frames', '21'], 'trains the decoder on 12-frame windows'),
    (['--recipe', 'slow'], 'invalid choice'),
    (['--encoder', 'cnn', '--num-frames', '27'],
     'first 13 frames but needs at least 14; use --num-frames 28'),
    (['--prior', 'sparsity:1.5'], 'expected sparsity:P'),
    (['--prior', 'dense'], 'expected sparsity:P'),
    (['--num-frames', '99', '--encoder-frames', '98'],
     'the decoder needs at least 2 frames from frame 99 on'),
    (['--seed', '-1'], 'expected an integer >= 0, got -1'),
    (['--observation-noise', '-0.1'], 'expected a finite number >= 0'),
    (['--epochs', '0'], 'expected an integer >= 1, got 0'),
    (['--device', 'bogus'], "--device: unknown device 'bogus'"),
    (['--device', 'cpu:7'], "--device: device 'cpu:7': there is one CPU"),
    (['--resume', '--overwrite'], '--resume continues the run in --out and '
     '--overwrite replaces it'),
    (['--graph', 'grid'], 'invalid choice'),
    (['--candidates', 'delaunay'], 'invalid choice'),
    (['--graph', 'karate_club', '--system', 'springs'], '--graph '
     'karate_club is a recorded network of 34 nodes: give --num-particles '
     '34 (got 3)'),
    (['--system', 'charged', '--graph', 'ba'], "--graph draws the springs, "
     "but the 'charged' system has none"),
    (['--system', 'kuramoto', '--candidates', 'knn'], '--candidates knn '
     'needs positions, which --system kuramoto lacks'),
    (['--system', 'swing'], '--system swing simulates an IEEE test grid: '
     "give --graph one of ['case14', 'case30', 'case39', 'case57', "
     "'case118', 'case300'] (got None)"),
    (['--system', 'swing', '--graph', 'ba'], '--system swing simulates an '
     'IEEE test grid'),
    (['--system', 'springs', '--graph', 'case14'], '--graph case14 is an '
     'IEEE test grid: its dynamics are --system swing'),
    (['--candidates', 'radius'], '--candidates radius needs '
     '--candidate-radius'),
    (['--candidate-k', '3'], '--candidate-k is for --candidates knn and '
     'correlation, not full'),
    (['--candidates', 'knn', '--candidate-radius', '0.5'],
     '--candidate-radius is for --candidates radius, not knn'),
    (['--candidates', 'knn', '--candidate-k', '0'],
     'expected an integer >= 1, got 0'),
    (['--candidates', 'radius', '--candidate-radius', '-1'],
     'expected a finite number > 0'),
])
def test_train_module_bad_arguments(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit:
        train_cli.main(_tiny(tmp_path, tmp_path / 'run') + args)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'data').exists()


# Refused before any data is simulated; the bus count needs PYPOWER.
@pytest.mark.parametrize('args,message', [
    (['--system', 'swing', '--graph', 'case14'], '--graph case14 is an IEEE '
     'test grid of 14 nodes: give --num-particles 14 (got 3)'),
    (['--system', 'swing', '--graph', 'case14', '--num-particles', '14',
      '--candidates', 'radius', '--candidate-radius', '0.2'],
     '--candidates radius needs positions, which --system swing lacks'),
])
def test_train_module_bad_swing_arguments(tmp_path, capsys, args, message):
    pytest.importorskip('pypower')
    with pytest.raises(SystemExit) as exit:
        train_cli.main(_tiny(tmp_path, tmp_path / 'run') + args)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'data').exists()


def test_train_module_swing_on_a_power_grid(tmp_path, capsys):
    pytest.importorskip('pypower')
    out = tmp_path / 'run'
    args = _tiny(tmp_path, out) + [
        '--system', 'swing', '--graph', 'case14', '--num-particles', '14',
        '--candidates', 'correlation', '--no-plots']
    assert train_cli.main(args) == 0
    assert 'FNRI on swing (learned)' in capsys.readouterr().out
    with open(out / 'config.json') as f:
        config = json.load(f)
    # Swing's correlated features: the sine of the phase and the
    # frequency; the fast recipe without the central forces.
    assert config['run']['candidate_graph']['arguments']['features'] == [0, 2]
    decoder = config['run']['model']['decoder']['arguments']
    assert decoder['central_forces'] is False and decoder['in_channels'] == 4
    with open(out / 'metrics.json') as f:
        metrics = json.load(f)
    assert metrics['layer_names'] == ['line']
    assert metrics['test']['num_graphs'] == 4
    assert 0 <= metrics['test']['acc_line'] <= 1
    # The grid's dataset, cached under its own folder.
    cached = [p.name for p in (tmp_path / 'data' / 'PowerGridDataset'
                               ).iterdir()]
    assert len(cached) == 1 and cached[0].startswith('swing_case14_')


@pytest.mark.parametrize('args,system,candidates', [
    (['--graph', 'ba', '--candidates', 'knn', '--candidate-k', '2'],
     'I+C', {'class': 'KNNCandidateGraph', 'arguments': {
         'k': 2, 'frames': [0, 12, None], 'symmetric': True,
         'position_features': [0, 1]}}),
    (['--graph', 'sbm', '--system', 'springs', '--candidates', 'radius',
      '--candidate-radius', '0.4'], 'springs',
     {'class': 'RadiusCandidateGraph', 'arguments': {
         'radius': 0.4, 'frames': [0, 12, None],
         'position_features': [0, 1]}}),
    (['--graph', 'ws', '--system', 'kuramoto', '--num-frames', '29',
      '--candidates', 'correlation'], 'kuramoto',
     {'class': 'CorrelationCandidateGraph', 'arguments': {
         'k': 4, 'frames': [0, 14, None], 'features': [0, 1],
         'increments': False, 'symmetric': True}}),
])
def test_train_module_graph_families_and_candidate_graphs(
        tmp_path, capsys, args, system, candidates):
    out = tmp_path / 'run'
    assert train_cli.main(_tiny(tmp_path, out) + ['--num-particles', '6',
                                                  '--no-plots'] + args) == 0
    stdout = capsys.readouterr().out
    with open(out / 'config.json') as f:
        config = json.load(f)
    assert config['run']['candidate_graph'] == candidates
    with open(out / 'metrics.json') as f:
        metrics = json.load(f)
    for name in metrics['layer_names']:
        assert 0 <= metrics['test'][f'missed_share_{name}'] <= 1
    assert 'missed: the share of the interactions outside it' in stdout
    # The springs (or couplings) of the graph family, in the cache key.
    family = {'ba': 'barabasi_albert', 'sbm': 'stochastic_block',
              'ws': 'watts_strogatz'}[args[1]]
    cached = [p.name for p in (tmp_path / 'data').glob('*/*')]
    assert any(family in name for name in cached), cached


# Rejected by the library when the model and trainer are built, before the
# run directory is touched.
@pytest.mark.parametrize('args,message', [
    (['--model', 'nri', '--split-point', '1'], 'NRI has a single'),
    (['--burn-in-steps', '3'], "'burn_in_steps' needs the RNN decoder"),
    (['--decoder', 'rnn', '--checkpoint-decoder'],
     "'checkpoint_decoder' needs the MLP decoder"),
    (['--mode', 'static', '--decoder', 'rnn'],
     "the 'static' mode uses the static decoder"),
    (['--model', 'sfnri', '--prior', 'sparsity:0.9'], 'sfNRI has no KL'),
])
def test_train_module_options_the_library_rejects(tmp_path, capsys, args,
                                                  message):
    out = tmp_path / 'run'
    assert train_cli.main(_tiny(tmp_path, out) + args) == 2
    assert message in capsys.readouterr().err
    assert not (out / 'config.json').exists()


@pytest.mark.slow
def test_train_module_training_options_reach_the_model(tmp_path, capsys):
    from torch_geometric_fnri.nn import RNNDecoder
    from torch_geometric_fnri.training import load_trained
    out = tmp_path / 'run'
    args = ['--decoder', 'rnn', '--burn-in-steps', '3', '--tau', '1.0',
            '--hard', '--no-skip-first', '--prior', 'sparsity:0.9',
            '--encoder-frames', '10'] + _tiny(tmp_path, out) + [
                '--no-plots', '--recipe', 'paper']
    assert train_cli.main(args) == 0
    run = load_trained(str(out))
    assert isinstance(run.model.decoder, RNNDecoder)
    assert run.model.sampler.tau == 1.0 and run.model.sampler.hard
    assert run.model.skip_first is False
    assert run.model.encoder.in_channels == 10 * 4
    assert run.encoder_frames == slice(0, 10)
    assert (run.config.non_edge_prior, run.config.burn_in_steps) == (0.9, 3)

    # A second run into the same directory is refused, not overwritten.
    capsys.readouterr()
    assert train_cli.main(args) == 2
    stderr = capsys.readouterr().err
    assert '--resume' in stderr and '--overwrite' in stderr
    assert run.epoch == load_trained(str(out)).epoch

    checkpointed = args[args.index('--num-train'):] + [
        '--checkpoint-decoder', '--overwrite']
    assert train_cli.main(checkpointed) == 0
    assert load_trained(str(out)).model.decoder.checkpoint


def test_console_scripts_run_the_modules():
    tomllib = pytest.importorskip('tomllib')
    with open(osp.join(ROOT, 'pyproject.toml'), 'rb') as f:
        scripts = tomllib.load(f)['project']['scripts']
    assert scripts == {'fnri-train': 'torch_geometric_fnri.train:main',
                       'fnri-infer': 'torch_geometric_fnri.infer:main'}
    from torch_geometric_fnri import infer
    assert callable(train_cli.main) and callable(infer.main)


def test_train_module_paper_flags_given_with_it_win(capsys):
    paper = train_cli.parse_args(['--paper'])
    assert (paper.recipe, paper.epochs, paper.num_train, paper.num_valid,
            paper.num_test) == ('paper', 500, 50000, 10000, 10000)
    args = train_cli.parse_args(['--paper', '--epochs', '1', '--num-train',
                                 '8', '--recipe', 'fast'])
    assert (args.recipe, args.epochs, args.num_train, args.num_valid) == \
        ('fast', 1, 8, 10000)
    with pytest.raises(SystemExit):
        train_cli.parse_args(['--help'])
    assert 'flags given with it win' in ' '.join(
        capsys.readouterr().out.split())


@pytest.mark.parametrize('error', [
    PermissionError(13, 'Permission denied', '/read-only/run'),
    MemoryError('Unable to allocate 7.28 TiB for an array'),
])
def test_train_module_reports_failures_of_the_machine(tmp_path, capsys,
                                                      monkeypatch, error):
    # A read-only --out, or sizes that cannot be allocated: status 2 and
    # one message, no traceback.
    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr(train_cli, 'load_splits', fail)
    assert train_cli.main(_tiny(tmp_path, tmp_path / 'run')) == 2
    stderr = capsys.readouterr().err
    assert stderr.count('\n') == 1 and 'Traceback' not in stderr
    assert str(error) in stderr
    if isinstance(error, MemoryError):
        assert 'use fewer or smaller simulations' in stderr


def test_train_module_resume_mismatches_end_in_a_message(tmp_path, capsys):
    out = tmp_path / 'run'
    args = _tiny(tmp_path, out) + ['--no-plots', '--progress-every', '0']
    assert train_cli.main(args) == 0
    for flags, message in ((['--tau', '0.9'],
                            "model differs in ['sampler.arguments.tau']"),
                           (['--hidden', '16'],
                            "model differs in ['decoder.arguments."
                            "hidden_channels', 'encoder.arguments."
                            "hidden_channels']")):
        capsys.readouterr()
        assert train_cli.main(args + ['--resume'] + flags) == 2
        stderr = capsys.readouterr().err
        assert message in stderr and '--overwrite' in stderr
    (out / 'checkpoints' / 'last.pt').write_bytes(b'')
    assert train_cli.main(args + ['--resume']) == 2
    assert 'is not a readable checkpoint' in capsys.readouterr().err
