import importlib.util
import json
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _module():
    spec = importlib.util.spec_from_file_location(
        'time_to_accuracy', osp.join(ROOT, 'benchmarks',
                                     'time_to_accuracy.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_medians_count_unreached_thresholds_as_infinite():
    tta = _module()

    def run(seed, reach50, acc):
        reach = {key: None for key in ('40', '50', '60', '70', '80', '90')}
        reach['40'] = {'minutes': 1.0 * seed, 'updates': 100 * seed}
        reach['50'] = reach50
        return {'recipe': 'fast', 'seed': seed, 'reach': reach,
                'test_acc_combined': acc, 'test_acc_layers': [acc, 1.0],
                'test_mse_block_10': 0.1 * seed}

    runs = [run(1, {'minutes': 2.0, 'updates': 200}, 0.5),
            run(2, None, 0.3), run(3, {'minutes': 4.0, 'updates': 400}, 0.6)]
    out = tta.medians(runs)['fast']
    assert out['reach']['40'] == {'minutes': 2.0, 'updates': 200}
    # Two of three seeds reached 50 %: the median is the larger of them.
    assert out['reach']['50'] == {'minutes': 4.0, 'updates': 400}
    assert out['reach']['60'] is None
    assert out['test_acc_combined'] == 0.5
    assert out['test_acc_layers'] == [0.5, 1.0]
    assert out['test_mse_block_10'] == pytest.approx(0.2)
    # One of three reached: the median is unreached.
    runs[2]['reach']['50'] = None
    assert tta.medians(runs)['fast']['reach']['50'] is None
    # Runs of several variants: medians per variant and recipe.
    for item, group in zip(runs, ['fnri-fast', 'nri-fast', 'fnri-fast']):
        item['group'] = group
    grouped = tta.medians(runs)
    assert sorted(grouped) == ['fnri-fast', 'nri-fast']
    assert grouped['fnri-fast']['seeds'] == [1, 3]
    assert grouped['nri-fast']['test_acc_combined'] == 0.3


def test_overrides_and_errors():
    tta = _module()
    assert tta.parse_overrides(['prediction_steps=10', 'symmetric=False',
                                'cauchy_scale=None']) == {
        'train': {'prediction_steps': 10, 'cauchy_scale': None},
        'model': {'symmetric': False}}
    with pytest.raises(ValueError, match="unknown setting 'speed'"):
        tta.parse_overrides(['speed=3'])
    with pytest.raises(SystemExit):
        tta.parse_args(['--set', 'lr=0.1'])  # Needs --tag.


@pytest.mark.slow
def test_tiny_run_end_to_end(tmp_path, capsys):
    tta = _module()
    out = tmp_path / 'out'
    args = ['--recipe', 'fast', '--updates', '4', '--eval-every', '2',
            '--seeds', '1', '2', '--num-train', '16', '--num-valid', '8',
            '--num-test', '8', '--eval-size', '8', '--data-root',
            str(tmp_path / 'data'), '--out', str(out), '--no-plot',
            '--set', 'hidden_channels=8', '--tag', 'tiny']
    assert tta.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # Rebuilt from the logs alone, the figures are the same.
    assert tta.main(args + ['--report-only']) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again['runs'] == result['runs']
    assert result['budget'] == {'updates': 4}
    # The report takes the budget from the logs, not the command line.
    report = [a if a != '4' else '999' for a in args] + ['--report-only']
    assert tta.main(report) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again['budget'] == {'updates': 4}
    # 16 training simulations: every batch (of at most 32) holds all 16.
    assert [(r['recipe'], r['seed'], r['final_updates'], r['final_examples'])
            for r in result['runs']] == [('fast', 1, 4, 64),
                                         ('fast', 2, 4, 64)]
    for run in result['runs']:
        assert 0 <= run['test_acc_combined'] <= 1
        assert run['test_mse_block_10'] > 0
        assert set(run['reach']) == {'40', '50', '60', '70', '80', '90'}
    assert 0 < result['constant_level_test']['combined'] < 1
    with open(out / 'fnri-fast-tiny-seed1.jsonl') as f:
        rows = [json.loads(line) for line in f]
    assert rows[0]['model_args']['hidden_channels'] == 8
    assert [row['updates'] for row in rows[1:-1]] == [2, 4]
    assert rows[-1]['final'] and rows[-1]['updates'] == 4
    assert (out / 'fnri-fast-tiny-summary.json').is_file()
