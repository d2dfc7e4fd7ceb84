import math
import re
import os
import os.path as osp

import pytest
import torch

from torch_geometric_fnri.nn import MLPEncoder, build_model
from torch_geometric_fnri.training import TrainConfig, Trainer
from torch_geometric_fnri.training.dataset_identity import dataset_identity


def _model(seed=0):
    torch.manual_seed(seed)
    return build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)


def _config(**kwargs):
    defaults = dict(epochs=2, batch_size=8, prediction_steps=3,
                    accuracy_batch_size=4, progress=False, seed=1)
    defaults.update(kwargs)
    return TrainConfig(**defaults)


def _finished_run(path, splits):
    Trainer(_model(), _config(), *splits, run_dir=str(path)).fit()
    return path


def test_existing_run_is_never_overwritten_silently(tmp_path, tiny_splits):
    run = _finished_run(tmp_path / 'run', tiny_splits)
    before = {name: os.stat(run / name).st_mtime_ns
              for name in ('metrics.json', 'log.csv')}
    with pytest.raises(FileExistsError, match='--resume.*--overwrite'):
        Trainer(_model(), _config(), *tiny_splits, run_dir=str(run))
    assert {name: os.stat(run / name).st_mtime_ns
            for name in before} == before

    with pytest.raises(ValueError, match='exclude each other'):
        Trainer(_model(), _config(), *tiny_splits, run_dir=str(run),
                resume=True, overwrite=True)

    # Overwriting starts a clean run: the old log rows are gone.
    (run / 'checkpoints' / '.last.pt.123.tmp').write_bytes(b'x')
    trainer = Trainer(_model(), _config(epochs=1), *tiny_splits,
                      run_dir=str(run), overwrite=True)
    assert not osp.exists(run / 'metrics.json')
    assert not osp.exists(run / 'checkpoints' / '.last.pt.123.tmp')
    trainer.fit()
    assert [row['epoch'] for row in trainer.run_dir.read_log()] == ['0']


def test_stale_temporary_files_are_removed(tmp_path, tiny_splits):
    (tmp_path / 'checkpoints').mkdir()
    stale = [tmp_path / 'metrics.json.99.tmp',
             tmp_path / 'checkpoints' / '.best.pt.99.tmp']
    for path in stale:
        path.write_bytes(b'partial')
    Trainer(_model(), _config(), *tiny_splits, run_dir=str(tmp_path))
    assert not any(path.exists() for path in stale)


def _mtimes(run):
    return {str(path): os.stat(path).st_mtime_ns
            for path in sorted(run.rglob('*')) if path.is_file()
            and path.name != 'run.lock'}


def test_resume_without_last_checkpoint_is_refused(tmp_path, tiny_splits):
    run = _finished_run(tmp_path / 'run', tiny_splits)
    os.remove(run / 'checkpoints' / 'last.pt')
    before = _mtimes(run)
    with pytest.raises(FileNotFoundError,
                       match=r"holds a run .* but no 'checkpoints/last.pt'.*"
                       r"--overwrite"):
        Trainer(_model(), _config(), *tiny_splits, run_dir=str(run),
                resume=True)
    assert _mtimes(run) == before


def test_resume_in_an_empty_directory_starts_a_new_run(tmp_path,
                                                      tiny_splits):
    trainer = Trainer(_model(), _config(), *tiny_splits,
                      run_dir=str(tmp_path / 'new'), resume=True)
    assert trainer.epoch == 0
    trainer.fit()
    assert [row['epoch'] for row in trainer.run_dir.read_log()] == \
        ['0', '1']


@pytest.mark.parametrize('content', [b'', b'epoch,lr\n0,0.1,9\n',
                                     b'lr\n0.1\n', b'\xff\xfe\x00bad'])
def test_resume_with_a_damaged_log_is_refused_before_training(
        tmp_path, tiny_splits, content):
    train, valid, test = tiny_splits
    run = tmp_path / 'run'
    Trainer(_model(), _config(epochs=2, max_epochs=1), train, valid,
            run_dir=str(run)).fit()
    (run / 'log.csv').write_bytes(content)
    before = _mtimes(run)
    with pytest.raises(ValueError, match=r"log.csv' is not a readable run "
                       r"log.*--overwrite"):
        Trainer(_model(), _config(), train, valid, run_dir=str(run),
                resume=True)
    assert _mtimes(run) == before


@pytest.mark.parametrize('content', [b'', b'PK\x03\x04 truncated'])
def test_resume_from_damaged_checkpoint_says_what_to_do(
        tmp_path, tiny_splits, content):
    run = _finished_run(tmp_path / 'run', tiny_splits)
    last = run / 'checkpoints' / 'last.pt'
    last.write_bytes(content)
    with pytest.raises(ValueError) as info:
        Trainer(_model(), _config(), *tiny_splits, run_dir=str(run),
                resume=True)
    message = str(info.value)
    assert str(last) in message and '--overwrite' in message
    assert 'best.pt' in message


