import json
import re
import shutil
import warnings

import numpy as np
import pytest
import torch

from torch_geometric_fnri import infer
from torch_geometric_fnri.datasets import KuramotoDataset, from_arrays
from torch_geometric_fnri.nn import (
    MLPDecoder,
    MLPEncoder,
    MultiplexEdgeSampler,
    RelationalInference,
    build_model,
)
from torch_geometric_fnri.training import (
    SYSTEMS_WITHOUT_GRAPH,
    TrainConfig,
    Trainer,
    load_splits,
    load_trained,
)
from torch_geometric_fnri.utils import fully_connected_edge_index


@pytest.fixture(scope='module')
def trained(tmp_path_factory, tiny_splits):
    run_dir = tmp_path_factory.mktemp('trained') / 'run'
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        symmetric=True, tau=0.7)
    config = TrainConfig(epochs=3, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False, seed=1)
    trainer = Trainer(model, config, *tiny_splits, run_dir=str(run_dir))
    result = trainer.fit()
    return run_dir, trainer, result


def _raw_arrays(dataset, normalizer):
    # The test split back in physical units, with [receiver, sender] labels.
    features = torch.stack([dataset[i].x for i in range(len(dataset))])
    edge_index = dataset[0].edge_index
    labels = torch.stack([dataset[i].edge_type for i in range(len(dataset))])
    num_nodes = features.size(1)
    edges = np.zeros((len(dataset), labels.size(-1), num_nodes, num_nodes),
                     dtype=np.int64)
    for e, (sender, receiver) in enumerate(edge_index.t().tolist()):
        edges[:, :, receiver, sender] = labels[:, e].numpy()
    return normalizer.denormalize(features.numpy()), edges


def _short(data):
    data = data.clone()
    data.x = data.x[:, :5]
    return data


def test_load_trained_rebuilds_the_selected_model(trained):
    run_dir, trainer, _ = trained
    run = load_trained(str(run_dir))
    assert run.model.config == trainer.model.config
    assert run.model.symmetric and run.model.sampler.tau == 0.7
    reference = trainer.model.state_dict()
    for key, value in run.model.state_dict().items():
        assert torch.equal(value, reference[key]), key
    assert run.normalizer == trainer.test_dataset.stats
    assert run.encoder_frames == slice(0, 6) and run.num_frames == 13
    assert run.num_features == 4
    assert run.layer_names == ['ideal_springs', 'charges']
    assert run.config == trainer.config
    assert run.edge_mapping is not None and not run.model.training
    last = load_trained(str(run_dir), checkpoint='last')
    assert last.epoch == 3


class OwnEncoder(torch.nn.Module):
    r"""An encoder of the user's own: a linear layer over each edge's
    pair of flattened trajectories."""
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.lin = torch.nn.Linear(2 * in_channels, out_channels)

    def forward(self, x, edge_index, batch=None):
        x = x.flatten(1)
        return self.lin(torch.cat([x[edge_index[0]], x[edge_index[1]]], -1))


def _composed_by_hand(encoder):
    # The README's parts as one model, with the given encoder.
    K = [2, 2]
    return RelationalInference(encoder, MLPDecoder(4, 8, K, skip_first=True),
                               MultiplexEdgeSampler(K, tau=0.5), 'fnri', K)


def _test_logits(model, run, dataset):
    model.eval()
    with torch.no_grad():
        return torch.cat([model.encode(data.x[:, run.encoder_frames],
                                       data.edge_index) for data in dataset])


def _train_by_hand(run_dir, splits, encoder):
    torch.manual_seed(0)
    trainer = Trainer(_composed_by_hand(encoder),
                      TrainConfig(epochs=2, batch_size=8, prediction_steps=3,
                                  accuracy_batch_size=4, progress=False),
                      *splits, run_dir=str(run_dir))
    trainer.fit()
    trainer.close()
    return trainer


def test_load_trained_builds_a_model_composed_by_hand(tmp_path,
                                                      tiny_splits):
    trainer = _train_by_hand(tmp_path / 'run', tiny_splits,
                             MLPEncoder(6 * 4, 8, 4))
    run = load_trained(str(tmp_path / 'run'))
    assert run.model.config == trainer.model.config
    assert torch.equal(_test_logits(run.model, run, tiny_splits[2]),
                       _test_logits(trainer.model, run, tiny_splits[2]))


