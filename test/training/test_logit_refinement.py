import pytest
import torch
from torch.utils.data import SequentialSampler

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    TensorBatchLoader,
    TrainConfig,
    Trainer,
    load_trained,
    refine_edge_logits,
)
from torch_geometric_fnri.utils import reverse_edge_permutation

ENC = slice(0, 6)


def _model(family='fnri', symmetric=True):
    torch.manual_seed(0)
    return build_model(family, [2, 2], num_timesteps=6, hidden_channels=8,
                       symmetric=symmetric).eval()


def _batch(dataset, start=0, size=4):
    sims = [dataset[i] for i in range(start, start + size)]
    return next(iter(TensorBatchLoader(sims, size,
                                       SequentialSampler(sims))))


def _refine(model, batch, config, logits=None):
    x = batch.x[:, ENC]
    if logits is None:
        with torch.no_grad():
            logits = model.encode(x, batch.edge_index, batch.batch)
    return refine_edge_logits(model, x, batch.edge_index, logits, config)


@pytest.mark.parametrize('family', ['nri', 'fnri', 'sfnri'])
def test_refinement_lowers_the_loss_and_keeps_the_weights(tiny_splits,
                                                          family):
    model = _model(family)
    batch = _batch(tiny_splits[0])
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    config = TrainConfig(refine_steps=5, refine_lr=0.5, prediction_steps=3,
                         sfnri_loss='nll')
    with torch.no_grad():
        start = model.encode(batch.x[:, ENC], batch.edge_index, batch.batch)
    refined = _refine(model, batch, config, start)
    assert refined.shape == start.shape and not refined.requires_grad
    assert not torch.equal(refined, start)
    for key, value in model.state_dict().items():
        assert torch.equal(value, weights[key]), key
    assert all(p.grad is None for p in model.parameters())

    def loss(logits):
        # The refinement's objective, written out for this test.
        x = batch.x[:, ENC]
        with torch.no_grad():
            pred = model.decode(x, batch.edge_index,
                                model.sampler.probabilities(logits), 3)
            nll = ((pred - x[:, 1:])**2 / (2 * config.variance)).sum() / \
                x.size(0)
            return float(nll + model.kl_loss(logits, x.size(0)))
    assert loss(refined) < loss(start)


def test_zero_steps_return_the_logits(tiny_splits):
    model = _model()
    batch = _batch(tiny_splits[0])
    with torch.no_grad():
        logits = model.encode(batch.x[:, ENC], batch.edge_index, batch.batch)
    assert torch.equal(_refine(model, batch, TrainConfig(), logits), logits)


def test_refinement_is_deterministic_symmetric_and_per_simulation(
        tiny_splits):
    model = _model()
    config = TrainConfig(refine_steps=4, prediction_steps=3)
    both = _batch(tiny_splits[0], size=4)
    refined = _refine(model, both, config)
    assert torch.equal(refined, _refine(model, both, config))
    reverse = reverse_edge_permutation(both.edge_index, both.x.size(0))
    assert torch.equal(refined, refined[reverse])
    # Each simulation's logits depend on that simulation alone: refining
    # the four in two batches of two gives the same logits.
    halves = torch.cat([_refine(model, _batch(tiny_splits[0], start, 2),
                                config) for start in (0, 2)])
    assert torch.allclose(refined, halves, atol=1e-5)


def test_refinement_weighs_the_kl_term_by_the_schedules_last_beta(
        tiny_splits):
    model = _model()
    batch = _batch(tiny_splits[0])
    scheduled = _refine(model, batch, TrainConfig(
        refine_steps=3, beta_schedule=[[10, 0.5], [20, 0.0]]))
    assert torch.equal(scheduled,
                       _refine(model, batch,
                               TrainConfig(refine_steps=3, beta=0.0)))
    assert not torch.equal(scheduled,
                           _refine(model, batch, TrainConfig(refine_steps=3)))


def test_a_directed_model_keeps_its_logits_directed(tiny_splits):
    model = _model(symmetric=False)
    batch = _batch(tiny_splits[0])
    refined = _refine(model, batch, TrainConfig(refine_steps=3))
    reverse = reverse_edge_permutation(batch.edge_index, batch.x.size(0))
    assert not torch.equal(refined, refined[reverse])


def test_bad_refinement_settings_raise():
    with pytest.raises(ValueError, match="'refine_steps' must be >= 0"):
        TrainConfig(refine_steps=-1)
    with pytest.raises(TypeError, match="'refine_steps' must be an int"):
        TrainConfig(refine_steps=2.5)
    for lr in (0, -0.1, True, 'fast'):
        with pytest.raises(ValueError, match="'refine_lr' must be a "
                           "positive number"):
            TrainConfig(refine_lr=lr)
    for mode in ('supervised', 'true_graph', 'static'):
        with pytest.raises(ValueError, match='no inferred edges to refine'):
            TrainConfig(mode=mode, refine_steps=10)


def test_bad_refinement_input_raises(tiny_splits):
    model = _model()
    batch = _batch(tiny_splits[0])
    config = TrainConfig(refine_steps=1)
    logits = torch.zeros(batch.edge_index.size(1), 4)
    with pytest.raises(ValueError, match=r"'x' must hold at least 2 frames"):
        refine_edge_logits(model, batch.x[:, :1], batch.edge_index, logits,
                           config)
    with pytest.raises(ValueError, match=r"'logits' must be \[E, W\]"):
        refine_edge_logits(model, batch.x[:, ENC], batch.edge_index,
                           logits[:-1], config)


def test_trainer_and_inference_report_the_same_refined_graphs(
        tiny_splits, tmp_path):
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        symmetric=True)
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=3,
                         accuracy_batch_size=4, progress=False, seed=1,
                         refine_steps=3)
    trainer = Trainer(model, config, *tiny_splits, run_dir=str(tmp_path))
    result = trainer.fit()
    refined = result['test_refined']
    assert refined['num_graphs'] == result['test']['num_graphs'] == 8
    assert refined['edge_mapping'] == result['valid']['edge_mapping']
    assert refined['refine_seconds'] > 0 and 'mse_block_1' in refined
    # Read back from the run directory: the run's refinement, or none.
    run = load_trained(str(tmp_path))
    from torch_geometric_fnri import infer
    graphs = run.infer_graphs(tiny_splits[2], batch_size=8)
    accuracy = infer.edge_accuracy(run, graphs, tiny_splits[2])
    assert accuracy['combined'] == pytest.approx(refined['acc_combined'])
    plain = run.infer_graphs(tiny_splits[2], batch_size=8, refine_steps=0)
    assert infer.edge_accuracy(run, plain, tiny_splits[2])['combined'] == \
        pytest.approx(result['test']['acc_combined'])
    assert not torch.equal(plain['probabilities'][0],
                           graphs['probabilities'][0])