def test_resume_on_other_data_is_refused(tmp_path, tiny_splits):
    train, valid, test = tiny_splits
    run = tmp_path / 'run'
    Trainer(_model(), _config(epochs=2, max_epochs=1), train, valid,
            run_dir=str(run)).fit()
    other = [valid[i] for i in range(len(valid))] * 2  # 16 other graphs.
    with pytest.raises(ValueError, match='trained on other data'):
        Trainer(_model(), _config(epochs=2), other, valid, run_dir=str(run),
                resume=True)
    # The same data resumes.
    trainer = Trainer(_model(), _config(epochs=2), train, valid,
                      run_dir=str(run), resume=True)
    assert trainer.epoch == 1


def test_dataset_identity(tiny_splits):
    train, valid, _ = tiny_splits
    identity = dataset_identity(train)
    assert identity == dataset_identity(train)
    assert identity['size'] == 16 and identity['split'] == 'train'
    assert identity['generation_parameters']['num_particles'] == 3
    assert identity['sha256'] != dataset_identity(valid)['sha256']
    graphs = [train[i] for i in range(len(train))]
    changed = [data.clone() for data in graphs]
    changed[-1].x = changed[-1].x + 1e-3
    plain = dataset_identity(graphs)
    assert 'generation_parameters' not in plain
    assert plain['sha256'] == identity['sha256']
    assert dataset_identity(changed)['sha256'] != plain['sha256']
    assert dataset_identity(None) is None


def test_best_checkpoint_is_written_before_last(tmp_path, tiny_splits,
                                                monkeypatch):
    import torch_geometric_fnri.training.checkpoint as checkpoint_module
    order = []
    real = checkpoint_module.save_checkpoint

    def record(state, path):
        order.append(osp.basename(path))
        real(state, path)

    monkeypatch.setattr(checkpoint_module, 'save_checkpoint', record)
    Trainer(_model(), _config(epochs=1), *tiny_splits[:2],
            run_dir=str(tmp_path)).fit()
    assert order == ['best.pt', 'last.pt']


def test_non_finite_selection_metric_does_not_freeze_selection(
        tiny_splits, script_selection):
    trainer = Trainer(_model(), _config(epochs=3), *tiny_splits[:2])
    script_selection(trainer, [float('nan'), 2.0, 1.0])
    with pytest.warns(RuntimeWarning, match="'valid_nll_m' is nan"):
        trainer.fit()
    # The NaN epoch never became the best; later finite epochs did.
    assert trainer.best_epoch == 2 and trainer.best_value == 1.0
    assert math.isfinite(trainer.best_value)


def test_splits_the_model_cannot_use_raise_clear_errors(tiny_splits):
    train, valid, test = tiny_splits
    with pytest.raises(ValueError, match="'train_dataset' is empty"):
        Trainer(_model(), _config(), [], valid)
    three_layers = build_model('fnri', [2, 2, 2], num_timesteps=6,
                               hidden_channels=8)
    with pytest.raises(ValueError, match=r'num_edge_types=\[2, 2, 2\] but '
                       r"'train_dataset' has num_edge_types=\[2, 2\]"):
        Trainer(three_layers, _config(), train, valid)
    # A plain list has no num_edge_types: the label columns are checked.
    with pytest.raises(ValueError, match="3 layer-graph.*2 column"):
        Trainer(three_layers, _config(), [train[i] for i in range(16)],
                valid)
    empty = train[0].clone()
    empty.x = empty.x[:0]
    with pytest.raises(ValueError, match=r'num_nodes >= 2.*\(0, 13, 4\)'):
        Trainer(_model(), _config(), train, [empty])
    lonely = train[0].clone()
    lonely.x = lonely.x[:1]
    lonely.edge_index = lonely.edge_index[:, :0]
    lonely.edge_type = lonely.edge_type[:0]
    with pytest.raises(ValueError, match=r'relations need two nodes; got '
                       r'\(1, 13, 4\)'):
        Trainer(_model(), _config(), train, [lonely])
    # Another feature count or frame count than the training split's is
    # refused when the trainer is built, not after an epoch.
    for x in (valid[0].x[..., :3], valid[0].x[:, :9]):
        other = valid[0].clone()
        other.x = x
        with pytest.raises(ValueError, match=r'same number of frames and '
                           r'features.*\(13, 4\).*' +
                           re.escape(str(tuple(x.shape[1:])))):
            Trainer(_model(), _config(), train, [other])
    with pytest.raises(TypeError, match="'model' must be a "
                       "RelationalInference \\(got Linear\\)"):
        Trainer(torch.nn.Linear(4, 4), _config(), train, valid)


def test_negative_seed_is_rejected():
    with pytest.raises(ValueError, match="'seed'"):
        TrainConfig(seed=-1)


_HOLD_LOCK = '''
import sys
from torch_geometric_fnri.training import RunDirectory
run_dir = RunDirectory(sys.argv[1])
run_dir.lock()
print('locked', flush=True)
sys.stdin.read()
'''


