import json
import math
import os
import os.path as osp

import pytest
from script_loader import import_module

comparison = import_module('benchmarks.method_comparison')
run_rows = import_module('benchmarks.reproduce.run_rows')
tta = import_module('benchmarks.time_to_accuracy')
classical_script = import_module('benchmarks.classical_baselines')


def _systems():
    return {system.name: system for system in comparison.COMPARISON_SYSTEMS}


def _figure(valid, test):
    return {'sign': 1.0, 'valid_auroc': valid, 'threshold': 0.0,
            'auroc': test, 'precision': 0.5, 'recall': 0.5, 'f1': 0.5}


def _classical(path, layers, results, seconds=(1.0, 2.0)):
    """Writes figures in classical_baselines.py's form: results is
    {method: {feature: {variant: [(valid, test) per layer]}}}."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    figures = {
        'data': {'valid': 2000, 'test': 2000},
        'frames': [0, 49],
        'machine': {'cpu': 'x86_64', 'omp_num_threads': '1',
                    'other_jobs': 'nothing else'},
        'layer_names': layers,
        'methods': {method: {
            'seconds': {'valid': seconds[0], 'test': seconds[1]},
            'results': {feature: {
                variant: {layer: _figure(*pair)
                          for layer, pair in zip(layers, pairs)}
                for variant, pairs in variants.items()}
                for feature, variants in features.items()}}
            for method, features in results.items()}}
    with open(path, 'w') as f:
        json.dump(figures, f)


def _summary(root, row, aurocs, refined=None):
    """Writes a summary of time_to_accuracy.py's form for row, one run per
    entry of aurocs (per-layer test AUROCs) with seeds 1, 2, ..."""
    path = run_rows.summary_file(row, root)
    os.makedirs(osp.dirname(path), exist_ok=True)
    runs = []
    for seed, layers in enumerate(aurocs, 1):
        run = {'recipe': row.recipe, 'model': row.model, 'mode': row.mode,
               'seed': seed, 'final_updates': 1000 * seed,
               'final_minutes': row.minutes, 'test_acc_combined': 0.5,
               'test_acc_layers': [0.5] * len(layers),
               'test_auroc_layers': layers}
        if refined is not None:
            run['test_refined_acc_combined'] = 0.9
            run['test_refined_auroc_layers'] = refined[seed - 1]
        runs.append(run)
    with open(path, 'w') as f:
        json.dump({'budget': row.budget, 'runs': runs,
                   'data': {'num_particles': row.num_particles,
                            'graph': row.graph}}, f)


def test_the_classical_choice_is_made_on_validation():
    figures = {'methods': {'pearson': {'results': {
        'positions': {'signed': {'a': _figure(0.6, 0.99)},
                      'best_sign': {'a': _figure(0.7, 0.55)}},
        'velocities': {'signed': {'a': _figure(math.nan, 0.9)},
                       'absolute': {'a': _figure(0.8, 0.65)}}}}}}
    best = comparison.best_classical(figures, 'pearson', 'a')
    # The highest validation AUROC, not the highest test AUROC.
    assert (best['feature'], best['variant'], best['auroc']) == (
        'velocities', 'absolute', 0.65)
    assert comparison.best_classical(figures, 'granger', 'a') is None


def test_mean_and_standard_error():
    mean, error = comparison.mean_and_error([0.90, 0.92, 0.97])
    assert mean == pytest.approx(0.93)
    # Sample standard deviation sqrt(0.0013) over sqrt(3).
    assert error == pytest.approx(math.sqrt(0.0013) / math.sqrt(3))
    assert comparison.mean_and_error([0.8]) == (0.8, None)
    assert comparison.auroc_text([0.90, 0.92, 0.97]) == '93.0 ± 2.1'
    assert comparison.auroc_text([0.9, 0.8]) == '85.0 ± 5.0 (2 seeds)'
    assert comparison.auroc_text([0.875]) == '87.5 (1 seed)'


def test_every_system_names_commands_the_scripts_accept():
    systems = _systems()
    assert list(systems) == ['I+C', 'I+C+F', 'kuramoto', 'springs-er',
                             'springs-ba', 'karate', 'florentine',
                             'grid-case14', 'netsim-sim3']
    for system in systems.values():
        args = classical_script.parse_args(
            comparison.classical_arguments(system))
        assert (args.system, args.num_particles, args.graph) == (
            system.system, system.num_particles, system.graph)
        assert args.out == osp.relpath(comparison.classical_file(system))
        assert osp.basename(args.out) == f'{system.folder}.json'
        for row in system.rows:
            assert row.folder == system.folder
            argv = ['--system', row.system, '--model', row.model, '--mode',
                    row.mode, '--tag', row.tag, *row.data_options,
                    *row.options]
            parsed = tta.parse_args(argv)
            assert parsed.out == osp.join('results', 'time_to_accuracy',
                                          system.folder)
    # The paper's systems read Table 1's rows; the others NRI, learned
    # and supervised, 10 minutes.
    assert len(systems['I+C'].rows) == 6
    karate = systems['karate']
    assert karate.folder == 'springs-karate_club-n34'
    assert [(r.model, r.mode, r.budget, r.tag) for r in karate.rows] == [
        ('nri', 'learned', {'minutes': 10.0}, 'compare'),
        ('nri', 'supervised', {'minutes': 10.0}, 'compare')]
    assert systems['kuramoto'].rows[0].tag == 'preset'
    assert systems['grid-case14'].folder == 'swing-case14-n14'


def test_the_document_from_stored_files(tmp_path):
    root, classical_root = str(tmp_path / 'runs'), str(tmp_path / 'cl')
    er = _systems()['springs-er']
    learned, supervised = er.rows
    _summary(root, learned, [[0.90], [0.92], [0.97]],
             refined=[[0.95], [0.96], [0.97]])
    _classical(comparison.classical_file(er, classical_root),
               ['ideal_springs'], {
                   'pearson': {'positions': {'signed': [(0.7, 0.71)],
                                             'absolute': [(0.8, 0.94)]}},
                   'granger': {'velocities_increments': {
                       'best_sign': [(0.9, 0.91)]}}})
    text = '\n'.join(comparison.system_section(er, root, classical_root))
    assert '### springs-er: springs on Erdős–Rényi graphs, 15 particles' \
        in text
    assert '| method | ideal_springs | budget or time |' in text
    assert '| NRI learned | 93.0 ± 2.1 | 10 min, 2,000 updates |' in text
    assert '| NRI learned, refined | 96.0 ± 0.6 | 10 min, 2,000 updates, ' \
        '+ test-time refinement |' in text
    assert '| NRI supervised | not run | 10 min |' in text
    assert '| Pearson correlation | 94.0 (positions, magnitude) | 3.0 s |' \
        in text
    assert '| Granger causality | 91.0 (velocities increments, sign ' \
        'fitted) | 3.0 s |' in text
    assert '| mutual information | not run | – |' in text
    assert 'Not run yet: `python -m benchmarks.method_comparison ' \
        '--systems springs-er`.' in text
    # The best trained row (the encoder alone) against the best classical
    # method.
    assert '- springs-er, ideal_springs: NRI learned 93.0, behind the best ' \
        'classical method (Pearson correlation 94.0).' in text
    # A summary of other data is refused.
    _summary(root, learned, [[0.9]])
    path = run_rows.summary_file(learned, root)
    with open(path) as f:
        summary = json.load(f)
    summary['data']['num_particles'] = 10
    with open(path, 'w') as f:
        json.dump(summary, f)
    with pytest.raises(ValueError, match='num_particles 10, the row says '
                       '15'):
        comparison.system_section(er, root, classical_root)


def test_dry_run_prints_what_is_missing_and_writes_nothing(tmp_path, capsys):
    root, classical_root = tmp_path / 'runs', tmp_path / 'cl'
    karate = _systems()['karate']
    _classical(comparison.classical_file(_systems()['springs-ba'],
                                         str(classical_root)),
               ['ideal_springs'], {})
    assert comparison.main([
        '--dry-run', '--systems', 'springs-ba', 'karate', '--root',
        str(root), '--classical-root', str(classical_root), '--threads',
        '1', '--note', 'one other run']) == 0
    lines = capsys.readouterr().out.splitlines()
    # The stored classical figures are not made again.
    assert lines[0] == (
        'python -m benchmarks.classical_baselines --system springs '
        '--num-particles 34 --graph karate_club --note \'one other run\' '
        '--out ' + osp.relpath(comparison.classical_file(
            karate, str(classical_root))))
    assert lines[1] == ('springs-ba-n15 nri learned: train seeds [1, 2, 3], '
                        'summarise seeds [1, 2, 3]')
    assert lines[2].startswith(
        'python benchmarks/time_to_accuracy.py --system springs --model nri '
        '--recipe fast --mode learned --minutes 10 --tag compare --out ')
    assert lines[2].endswith(
        '--num-particles 15 --graph ba --eval-every 500 --threads 1 --note '
        '\'one other run\' --seeds 1 2 3 --no-plot')
    assert len(lines) == 1 + 4 * 3
    # One mode alone.
    assert comparison.main([
        '--dry-run', '--systems', 'springs-ba', '--modes', 'supervised',
        '--parts', 'learned', '--root', str(root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ('springs-ba-n15 nri supervised: train seeds '
                        '[1, 2, 3], summarise seeds [1, 2, 3]')
    assert len(lines) == 3
    assert not root.exists()
    assert sorted(p.name for p in classical_root.iterdir()) == [
        'springs-ba-n15.json']
    # The report alone, from other roots: printed, not written.
    assert comparison.main(['--report', '--root', str(root),
                            '--classical-root', str(classical_root)]) == 0
    text = capsys.readouterr().out
    assert text.startswith('# Learned encoders against classical baselines')
    assert text.count('\n### ') == len(comparison.COMPARISON_SYSTEMS)
    for argv in (['--systems', 'grid'], ['--parts', 'static'],
                 ['--threads', '0'], ['--modes', 'true_graph']):
        with pytest.raises(SystemExit):
            comparison.parse_args(argv)


def test_the_document_is_current():
    with open(comparison.DOCUMENT) as f:
        assert f.read() == comparison.comparison_markdown(), (
            'docs/method-comparison.md is out of date: run '
            '`python -m benchmarks.method_comparison --report`')
