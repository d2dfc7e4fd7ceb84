import pytest
import torch

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    WeightAverage,
    load_checkpoint,
    load_trained,
)

ENC_FRAMES = 6  # 13 frames: encoder 0..5, decoder 7..12.


def _model(seed=0):
    torch.manual_seed(seed)
    return build_model('fnri', [2, 2], num_timesteps=ENC_FRAMES,
                       hidden_channels=8)


def _config(**kwargs):
    defaults = dict(epochs=2, batch_size=8, prediction_steps=3,
                    accuracy_batch_size=4, progress=False, seed=1,
                    weight_average_decay=0.9)
    defaults.update(kwargs)
    return TrainConfig(**defaults)


class _Scalar(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor([0.0]))
        self.register_buffer('count', torch.tensor(0))


def test_the_average_follows_its_formula():
    model = _Scalar()
    average = WeightAverage(model, decay=0.5)
    expected = 0.0
    # Oracle: d_n = min(0.5, (1 + n) / (10 + n)) = 0.1, 2/11, 3/12, 4/13,
    # 5/14, 6/15, 7/16, 0.5 (n = 7 on), with w_n = n + 1.
    for n in range(10):
        with torch.no_grad():
            model.w.fill_(n + 1.0)
        model.count += 1
        decay = min(0.5, (1 + n) / (10 + n))
        expected = decay * expected + (1 - decay) * (n + 1.0)
        average.update(model)
        assert average.average['w'].item() == pytest.approx(expected)
    assert average.num_updates == 10
    # Integer buffers are not averaged.
    assert set(average.average) == {'w'}
    # Applied: the average inside, the model's own weights after.
    with average.applied(model):
        assert model.w.item() == pytest.approx(expected)
    assert model.w.item() == 10.0 and model.count.item() == 10
    state = average.averaged_state_dict(model)
    assert state['w'].item() == pytest.approx(expected)
    assert state['count'].item() == 10


def test_a_late_start_follows_the_weights_until_then():
    model = _Scalar()
    average = WeightAverage(model, decay=0.5, start=3)
    expected = 0.0
    # Oracle: the weights themselves for updates 1..3 (d = 0), then
    # d_n = min(0.5, (1 + n) / (10 + n)) with n counted from the start.
    for step in range(8):
        with torch.no_grad():
            model.w.fill_(step + 1.0)
        n = step - 3
        decay = 0.0 if n < 0 else min(0.5, (1 + n) / (10 + n))
        expected = decay * expected + (1 - decay) * (step + 1.0)
        average.update(model)
        assert average.average['w'].item() == pytest.approx(expected)
        if step < 3:
            assert average.average['w'].item() == step + 1.0
    assert average.average['w'].item() < 8.0
    again = WeightAverage(_Scalar(), decay=0.5, start=3)
    again.load_state_dict(average.state_dict())
    assert again.num_updates == 8
    with pytest.raises(ValueError, match='starts after 3 updates, not 0'):
        WeightAverage(_Scalar(), decay=0.5).load_state_dict(
            average.state_dict())
    for start in (-1, 1.5, True):
        with pytest.raises(ValueError, match="'start' must be an int"):
            WeightAverage(model, decay=0.5, start=start)
    with pytest.raises(ValueError, match="needs a 'weight_average_decay'"):
        TrainConfig(weight_average_start=5)
    with pytest.raises(ValueError, match="'weight_average_start' must be"):
        TrainConfig(weight_average_decay=0.9, weight_average_start=-1)


def test_the_trainer_starts_the_average_late(tiny_splits):
    model = _model()
    trainer = Trainer(model, _config(weight_average_start=3), *tiny_splits)
    trainer.fit()
    average = trainer.weight_average
    # 4 updates: the weights themselves for 3, then one averaged update.
    assert (average.start, average.num_updates) == (3, 4)
    assert average.current_decay() == pytest.approx(2 / 11)


def test_applied_restores_the_weights_after_an_error():
    model = _Scalar()
    average = WeightAverage(model, decay=0.9)
    with torch.no_grad():
        model.w.fill_(3.0)
    with pytest.raises(RuntimeError, match='inside'):
        with average.applied(model):
            assert model.w.item() == 0.0
            raise RuntimeError('inside')
    assert model.w.item() == 3.0


