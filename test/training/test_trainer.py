import json
import math
import os.path as osp

import pytest
import torch

from torch_geometric_fnri.metrics import mapped_accuracy
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    NonFiniteLossError,
    TrainConfig,
    Trainer,
    load_checkpoint,
    load_trained,
)

ENC_FRAMES = 6  # 13 frames: encoder 0..5, decoder 7..12.


def _model(family='fnri', decoder='mlp', seed=0):
    torch.manual_seed(seed)
    return build_model(family, [2, 2], num_timesteps=ENC_FRAMES,
                       hidden_channels=8, decoder=decoder)


def _config(**kwargs):
    defaults = dict(epochs=1, batch_size=8, prediction_steps=3,
                    accuracy_batch_size=4, progress=False, seed=1)
    defaults.update(kwargs)
    return TrainConfig(**defaults)


@pytest.mark.parametrize('mode,family', [
    ('learned', 'fnri'),
    ('learned', 'nri'),
    ('learned', 'sfnri'),
    ('supervised', 'fnri'),
    ('true_graph', 'nri'),
    ('static', 'fnri'),
])
def test_modes_end_to_end(tmp_path, tiny_splits, mode, family):
    model = _model(family, 'static' if mode == 'static' else 'mlp')
    trainer = Trainer(model, _config(mode=mode), *tiny_splits,
                      run_dir=str(tmp_path))
    result = trainer.fit()
    test = result['test']
    assert result['completed'] and test['num_graphs'] == 8
    if mode in ('learned', 'supervised'):
        for key in ('acc_combined', 'acc_ideal_springs', 'acc_charges',
                    'acc_batch_optimal_combined'):
            assert 0 <= test[key] <= 1
        assert test['edge_mapping'] == result['valid']['edge_mapping']
        # The confusion matrix: predicted combinations x label
        # combinations, its columns the test split's label counts, and the
        # accuracy under the mapping read back from it.
        confusion = torch.tensor(test['edge_confusion'])
        assert confusion.shape == (4, 4)
        labels = torch.cat([data.edge_type for data in tiny_splits[2]])
        assert confusion.sum(0).tolist() == torch.bincount(
            labels[:, 0] * 2 + labels[:, 1], minlength=4).tolist()
        assert mapped_accuracy(confusion, test['edge_mapping'],
                               model.pred_num_classes, [2, 2])['combined'] \
            == pytest.approx(test['acc_combined'])
        assert 'valid_edge_confusion' not in trainer.history[0]
    if mode != 'supervised':
        for key in ('nll_1', 'nll_m', 'mse_block_1', 'mse_block_1_physical',
                    'mse_step_1', 'mse_step_1_physical',
                    'static_mse_block_1', 'static_mse_step_1'):
            assert test[key] >= 0
        assert 'mse_step_10' not in test  # Only 6 frames after frame 6.
    if mode == 'static':
        assert test['mse_block_1'] == test['static_mse_block_1']
        assert not osp.exists(tmp_path / 'log.csv')
    else:
        with open(tmp_path / 'log.csv') as f:
            header = f.readline()
        assert header.startswith('epoch,lr,train_loss')
        assert osp.isfile(tmp_path / 'checkpoints' / 'best.pt')
    with open(tmp_path / 'metrics.json') as f:
        metrics = json.load(f)
    assert metrics['mode'] == mode and metrics['test'] == json.loads(
        json.dumps(test))
    with open(tmp_path / 'config.json') as f:
        assert json.load(f)['train']['mode'] == mode


def test_resume_gives_identical_weights(tmp_path, tiny_splits):
    config = _config(epochs=4)
    full = Trainer(_model(), config, *tiny_splits[:2],
                   run_dir=str(tmp_path / 'full'))
    full.fit()

    first = Trainer(_model(), _config(epochs=4, max_epochs=2),
                    *tiny_splits[:2], run_dir=str(tmp_path / 'cut'))
    assert first.fit() == {'completed': False, 'stopped': 'max_epochs',
                           'epochs_done': 2, 'updates': 4, 'examples': 32}
    # A fresh process: different initial weights, restored from last.pt.
    second = Trainer(_model(seed=5), config, *tiny_splits[:2],
                     run_dir=str(tmp_path / 'cut'), resume=True)
    assert second.epoch == 2
    rows = []
    second.fit(on_epoch_end=rows.append)
    # The hook sees the resumed epochs only, as written to log.csv.
    assert [row['epoch'] for row in rows] == [2, 3]
    assert all(row['time'] > 0 and 'valid_nll_m' in row for row in rows)
    logged = second.run_dir.read_log()[-2:]
    for row, line in zip(rows, logged):
        assert int(line['epoch']) == row['epoch']
        for key in ('train_loss', 'valid_nll_m', 'valid_acc_combined'):
            assert float(line[key]) == row[key], key

    a = load_checkpoint(str(tmp_path / 'full' / 'checkpoints' / 'last.pt'))
    b = load_checkpoint(str(tmp_path / 'cut' / 'checkpoints' / 'last.pt'))
    assert a['epoch'] == b['epoch'] == 4
    for key, value in a['model'].items():
        assert torch.equal(value, b['model'][key]), key
    assert a['best_epoch'] == b['best_epoch']
    assert len(second.run_dir.read_log()) == 4
    # The update and example counters continue across the resume.
    assert second.updates == full.updates == 8
    assert second.examples == full.examples == 64

    with pytest.raises(ValueError, match=r"differs in \['lr'\]"):
        Trainer(_model(), _config(epochs=4, lr=1e-3), *tiny_splits[:2],
                run_dir=str(tmp_path / 'cut'), resume=True)
    # Compiling the step changes how it runs, not what it trains.
    resumed = Trainer(_model(), _config(epochs=4, compile=True),
                      *tiny_splits[:2], run_dir=str(tmp_path / 'cut'),
                      resume=True)
    assert resumed.epoch == 4 and resumed.step_module is not \
        resumed.objective


