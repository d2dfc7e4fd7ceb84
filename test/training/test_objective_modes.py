import pytest
import torch
import torch.nn.functional as F

from torch_geometric_fnri.losses import gaussian_nll
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import TrainConfig, TrainingObjective

ENC, DEC = slice(0, 6), slice(7, 13)


def tiny_model(family):
    torch.manual_seed(0)
    return build_model(family, [2, 2], num_timesteps=6, hidden_channels=8)


def learned_oracle(model, batch, config):
    # The learned-mode terms recomputed from the model's parts, with the
    # same edge sample (the generator is reseeded before both).
    torch.manual_seed(1)
    logits = model.encode(batch.x[:, ENC], batch.edge_index)
    weight = model.sample(logits)
    x_dec = batch.x[:, DEC]
    pred = model.decode(x_dec, batch.edge_index, weight,
                        pred_steps=config.prediction_steps)
    return logits, pred, x_dec[:, 1:]


@pytest.mark.parametrize('family', ['nri', 'fnri'])
def test_learned_loss_is_nll_plus_beta_kl(tiny_splits, first_batch,
                                          family):
    model = tiny_model(family)
    config = TrainConfig(prediction_steps=2, beta=0.3, variance=1e-3)
    objective = TrainingObjective(model, config, ENC, DEC)
    batch = first_batch(tiny_splits[0])
    torch.manual_seed(1)
    out = objective(batch.x, batch.edge_index)
    assert set(out) == {'loss', 'nll', 'kl', 'mse', 'logits'}
    logits, pred, target = learned_oracle(model, batch, config)
    nll = gaussian_nll(pred, target, variance=1e-3)
    kl = model.kl_loss(logits, num_nodes=batch.x.size(0))
    assert torch.allclose(out['logits'], logits)
    assert not out['logits'].requires_grad
    assert torch.allclose(out['nll'], nll)
    assert torch.allclose(out['kl'], kl)
    assert torch.allclose(out['mse'], F.mse_loss(pred, target))
    assert torch.allclose(out['loss'], nll + 0.3 * kl)
    assert not torch.allclose(out['loss'], nll + kl)  # beta is used.
    assert not torch.allclose(nll, gaussian_nll(pred, target))


@pytest.mark.parametrize('sfnri_loss', ['mse', 'nll'])
def test_sfnri_loss_choice(tiny_splits, first_batch, sfnri_loss):
    model = tiny_model('sfnri')
    config = TrainConfig(prediction_steps=2, sfnri_loss=sfnri_loss)
    objective = TrainingObjective(model, config, ENC, DEC)
    batch = first_batch(tiny_splits[0])
    torch.manual_seed(1)
    out = objective(batch.x, batch.edge_index)
    assert 'kl' not in out
    _, pred, target = learned_oracle(model, batch, config)
    expected = (F.mse_loss(pred, target) if sfnri_loss == 'mse' else
                gaussian_nll(pred, target))
    assert torch.allclose(out['loss'], expected)
    assert out['loss'].requires_grad


@pytest.mark.parametrize('family', ['nri', 'fnri', 'sfnri'])
def test_supervised_loss_is_the_models_loss(tiny_splits, first_batch,
                                            family):
    model = tiny_model(family)
    objective = TrainingObjective(model, TrainConfig(mode='supervised'),
                                  ENC, DEC)
    batch = first_batch(tiny_splits[0])
    out = objective(batch.x, batch.edge_index, batch.edge_type)
    assert set(out) == {'loss', 'ce', 'logits'}
    logits = model.encode(batch.x[:, ENC], batch.edge_index)
    expected = model.supervised_loss(logits, batch.edge_type)
    assert torch.allclose(out['ce'], expected)
    assert torch.equal(out['loss'], out['ce'])


def test_objective_errors(tiny_splits, first_batch):
    model = tiny_model('fnri')
    batch = first_batch(tiny_splits[0])
    with pytest.raises(ValueError, match="'static' mode has no training"):
        TrainingObjective(model, TrainConfig(mode='static'), ENC, DEC)
    for mode in ('supervised', 'true_graph'):
        objective = TrainingObjective(model, TrainConfig(mode=mode), ENC,
                                      DEC)
        with pytest.raises(ValueError, match=f"mode '{mode}' needs "
                           f"'edge_type' labels"):
            objective(batch.x, batch.edge_index)
    # Six decoder frames (7..12) cannot hold a window of seven.
    objective = TrainingObjective(model, TrainConfig(decoder_window=7), ENC,
                                  DEC)
    with pytest.raises(ValueError, match=r"'decoder_window' \(7\) must be "
                       r"at most the 6 decoder frames"):
        objective(batch.x, batch.edge_index)