def test_a_run_directory_has_one_writer_at_a_time(tmp_path, tiny_splits):
    import subprocess
    import sys
    run = tmp_path / 'run'
    holder = subprocess.Popen([sys.executable, '-c', _HOLD_LOCK, str(run)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == 'locked'
        from torch_geometric_fnri.training import RunDirectoryInUseError
        with pytest.raises(RunDirectoryInUseError,
                           match=rf"in use by another run \(.*\"pid\": "
                           rf"{holder.pid}"):
            Trainer(_model(), _config(), *tiny_splits, run_dir=str(run))
        assert sorted(p.name for p in run.iterdir()) == \
            ['checkpoints', 'run.lock']
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    # The lock ends with its process: the directory is free again.
    trainer = Trainer(_model(), _config(epochs=1), *tiny_splits,
                      run_dir=str(run))
    trainer.fit()
    trainer.close()


def test_a_newer_trainer_in_the_same_process_takes_the_directory_over(
        tmp_path, tiny_splits):
    run = str(tmp_path / 'run')
    first = Trainer(_model(), _config(epochs=1), *tiny_splits, run_dir=run)
    second = Trainer(_model(), _config(epochs=1), *tiny_splits, run_dir=run)
    with pytest.raises(RuntimeError, match='taken over by a newer run'):
        first.fit()
    second.fit()
    assert [row['epoch'] for row in second.run_dir.read_log()] == ['0']


@pytest.mark.parametrize('changes,differ', [
    # Weights of the same shapes, which would load.
    (dict(tau=0.9), "['sampler.arguments.tau']"),
    (dict(hard=True, skip_first=False),
     "['decoder.arguments.skip_first', 'sampler.arguments.hard']"),
    (dict(family='nri'), "['decoder.arguments.num_edge_types', "
     "'family', 'sampler.arguments.num_edge_types']"),
    # Weights of other shapes.
    (dict(hidden_channels=16), "['decoder.arguments.hidden_channels', "
     "'encoder.arguments.hidden_channels']"),
    (dict(encoder='cnn'), "['encoder.class']"),
])
def test_resume_with_another_model_is_refused(tmp_path, tiny_splits,
                                              changes, differ):
    run = _finished_run(tmp_path / 'run', tiny_splits)
    before = _mtimes(run)
    arguments = dict(num_timesteps=6, hidden_channels=8)
    arguments.update(changes)
    model = build_model(arguments.pop('family', 'fnri'), [2, 2],
                        **arguments)
    with pytest.raises(ValueError, match=re.escape(
            f"the model differs in {differ}") + ".*--overwrite"):
        Trainer(model, _config(), *tiny_splits, run_dir=str(run),
                resume=True)
    assert _mtimes(run) == before
    # Memory-only settings may change.
    checkpointed = build_model('fnri', [2, 2], num_timesteps=6,
                               hidden_channels=8, checkpoint_decoder=True)
    Trainer(checkpointed, _config(), *tiny_splits, run_dir=str(run),
            resume=True).close()


def test_a_run_written_before_models_carried_their_config_resumes(
        tmp_path, tiny_splits):
    # Such runs stored build_model's arguments instead of the config.
    run = _finished_run(tmp_path / 'run', tiny_splits)
    last = run / 'checkpoints' / 'last.pt'
    state = torch.load(last, weights_only=True)
    del state['run']['model'], state['run']['num_features']
    state['run']['model_arguments'] = dict(
        variant='fnri', num_edge_types=[2, 2], num_timesteps=6,
        in_channels=4, hidden_channels=8, encoder='mlp', decoder='mlp',
        skip_first=True, tau=0.5, hard=False, encoder_dropout=0.0,
        decoder_dropout=0.0, sharpness=1.0, split_point=0, symmetric=False,
        checkpoint_decoder=False, relative_messages=False,
        central_forces=False)
    torch.save(state, last)
    Trainer(_model(), _config(), *tiny_splits, run_dir=str(run),
            resume=True).close()
    other = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        tau=0.9)
    with pytest.raises(ValueError, match=re.escape(
            "the model differs in ['sampler.arguments.tau']")):
        Trainer(other, _config(), *tiny_splits, run_dir=str(run),
                resume=True)


class OwnEncoder(MLPEncoder):
    r"""An encoder of the user's own (not one of the package's layers)."""


def _with_own_encoder(hidden_channels):
    # An fNRI model whose encoder has no config to compare.
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    model.encoder = OwnEncoder(6 * 4, hidden_channels, 4)
    return model


def test_resume_of_a_model_whose_weights_do_not_fit_is_refused(
        tmp_path, tiny_splits):
    run = tmp_path / 'run'
    Trainer(_with_own_encoder(8), _config(), *tiny_splits,
            run_dir=str(run)).fit()
    with pytest.raises(ValueError, match="its weights do not fit the model "
                       r"\(Error\(s\) in loading state_dict"):
        Trainer(_with_own_encoder(16), _config(), *tiny_splits,
                run_dir=str(run), resume=True)
