import importlib
import json
import os
import os.path as osp
import re
import subprocess
import sys
from dataclasses import replace

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _run(args, cwd):
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join(
        [ROOT] + os.environ.get('PYTHONPATH', '').split(os.pathsep))}
    return subprocess.run(
        [sys.executable, '-m', 'benchmarks.reproduce'] + args, cwd=cwd,
        env=env, capture_output=True, text=True, timeout=300)


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
    # One line per trained epoch, with its time.
    assert len(re.findall(r'I\+C fnri learned seed \d: epoch 1/1 in '
                          r'[\d.]+ s, valid M-step MSE [\d.e+-]+, valid '
                          r'combined accuracy [\d.]+\n', result.stdout)) == 2
    with open(out / 'results.json') as f:
        results = json.load(f)
    rows = {(r['model'], r['mode']): r for r in results['rows']}
    learned = rows[('fnri', 'learned')]
    assert learned['seeds'] == [0, 1]
    assert len(learned['acc_combined']) == 2
    assert all(0 <= a <= 1 for a in learned['acc_combined'])
    assert 'mse_block_10' in rows[('fnri', 'static')]
    # The static baseline has no model: one run per seed, named without one.
    assert sorted(p.name for p in (out / 'I+C').iterdir()) == [
        'fnri-learned-seed0', 'fnri-learned-seed1', 'static-seed0',
        'static-seed1']
    text = (out / 'results.md').read_text()
    assert '| fnri | learned | 2 |' in text
    assert '94.0' in text  # The paper's fNRI I+C accuracy beside ours.
    run = out / 'I+C' / 'fnri-learned-seed0'
    with open(run / 'run_info.json') as f:
        first_seconds = json.load(f)['seconds']
    assert first_seconds > 0

    # A second invocation with more epochs resumes every run.
    result = _run(args[:args.index('--epochs')] + ['--epochs', '2'] +
                  args[args.index('--epochs') + 2:], tmp_path)
    assert result.returncode == 0, result.stderr
    with open(run / 'metrics.json') as f:
        assert json.load(f)['epochs_done'] == 2
    # Each run's line gives its time in all and in this invocation: the
    # resumed run's total includes the first invocation's time.
    line = (r'I\+C fnri (\w+ seed \d): (\d+) s in all \((\d+) s in this '
            r'invocation\), test combined')
    times = {m.group(1): (int(m.group(2)), int(m.group(3)))
             for m in re.finditer(line, result.stdout)}
    assert len(times) == 4
    assert times['learned seed 0'][0] >= round(first_seconds)
    assert times['static seed 0'][1] == 0  # finished: skipped
    with open(run / 'run_info.json') as f:  # Both invocations' time.
        seconds = json.load(f)['seconds']
    assert seconds > first_seconds

    # --reevaluate tests the finished runs again from their checkpoints:
    # no epoch is trained and the training time stays as it was.
    with open(run / 'metrics.json') as f:
        before = json.load(f)
    config = (run / 'config.json').read_text()
    (run / 'metrics.json').write_text(json.dumps(
        {**before, 'test': {**before['test'], 'acc_combined': -1.0}}))
    result = _run(args[:args.index('--epochs')] + ['--epochs', '2',
                  '--reevaluate'] + args[args.index('--epochs') + 2:],
                  tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'epoch 2/2 in' not in result.stdout
    with open(run / 'metrics.json') as f:
        assert json.load(f) == before
    assert (run / 'config.json').read_text() == config
    with open(run / 'run_info.json') as f:
        assert json.load(f)['seconds'] == seconds


def test_reproduce_bad_arguments(tmp_path):
    result = _run(['--epochs', '0'], tmp_path)
    assert result.returncode == 2
    assert '--epochs must be positive' in result.stderr
    result = _run(['--models', 'gnn'], tmp_path)
    assert result.returncode == 2


def _import_reproduce():
    sys.path.insert(0, ROOT)
    try:
        return importlib.import_module('benchmarks.reproduce')
    finally:
        sys.path.pop(0)


def test_paper_protocol_puts_the_papers_l2_on_sfnri_for_i_c():
    reproduce = _import_reproduce()
    paper, cpu = reproduce.PROTOCOLS['paper'], reproduce.PROTOCOLS['cpu']

    def decay(protocol, system, model, mode):
        return reproduce.train_config(protocol, system, model, mode, 0,
                                      'cpu').weight_decay

    assert decay(paper, 'I+C', 'sfnri', 'learned') == 5e-8
    assert decay(paper, 'I+C', 'sfnri', 'supervised') == 2e-5
    assert decay(paper, 'I+C', 'sfnri', 'true_graph') == 0.0
    assert decay(paper, 'I+C+F', 'sfnri', 'learned') == 0.0
    assert decay(paper, 'I+C', 'fnri', 'learned') == 0.0
    assert decay(cpu, 'I+C', 'sfnri', 'learned') == 0.0
    config = reproduce.train_config(paper, 'I+C', 'nri', 'learned', 2,
                                    'cpu')
    assert (config.epochs, config.batch_size, config.lr, config.seed) == \
        (500, 128, 5e-4, 2)


def test_collect_leaves_out_runs_with_fewer_epochs(tmp_path):
    reproduce = _import_reproduce()
    protocol = replace(reproduce.PROTOCOLS['reference-curve'],
                       seeds=(1, 2, 3), epochs=30)
    for seed, epochs, completed in ((1, 30, True), (2, 15, True),
                                    (3, 29, False)):
        run = tmp_path / 'I+C' / f'fnri-learned-seed{seed}'
        run.mkdir(parents=True)
        (run / 'metrics.json').write_text(json.dumps({
            'completed': completed, 'epochs_done': epochs,
            'test': {'acc_combined': seed / 10}}))
    rows = reproduce.collect(protocol, str(tmp_path))['rows']
    assert len(rows) == 1
    assert rows[0]['seeds'] == [1] and rows[0]['acc_combined'] == [0.1]
    assert rows[0]['epochs'] == [30]


def test_run_clock_keeps_the_time_of_a_killed_invocation(tmp_path):
    reproduce = _import_reproduce()
    clock = reproduce.RunClock(str(tmp_path))
    assert not (tmp_path / 'run_info.json').exists()
    clock.start -= 30.0  # As if the first epoch took 30 s.
    clock.record()
    info = json.loads((tmp_path / 'run_info.json').read_text())
    assert 30.0 <= info['seconds'] < 40.0
    assert info['machine']['cpus'] == str(os.cpu_count())
    # The invocation dies here; the next one continues from the record.
    resumed = reproduce.RunClock(str(tmp_path))
    resumed.start -= 20.0
    resumed.record()
    seconds = json.loads((tmp_path / 'run_info.json').read_text())['seconds']
    assert 50.0 <= seconds < 60.0


def _write_log(root, model, accuracies, seconds, system='I+C'):
    """A learned run's ``log.csv`` with the columns the curve reports
    read: springs 0.6, charges 0.5, finite springs 0.4 (I+C+F only),
    M-step MSE 1e-3 at every epoch."""
    run = root / system / f'{model}-learned-seed1'
    run.mkdir(parents=True)
    key = 'valid_acc_batch_optimal_'
    layers = {'I+C': ',0.6,0.5', 'I+C+F': ',0.6,0.5,0.4'}[system]
    lines = [f'epoch,{key}combined,{key}ideal_springs,{key}charges,'
             + (f'{key}finite_springs,' if system == 'I+C+F' else '')
             + 'valid_mse_m,time']
    for epoch, acc in enumerate(accuracies):
        lines.append(f'{epoch},{acc}{layers},0.001,{seconds}')
    (run / 'log.csv').write_text('\n'.join(lines) + '\n')


def test_curve_report_matches_epochs_and_wall_time(tmp_path):
    reproduce = _import_reproduce()
    _write_log(tmp_path, 'fnri', [0.25, 0.30, 0.45], 200)  # 3.33 min each
    text = reproduce.curve_report(str(tmp_path), 1)
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    # Epochs 0 and 2 have a reference row beside them, epoch 1 does not.
    assert rows[1] == ('| 0 | 3.3 | 0.250 | 0.600 | 0.500 | 1.00e-03 | 3.1 '
                       '| 0.287 | 0.544 | 0.531 | 1.77e-03 |')
    assert rows[2].endswith('| 1.00e-03 | | | | | |')  # 5 empty cells
    assert rows[3].startswith('| 2 | 10.0 | 0.450 |')
    matched = rows[rows.index('| minutes | reference epoch | reference '
                              'combined | our epoch | our combined |') + 1:]
    assert matched[0] == '| 3.1 | 0 | 0.287 | – | – |'
    assert matched[1] == '| 8.7 | 2 | 0.339 | 1 | 0.300 |'
    assert matched[2] == '| 13.9 | 4 | 0.406 | 2 | 0.450 |'
    assert reproduce.curve_report(str(tmp_path), 0) == ''


def test_models_curve_report_puts_models_side_by_side(tmp_path):
    reproduce = _import_reproduce()
    _write_log(tmp_path, 'fnri', [0.25, 0.30, 0.45], 200)
    # Only one model: nothing to compare.
    assert reproduce.models_curve_report(str(tmp_path), 'I+C', 1) == ''
    _write_log(tmp_path, 'nri', [0.20, 0.35], 300)  # 5 min each, 2 epochs
    text = reproduce.models_curve_report(str(tmp_path), 'I+C', 1)
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows[0] == ('| epoch | nri: minutes | combined | springs | '
                       'charges | fnri: minutes | combined | springs | '
                       'charges |')
    assert rows[1] == ('| 0 | 5.0 | 0.200 | 0.600 | 0.500 | 3.3 | 0.250 | '
                       '0.600 | 0.500 |')
    assert rows[2] == ('| 1 | 10.0 | 0.350 | 0.600 | 0.500 | 6.7 | 0.300 | '
                       '0.600 | 0.500 |')
    # NRI has no epoch 2: its four cells are empty.
    assert rows[3] == '| 2 | | | | | 10.0 | 0.450 | 0.600 | 0.500 |'
    assert all(row.count('|') == 10 for row in rows)
    # Another system: its own runs, with a column for every layer.
    assert reproduce.models_curve_report(str(tmp_path), 'I+C+F', 1) == ''
    _write_log(tmp_path, 'nri', [0.15], 400, system='I+C+F')
    _write_log(tmp_path, 'sfnri', [0.10, 0.20], 120, system='I+C+F')
    text = reproduce.models_curve_report(str(tmp_path), 'I+C+F', 1)
    assert '(I+C+F, validation)' in text
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows[0] == ('| epoch | nri: minutes | combined | springs | '
                       'charges | finite_springs | sfnri: minutes | '
                       'combined | springs | charges | finite_springs |')
    assert rows[1] == ('| 0 | 6.7 | 0.150 | 0.600 | 0.500 | 0.400 | 2.0 | '
                       '0.100 | 0.600 | 0.500 | 0.400 |')
    assert rows[2] == '| 1 | | | | | | 4.0 | 0.200 | 0.600 | 0.500 | 0.400 |'
    assert all(row.count('|') == 12 for row in rows)


def test_confusion_report_names_rows_by_their_mapped_combination(tmp_path):
    reproduce = _import_reproduce()
    run = tmp_path / 'I+C' / 'nri-learned-seed1'
    run.mkdir(parents=True)
    # Predicted class 0 -> labels 11, 1 -> 00, 2 -> 01, 3 -> none. True 00:
    # 30 edges as class 1, 10 as class 0; true 01 and 10: all class 2
    # (merged); true 11: all class 0.
    confusion = [[10, 0, 0, 5], [30, 0, 0, 0], [0, 20, 25, 0], [0, 0, 0, 0]]
    done = {'completed': True, 'epochs_done': 15}
    (run / 'metrics.json').write_text(json.dumps({**done, 'test': {
        'edge_confusion': confusion,
        'edge_mapping': {'family': 'nri', 'class_map': [3, 0, 1, -1]}}}))
    # fNRI: factors swapped, layer 0 flipped, so the predicted factor
    # digits 00/01/10/11 stand for the label combinations 10/00/11/01.
    run = tmp_path / 'I+C' / 'fnri-learned-seed1'
    run.mkdir(parents=True)
    (run / 'metrics.json').write_text(json.dumps({**done, 'test': {
        'edge_confusion': [[0, 0, 4, 0], [4, 0, 0, 0], [0, 0, 0, 4],
                           [0, 4, 0, 0]],
        'edge_mapping': {'family': 'fnri', 'factor_of_layer': [1, 0],
                         'label_maps': [[1, 0], [0, 1]]}}}))
    # A run without a confusion matrix (older metrics.json) is left out.
    run = tmp_path / 'I+C' / 'sfnri-learned-seed1'
    run.mkdir(parents=True)
    (run / 'metrics.json').write_text(json.dumps({**done,
                                                  'test': {'acc': 0.3}}))
    text = reproduce.confusion_report(str(tmp_path), 'I+C', 1, 15)
    assert 'sfnri' not in text
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows == ['| predicted as | 00 | 01 | 10 | 11 |',
                    '| 11 | 25.0 | 0.0 | 0.0 | 100.0 |',
                    '| 00 | 75.0 | 0.0 | 0.0 | 0.0 |',
                    '| 01 | 0.0 | 100.0 | 100.0 | 0.0 |',
                    '| class 3 (none) | 0.0 | 0.0 | 0.0 | 0.0 |',
                    '| predicted as | 00 | 01 | 10 | 11 |',
                    '| 10 | 0.0 | 0.0 | 100.0 | 0.0 |',
                    '| 00 | 100.0 | 0.0 | 0.0 | 0.0 |',
                    '| 11 | 0.0 | 0.0 | 0.0 | 100.0 |',
                    '| 01 | 0.0 | 100.0 | 0.0 | 0.0 |']
    assert reproduce.confusion_report(str(tmp_path), 'I+C', 0, 15) == ''
    # Runs finished at fewer epochs than asked for are left out.
    assert reproduce.confusion_report(str(tmp_path), 'I+C', 1, 30) == ''


def test_run_names_follow_one_rule():
    reproduce = _import_reproduce()
    assert reproduce.run_name('fnri', 'learned', 3) == 'fnri-learned-seed3'
    assert reproduce.run_name('sfnri', 'true_graph', 0) == \
        'sfnri-true_graph-seed0'
    # The static baseline has no model: the same name whatever is passed.
    assert reproduce.run_name('nri', 'static', 1) == 'static-seed1'
    assert reproduce.run_name('fnri', 'static', 1) == 'static-seed1'
    assert reproduce.run_dir('out', 'I+C+F', 'nri', 'static', 2) == \
        osp.join('out', 'I+C+F', 'static-seed2')


def test_layer_names_are_the_systems_interaction_types():
    reproduce = _import_reproduce()
    assert reproduce.layer_names('I+C') == ['ideal_springs', 'charges']
    assert reproduce.layer_names('I+C+F') == ['ideal_springs', 'charges',
                                              'finite_springs']


def test_minutes_are_the_mean_over_runs_that_recorded_their_time(tmp_path):
    reproduce = _import_reproduce()
    protocol = replace(reproduce.PROTOCOLS['reference-curve'],
                       seeds=(1, 2))
    for seed in (1, 2):
        run = tmp_path / 'I+C' / f'fnri-learned-seed{seed}'
        run.mkdir(parents=True)
        (run / 'metrics.json').write_text(json.dumps({
            'completed': True, 'epochs_done': 15,
            'test': {'mse_block_1': 1e-5, 'mse_block_10': 2e-5,
                     'mse_block_20': 3e-5}}))
    (tmp_path / 'I+C' / 'fnri-learned-seed1' / 'run_info.json').write_text(
        json.dumps({'seconds': 150.0}))
    results = reproduce.collect(protocol, str(tmp_path))
    text = reproduce.report(protocol, 'reference-curve', results)
    assert ('| fnri | learned | 1.00 ± 0.00 | 2.00 ± 0.00 | 3.00 ± 0.00 | '
            '0.8 | 3.54 | 9.93 | 2.5 |') in text


def _presence(layers):
    """Test metrics with edge presence: ``layers`` maps a layer-graph to
    its (AUROC, F1, precision, recall)."""
    return {f'{metric}_{layer}': value
            for layer, values in layers.items()
            for metric, value in zip(('auroc', 'f1', 'precision', 'recall'),
                                     values)}


def test_edge_presence_table_lists_rows_that_recorded_it(tmp_path):
    reproduce = _import_reproduce()
    protocol = replace(reproduce.PROTOCOLS['reference-curve'],
                       models=('nri', 'fnri'),
                       modes=('learned', 'supervised'), seeds=(1, 2))
    tests = {
        # Seed 2 is an older run, without edge presence.
        'nri-learned-seed1': _presence({'ideal_springs': (0.75, 0.6, 0.5,
                                                          0.75),
                                        'charges': (0.55, 1 / 3, 0.25,
                                                    0.5)}),
        'nri-learned-seed2': {},
        'fnri-learned-seed1': _presence({'ideal_springs': (0.9, 0.5, 0.5,
                                                           0.5),
                                         'charges': (0.6, 0.4, 0.4, 0.4)}),
        'fnri-learned-seed2': _presence({'ideal_springs': (0.8, 0.7, 0.7,
                                                           0.7),
                                         'charges': (0.7, 0.4, 0.4, 0.4)}),
    }
    for seed in (1, 2):  # Older runs of every supervised row.
        tests[f'nri-supervised-seed{seed}'] = {}
        tests[f'fnri-supervised-seed{seed}'] = {}
    for run, test in tests.items():
        (tmp_path / 'I+C' / run).mkdir(parents=True)
        (tmp_path / 'I+C' / run / 'metrics.json').write_text(json.dumps({
            'completed': True, 'epochs_done': 15,
            'test': {'acc_combined': 0.5, **test}}))
    results = reproduce.collect(protocol, str(tmp_path))
    rows = {(r['model'], r['mode']): r for r in results['rows']}
    assert rows[('fnri', 'learned')]['auroc_charges'] == [0.6, 0.7]
    assert rows[('nri', 'learned')]['recall_ideal_springs'] == [0.75]
    assert not any(key.startswith(('auroc_', 'f1_', 'precision_',
                                   'recall_'))
                   for key in rows[('fnri', 'supervised')])
    lines = reproduce.report(protocol, 'reference-curve',
                             results).splitlines()
    start = lines.index('### I+C: test edge presence per layer-graph '
                        '(AUROC, F1, precision, recall; %)')
    table = lines[start + 2:lines.index('', start + 2)]
    assert table == [
        '| model | mode | seeds | AUROC: ideal_springs | charges | '
        'F1: ideal_springs | charges | precision: ideal_springs | charges | '
        'recall: ideal_springs | charges |',
        '|' + '---|' * 11,
        '| nri | learned | 1 | 75.0 | 55.0 | 60.0 | 33.3 | 50.0 | 25.0 | '
        '75.0 | 50.0 |',
        '| fnri | learned | 2 | 85.0 ± 5.0 | 65.0 ± 5.0 | 60.0 ± 10.0 | '
        '40.0 ± 0.0 | 60.0 ± 10.0 | 40.0 ± 0.0 | 60.0 ± 10.0 | '
        '40.0 ± 0.0 |']
    # It comes between the accuracy and the MSE tables, which keep every
    # row.
    assert lines[start - 2].startswith('| fnri | supervised | 2 |')
    assert lines[start + len(table) + 3] == \
        '### I+C: test MSE / 1e-5 (block-averaged, normalised units)'

    # No row with edge presence: no table.
    protocol = replace(protocol, models=('fnri', ), modes=('supervised', ))
    text = reproduce.report(protocol, 'reference-curve',
                            reproduce.collect(protocol, str(tmp_path)))
    assert '| fnri | supervised | 2 |' in text
    assert 'edge presence' not in text


def test_study_commands_name_only_what_differs_from_the_protocol():
    reproduce = _import_reproduce()
    assert reproduce.command('cpu') == (
        'python -m benchmarks.reproduce --protocol cpu --out '
        'results/reproduce/cpu')
    assert reproduce.command('reference-curve-30-epochs') == (
        'python -m benchmarks.reproduce --protocol reference-curve '
        '--models nri fnri --seeds 2 3 --epochs 30 --out '
        'results/reproduce/reference-curve-30-epochs')
    assert reproduce.command('reference-curve-hidden64') == (
        'python -m benchmarks.reproduce --protocol reference-curve '
        '--hidden 64 --out results/reproduce/reference-curve-hidden64')


# What a study's command also writes there, which results/README.md says
# not to commit: its own report, and checkpoints while a run trains.
LOCAL_STUDY_FILES = {'results.md', 'results.json'}
LOCAL_RUN_FILES = {'checkpoints', 'tensorboard'}


def test_stored_runs_hold_only_what_the_reports_read():
    reproduce = _import_reproduce()
    root = reproduce.RESULTS_ROOT
    assert sorted(os.listdir(root)) == sorted(reproduce.STUDIES)
    for name, study in reproduce.STUDIES.items():
        protocol = study.protocol
        names = {reproduce.run_name(model, mode, seed)
                 for model in protocol.models for mode in protocol.modes
                 for seed in protocol.seeds
                 if protocol.has_run(model, mode)}
        systems = set(os.listdir(osp.join(root, name))) - LOCAL_STUDY_FILES
        assert systems <= set(protocol.systems), name
        for system in systems:
            for run in os.listdir(osp.join(root, name, system)):
                path = osp.join(root, name, system, run)
                assert run in names, path
                files = set(os.listdir(path)) - LOCAL_RUN_FILES
                assert files <= {'config.json', 'log.csv', 'metrics.json',
                                 'run_info.json'}, path
                mode = 'static' if run.startswith('static-') else \
                    run.split('-')[1]
                metrics = reproduce.read_json(osp.join(path, 'metrics.json'))
                assert reproduce.finished(metrics, mode, protocol.epochs), \
                    path


def test_docs_results_md_is_generated_from_the_stored_runs():
    reproduce = _import_reproduce()
    with open(reproduce.RESULTS_MD) as f:
        committed = f.read()
    assert reproduce.results_markdown() == committed, (
        'docs/RESULTS.md is out of date: run '
        '`python -m benchmarks.reproduce --report`')


def _table1_summary(root, row, runs, layers=None, machine=None,
                    budget=None, level=(0.3022, [0.5039, 0.60195])):
    """Writes a summary of :obj:`row` in the form of time_to_accuracy.py's
    with :obj:`runs` of (seed, combined, per-layer accuracies, minutes,
    updates)."""
    reproduce = _import_reproduce()
    path = reproduce.summary_file(row, str(root))
    os.makedirs(osp.dirname(path), exist_ok=True)
    name = osp.basename(reproduce.log_file(row, 1, str(root)))[:-len(
        '-seed1.jsonl')]
    machine = machine or {'cpu': 'x86_64', 'threads': 1, 'torch': '2.13',
                          'cpu_capability': 'AVX512',
                          'other_jobs': 'two runs side by side'}
    summary = {
        'benchmark': 'time_to_accuracy', 'model': row.model,
        'mode': row.mode, 'system': row.system,
        'budget': budget or row.budget,
        'constant_level_test': {'combined': level[0],
                                'per_layer': level[1]},
        'layer_names': layers or reproduce.layer_names(row.system),
        'machine': {f'{name} seed {seed}': machine
                    for seed, *_ in runs},
        'runs': [{'recipe': row.recipe, 'seed': seed, 'tag': row.tag,
                  'model': row.model, 'mode': row.mode,
                  'final_updates': updates, 'final_minutes': minutes,
                  'test_acc_combined': combined,
                  'test_acc_layers': per_layer}
                 for seed, combined, per_layer, minutes, updates in runs]}
    with open(path, 'w') as f:
        json.dump(summary, f)
    return path


def test_cpu_table1_rows_name_the_runs_of_time_to_accuracy():
    reproduce = _import_reproduce()
    rows = {row.key: row for row in reproduce.CPU_TABLE1}
    assert len(rows) == 12 == len(reproduce.CPU_TABLE1)
    assert set(rows) == {key for key in reproduce.PAPER_ACCURACY
                         if key[2] in ('learned', 'supervised')}
    row = rows[('I+C', 'fnri', 'supervised')]
    assert (row.recipe, row.budget, row.seeds, row.tag) == (
        'fast', {'minutes': 60.0}, (1, 2, 3), 'table1')
    root = reproduce.TIME_TO_ACCURACY_ROOT
    assert reproduce.summary_file(row) == osp.join(
        root, 'I+C', 'fnri-fast-supervised-table1-summary.json')
    assert reproduce.log_file(rows[('I+C+F', 'nri', 'supervised')], 2) == \
        osp.join(root, 'I+C+F', 'nri-fast-supervised-table1-seed2.jsonl')
    # The learned rows train the 60-minute settings of the stored runs,
    # the same for every model of a system, sfNRI without the central
    # forces, fNRI on I+C also without the Gumbel noise and with a late
    # weight average.
    assert rows[('I+C', 'nri', 'learned')].options == (
        '--set', 'min_distance=0.01', 'beta=1.0', 'beta_schedule=None',
        'refine_steps=100')
    assert rows[('I+C', 'fnri', 'learned')].options == (
        '--set', 'central_forces=False', 'noise_scale=0',
        'weight_average_decay=0.9998', 'weight_average_start=30000',
        'beta=1.0', 'beta_schedule=None', 'refine_steps=100')
    for model in ('nri', 'fnri'):
        assert rows[('I+C+F', model, 'learned')].options == (
            '--set', 'decoder_window=22',
            'prediction_steps_schedule=[[500,10],[6000,20]]',
            'beta=1.0', 'beta_schedule=None', 'refine_steps=100')
    assert rows[('I+C', 'sfnri', 'learned')].options == (
        '--set', 'central_forces=False', 'refine_steps=100')
    assert rows[('I+C+F', 'sfnri', 'learned')].options == (
        '--set', 'central_forces=False', 'decoder_window=22',
        'prediction_steps_schedule=[[500,10],[6000,20]]',
        'refine_steps=100')
    assert reproduce.summary_file(rows[('I+C', 'sfnri', 'learned')]) == \
        osp.join(root, 'I+C', 'sfnri-fast-nocentral-60min-summary.json')
    assert reproduce.log_file(rows[('I+C+F', 'nri', 'learned')], 2) == \
        osp.join(root, 'I+C+F', 'nri-fast-m20-60min-seed2.jsonl')
    assert reproduce.summary_file(rows[('I+C', 'fnri', 'learned')]) == \
        osp.join(root, 'I+C',
                 'fnri-fast-nocentral-noise0-ema30k-60min-summary.json')
    assert reproduce.row_command(row) == (
        'python -m benchmarks.table1 --systems I+C --models fnri --modes '
        'supervised')


def test_cpu_table1_markdown_from_the_summaries(tmp_path):
    reproduce = _import_reproduce()
    # The rows with the default tag and no options, one with options.
    rows = {row.key: replace(row, tag='table1', options=())
            for row in reproduce.CPU_TABLE1}
    rows[('I+C', 'fnri', 'learned')] = replace(
        rows[('I+C', 'fnri', 'learned')], tag='table1-lr',
        options=('--set', 'lr=0.002'))
    table = tuple(rows.values())
    refinement_root = tmp_path / 'refinement'
    path = _table1_summary(tmp_path, rows[('I+C', 'fnri', 'learned')], [
        (1, 0.80, [0.90, 0.80], 60.01, 100000),
        (2, 0.90, [0.95, 0.92], 60.02, 120000),
        (3, 0.85, [0.93, 0.90], 60.03, 110000),
        (4, 0.10, [0.10, 0.10], 60.04, 1)])  # Not a seed of the row.
    # Refined: seed 1 in its own test, seed 3 by benchmarks/refinement.py
    # (its stored file), seed 2 not at all.
    with open(path) as f:
        summary = json.load(f)
    summary['runs'][0]['test_refined_acc_combined'] = 0.95
    with open(path, 'w') as f:
        json.dump(summary, f)
    os.makedirs(refinement_root / 'I+C')
    with open(refinement_root / 'I+C' / 'fnri-fast-table1-lr-seed3.json',
              'w') as f:
        json.dump({'test_refined': {'acc_combined': 0.98}}, f)
    # A refined file of a seed the row has not: not read.
    with open(refinement_root / 'I+C' / 'fnri-fast-table1-lr-seed4.json',
              'w') as f:
        json.dump({'test_refined': {'acc_combined': 0.10}}, f)
    # Symmetrised: seed 2 in its own test, seed 1 by
    # benchmarks/symmetry_ensemble.py, seed 3 not at all.
    symmetry_root = tmp_path / 'symmetry_ensemble'
    with open(path) as f:
        summary = json.load(f)
    summary['runs'][1]['test_symmetrised_acc_combined'] = 0.93
    with open(path, 'w') as f:
        json.dump(summary, f)
    os.makedirs(symmetry_root / 'I+C')
    with open(symmetry_root / 'I+C' / 'fnri-fast-table1-lr-seed1.json',
              'w') as f:
        json.dump({'test_symmetrised': {'acc_combined': 0.84}}, f)
    # Two of three seeds, one on another machine.
    path = _table1_summary(tmp_path, rows[('I+C', 'nri', 'supervised')], [
        (1, 0.7, [0.8, 0.9], 59.5, 2000), (2, 0.8, [0.9, 1.0], 60.5, 3001)])
    with open(path) as f:
        summary = json.load(f)
    summary['machine']['nri-fast-supervised-table1 seed 2'] = {
        'cpu_capability': 'AVX2', 'threads': 2, 'other_jobs': 'none | idle'}
    with open(path, 'w') as f:
        json.dump(summary, f)
    # A summary the table does not name is not read.
    _table1_summary(tmp_path, reproduce.RunRow('I+C', 'sfnri', 'learned',
                                                  tag='other'),
                    [(1, 0.5, [0.5, 0.5], 1.0, 10)])

    text = reproduce.cpu_table1_markdown(str(tmp_path), table,
                                         str(refinement_root),
                                         str(symmetry_root))
    assert text.startswith('## Table 1 on a CPU\n')
    assert '```bash\npython -m benchmarks.table1\n```' in text
    lines = text.splitlines()
    assert ('| model | mode | recipe | budget | seeds | median: combined | '
            'ideal_springs | charges | per seed: combined | refined: '
            'combined | refined per seed | symmetrised: combined | '
            'symmetrised per seed | paper: combined '
            '| ideal_springs | charges | minutes | updates | machine |'
            ) in lines
    assert ('| fnri | learned | fast `--set lr=0.002` | 60 min | 1, 2, 3 | '
            '85.0 | 93.0 | 90.0 | 80.0 / 90.0 / 85.0 | 96.5 | 95.0 / – / '
            '98.0 | 88.5 | 84.0 / 93.0 / – | 94.0 | 98.0 | 95.8 | 60.0 | '
            '110,000 | AVX512, 1 thread, two runs side by side |') in lines
    assert ('| nri | supervised | fast | 60 min | 1, 2 (of 1, 2, 3) | 75.0 '
            '| 85.0 | 95.0 | 70.0 / 80.0 | – | – | – | – | 98.3 | 98.6 | '
            '99.7 | 60.0 | 2,500 | AVX512, 1 thread, two runs side by side; '
            'AVX2, 2 threads, none \\| idle |') in lines
    assert ('| sfnri | learned | fast | 60 min | not run | – | – | – | – | '
            '– | – | – | – | 88.8 | 97.6 | 91.1 | – | – | – |') in lines
    assert ('| sfnri | supervised | fast | 60 min | not run | – | – | – | – '
            '| – | – | – | – | – | 81.0 | 92.9 | 99.2 | 85.2 | – | – | – |'
            ) in lines
    assert ('- sfnri learned: `python -m benchmarks.table1 --systems I+C '
            '--models sfnri --modes learned`') in lines
    assert '- fnri learned: `python' not in text[:text.index('### I+C+F')]
    assert ('Constant prediction (every edge of a layer given its most '
            'frequent type on this test split): combined 30.2, '
            'ideal_springs 50.4, charges 60.2.') in ' '.join(lines)
    # No summary of I+C+F: every row not run, no constant level yet.
    system = text[text.index('### I+C+F'):]
    assert 'known once a row has run' in system
    assert system.count('| not run |') == 6

    # A summary of another budget or other layers than the row's is
    # refused rather than shown under the row's budget.
    row = rows[('I+C+F', 'fnri', 'learned')]
    _table1_summary(tmp_path, row, [(1, 0.5, [0.5] * 3, 30.0, 1)],
                    budget={'minutes': 30.0})
    with pytest.raises(ValueError, match="budget {'minutes': 30.0}, the "
                       "row says {'minutes': 60.0}"):
        reproduce.cpu_table1_markdown(str(tmp_path), table)
    _table1_summary(tmp_path, row, [(1, 0.5, [0.5] * 3, 30.0, 1)],
                    layers=['charges', 'ideal_springs', 'finite_springs'])
    with pytest.raises(ValueError, match='layers'):
        reproduce.cpu_table1_markdown(str(tmp_path), table)
    # Summaries of one system on different test data are refused.
    _table1_summary(tmp_path, row, [(1, 0.5, [0.5] * 3, 60.0, 1)],
                    level=(0.2, [0.3, 0.4, 0.5]))
    _table1_summary(tmp_path, rows[('I+C+F', 'nri', 'learned')],
                    [(1, 0.5, [0.5] * 3, 60.0, 1)],
                    level=(0.25, [0.3, 0.4, 0.5]))
    with pytest.raises(ValueError, match='different constant levels'):
        reproduce.cpu_table1_markdown(str(tmp_path), table)


def test_docs_results_md_opens_with_table1_on_a_cpu():
    reproduce = _import_reproduce()
    header = reproduce.studies.HEADER
    text = reproduce.results_markdown()
    assert text.startswith(header + '\n## Table 1 on a CPU\n')
    assert text.index('## Table 1 on a CPU') < text.index('\n## cpu\n')
