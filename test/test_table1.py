import json
import os
import os.path as osp
from dataclasses import replace

import pytest
from script_loader import import_module

run_plan = import_module('benchmarks.reproduce.run_plan')
run_rows = import_module('benchmarks.reproduce.run_rows')


def _rows():
    table1 = import_module('benchmarks.table1')
    return table1, {row.key: row for row in table1.CPU_TABLE1}


def _log(path, row, seed, finished=True, budget=None, age=3600.0,
         combined=0.5):
    """Writes a log of time_to_accuracy.py's form for :obj:`row`'s run
    with :obj:`seed`, last changed :obj:`age` seconds ago."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    names = import_module('benchmarks.reproduce').layer_names(row.system)
    rows = [{'recipe': row.recipe, 'tag': row.tag, 'model': row.model,
             'mode': row.mode, 'seed': seed, 'system': row.system,
             'budget': budget or row.budget,
             'machine': {'cpu': 'x86_64', 'threads': 1, 'torch': '2.13',
                         'cpu_capability': 'AVX512',
                         'other_jobs': 'nothing else'}},
            {'updates': 2, 'examples': 32, 'epoch': 1, 'minutes': 0.01,
             'loss': 1.0, 'valid_combined': 0.45,
             'valid_per_layer': [0.5] * len(names)}]
    if finished:
        rows.append({'final': True, 'updates': 2, 'examples': 32,
                     'minutes': 0.02, 'epoch_validation_minutes': 0.0,
                     'test_acc_combined': combined,
                     'test_acc_layers': [0.6] * len(names),
                     'test_auroc_layers': [0.7] * len(names),
                     'valid_acc_combined': 0.45,
                     'test_mse_block_10': None, 'test_mse_step_10': None,
                     'layer_names': names})
    with open(path, 'w') as f:
        f.write(''.join(json.dumps(r) + '\n' for r in rows))
    os.utime(path, (1e9 - age, 1e9 - age))


def _summary(root, row, seeds):
    path = import_module('benchmarks.reproduce').summary_file(row, root)
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump({'budget': row.budget, 'runs': [
            {'recipe': row.recipe, 'model': row.model, 'mode': row.mode,
             'seed': seed} for seed in seeds]}, f)


def test_plan_trains_only_the_runs_missing(tmp_path):
    table1, rows = _rows()
    root = str(tmp_path)
    fnri = rows[('I+C', 'fnri', 'learned')]
    # Seed 1 finished, seed 2 killed long ago, seed 3 never started.
    _log(run_rows.log_file(fnri, 1, root), fnri, 1)
    _log(run_rows.log_file(fnri, 2, root), fnri, 2, finished=False)
    # Summarised with every seed: nothing to do.
    nri = rows[('I+C', 'nri', 'learned')]
    _summary(root, nri, [1, 2, 3])
    # Every log finished, no summary yet: the summary alone.
    supervised = rows[('I+C', 'nri', 'supervised')]
    for seed in (1, 2, 3):
        _log(run_rows.log_file(supervised, seed, root), supervised, seed)
    # Nothing yet: every seed.
    sfnri = rows[('I+C+F', 'sfnri', 'supervised')]
    selected = [fnri, nri, supervised, sfnri]
    Step = run_plan.Step
    now = 1e9
    assert run_plan.plan(selected, root, now=now) == [
        Step(fnri, (2, 3), (1, 2, 3)), Step(supervised, (), (1, 2, 3)),
        Step(sfnri, (1, 2, 3), (1, 2, 3))]
    # Some seeds only: the summary holds every seed with a finished log.
    assert run_plan.plan(selected, root, seeds=[3], now=now) == [
        Step(fnri, (3, ), (1, 3)), Step(supervised, (), (1, 2, 3)),
        Step(sfnri, (3, ), (3, ))]
    assert run_plan.plan(selected, root, seeds=[1], now=now) == [
        Step(fnri, (), (1, )), Step(supervised, (), (1, 2, 3)),
        Step(sfnri, (1, ), (1, ))]
    # A summary with seeds 1 and 2 of a row: seed 3 is trained; seed 2's
    # log is kept out of the rebuilt summary only if it is gone.
    _summary(root, fnri, [1, 2])
    with pytest.raises(run_plan.PlanError, match=r'holds seeds \[2\] '
                       'without a log'):
        run_plan.plan([fnri], root, now=now)
    _log(run_rows.log_file(fnri, 2, root), fnri, 2)
    assert run_plan.plan([fnri], root, now=now) == [
        Step(fnri, (3, ), (1, 2, 3))]
    assert run_plan.plan([fnri], root, seeds=[1, 2], now=now) == []

    # An unfinished log changed a minute ago may be a run in progress.
    _log(run_rows.log_file(fnri, 3, root), fnri, 3, finished=False, age=60)
    with pytest.raises(run_plan.PlanError, match='is unfinished and changed '
                       '60 s ago'):
        run_plan.plan([fnri], root, now=now)
    assert run_plan.plan([fnri], root, now=now + run_plan.BUSY_SECONDS) == [
        Step(fnri, (3, ), (1, 2, 3))]
    # A finished log of another budget is never overwritten.
    _log(run_rows.log_file(sfnri, 2, root), sfnri, 2,
         budget={'minutes': 10.0})
    with pytest.raises(run_plan.PlanError, match=r"trained for \{'minutes': "
                       r"10.0\}, its row for \{'minutes': 60.0\}"):
        run_plan.plan([sfnri], root, now=now)


def test_commands_and_the_command_line(tmp_path, capsys):
    table1, rows = _rows()
    row = rows[('I+C', 'fnri', 'supervised')]
    out = osp.relpath(osp.join(run_rows.TIME_TO_ACCURACY_ROOT, 'I+C'))
    base = ['--system', 'I+C', '--model', 'fnri', '--recipe', 'fast',
            '--mode', 'supervised', '--minutes', '60', '--tag', 'table1',
            '--out', out, '--threads', '1']
    assert run_plan.commands(run_plan.Step(row, (2, 3), (1, 2, 3)),
                           extra=['--threads', '1']) == [
        base + ['--seeds', '2', '3', '--no-plot'],
        base + ['--seeds', '1', '2', '3', '--report-only']]
    assert run_plan.commands(run_plan.Step(row, (), (1, ))) == [
        base[:-2] + ['--seeds', '1', '--report-only']]
    # Every command parses as time_to_accuracy.py's, with the row's names.
    tta = import_module('benchmarks.time_to_accuracy')
    reproduce = import_module('benchmarks.reproduce')
    variant = replace(row, updates=500, options=('--set', 'lr_gamma=0.1'),
                      tag='lr')
    for argv in run_plan.commands(run_plan.Step(variant, (1, ), (1, ))):
        args = tta.parse_args(argv)
        assert (args.model, args.recipe, args.mode, args.tag,
                tta.budget_of(args), args.overrides['train']) == (
            ['fnri'], ['fast'], ['supervised'], 'lr', {'updates': 500},
            {'lr_gamma': 0.1})
        assert tta.summary_stem(args.model, args.recipe, args.mode,
                                args.tag) + '-summary.json' == \
            osp.basename(reproduce.summary_file(variant))
    assert run_plan.command_line(['--note', 'a b', '--system', 'I+C']) == (
        "python benchmarks/time_to_accuracy.py --note 'a b' --system I+C")

    # Each row's command in docs/RESULTS.md selects that row alone.
    for row in table1.CPU_TABLE1:
        argv = reproduce.row_command(row).split()[3:]
        assert table1.selected_rows(table1.parse_args(argv)) == (row, )
    args = table1.parse_args(['--systems', 'I+C+F', '--modes', 'learned',
                              '--minutes', '2'])
    assert [(r.model, r.budget, r.tag) for r in
            table1.selected_rows(args)] == [
        (model, {'minutes': 2.0}, tag) for model, tag in (
            ('nri', 'm20-60min-2min'), ('fnri', 'm20-60min-2min'),
            ('sfnri', 'm20-nocentral-60min-2min'))]
    args = table1.parse_args(['--models', 'nri', '--minutes', '60'])
    assert table1.selected_rows(args) == tuple(
        r for r in table1.CPU_TABLE1 if r.model == 'nri')
    for argv in (['--minutes', '0'], ['--modes', 'true_graph'],
                 ['--systems', 'kuramoto']):
        with pytest.raises(SystemExit):
            table1.parse_args(argv)

    # --dry-run prints the commands and writes nothing.
    root = tmp_path / 'runs'
    row = rows[('I+C+F', 'nri', 'learned')]
    _log(run_rows.log_file(row, 1, str(root)), row, 1)
    before = sorted(p.name for p in (root / 'I+C+F').iterdir())
    assert table1.main(['--dry-run', '--root', str(root), '--systems',
                        'I+C+F', '--models', 'nri', '--modes', 'learned',
                        '--note', 'one other run']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ('I+C+F nri learned: train seeds [2, 3], summarise '
                        'seeds [1, 2, 3]')
    assert lines[1].startswith(
        'python benchmarks/time_to_accuracy.py --system I+C+F --model nri '
        '--recipe fast --mode learned --minutes 60 --tag m20-60min --out ')
    assert lines[1].endswith(
        "--set decoder_window=22 'prediction_steps_schedule=[[500,10],"
        "[6000,20]]' beta=1.0 beta_schedule=None refine_steps=100 --note "
        "'one other run' --seeds 2 3 "
        "--no-plot")
    assert lines[2].endswith('--seeds 1 2 3 --report-only')
    assert len(lines) == 3
    assert sorted(p.name for p in (root / 'I+C+F').iterdir()) == before
    # A refused plan says why.
    _log(run_rows.log_file(row, 2, str(root)), row, 2, finished=False,
         age=-1e10)
    assert table1.main(['--dry-run', '--root', str(root), '--systems',
                        'I+C+F', '--models', 'nri', '--modes',
                        'learned']) == 1
    assert 'is unfinished and changed' in capsys.readouterr().err


@pytest.mark.slow
def test_tiny_row_trains_the_missing_seed_and_keeps_the_finished_one(
        tmp_path, capsys):
    table1, rows = _rows()
    root = str(tmp_path / 'runs')
    row = replace(rows[('I+C', 'fnri', 'learned')], minutes=None,
                  updates=2, seeds=(1, 2), tag='tiny', options=(
                      '--num-train', '16', '--num-valid', '8',
                      '--num-test', '8', '--eval-size', '8',
                      '--eval-every', '2', '--set', 'hidden_channels=8'))
    # Seed 1 finished before (figures no run would give), seed 2 missing.
    _log(run_rows.log_file(row, 1, root), row, 1, combined=0.123)
    steps = run_plan.plan([row], root)
    assert steps == [run_plan.Step(row, (2, ), (1, 2))]
    run_plan.run(steps, root, ['--threads', '1', '--data-root',
                             str(tmp_path / 'data')])
    capsys.readouterr()
    summary, runs = run_rows.read_row(row, root)
    assert [r['seed'] for r in runs] == [1, 2]
    assert runs[0]['test_acc_combined'] == 0.123  # Not trained again.
    assert runs[1]['final_updates'] == 2
    assert summary['layer_names'] == ['ideal_springs', 'charges']
    assert run_plan.plan([row], root) == []
    text = table1.cpu_table1_markdown(root, (row, ))
    assert '| fnri | learned | fast `--num-train 16' in text
    assert '| 2 updates | 1, 2 | ' in text
