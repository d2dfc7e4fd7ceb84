import json
import math

import pytest
from script_loader import load_script


def _module():
    return load_script('benchmarks', 'classical_baselines.py')


@pytest.mark.parametrize('system, features', [
    ('I+C', ['positions', 'velocities', 'positions_increments',
             'velocities_increments']),
    ('kuramoto', ['phase_velocity', 'sin_phase', 'phase',
                  'phase_velocity_increments', 'sin_phase_increments',
                  'phase_increments']),
])
def test_a_tiny_run_prints_the_table_and_one_json_line(
        system, features, tmp_path, capsys):
    out = tmp_path / 'figures.json'
    assert _module().main([
        '--system', system, '--num-train', '4', '--num-valid', '12',
        '--num-test', '12', '--num-frames', '40', '--data-root',
        str(tmp_path / 'data'), '--glasso-cv-series', '4', '--out',
        str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(f'classical baselines on {system}: 12 '
                               f'validation and 12 test simulations, '
                               f'frames 0-19 of 40')
    assert any(line.startswith('test auroc') for line in lines)
    figures = json.loads(lines[-1])
    assert figures == json.loads(out.read_text())
    assert figures['frames'] == [0, 20]
    assert list(figures['features']) == features
    methods = figures['methods']
    assert list(methods) == ['pearson', 'partial_correlation',
                             'graphical_lasso', 'granger',
                             'mutual_information']
    layers = figures['layer_names']
    for method in methods.values():
        assert set(method['seconds']) == {'valid', 'test'}
        for feature in features:
            result = method['results'][feature]
            assert list(result) == ['signed', 'best_sign', 'absolute']
            for variant in result.values():
                assert list(variant) == layers
                for layer in variant.values():
                    assert math.isnan(layer['auroc']) or \
                        0 <= layer['auroc'] <= 1
                    assert layer['sign'] in (1.0, -1.0)
    assert methods['granger']['settings']['positions' if system == 'I+C'
                                          else 'phase'] == {'lags': 2}
    assert methods['graphical_lasso']['settings'][features[0]]['alpha'] > 0


def test_a_recorded_network_and_more_particles(tmp_path, capsys):
    out = tmp_path / 'figures.json'
    assert _module().main([
        '--system', 'springs', '--num-particles', '15', '--graph',
        'florentine_families', '--methods', 'pearson', '--num-train', '4',
        '--num-valid', '6', '--num-test', '6', '--num-frames', '20',
        '--data-root', str(tmp_path / 'data'), '--out', str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith(
        'classical baselines on springs (15 particles, florentine_families '
        'graphs): 6 validation and 6 test simulations, frames 0-9 of 20')
    figures = json.loads(out.read_text())
    assert (figures['data']['num_particles'], figures['data']['graph']) == (
        15, 'florentine_families')
    assert figures['layer_names'] == ['ideal_springs']
    auroc = figures['methods']['pearson']['results']['positions'][
        'best_sign']['ideal_springs']['auroc']
    assert 0 <= auroc <= 1


@pytest.mark.parametrize('args, message', [
    (['--graph', 'karate_club'], '--graph karate_club is a recorded network '
     'of 34 nodes: give --num-particles 34 (got 5)'),
    (['--system', 'charged', '--graph', 'er'], "the 'charged' system has "
     "none"),
    (['--num-particles', '1'], '--num-particles must be at least 2, got 1'),
])
def test_bad_data_options_exit_with_a_message(args, message, capsys):
    with pytest.raises(SystemExit) as exit:
        _module().parse_args(args)
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


def test_the_defaults_are_the_learned_models_splits():
    args = _module().parse_args([])
    assert (args.system, args.num_train, args.num_valid, args.num_test,
            args.num_frames) == ('I+C', 10000, 2000, 2000, 99)