def test_load_trained_takes_a_model_with_a_part_of_ones_own(tmp_path,
                                                            tiny_splits):
    run_dir = str(tmp_path / 'run')
    trainer = _train_by_hand(run_dir, tiny_splits, OwnEncoder(6 * 4, 4))
    with pytest.raises(ValueError, match=r"cannot build the model of the run "
                       r".*encoder is a .*OwnEncoder, not one of the "
                       r"package's layers .*load_trained\(run_dir, "
                       r"model=\.\.\.\), which loads the run's weights"):
        load_trained(run_dir)
    run = load_trained(run_dir, model=_composed_by_hand(OwnEncoder(24, 4)))
    assert torch.equal(_test_logits(run.model, run, tiny_splits[2]),
                       _test_logits(trainer.model, run, tiny_splits[2]))
    with pytest.raises(ValueError, match=r"'model' is not the model of the "
                       r"run .* differs in \['encoder.class'\]"):
        load_trained(run_dir, model=_composed_by_hand(
            MLPEncoder(6 * 4, 8, 4)))
    with pytest.raises(ValueError, match=r"the weights of .*best.pt' do not "
                       r"fit 'model'"):
        load_trained(run_dir, model=_composed_by_hand(OwnEncoder(24, 6)))


def test_a_run_written_before_models_carried_their_config_loads(
        trained, tmp_path):
    # Such runs stored build_model's arguments and no feature count.
    run_dir, trainer, _ = trained
    copy = _copy(run_dir, tmp_path)
    arguments = dict(
        variant='fnri', num_edge_types=[2, 2], num_timesteps=6,
        in_channels=4, hidden_channels=8, encoder='mlp', decoder='mlp',
        skip_first=True, tau=0.7, hard=False, encoder_dropout=0.0,
        decoder_dropout=0.0, sharpness=1.0, split_point=0, symmetric=True,
        checkpoint_decoder=False, relative_messages=False,
        central_forces=False)
    with open(copy / 'config.json') as f:
        config = json.load(f)
    del config['run']['model'], config['run']['num_features']
    config['run']['model_arguments'] = arguments
    with open(copy / 'config.json', 'w') as f:
        json.dump(config, f)
    best = copy / 'checkpoints' / 'best.pt'
    state = torch.load(best, weights_only=True)
    del state['run']['model'], state['run']['num_features']
    state['run']['model_arguments'] = arguments
    torch.save(state, best)
    rng = torch.get_rng_state()
    run = load_trained(str(copy))
    assert run.model.config == trainer.model.config
    assert run.num_features == 4
    reference = trainer.model.state_dict()
    for key, value in run.model.state_dict().items():
        assert torch.equal(value, reference[key]), key
    # The global random state moves by the one model built, not by the
    # models the two stored arguments build to be compared.
    torch.set_rng_state(rng)
    arguments = dict(arguments)
    build_model(arguments.pop('variant'), **arguments)
    expected = torch.get_rng_state()
    torch.set_rng_state(rng)
    load_trained(str(copy))
    assert torch.equal(torch.get_rng_state(), expected)


def test_a_run_that_names_the_family_variant_loads(trained, tmp_path):
    # Runs written before the model family had one name stored it as the
    # model config's 'variant'.
    run_dir, trainer, _ = trained
    copy = _copy(run_dir, tmp_path)

    def renamed(model_config):
        model_config = dict(model_config)
        model_config['variant'] = model_config.pop('family')
        return model_config

    with open(copy / 'config.json') as f:
        config = json.load(f)
    config['run']['model'] = renamed(config['run']['model'])
    with open(copy / 'config.json', 'w') as f:
        json.dump(config, f)
    best = copy / 'checkpoints' / 'best.pt'
    state = torch.load(best, weights_only=True)
    state['run']['model'] = renamed(state['run']['model'])
    torch.save(state, best)
    run = load_trained(str(copy))
    assert run.model.config == trainer.model.config