def test_state_round_trip_and_refusals():
    model = _Scalar()
    average = WeightAverage(model, decay=0.9)
    with torch.no_grad():
        model.w.fill_(2.0)
    average.update(model)
    again = WeightAverage(_Scalar(), decay=0.9)
    again.load_state_dict(average.state_dict())
    assert again.num_updates == 1
    assert torch.equal(again.average['w'], average.average['w'])
    with pytest.raises(ValueError, match='decay 0.9, not 0.99'):
        WeightAverage(_Scalar(), decay=0.99).load_state_dict(
            average.state_dict())
    other = torch.nn.Linear(1, 1)
    with pytest.raises(ValueError, match='other tensors'):
        WeightAverage(other, decay=0.9).load_state_dict(average.state_dict())
    for decay in (0, 1, 1.5, True, None):
        with pytest.raises(ValueError, match="'decay' must be a number"):
            WeightAverage(model, decay=decay)
        if decay is not None:
            with pytest.raises(ValueError, match="'weight_average_decay'"):
                TrainConfig(weight_average_decay=decay)


def test_the_trainer_validates_and_keeps_the_average(tmp_path, tiny_splits):
    model = _model()
    trainer = Trainer(model, _config(), *tiny_splits,
                      run_dir=str(tmp_path))
    result = trainer.fit()
    average = trainer.weight_average
    # 16 training simulations in batches of 8: 4 updates in 2 epochs.
    assert average.num_updates == trainer.updates == 4
    # best.pt holds the averaged weights of its epoch, last.pt the trained
    # weights and the average.
    best = load_checkpoint(str(tmp_path / 'checkpoints' / 'best.pt'))
    last = load_checkpoint(str(tmp_path / 'checkpoints' / 'last.pt'))
    assert last['weight_average']['num_updates'] == 4
    for key, value in best['weight_average']['average'].items():
        assert torch.equal(best['model'][key], value), key
    name = next(key for key in best['model'] if key.endswith('weight'))
    assert not torch.equal(last['model'][name],
                           last['weight_average']['average'][name])
    # The test ran on the best epoch's average, now the model's weights:
    # testing it again without an average gives the same figures.
    assert torch.equal(model.state_dict()[name], best['model'][name])
    plain = Trainer(model, _config(weight_average_decay=None),
                    *tiny_splits)
    again = plain.test()
    assert again['test']['acc_combined'] == result['test']['acc_combined']
    assert again['test']['nll_m'] == pytest.approx(result['test']['nll_m'])
    # load_trained gives back the validated (averaged) weights.
    run = load_trained(str(tmp_path))
    assert torch.equal(run.model.state_dict()[name], best['model'][name])


def test_validation_sees_the_average(tiny_splits):
    trainer = Trainer(_model(), _config(epochs=1), *tiny_splits[:2])
    trainer.train_epoch(0)
    valid = trainer.validate()
    # Oracle: the averaged weights loaded by hand into a trainer without an
    # average.
    model = _model(seed=3)
    model.load_state_dict(trainer.weight_average.averaged_state_dict(
        trainer.model))
    plain = Trainer(model, _config(epochs=1, weight_average_decay=None),
                    *tiny_splits[:2])
    expected = plain.validate()
    assert valid['valid_nll_m'] == pytest.approx(expected['valid_nll_m'])
    raw = Trainer(trainer.model, _config(epochs=1,
                                         weight_average_decay=None),
                  *tiny_splits[:2]).validate()
    assert raw['valid_nll_m'] != pytest.approx(expected['valid_nll_m'])


def test_a_resumed_run_continues_the_average(tmp_path, tiny_splits):
    full = Trainer(_model(), _config(epochs=3), *tiny_splits[:2],
                   run_dir=str(tmp_path / 'full'))
    full.fit()
    cut = Trainer(_model(), _config(epochs=3, max_epochs=1),
                  *tiny_splits[:2], run_dir=str(tmp_path / 'cut'))
    cut.fit()
    resumed = Trainer(_model(seed=5), _config(epochs=3), *tiny_splits[:2],
                      run_dir=str(tmp_path / 'cut'), resume=True)
    resumed.fit()
    a = load_checkpoint(str(tmp_path / 'full' / 'checkpoints' / 'last.pt'))
    b = load_checkpoint(str(tmp_path / 'cut' / 'checkpoints' / 'last.pt'))
    assert a['weight_average']['num_updates'] == \
        b['weight_average']['num_updates'] == 6
    for key, value in a['weight_average']['average'].items():
        assert torch.equal(value, b['weight_average']['average'][key]), key
    # Another decay is another run.
    with pytest.raises(ValueError, match=r"differs in "
                       r"\['weight_average_decay'\]"):
        Trainer(_model(), _config(epochs=3, weight_average_decay=0.5),
                *tiny_splits[:2], run_dir=str(tmp_path / 'cut'),
                resume=True)
