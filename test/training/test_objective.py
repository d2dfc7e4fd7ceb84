import pytest
import torch

from torch_geometric_fnri.losses import cauchy_nll, gaussian_nll
from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    TrainingObjective,
)

ENC, DEC = slice(0, 6), slice(7, 13)


@pytest.mark.parametrize('cauchy_scale', [None, 0.05])
def test_true_graph_reconstruction_term(tiny_splits, cauchy_scale,
                                        first_batch):
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    config = TrainConfig(mode='true_graph', prediction_steps=2,
                         cauchy_scale=cauchy_scale)
    objective = TrainingObjective(model, config, ENC, DEC)
    batch = first_batch(tiny_splits[0])
    out = objective(batch.x, batch.edge_index, batch.edge_type)
    x_dec = batch.x[:, DEC]
    pred = model.decode(x_dec, batch.edge_index,
                        model.edge_weight_from_labels(batch.edge_type),
                        pred_steps=2)
    expected = (gaussian_nll(pred, x_dec[:, 1:]) if cauchy_scale is None
                else cauchy_nll(pred, x_dec[:, 1:], cauchy_scale))
    assert torch.allclose(out['loss'], expected)
    assert torch.allclose(out['nll'], expected)
    # The two losses differ on these residuals, so the switch is real.
    assert not torch.allclose(gaussian_nll(pred, x_dec[:, 1:]),
                              cauchy_nll(pred, x_dec[:, 1:], 0.05))


def test_cauchy_scale_selects_by_its_validation_loss(tiny_splits):
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    config = TrainConfig(epochs=3, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False,
                         cauchy_scale=0.05)
    assert config.selection_metric == ('valid_cauchy_nll_m', 'min')
    trainer = Trainer(model, config, *tiny_splits[:2])
    trainer.fit()
    values = [row['valid_cauchy_nll_m'] for row in trainer.history]
    assert all(value > 0 for value in values)
    assert trainer.best_value == min(values)
    assert trainer.best_epoch == values.index(min(values))
    # The Gaussian metric is still reported, and differs.
    assert all(row['valid_nll_m'] != row['valid_cauchy_nll_m']
               for row in trainer.history)


def test_cauchy_scale_must_be_positive():
    with pytest.raises(ValueError, match="'cauchy_scale' must be positive"):
        TrainConfig(cauchy_scale=0.0)


def test_decoder_window_draws_only_valid_windows():
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    # Frame t of node n holds the value t, so a window shows its frames.
    x = torch.arange(13.).view(1, 13, 1).expand(3, 13, 4).contiguous()
    full = TrainingObjective(model, TrainConfig(), ENC, DEC)
    assert torch.equal(full.decoder_input(x), x[:, DEC])
    windowed = TrainingObjective(model, TrainConfig(decoder_window=4), ENC,
                                 DEC)
    torch.manual_seed(0)
    starts = set()
    for _ in range(200):
        window = windowed.decoder_input(x)
        frames = window[0, :, 0]
        assert window.shape == (3, 4, 4)
        # Consecutive decoder frames (7..12), the same for every node.
        assert torch.equal(frames, frames[0] + torch.arange(4.))
        assert 7 <= frames[0] and frames[-1] <= 12
        assert torch.equal(window, window[:1].expand_as(window))
        starts.add(int(frames[0]))
    assert starts == {7, 8, 9}  # Every valid start, nothing else.
    too_long = TrainingObjective(model, TrainConfig(decoder_window=7), ENC,
                                 DEC)
    with pytest.raises(ValueError, match=r"'decoder_window' \(7\)"):
        too_long.decoder_input(x)
    with pytest.raises(ValueError, match="'decoder_window' must be >= 2"):
        TrainConfig(decoder_window=1)