def test_inference_equals_the_trainers_evaluation(trained, tiny_splits):
    run_dir, _, result = trained
    run = load_trained(str(run_dir))
    test = tiny_splits[2]
    graphs = run.infer_graphs(test, batch_size=3)
    num_edges = 6  # 3 particles.
    assert graphs['edge_index'].shape == (2, num_edges)
    assert [p.shape for p in graphs['probabilities']] == \
        [(8, num_edges, 2), (8, num_edges, 2)]
    for probs in graphs['probabilities']:
        assert torch.allclose(probs.sum(-1), torch.ones(8, num_edges))
    assert graphs['predicted'].shape == (8, num_edges, 2)
    assert torch.equal(graphs['predicted'],
                       torch.stack([p.argmax(-1)
                                    for p in graphs['probabilities']], -1))
    accuracy = infer.edge_accuracy(run, graphs, test)
    assert accuracy['combined'] == pytest.approx(
        result['test']['acc_combined'])
    assert accuracy['charges'] == pytest.approx(result['test']['acc_charges'])
    for name in ('ideal_springs', 'charges'):
        for key in ('auroc', 'precision', 'recall', 'f1'):
            assert accuracy[f'{key}_{name}'] == pytest.approx(
                result['test'][f'{key}_{name}'], nan_ok=True), key
        assert 0 <= result['test'][f'auroc_{name}'] <= 1
    # The mapped labels agree with the ground truth as often as that.
    labels = torch.stack([test[i].edge_type for i in range(len(test))])
    right = (graphs['edge_type'] == labels).all(-1).float().mean()
    assert float(right) == pytest.approx(result['test']['acc_combined'])


def test_command_line_on_raw_arrays(trained, tiny_splits, tmp_path, capsys):
    run_dir, _, result = trained
    run = load_trained(str(run_dir))
    features, edges = _raw_arrays(tiny_splits[2], run.normalizer)
    data = tmp_path / 'systems.npz'
    np.savez(data, features=features, edges=edges)
    out = tmp_path / 'out'
    assert infer.main([str(run_dir), str(data), '--out', str(out),
                       '--max-systems', '2', '--no-plots']) == 0
    with open(out / 'summary.json') as f:
        summary = json.load(f)
    assert summary['num_simulations'] == 8
    assert summary['edge_accuracy']['combined'] == pytest.approx(
        result['test']['acc_combined'])
    with np.load(out / 'graphs.npz') as arrays:
        assert arrays['edge_type'].shape == (8, 6, 2)
        assert arrays['probabilities_0'].shape == (8, 6, 2)
    with open(out / 'graphs.json') as f:
        systems = json.load(f)['systems']
    assert len(systems) == 8 and len(systems[0]['edges']) == 6
    assert sorted(p.name for p in (out / 'graphml').iterdir()) == \
        ['system_0.graphml', 'system_1.graphml']
    assert 'edge accuracy: combined' in capsys.readouterr().out


def test_inference_averages_the_encoder_over_the_box_symmetries(
        trained, tiny_splits, tmp_path):
    from torch_geometric_fnri.training import symmetry_ensemble_logits
    from torch_geometric_fnri.training.augmentation import (
        feature_box_symmetries,
    )
    run_dir, _, _ = trained
    run = load_trained(str(run_dir))
    assert run.config.symmetry_ensemble is False
    plain = run.infer_graphs(tiny_splits[2], batch_size=8)
    graphs = run.infer_graphs(tiny_splits[2], batch_size=8,
                              symmetry_ensemble=True)
    # The posterior of the logits averaged over the eight views.
    data = [tiny_splits[2][i] for i in range(len(tiny_splits[2]))]
    symmetries = feature_box_symmetries(run.normalizer, 4, 'test')
    with torch.no_grad():
        expected = torch.stack([
            run.model.factor_probabilities(symmetry_ensemble_logits(
                run.model, d.x[:, run.encoder_frames], d.edge_index, None,
                symmetries))[0] for d in data])
    assert torch.allclose(graphs['probabilities'][0], expected, atol=1e-5)
    assert not torch.allclose(plain['probabilities'][0], expected,
                              atol=1e-3)
    # The command line's flag, recorded in the summary.
    features, edges = _raw_arrays(tiny_splits[2], run.normalizer)
    arrays = tmp_path / 'systems.npz'
    np.savez(arrays, features=features, edges=edges)
    for flag, used in (('--symmetry-ensemble', True),
                       ('--no-symmetry-ensemble', False)):
        out = tmp_path / flag
        assert infer.main([str(run_dir), str(arrays), '--out', str(out),
                           '--no-plots', flag]) == 0
        with open(out / 'summary.json') as f:
            assert json.load(f)['symmetry_ensemble'] is used
        with np.load(out / 'graphs.npz') as saved:
            assert np.allclose(saved['probabilities_0'],
                               (graphs if used else plain)[
                                   'probabilities'][0].numpy(), atol=1e-5)