def test_on_step_end_stops_mid_epoch(tiny_splits):
    steps = []

    def hook(step):
        steps.append(step)
        return step['updates'] == 6

    trainer = Trainer(_model(), _config(epochs=3, batch_size=4),
                      *tiny_splits)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    result = trainer.fit(on_step_end=hook)
    # 16 training simulations in batches of 4: 4 updates per epoch.
    assert result == {'completed': False, 'stopped': 'on_step_end',
                      'epochs_done': 1, 'updates': 6, 'examples': 24}
    assert [(s['epoch'], s['batch'], s['updates'], s['examples'])
            for s in steps] == [(0, 0, 1, 4), (0, 1, 2, 8), (0, 2, 3, 12),
                                (0, 3, 4, 16), (1, 0, 5, 20), (1, 1, 6, 24)]
    assert all(math.isfinite(s['loss']) for s in steps)
    assert len(trainer.history) == 1  # The second epoch never finished.
    # The model keeps the weights of update 6, not those of the only
    # finished (so best) epoch, which a reload would restore.
    one_epoch = Trainer(_model(), _config(epochs=3, batch_size=4,
                                          max_epochs=1), *tiny_splits)
    one_epoch.fit()
    for reference in (before, one_epoch.model.state_dict()):
        assert any(not torch.equal(value, reference[key])
                   for key, value in trainer.model.state_dict().items())


def test_non_finite_loss(tiny_splits):
    train = [tiny_splits[0][i].clone() for i in range(len(tiny_splits[0]))]
    train[3].x[0, 8, 0] = float('nan')  # A decoder frame of sample 3.
    trainer = Trainer(_model(), _config(data_on_device=False), train,
                      tiny_splits[1])
    with pytest.raises(NonFiniteLossError, match=r'epoch 0, batch \d'):
        trainer.fit()


def test_learning_rate_schedule(tiny_splits):
    for reference, expected in ((False, [1.0, 1.0, 0.5, 0.5, 0.25]),
                                (True, [1.0, 0.5, 0.5, 0.25, 0.25])):
        config = _config(epochs=5, lr=1e-3, lr_decay_epochs=2,
                         reference_lr_schedule=reference,
                         mode='true_graph')
        trainer = Trainer(_model(), config, *tiny_splits[:2])
        trainer.fit()
        assert [row['lr'] for row in trainer.history] == pytest.approx(
            [1e-3 * factor for factor in expected])


def test_patience_stops_at_the_right_epoch(tiny_splits, script_selection):
    # Scripted selection values: the best is epoch 1; with patience 2 the
    # run stops after epoch 3 (two epochs without improvement).
    trainer = Trainer(_model(), _config(epochs=6, patience=2), *tiny_splits)
    script_selection(trainer, [3.0, 2.0, 2.5, 2.6, 2.7, 1.0])
    result = trainer.fit()
    assert result['stopped_early'] and result['epochs_done'] == 4
    assert result['best_epoch'] == 1 and trainer.best_value == 2.0


@pytest.mark.parametrize('clip', [None, 1e-3])
def test_grad_clip_bounds_the_gradient_norm(tiny_splits, clip):
    trainer = Trainer(_model(), _config(grad_clip=clip), *tiny_splits[:2])
    norms = []

    def record(optimizer, args, kwargs):
        grads = [p.grad for group in optimizer.param_groups
                 for p in group['params'] if p.grad is not None]
        norms.append(float(torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g) for g in grads]))))

    trainer.optimizer.register_step_pre_hook(record)
    trainer.fit()
    assert len(norms) == 2  # 16 graphs, batch 8.
    if clip is None:
        assert min(norms) > 1e-2  # The clip below would bind.
    else:
        assert max(norms) <= clip * (1 + 1e-5)