def test_decoder_window_traces_as_one_graph_for_every_start(monkeypatch):
    # The window's start stays a tensor, so a compiled step traces it
    # without a graph break and does not recompile for each start
    # (error_on_recompile raises if it does): a Python int start did both.
    import torch._dynamo
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    x = torch.arange(13.).view(1, 13, 1).expand(3, 13, 4).contiguous()
    windowed = TrainingObjective(model, TrainConfig(decoder_window=4), ENC,
                                 DEC)
    assert torch._dynamo.explain(windowed.decoder_input)(
        x).graph_break_count == 0
    torch._dynamo.reset()
    monkeypatch.setattr(torch._dynamo.config, 'error_on_recompile', True)
    traced = torch.compile(windowed.decoder_input, backend='eager')
    starts = set()
    for seed in range(20):
        torch.manual_seed(seed)
        eager = windowed.decoder_input(x)
        torch.manual_seed(seed)
        window = traced(x)
        assert torch.equal(window, eager)  # The same draw, the same frames.
        starts.add(int(window[0, 0, 0]))
    assert starts == {7, 8, 9}
    torch._dynamo.reset()


def test_decoder_window_per_graph_draws_one_start_per_graph():
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    # Frame t of node n holds t + 100 n, so a window shows its frames and
    # its node.
    x = (torch.arange(13.).view(1, 13, 1) +
         100 * torch.arange(6.).view(6, 1, 1)).expand(6, 13, 4).contiguous()
    batch = torch.tensor([0, 0, 1, 1, 2, 2])
    config = TrainConfig(decoder_window=4, decoder_window_per_graph=True)
    objective = TrainingObjective(model, config, ENC, DEC)
    torch.manual_seed(0)
    starts = set()
    for _ in range(200):
        window = objective.decoder_input(x, batch)
        assert window.shape == (6, 4, 4)
        assert torch.equal(window, window[..., :1].expand_as(window))
        node_start = window[:, :, 0] - 100 * torch.arange(6.).view(6, 1)
        for node in range(6):  # Consecutive frames 7..12 of the node.
            assert torch.equal(node_start[node],
                               node_start[node, 0] + torch.arange(4.))
            assert 7 <= node_start[node, 0] and node_start[node, -1] <= 12
        # One start per graph, shared by its nodes.
        first = node_start[:, 0]
        assert torch.equal(first[0::2], first[1::2])
        starts.add(tuple(int(v) for v in first[0::2]))
    # Graphs draw their starts apart: every valid start, in combinations.
    assert {s for triple in starts for s in triple} == {7, 8, 9}
    assert len(starts) > 3
    # Without a batch vector, the nodes are one graph.
    single = objective.decoder_input(x)
    assert torch.equal(single[:, 0, 0] % 100, single[:1, 0, 0].expand(6) % 100)
    with pytest.raises(ValueError, match="needs a 'decoder_window'"):
        TrainConfig(decoder_window_per_graph=True)
    with pytest.raises(TypeError, match="must be a bool"):
        TrainConfig(decoder_window=4, decoder_window_per_graph=1)


@pytest.mark.parametrize('sfnri_loss', ['mse', 'nll'])
def test_sfnri_loss(tiny_splits, sfnri_loss, first_batch):
    # sfNRI has no KL term: the loss is the decoder's MSE (the reference)
    # or its NLL, computed on the decoder input of the sampled sigmoids.
    torch.manual_seed(0)
    model = build_model('sfnri', [2, 2], num_timesteps=6, hidden_channels=8)
    config = TrainConfig(prediction_steps=2, sfnri_loss=sfnri_loss)
    objective = TrainingObjective(model, config, ENC, DEC)
    batch = first_batch(tiny_splits[0])
    out = objective(batch.x, batch.edge_index)
    logits = model.encode(batch.x[:, ENC], batch.edge_index)
    x_dec = batch.x[:, DEC]
    pred = model.decode(x_dec, batch.edge_index, model.sample(logits),
                        pred_steps=2)
    mse = torch.nn.functional.mse_loss(pred, x_dec[:, 1:])
    nll = gaussian_nll(pred, x_dec[:, 1:])
    expected = mse if sfnri_loss == 'mse' else nll
    assert torch.allclose(out['loss'], expected)
    assert 'kl' not in out
    assert not torch.allclose(mse, nll)