def test_command_line_rejects_bad_input(trained, tiny_splits, tmp_path,
                                        capsys):
    run_dir, _, _ = trained
    run = load_trained(str(run_dir))
    features, _ = _raw_arrays(tiny_splits[2], run.normalizer)
    loc = features[..., :2].transpose(0, 2, 3, 1)
    labels = np.zeros((8, 2, 3, 3), dtype=np.int64)
    cases = {
        'short.npz': (dict(features=features[:, :, :4]), r'T >= 6'),
        'features.npz': (dict(features=features[..., :3]),
                         'must have 4 features'),
        'nan.npz': (dict(features=np.where(
            np.arange(features.shape[2])[None, None, :, None] == 2,
            np.nan, features)), 'must be finite'),
        'nothing.npz': (dict(other=features), "must hold 'loc' and 'vel'"),
        'both.npz': (dict(features=features, loc=loc, vel=loc), 'not both'),
        'objects.npz': (dict(features=np.array([features[0], 'a'],
                                               dtype=object)),
                        'holds arrays of Python objects'),
        'complex.npz': (dict(features=features + 1j),
                        r'must hold real numbers \(got complex128\)'),
        'overflow.npz': (dict(features=features * 1e300),
                         'beyond float32'),
        'classes.npz': (dict(features=features, edges=labels + 2),
                        "labels of layer 'ideal_springs' go up to 2 but the "
                        r'run knows its classes 0..1'),
        'layers.npz': (dict(features=features, edges=labels[:, :1]),
                       r'labels have 1 layer\(s\) but the run was trained '
                       r"on 2 \(\['ideal_springs', 'charges'\]\)"),
    }
    for name, (arrays, message) in cases.items():
        np.savez(tmp_path / name, **arrays)
    good = (tmp_path / 'short.npz').read_bytes()
    for name, content, message in (
            ('truncated.npz', good[:300], 'truncated, empty or damaged'),
            ('empty.npz', b'', 'truncated, empty or damaged'),
            ('random.npz', bytes(range(256)) * 4, 'no .npy or .npz file')):
        (tmp_path / name).write_bytes(content)
        cases[name] = (None, f"'{tmp_path / name}' is not a readable NumPy "
                       f'file: .*{message}')
    for name, (_, message) in cases.items():
        code = infer.main([str(run_dir), str(tmp_path / name), '--out',
                           str(tmp_path / 'out')])
        assert code == 2, name
        stderr = capsys.readouterr().err
        assert re.search(message, stderr), name
        assert stderr.count('\n') == 1 and 'unsafely' not in stderr, name
    # Through the API, without from_arrays' own checks.
    graphs = [tiny_splits[2][i].clone() for i in range(2)]
    graphs[1].x[0, 3, 1] = float('inf')
    with pytest.raises(ValueError, match='non-finite'):
        run.infer_graphs(graphs)
    with pytest.raises(ValueError, match=r'T >= 6'):
        run.infer_graphs([_short(tiny_splits[2][0])])
    empty = tmp_path / 'empty_run'
    empty.mkdir()
    assert infer.main([str(empty), str(tmp_path / 'short.npz'), '--out',
                       str(tmp_path / 'out')]) == 2
    assert 'no best checkpoint' in capsys.readouterr().err
    for device, message in (('bogus', "unknown device 'bogus'"),
                            ('cpu:7', 'there is one CPU device')):
        with pytest.raises(SystemExit) as info:
            infer.main([str(run_dir), str(tmp_path / 'short.npz'), '--out',
                        str(tmp_path / 'out'), '--device', device])
        assert info.value.code == 2
        assert message in capsys.readouterr().err


