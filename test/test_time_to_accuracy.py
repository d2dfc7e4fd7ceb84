import json
import os.path as osp

import pytest
import torch
from script_loader import load_script

from torch_geometric_fnri.training import (
    Recipe,
    TrainConfig,
    get_recipe,
    identity_mapping,
    load_splits,
    make_model,
)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def _module():
    return load_script('benchmarks', 'time_to_accuracy.py')


def test_medians_count_unreached_thresholds_as_infinite():
    tta = _module()

    def run(seed, reach50, acc):
        reach = {key: None for key in ('40', '50', '60', '70', '80', '90')}
        reach['40'] = {'minutes': 1.0 * seed, 'updates': 100 * seed}
        reach['50'] = reach50
        return {'recipe': 'fast', 'seed': seed, 'reach': reach,
                'test_acc_combined': acc, 'test_acc_layers': [acc, 1.0],
                'test_auroc_layers': [acc + 0.1, 0.5 * seed],
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
    assert out['test_auroc_layers'] == [pytest.approx(0.6), 1.0]
    assert out['test_mse_block_10'] == pytest.approx(0.2)
    # A log written before AUROC was recorded: no median AUROC.
    older = dict(runs[0], test_auroc_layers=None)
    assert tta.medians([older] + runs[1:])['fast'][
        'test_auroc_layers'] is None
    # One of three reached: the median is unreached.
    runs[2]['reach']['50'] = None
    assert tta.medians(runs)['fast']['reach']['50'] is None
    # Runs of several families: medians per family and recipe.
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


@pytest.mark.parametrize('args,message', [
    (['--set', 'lr=abc', '--tag', 'x'],
     "--set lr=abc: could not convert string to float: 'abc' (recipe"),
    (['--set', 'batch_size=0', '--tag', 'x'],
     "--set batch_size=0: 'batch_size' must be"),
    (['--threads', '0'], '--threads must be positive'),
    (['--threads', '-3'], '--threads must be positive'),
    (['--num-particles', '1'], '--num-particles must be at least 2, got 1'),
    (['--system', 'charged', '--graph', 'er'],
     "--graph draws the springs, but the 'charged' system has none"),
    (['--graph', 'grid'], 'invalid choice'),
    (['--candidates', 'radius'], '--candidates radius needs '
     '--candidate-radius'),
    (['--system', 'kuramoto', '--candidates', 'knn'],
     '--candidates knn needs positions'),
])
def test_bad_settings_end_in_one_message(capsys, args, message):
    with pytest.raises(SystemExit) as info:
        _module().parse_args(args)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


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
    assert result['layer_names'] == ['ideal_springs', 'charges']
    with open(out / 'fnri-fast-tiny-seed1.jsonl') as f:
        rows = [json.loads(line) for line in f]
    assert rows[0]['model_args']['hidden_channels'] == 8
    assert [row['updates'] for row in rows[1:-1]] == [2, 4]
    assert rows[-1]['final'] and rows[-1]['updates'] == 4
    assert (out / 'fnri-fast-tiny-summary.json').is_file()


def test_kuramoto_command_line(capsys):
    tta = _module()
    args = tta.parse_args(['--system', 'kuramoto', '--model', 'nri',
                           '--mode', 'learned', 'supervised'])
    assert args.mode == ['learned', 'supervised']
    assert args.out == osp.join('results', 'time_to_accuracy', 'kuramoto')
    assert tta.parse_args([]).mode == ['learned']
    for setting in ('box_symmetry_augmentation', 'symmetry_ensemble',
                    'relative_messages', 'central_forces'):
        with pytest.raises(SystemExit):
            tta.parse_args(['--system', 'kuramoto', '--set',
                            f'{setting}=True', '--tag', 'x'])
        error = capsys.readouterr().err
        assert f"--system kuramoto: ['{setting}'] (recipe 'fast') need " \
            '(x, y, vx, vy) features' in error
        assert 'phase_velocity' in error
        # The systems of positions and velocities take them.
        tta.parse_args(['--system', 'I+C', '--set', f'{setting}=True',
                        '--tag', 'x'])
    # Nor does swing, whose features are phases and frequencies.
    with pytest.raises(SystemExit):
        tta.parse_args(['--system', 'swing', '--graph', 'case14',
                        '--num-particles', '14', '--set',
                        'central_forces=True', '--tag', 'x'])
    assert "--system swing: ['central_forces'] (recipe 'fast') need (x, y, " \
        "vx, vy) features but its features are ['sin_phase', 'cos_phase', " \
        "'frequency', 'net_power']" in capsys.readouterr().err
    for argv in (['--mode', 'true_graph'], ['--system', 'kuramoto5']):
        with pytest.raises(SystemExit):
            tta.parse_args(argv)
    with pytest.raises(SystemExit):
        tta.parse_args(['--set', 'mode=supervised', '--tag', 'x'])
    assert 'give the training mode with --mode' in capsys.readouterr().err


def test_run_and_summary_names(tmp_path):
    tta = _module()
    assert tta.run_name('fnri', 'fast', 'learned', None) == 'fnri-fast'
    assert tta.run_name('nri', 'fast', 'supervised', 'table1') == \
        'nri-fast-supervised-table1'
    # One family, recipe and mode: the summary is named as its runs.
    assert tta.summary_stem(['nri'], ['fast'], ['supervised'], 'table1') \
        == 'nri-fast-supervised-table1'
    assert tta.summary_stem(['fnri'], ['fast', 'paper'], ['learned'],
                            None) == 'fnri-fast-paper'
    assert tta.summary_stem(['nri'], ['fast'], ['learned', 'supervised'],
                            'x') == 'nri-fast-learned-supervised-x'
    # A log is finished once it ends with its final line.
    path = tmp_path / 'log.jsonl'
    assert tta.read_log(str(path)) == []
    path.write_text('{"seed": 1}\n{"updates": 50}\n')
    assert not tta.is_finished(tta.read_log(str(path)))
    path.write_text(path.read_text() + '{"final": true}\n')
    assert tta.is_finished(tta.read_log(str(path)))
    assert not tta.is_finished([])


def test_data_folders_name_what_is_not_the_papers():
    tta = _module()
    assert tta.data_folder('I+C') == 'I+C'
    assert tta.data_folder('springs', 10) == 'springs-n10'
    assert tta.data_folder('springs', 50, 'ba') == 'springs-ba-n50'
    assert tta.data_folder('kuramoto', 5, 'er') == 'kuramoto-er'
    assert tta.data_folder('springs', 1000, 'ba', 'knn4') == \
        'springs-ba-n1000-knn4'
    assert tta.data_label('springs', 50, 'ba') == \
        'springs (50 particles, ba graphs)'
    assert tta.data_label('I+C', 5, None, 'radius0.3') == \
        'I+C (radius0.3 candidates)'
    args = tta.parse_args(['--system', 'springs', '--num-particles', '1000',
                           '--graph', 'ba', '--candidates', 'knn'])
    assert args.out == osp.join('results', 'time_to_accuracy',
                                'springs-ba-n1000-knn4')
    assert args.encoder_frames == slice(0, 49)
    assert tta.data_label('I+C') == 'I+C'
    args = tta.parse_args(['--system', 'springs', '--num-particles', '10'])
    assert args.out == osp.join('results', 'time_to_accuracy',
                                'springs-n10')
    assert tta.parse_args([]).out == osp.join('results', 'time_to_accuracy',
                                              'I+C')
    # A recorded network as the graph family, with its node count.
    args = tta.parse_args(['--system', 'kuramoto', '--num-particles', '15',
                           '--graph', 'florentine_families'])
    assert args.out == osp.join('results', 'time_to_accuracy',
                                'kuramoto-florentine_families-n15')


@pytest.mark.slow
def test_tiny_run_on_more_particles_from_a_graph_family(tmp_path, capsys,
                                                        monkeypatch):
    from torch_geometric_fnri.datasets import ErdosRenyiGraph
    from torch_geometric_fnri.metrics import constant_prediction_accuracy
    from torch_geometric_fnri.transforms import KNNCandidateGraph
    tta = _module()
    loaded = []

    def recording_load_splits(*args, **kwargs):
        splits = load_splits(*args, **kwargs)
        loaded.append((kwargs, splits))
        return splits
    monkeypatch.setattr(tta, 'load_splits', recording_load_splits)
    out = tmp_path / 'out'
    data = dict(num_particles=7, seed=42, root=str(tmp_path / 'data'))
    args = ['--recipe', 'fast', '--system', 'springs', '--num-particles',
            '7', '--graph', 'er', '--candidates', 'knn', '--candidate-k',
            '2', '--updates', '2', '--eval-every', '2',
            '--seeds', '1', '--num-train', '16', '--num-valid', '8',
            '--num-test', '8', '--eval-size', '8', '--data-root',
            data['root'], '--out', str(out), '--no-plot',
            '--set', 'hidden_channels=8', 'refine_steps=0', '--tag', 'tiny']
    assert tta.main(args) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[0].startswith('fnri on springs (7 particles, er graphs, '
                                 'knn2 candidates):')
    result = json.loads(printed[-1])
    (kwargs, (train, valid, test)), = loaded
    assert kwargs['num_particles'] == 7
    assert isinstance(kwargs['graph'], ErdosRenyiGraph)
    candidates = kwargs['pre_transform']
    assert isinstance(candidates, KNNCandidateGraph)
    assert (candidates.k, candidates.frames) == (2, slice(0, 49))
    assert {data.num_nodes for data in (train[0], valid[0], test[0])} == {7}
    # The 2 nearest of 7 particles, both ways: fewer pairs than all 42.
    assert 14 <= test[0].edge_index.size(1) < 7 * 6
    # The pairs left out count in the constant level with their labels:
    # on the binary springs it is the level of the same simulations on all
    # pairs (the same seed, no candidate graph).
    full = load_splits('springs', (16, 8, 8), graph=ErdosRenyiGraph(),
                       **data)[2]
    assert result['constant_level_test'] == constant_prediction_accuracy(
        torch.cat([full[i].edge_type for i in range(len(full))]), [2])
    assert result['data']['num_particles'] == 7
    assert result['data']['graph'] == 'er'
    assert result['data']['candidates'] == 'knn2'
    with open(out / 'fnri-fast-tiny-seed1.jsonl') as f:
        header = json.loads(f.readline())
    assert (header['num_particles'], header['graph'],
            header['candidates']) == (7, 'er', 'knn2')
    # A report over these logs for other data is refused.
    for other in (['--num-particles', '6'], ['--graph', 'ba'],
                  ['--candidate-k', '3']):
        report = args + other + ['--report-only']
        with pytest.raises(ValueError, match='holds a run on springs '
                           r'\(7 particles, er graphs, knn2 candidates\), '
                           'not on springs'):
            tta.main(report)


def test_position_velocity_settings_of_recipe_and_overrides():
    tta = _module()
    box = Recipe(name='box', description='', model={'hidden_channels': 8},
                 train={'box_symmetry_augmentation': True})
    none = {'train': {}, 'model': {}}
    assert tta.position_velocity_settings(box, none) == [
        'box_symmetry_augmentation']
    assert tta.position_velocity_settings(box, {
        'train': {'box_symmetry_augmentation': False},
        'model': {'relative_messages': True}}) == ['relative_messages']
    # The fast recipe uses central forces and tests the symmetry ensemble,
    # except on Kuramoto.
    assert tta.position_velocity_settings(get_recipe('fast'), none) == [
        'symmetry_ensemble', 'central_forces']
    assert tta.position_velocity_settings(get_recipe('fast', 'kuramoto'),
                                          none) == []


def test_medians_of_supervised_runs_have_no_mse():
    tta = _module()
    reach = {key: None for key in ('40', '50', '60', '70', '80', '90')}
    runs = [{'recipe': 'fast', 'seed': seed, 'reach': reach,
             'group': 'fast-supervised', 'test_acc_combined': acc,
             'test_acc_layers': [acc], 'test_mse_block_10': None}
            for seed, acc in ((1, 0.75), (2, 0.25), (3, 0.5))]
    out = tta.medians(runs)['fast-supervised']
    assert out['test_mse_block_10'] is None
    assert out['test_acc_combined'] == 0.5
    assert tta.median_or_none([3.0, 1.0, 2.0]) == 2.0
    assert tta.median_or_none([3.0, None]) is None


def test_probe_on_one_binary_layer_graph():
    tta = _module()
    _, valid, _ = load_splits('kuramoto', (2, 4, 2), num_particles=5,
                              num_frames=8, seed=3, root=None)
    torch.manual_seed(0)
    model = make_model('nri', 'supervised', valid.num_edge_types, 8, 8)
    subset = [valid[i] for i in range(4)]
    labels = torch.cat([data.edge_type for data in subset])
    assert labels.shape == (4 * 20, 1)
    # Three quarters of the edges predicted wrong: 25 % read as labels,
    # 75 % under the fitted mapping (the classes swapped).
    pred = labels.clone()
    pred[:60] = 1 - pred[:60]
    encoded = []
    encode = model.encode

    def encode_and_record(x, edge_index, batch=None):
        encoded.append(x.size(1))
        return encode(x, edge_index, batch)

    model.encode = encode_and_record
    model.predict_edge_types = lambda logits: pred[:logits.size(0)]
    probe = tta.EdgeAccuracyProbe(subset, 128, torch.device('cpu'),
                                  slice(0, 4))
    assert probe(model) == {'combined': 0.75, 'per_layer': [0.75]}
    assert probe(model, identity_mapping(model)) == {
        'combined': 0.25, 'per_layer': [0.25]}
    assert encoded == [4, 4]
    assert model.training


@pytest.mark.slow
def test_tiny_kuramoto_run_in_both_modes(tmp_path, capsys):
    tta = _module()
    out = tmp_path / 'out'
    args = ['--system', 'kuramoto', '--model', 'nri', '--recipe', 'fast',
            '--mode', 'learned', 'supervised', '--updates', '4',
            '--eval-every', '2', '--seeds', '1', '--num-train', '16',
            '--num-valid', '8', '--num-test', '8', '--eval-size', '8',
            '--data-root', str(tmp_path / 'data'), '--out', str(out),
            '--set', 'hidden_channels=8', 'routine=nri', '--tag', 'tiny',
            '--threads', '1']
    assert tta.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert sorted(path.name for path in out.iterdir()) == [
        'nri-fast-learned-supervised-tiny-accuracy.png',
        'nri-fast-learned-supervised-tiny-summary.json',
        'nri-fast-supervised-tiny-seed1.jsonl',
        'nri-fast-tiny-seed1.jsonl']
    assert result['mode'] == ['learned', 'supervised']
    assert [(r['mode'], r['group'], r['final_updates']) for r in
            result['runs']] == [('learned', 'fast', 4),
                                ('supervised', 'fast-supervised', 4)]
    assert list(result['medians']) == ['fast', 'fast-supervised']
    learned, supervised = result['runs']
    assert learned['test_mse_block_10'] > 0
    assert supervised['test_mse_block_10'] is None
    assert result['medians']['fast-supervised']['test_mse_block_10'] is None
    # The constant level: the share of the more frequent label on test.
    _, _, test = load_splits('kuramoto', (16, 8, 8), seed=42,
                             root=str(tmp_path / 'data'))
    coupled = torch.cat([data.edge_type for data in test]).float().mean()
    level = max(float(coupled), 1 - float(coupled))
    assert result['constant_level_test'] == {
        'combined': pytest.approx(level), 'per_layer': [
            pytest.approx(level)]}
    for name, mode in (('nri-fast-tiny', 'learned'),
                       ('nri-fast-supervised-tiny', 'supervised')):
        with open(out / f'{name}-seed1.jsonl') as f:
            rows = [json.loads(line) for line in f]
        assert rows[0]['mode'] == rows[0]['config']['mode'] == mode
        assert rows[0]['config']['routine'] == 'nri'
        assert [row['updates'] for row in rows[1:-1]] == [2, 4]
        final = rows[-1]
        assert final['layer_names'] == ['coupling']
        assert len(final['test_acc_layers']) == 1
        assert len(final['test_auroc_layers']) == 1
        assert 0.0 <= final['test_auroc_layers'][0] <= 1.0
        # The last evaluation saw the whole validation split with the
        # weights and the mapping rule of the final test.
        assert rows[-2]['valid_combined'] == pytest.approx(
            final['valid_acc_combined'])
    assert final['test_mse_block_10'] is None
    assert final['test_mse_step_10'] is None
    # Rebuilt from the logs alone, the figures are the same; a learned log
    # written before the header held the mode reads as learned.
    learned_log = out / 'nri-fast-tiny-seed1.jsonl'
    rows = learned_log.read_text().splitlines()
    header = json.loads(rows[0])
    del header['mode']
    learned_log.write_text('\n'.join([json.dumps(header)] + rows[1:]))
    assert tta.main(args + ['--report-only']) == 0
    again = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert again['runs'] == result['runs']
    assert again['medians'] == result['medians']
    # One mode alone: its own summary, the learned one named as before.
    learned_only = [a for a in args if a != 'supervised']
    assert tta.main(learned_only + ['--report-only', '--no-plot']) == 0
    alone = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert alone['runs'] == result['runs'][:1]
    assert (out / 'nri-fast-tiny-summary.json').is_file()
    # A log whose header names another mode than its file name is refused.
    learned_log.write_text(
        (out / 'nri-fast-supervised-tiny-seed1.jsonl').read_text())
    with pytest.raises(ValueError, match="holds a 'supervised' run, not a "
                       "'learned' one"):
        tta.main(learned_only + ['--report-only', '--no-plot'])


def test_tiny_netsim_run_reads_one_feature_per_node(tmp_path, capsys):
    # NetSim's nodes carry one BOLD signal, not (x, y, vx, vy): the model
    # is built for the data's features.
    tta = _module()
    out = tmp_path / 'out'
    args = ['--system', 'netsim', '--graph', 'sim3', '--num-particles',
            '15', '--model', 'nri', '--recipe', 'fast', '--updates', '2',
            '--eval-every', '2', '--seeds', '1', '--num-train', '8',
            '--num-valid', '4', '--num-test', '4', '--eval-size', '4',
            '--data-root', str(tmp_path / 'data'), '--out', str(out),
            '--set', 'hidden_channels=8', 'refine_steps=0', '--tag', 'tiny',
            '--threads', '1', '--no-plot']
    assert tta.main(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    run, = result['runs']
    assert run['final_updates'] == 2
    assert result['layer_names'] == ['connection']
    with open(out / 'nri-fast-tiny-seed1.jsonl') as f:
        header = json.loads(f.readline())
    assert header['system'] == 'netsim' and header['graph'] == 'sim3'


def test_fast_recipe_on_kuramoto_is_the_setting_its_stored_runs_measured():
    # docs/kuramoto.md reports the learned model at 0.83-0.85 after 10
    # minutes with `--set routine=nri encoder=cnn
    # prediction_steps_schedule=None`; the recipe's Kuramoto settings must
    # be exactly those, so the figures hold for `--recipe fast` alone.
    tta = _module()
    recipe = get_recipe('fast', 'kuramoto')
    for seed in (1, 2, 3):
        path = osp.join(ROOT, 'results', 'time_to_accuracy', 'kuramoto',
                        f'nri-fast-nri-routine-cnn-m2-seed{seed}.jsonl')
        with open(path) as f:
            header = json.loads(f.readline())
        config = recipe.config(mode='learned', seed=seed, epochs=10**6,
                               device='cpu', progress=False,
                               tensorboard=False)
        # Fields added to TrainConfig after these runs must be at their
        # defaults (which do not change what is trained), but for the
        # recipe's test-time refinement, which acts after training.
        later = {key: value for key, value in config.to_dict().items()
                 if key not in header['config']}
        assert later == {'compile': False, 'layer_graph_schedule': None,
                         'decoder_window_per_graph': False,
                         'weight_average_decay': None,
                         'weight_average_start': 0, 'beta_schedule': None,
                         'symmetry_ensemble': False,
                         'refine_steps': 30, 'refine_lr': 0.3}
        assert TrainConfig.from_dict({**header['config'], 'refine_steps': 30,
                                      'refine_lr': 0.3}) == config
        # So must model arguments added to the recipe after them (the
        # bound of the inverse distance does nothing without central
        # forces or relative messages).
        later = {key: value for key, value in recipe.model.items()
                 if key not in header['model_args']}
        assert later == {'central_forces': False, 'min_distance': 0.05}
        assert {**header['model_args'], **later} == dict(recipe.model)
    args = tta.parse_args(['--system', 'kuramoto', '--recipe', 'fast'])
    assert tta.position_velocity_settings(recipe, args.overrides) == []


@pytest.mark.slow
def test_warm_start_continues_a_saved_run_with_its_own_settings(tmp_path,
                                                               capsys):
    tta = _module()
    common = ['--recipe', 'fast', '--eval-every', '2', '--seeds', '1',
              '--num-train', '16', '--num-valid', '8', '--num-test', '8',
              '--eval-size', '8', '--data-root', str(tmp_path / 'data'),
              '--out', str(tmp_path / 'out'), '--no-plot']
    pattern = str(tmp_path / 'states' / 'tiny-seed{seed}.pt')
    assert tta.main(common + ['--updates', '4', '--set', 'hidden_channels=8',
                              '--tag', 'tiny', '--save-state', pattern]) == 0
    saved = torch.load(tmp_path / 'states' / 'tiny-seed1.pt',
                       weights_only=True)
    assert saved['progress']['updates'] == 4
    assert saved['header']['system'] == 'I+C'
    assert tta.main(common + ['--updates', '2', '--set', 'hidden_channels=8',
                              'lr=1e-4', '--tag', 'warm', '--init-from',
                              pattern]) == 0
    capsys.readouterr()
    with open(tmp_path / 'out' / 'fnri-fast-warm-seed1.jsonl') as f:
        rows = [json.loads(line) for line in f]
    # The budget counts this run's updates; the log continues the count.
    assert rows[0]['init_from']['updates'] == 4
    assert rows[0]['init_from']['tag'] == 'tiny'
    assert [row['updates'] for row in rows[1:]] == [6, 6]
    assert rows[-1]['final'] and rows[-1]['examples'] == 16 * 6

    # The trainer gets the saved weights and Adam moments, and its own
    # learning rate.
    recipe = get_recipe('fast')
    splits = load_splits('I+C', (16, 8, 8), seed=42,
                         root=str(tmp_path / 'data'))
    config = recipe.config(lr=1e-4, epochs=1)
    model = recipe.build_model('fnri', 'learned', splits[0].num_edge_types,
                               splits[0][0].x.size(1), hidden_channels=8)
    trainer = tta.Trainer(model, config, *splits)
    header = {'system': 'I+C', 'num_particles': 5, 'graph': None,
              'candidates': None, 'model': 'fnri', 'mode': 'learned',
              'model_args': {**recipe.model, 'hidden_channels': 8}}
    assert saved['header']['model_args'] == header['model_args']
    info = tta.warm_start(trainer, str(tmp_path / 'states' / 'tiny-seed1.pt'),
                          header)
    assert info['updates'] == trainer.updates == 4
    assert trainer.examples == 64
    for name, value in model.state_dict().items():
        assert torch.equal(value, saved['model'][name]), name
    state = trainer.optimizer.state_dict()['state']
    assert all(torch.equal(state[k]['exp_avg'],
                           saved['optimizer']['state'][k]['exp_avg'])
               for k in state)
    assert [g['lr'] for g in trainer.optimizer.param_groups] == [1e-4]
    assert trainer.scheduler.get_last_lr() == [1e-4]

    # A missing state, or one of another system, ends the command with
    # status 2 and a message.
    for argv, message in (
            (['--init-from', str(tmp_path / 'none-seed{seed}.pt')],
             "no saved state '"),
            (['--system', 'I+C+F', '--init-from', pattern],
             "system 'I+C', not 'I+C+F'"),
            # A model setting without weights of its own.
            (['--set', 'hidden_channels=8', 'min_distance=0.01',
              '--init-from', pattern], "holds a run with model_args")):
        with pytest.raises(SystemExit) as info:
            tta.main(common + ['--updates', '2', '--tag', 'bad'] + argv)
        assert info.value.code == 2
        assert message in capsys.readouterr().err

    # Another system or family, or another width, is refused.
    with pytest.raises(ValueError, match="system 'I\\+C', not 'I\\+C\\+F'"):
        tta.warm_start(trainer, str(tmp_path / 'states' / 'tiny-seed1.pt'),
                       {**header, 'system': 'I+C+F'})
    with pytest.raises(ValueError, match='num_particles 5, not 10'):
        tta.warm_start(trainer, str(tmp_path / 'states' / 'tiny-seed1.pt'),
                       {**header, 'num_particles': 10})
    # A state saved before its header held the data and the model settings
    # is the papers' data, its settings unchecked.
    old = {**saved, 'header': {key: saved['header'][key] for key in
                               ('system', 'model', 'recipe', 'mode', 'tag',
                                'seed')}}
    torch.save(old, tmp_path / 'states' / 'old-seed1.pt')
    assert tta.warm_start(trainer, str(tmp_path / 'states' / 'old-seed1.pt'),
                          {**header, 'model_args': {}})['updates'] == 4
    with pytest.raises(ValueError, match="graph None, not 'er'"):
        tta.warm_start(trainer, str(tmp_path / 'states' / 'old-seed1.pt'),
                       {**header, 'graph': 'er'})
    wide = recipe.build_model('fnri', 'learned', splits[0].num_edge_types,
                              splits[0][0].x.size(1), hidden_channels=16)
    with pytest.raises(ValueError, match='do not fit this model'):
        tta.warm_start(tta.Trainer(wide, config, *splits),
                       str(tmp_path / 'states' / 'tiny-seed1.pt'), header)


def test_a_saved_state_carries_the_weight_average(tmp_path):
    tta = _module()
    recipe = get_recipe('fast')
    splits = load_splits('I+C', (16, 8, 8), seed=42,
                         root=str(tmp_path / 'data'))

    def trainer(decay):
        config = recipe.config(epochs=1, weight_average_decay=decay,
                               progress=False)
        model = recipe.build_model('fnri', 'learned',
                                   splits[0].num_edge_types,
                                   splits[0][0].x.size(1),
                                   hidden_channels=8)
        return tta.Trainer(model, config, *splits)

    first = trainer(0.9)
    first.fit()
    header = {'system': 'I+C', 'num_particles': 5, 'graph': None,
              'candidates': None, 'model': 'fnri', 'recipe': 'fast',
              'mode': 'learned', 'tag': 'avg', 'seed': 1,
              'model_args': {**recipe.model, 'hidden_channels': 8}}
    path = str(tmp_path / 'state.pt')
    tta.save_training_state(first, path, header)
    saved = torch.load(path, weights_only=True)
    # The same decay continues the saved average ...
    same = trainer(0.9)
    tta.warm_start(same, path, header)
    assert same.weight_average.num_updates == first.updates == 1
    for name, value in first.weight_average.average.items():
        assert torch.equal(same.weight_average.average[name], value), name
    # ... another one starts at the saved weights, and a run without an
    # average takes the weights alone.
    other = trainer(0.5)
    tta.warm_start(other, path, header)
    for name, value in other.weight_average.average.items():
        assert torch.equal(value, saved['model'][name]), name
    plain = trainer(None)
    assert tta.warm_start(plain, path, header)['updates'] == 1