def test_trainer_errors(tiny_splits):
    with pytest.raises(TypeError, match="'config'"):
        Trainer(_model(), {'epochs': 1}, *tiny_splits)
    with pytest.raises(ValueError, match="needs 'train_dataset'"):
        Trainer(_model(), _config())
    with pytest.raises(ValueError, match="'resume=True' needs"):
        Trainer(_model(), _config(), *tiny_splits, resume=True)


@pytest.mark.parametrize('mode', ['learned', 'supervised', 'true_graph'])
def test_trained_modes_refuse_the_static_decoder(tiny_splits, mode):
    static = _model(decoder='static')
    with pytest.raises(ValueError, match="StaticDecoder has nothing to "
                       f"train: evaluate it with mode='static' \\(got "
                       f"mode='{mode}'\\)"):
        Trainer(static, _config(mode=mode), *tiny_splits)


@pytest.mark.parametrize('decoder,name', [('mlp', 'MLPDecoder'),
                                          ('rnn', 'RNNDecoder')])
def test_static_mode_refuses_a_learned_decoder(tiny_splits, decoder, name):
    with pytest.raises(ValueError, match="'static' mode evaluates a model "
                       f"with the StaticDecoder \\(got {name}\\)"):
        Trainer(_model(decoder=decoder), _config(mode='static'),
                *tiny_splits)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('mode', ['learned', 'supervised', 'true_graph'])
def test_trainer_on_cuda(tmp_path, tiny_splits, mode):
    # Two epochs with the model and the data on a CUDA device; the best
    # model loads on the CPU. Without Gumbel noise (supervised, true
    # graph) the run equals the CPU run: the shuffle's generator is a CPU
    # one on both.
    runs = {}
    for device in ('cpu', 'cuda'):
        trainer = Trainer(_model(), _config(epochs=2, mode=mode,
                                            device=device),
                          *tiny_splits, run_dir=str(tmp_path / device))
        assert next(trainer.model.parameters()).device.type == device
        runs[device] = (trainer.fit(), trainer.history)
    cuda_model = trainer.model.eval()  # The last run is the CUDA one.
    result, history = runs['cuda']
    assert result['completed'] and result['epochs_done'] == 2
    numbers = [v for values in history + [result['test']]
               for v in values.values() if isinstance(v, float)]
    assert numbers and all(math.isfinite(v) for v in numbers)
    # The CUDA run's best model, loaded back on the CPU, encodes like the
    # CUDA model.
    run = load_trained(str(tmp_path / 'cuda'), device='cpu')
    assert all(p.device.type == 'cpu' for p in run.model.parameters())
    data = tiny_splits[2][0]
    with torch.no_grad():
        expected = cuda_model.encode(data.x[:, :ENC_FRAMES].cuda(),
                                     data.edge_index.cuda()).cpu()
        got = run.model.encode(data.x[:, :ENC_FRAMES], data.edge_index)
    assert torch.allclose(got, expected, atol=1e-5)
    if mode != 'learned':
        assert len(runs['cpu'][1]) == len(history) == 2
        for cpu, cuda in zip(runs['cpu'][1], history):
            for key, value in cpu.items():
                if key != 'time':
                    assert cuda[key] == pytest.approx(value, rel=1e-4), key


def test_stochastic_eval_samples_the_decoder_edges(tiny_splits):
    trainer = Trainer(_model(), _config(), *tiny_splits[:2])
    deterministic = [trainer.validate()['valid_nll_m'] for _ in range(2)]
    assert deterministic[0] == deterministic[1]
    sampled = Trainer(_model(), _config(stochastic_eval=True),
                      *tiny_splits[:2])
    torch.manual_seed(3)
    first = sampled.validate()
    torch.manual_seed(3)
    again = sampled.validate()
    third = sampled.validate()
    assert first['valid_nll_m'] == again['valid_nll_m']
    assert third['valid_nll_m'] != first['valid_nll_m']
    assert first['valid_nll_m'] != deterministic[0]
    # The encoder metrics do not depend on the samples.
    assert first['valid_acc_combined'] == third['valid_acc_combined']


def test_weight_decay_reaches_the_optimiser(tiny_splits):
    # The same run with and without decay: Adam adds decay * w to every
    # gradient, so the trained weights differ.
    weights = {}
    for decay in (0.0, 0.5):
        trainer = Trainer(_model(), _config(weight_decay=decay,
                                            mode='true_graph'),
                          *tiny_splits[:2])
        assert trainer.optimizer.param_groups[0]['weight_decay'] == decay
        trainer.fit()
        weights[decay] = torch.cat([
            p.detach().flatten() for p in trainer.model.decoder.parameters()
        ])
    assert not torch.allclose(weights[0.0], weights[0.5])