def test_infer_graphs_refuses_data_it_cannot_read(trained, tiny_splits):
    run = load_trained(str(trained[0]))
    test = tiny_splits[2]
    # Simulations of two particle counts in one call.
    bigger = test[0].clone()
    bigger.x = torch.cat([bigger.x, bigger.x[:1]])
    bigger.edge_index = fully_connected_edge_index(4)
    with pytest.raises(ValueError, match='the same number of particles .*'
                       'each particle count on its own'):
        run.infer_graphs([test[0], bigger, test[1]])
    with pytest.raises(ValueError, match="'batch_size' must be a positive "
                       r"int \(got 0\)"):
        run.infer_graphs(test, batch_size=0)
    double = test[0].clone()
    double.x = double.x.double()
    with pytest.raises(ValueError, match="'x' is torch.float64 but the "
                       "model's weights are torch.float32"):
        run.infer_graphs([double])


def test_infer_graphs_warns_of_data_far_outside_the_training_data(
        trained, tiny_splits):
    run = load_trained(str(trained[0]))
    features, _ = _raw_arrays(tiny_splits[2], run.normalizer)
    with warnings.catch_warnings():  # The test split: no warning.
        warnings.simplefilter('error')
        run.infer_graphs(tiny_splits[2])
    oscillators = KuramotoDataset(None, split='test', num_simulations=(4, 4,
                                                                       8),
                                  num_particles=3, num_frames=13, log=False)
    kuramoto = oscillators.stats.denormalize(
        torch.stack([d.x for d in oscillators]).double()).numpy()
    positions = features.copy()
    positions[..., :2] *= 1e6
    for data, message in (
            (positions, r'feature 0 at [0-9.e+]+ times that range \(RMS\); '
             'feature 1 at'),
            (features * 100, 'feature 0 at'),
            (np.zeros_like(features), r'feature 0 is constant \(std 0\)'),
            (kuramoto, 'feature 3 at')):
        dataset = from_arrays(features=data, stats=run.normalizer)
        with pytest.warns(UserWarning, match="far outside the run's training "
                          f'data .*{message}.*meaningless'):
            run.infer_graphs(dataset)


@pytest.mark.parametrize('system,graph,num_particles', [
    *((system, None, 5) for system in SYSTEMS_WITHOUT_GRAPH),
    ('swing', 'case14', 14), ('netsim', 'sim1', 5)])
def test_the_library_test_splits_lie_inside_the_training_range(
        tmp_path, system, graph, num_particles):
    # What infer_graphs warns of never holds for the library's own test
    # splits (the encoder's frames, the first half), whole or one
    # simulation, at the fast recipe's particle count (or the network's).
    from torch_geometric_fnri.training import trained_run
    if system == 'swing':
        pytest.importorskip('pypower')
    test = load_splits(system, (32, 8, 16), num_particles=num_particles,
                       num_frames=49, root=str(tmp_path), graph=graph)[2]
    x = torch.stack([d.x for d in test])[:, :, :25].double()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        for part in (x, x[:1]):
            flat = part.reshape(-1, x.size(-1))
            trained_run._warn_outside_training_range(
                torch.stack([flat.mean(0), flat.pow(2).mean(0)]),
                test.feature_names)


def _copy(run_dir, tmp_path):
    copy = tmp_path / 'run'
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns('run.lock'))
    return copy


def test_command_line_on_damaged_or_foreign_run_files(trained, tiny_splits,
                                                      tmp_path, capsys):
    run = load_trained(str(trained[0]))
    features, edges = _raw_arrays(tiny_splits[2], run.normalizer)
    data = tmp_path / 'systems.npz'
    np.savez(data, features=features, edges=edges)
    copy = _copy(trained[0], tmp_path)

    def infer_into(out, code=2):
        assert infer.main([str(copy), str(data), '--out',
                           str(tmp_path / out), '--no-plots']) == code
        return capsys.readouterr().err

    # A truncated metrics.json is named.
    metrics = (copy / 'metrics.json').read_bytes()
    (copy / 'metrics.json').write_bytes(metrics[:50])
    assert re.search(r"metrics.json' is not a readable run file .*restore "
                     r"it, or delete it", infer_into('a'))
    # Without it, inference says what is missing.
    (copy / 'metrics.json').unlink()
    assert 'no label mapping (its metrics.json' in infer_into('b', 0)
    with np.load(tmp_path / 'b' / 'graphs.npz') as arrays:
        assert 'edge_type' not in arrays and 'predicted' in arrays
    (copy / 'metrics.json').write_bytes(metrics)
    # The best checkpoint of another run (an NRI run's in an fNRI run).
    best = copy / 'checkpoints' / 'best.pt'
    state = torch.load(best, weights_only=True)
    state['run']['model']['sampler']['arguments']['tau'] = 0.9
    torch.save(state, best)
    assert re.search(r"best.pt' is not a checkpoint of the run in .*differs "
                     r"from the run's config.json in "
                     r"\['sampler.arguments.tau'\]", infer_into('c'))
    # A damaged checkpoint is named.
    for content in (b'', b'PK\x03\x04 cut', bytes(range(256))):
        best.write_bytes(content)
        assert f"'{best}' is not a readable checkpoint" in infer_into('d')
    # A run of a mode that trains nothing has no checkpoint: it is told so.
    shutil.rmtree(copy / 'checkpoints')
    with open(copy / 'config.json') as f:
        config = json.load(f)
    config['train']['mode'] = 'static'
    with open(copy / 'config.json', 'w') as f:
        json.dump(config, f)
    assert "a run of mode 'static' trains no encoder: it infers no graphs" \
        in infer_into('e')


