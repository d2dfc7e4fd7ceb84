import json

import pytest
from script_loader import load_script


def test_refinement_benchmark_scores_a_saved_run_like_its_trainer(tmp_path,
                                                                  capsys):
    tta = load_script('benchmarks', 'time_to_accuracy.py')
    refinement = load_script('benchmarks', 'refinement.py')
    data = ['--num-train', '16', '--num-valid', '8', '--num-test', '8',
            '--data-root', str(tmp_path / 'data')]
    state = str(tmp_path / 'states' / 'tiny-seed1.pt')
    # A tiny learned run that refines its own test split (2 steps, lr 0.1).
    assert tta.main(data + [
        '--recipe', 'fast', '--eval-every', '2', '--seeds', '1',
        '--eval-size', '8', '--out', str(tmp_path / 'out'), '--no-plot',
        '--updates', '4', '--set', 'hidden_channels=8', 'refine_steps=2',
        'refine_lr=0.1',
        '--tag', 'tiny', '--save-state', state]) == 0
    log = str(tmp_path / 'out' / 'fnri-fast-tiny-seed1.jsonl')
    with open(log) as f:
        final = [json.loads(line) for line in f][-1]
    assert final['test_refined_acc_combined'] >= 0
    assert len(final['test_refined_acc_layers']) == 2
    assert final['refine_minutes'] > 0
    with open(tmp_path / 'out' / 'fnri-fast-tiny-summary.json') as f:
        summary = json.load(f)
    assert summary['runs'][0]['test_refined_acc_combined'] == \
        final['test_refined_acc_combined']
    assert summary['medians']['fast']['test_refined_acc_combined'] == \
        final['test_refined_acc_combined']
    capsys.readouterr()

    out = tmp_path / 'folder' / 'refined.json'  # made by the benchmark
    assert refinement.main(data + [
        '--log', log, '--state', state, '--steps', '2', '1', '--lr', '0.1',
        '--valid-size', '8', '--batch-size', '4', '--out', str(out)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    with open(out) as f:
        assert json.load(f) == line
    assert line['run'] == {'system': 'I+C', 'model': 'fnri',
                           'recipe': 'fast', 'tag': 'tiny', 'seed': 1}
    # The encoder alone, then the settings in order of steps.
    assert [(row['steps'], row['lr']) for row in line['valid']] == \
        [(0, None), (1, 0.1), (2, 0.1)]
    # The encoder alone scores the test split as the trainer did (the
    # same validation mapping); so does the refinement with the run's own
    # setting (batches of 4 here, of 32 in the run).
    assert line['test_encoder']['acc_combined'] == pytest.approx(
        final['test_acc_combined'])
    assert line['test_encoder']['auroc_layers'] == pytest.approx(
        final['test_auroc_layers'])
    assert line['chosen'] in ({'steps': 1, 'lr': 0.1},
                              {'steps': 2, 'lr': 0.1})
    assert refinement.main(data + [
        '--log', log, '--state', state, '--steps', '2', '--lr', '0.1',
        '--valid-size', '8', '--batch-size', '4', '--out', str(out)]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line['test_refined']['acc_combined'] == pytest.approx(
        final['test_refined_acc_combined'])
    assert line['test_refined']['acc_layers'] == pytest.approx(
        final['test_refined_acc_layers'])

    # A log of another kind of run, or a state of another seed: status 2.
    supervised = tmp_path / 'supervised.jsonl'
    with open(log) as f:
        header = json.loads(f.readline())
    supervised.write_text(json.dumps({**header, 'mode': 'supervised'}))
    other = tmp_path / 'other.jsonl'
    other.write_text(json.dumps({**header, 'seed': 2}))
    sparse = tmp_path / 'sparse.jsonl'
    sparse.write_text(json.dumps({**header, 'candidates': 'knn2'}))
    for path, message in ((supervised, "holds a 'supervised' run"),
                          (sparse, 'on the candidate graph knn2: not '
                           'supported'),
                          (other, 'holds a run with seed 1, the log says 2'),
                          (tmp_path / 'none.jsonl', 'No such file')):
        assert refinement.main(data + ['--log', str(path), '--state',
                                       state, '--valid-size', '8']) == 2
        assert message in capsys.readouterr().err
