import json

import pytest
from script_loader import load_script


def test_symmetry_ensemble_benchmark_scores_a_saved_run_like_its_trainer(
        tmp_path, capsys):
    tta = load_script('benchmarks', 'time_to_accuracy.py')
    ensemble = load_script('benchmarks', 'symmetry_ensemble.py')
    data = ['--num-train', '16', '--num-valid', '8', '--num-test', '8',
            '--data-root', str(tmp_path / 'data')]
    state = str(tmp_path / 'states' / 'tiny-seed1.pt')
    # A tiny learned run that tests the ensemble itself.
    assert tta.main(data + [
        '--recipe', 'fast', '--eval-every', '2', '--seeds', '1',
        '--eval-size', '8', '--out', str(tmp_path / 'out'), '--no-plot',
        '--updates', '4', '--set', 'hidden_channels=8',
        'symmetry_ensemble=True', '--tag', 'tiny', '--save-state',
        state]) == 0
    log = str(tmp_path / 'out' / 'fnri-fast-tiny-seed1.jsonl')
    with open(log) as f:
        final = [json.loads(line) for line in f][-1]
    assert len(final['test_symmetrised_acc_layers']) == 2
    assert len(final['test_symmetrised_auroc_layers']) == 2
    assert final['symmetrise_minutes'] > 0
    with open(tmp_path / 'out' / 'fnri-fast-tiny-summary.json') as f:
        summary = json.load(f)
    assert summary['runs'][0]['test_symmetrised_acc_combined'] == \
        final['test_symmetrised_acc_combined']
    assert summary['medians']['fast']['test_symmetrised_acc_combined'] == \
        final['test_symmetrised_acc_combined']
    capsys.readouterr()

    out = tmp_path / 'folder' / 'ensemble.json'  # made by the benchmark
    assert ensemble.main(data + ['--log', log, '--state', state,
                                 '--batch-size', '4', '--out',
                                 str(out)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with open(out) as f:
        assert json.load(f) == line
    assert line['run'] == {'system': 'I+C', 'model': 'fnri',
                           'recipe': 'fast', 'tag': 'tiny', 'seed': 1}
    # Both score the test split as the trainer did (batches of 4 here, of
    # 32 in the run).
    for variant, prefix in (('encoder', 'test'),
                            ('symmetrised', 'test_symmetrised')):
        assert line[f'test_{variant}']['acc_combined'] == pytest.approx(
            final[f'{prefix}_acc_combined'])
        assert line[f'test_{variant}']['auroc_layers'] == pytest.approx(
            final[f'{prefix}_auroc_layers'])
    assert line['valid_symmetrised']['acc_combined'] == pytest.approx(
        final['valid_symmetrised_acc_combined'])

    # A log of a run without an encoder, of another seed, or of a system
    # without positions: status 2.
    with open(log) as f:
        header = json.loads(f.readline())
    cases = {'true_graph': ({'mode': 'true_graph'},
                            "holds a 'true_graph' run"),
             'other': ({'seed': 2}, 'holds a run with seed 1, the log says '
                       '2'),
             'kuramoto': ({'system': 'kuramoto', 'model_args': {
                 **header['model_args'], 'central_forces': False}},
                 "'symmetry_ensemble' needs (x, y, vx, vy) features")}
    for name, (change, message) in cases.items():
        path = tmp_path / f'{name}.jsonl'
        path.write_text(json.dumps({**header, **change}))
        assert ensemble.main(data + ['--log', str(path), '--state',
                                     state]) == 2
        assert message in capsys.readouterr().err