def test_command_line_on_a_folder_of_reference_files(trained, tiny_splits,
                                                     tmp_path):
    # The fNRI generator's layout: loc/vel [S, T, 2, N], edges [S, L, N, N].
    run_dir, _, result = trained
    run = load_trained(str(run_dir))
    features, edges = _raw_arrays(tiny_splits[2], run.normalizer)
    folder = tmp_path / 'fnri_data'
    folder.mkdir()
    np.save(folder / 'loc_test.npy', features[..., :2].transpose(0, 2, 3, 1))
    np.save(folder / 'vel_test.npy', features[..., 2:].transpose(0, 2, 3, 1))
    np.save(folder / 'edges_test.npy', edges)
    out = tmp_path / 'out'
    assert infer.main([str(run_dir), str(folder), '--out', str(out),
                       '--no-plots']) == 0
    with open(out / 'summary.json') as f:
        summary = json.load(f)
    assert summary['edge_accuracy']['combined'] == pytest.approx(
        result['test']['acc_combined'])


def test_command_line_keeps_earlier_results(trained, tiny_splits, tmp_path,
                                            capsys, monkeypatch):
    import errno
    run_dir, _, _ = trained
    run = load_trained(str(run_dir))
    features, edges = _raw_arrays(tiny_splits[2], run.normalizer)
    data = tmp_path / 'systems.npz'
    np.savez(data, features=features, edges=edges)
    out = tmp_path / 'out'
    command = [str(run_dir), str(data), '--out', str(out), '--no-plots',
               '--max-systems', '1']
    assert infer.main(command) == 0
    before = (out / 'graphs.npz').read_bytes()
    # A second inference into the same folder is refused...
    with pytest.raises(SystemExit) as info:
        infer.main(command)
    assert info.value.code == 2
    assert re.search(r"already holds results \(\['summary.json', "
                     r"'graphs.npz'.*--overwrite", capsys.readouterr().err)
    # ... and with --overwrite, a write that fails half-way (a full disk)
    # leaves the earlier file whole and no temporary file behind.
    real_savez = np.savez

    def savez_then_disk_full(file, **arrays):
        real_savez(file, **arrays)
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(np, 'savez', savez_then_disk_full)
    capsys.readouterr()
    assert infer.main(command + ['--overwrite']) == 2
    assert capsys.readouterr().err == \
        'error: [Errno 28] No space left on device\n'
    assert (out / 'graphs.npz').read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == \
        ['graphml', 'graphs.json', 'graphs.npz', 'summary.json']
    monkeypatch.undo()
    assert infer.main(command + ['--overwrite']) == 0
    file = tmp_path / 'a_file'
    file.write_text('')
    with pytest.raises(SystemExit):
        infer.main([str(run_dir), str(data), '--out', str(file)])
    assert 'is a file, not a folder' in capsys.readouterr().err


def test_command_line_reports_memory_exhaustion(trained, tmp_path, capsys,
                                                monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError('Unable to allocate 7.28 TiB for an array')
    monkeypatch.setattr(infer, 'load_data', exhausted)
    assert infer.main([str(trained[0]), 'data.npz', '--out',
                       str(tmp_path / 'out')]) == 2
    assert capsys.readouterr().err == (
        'error: not enough memory (Unable to allocate 7.28 TiB for an '
        'array): infer fewer simulations at a time, or use a smaller '
        '--batch-size\n')
