import json

import pytest
import torch

from torch_geometric_fnri.losses import kl_categorical
from torch_geometric_fnri.nn import RNNDecoder, build_model
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    TrainingObjective,
    make_model,
)

ENC, DEC = slice(0, 6), slice(7, 13)


def test_sparsity_prior():
    fnri = build_model('fnri', [2, 3], num_timesteps=6, hidden_channels=8)
    assert torch.allclose(fnri.sparsity_prior(0.9),
                          torch.tensor([0.9, 0.1, 0.9, 0.05, 0.05]))
    nri = build_model('nri', [2, 2], num_timesteps=6, hidden_channels=8)
    assert torch.allclose(nri.sparsity_prior(0.7),
                          torch.tensor([0.7, 0.1, 0.1, 0.1]))
    sfnri = build_model('sfnri', [2, 2], num_timesteps=6, hidden_channels=8)
    with pytest.raises(ValueError, match='sfNRI has no KL'):
        sfnri.sparsity_prior(0.9)
    with pytest.raises(ValueError, match=r"'non_edge' must be in \(0, 1\)"):
        fnri.sparsity_prior(1.0)
    with pytest.raises(ValueError, match="'non_edge_prior'"):
        TrainConfig(non_edge_prior=0.0)


def test_non_edge_prior_enters_the_kl_term(tiny_splits, first_batch):
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    batch = first_batch(tiny_splits[0])
    outs = {}
    for prior in (None, 0.9):
        config = TrainConfig(prediction_steps=2, non_edge_prior=prior)
        objective = TrainingObjective(model, config, ENC, DEC)
        torch.manual_seed(1)
        outs[prior] = objective(batch.x, batch.edge_index)
    logits = model.encode(batch.x[:, ENC], batch.edge_index)
    probs = model.sampler.probabilities(logits)
    log_prior = torch.tensor([0.9, 0.1, 0.9, 0.1]).log()
    expected = kl_categorical(probs, [2, 2], batch.x.size(0), log_prior)
    assert torch.allclose(outs[0.9]['kl'], expected)
    assert torch.allclose(outs[None]['kl'], kl_categorical(
        probs, [2, 2], batch.x.size(0)))
    assert not torch.allclose(outs[0.9]['kl'], outs[None]['kl'])


def test_rnn_decoder_with_burn_in_trains(tiny_splits, first_batch):
    torch.manual_seed(0)
    model = make_model('fnri', 'learned', [2, 2], 13, 8, decoder='rnn')
    assert isinstance(model.decoder, RNNDecoder)
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                         burn_in_steps=3, accuracy_batch_size=4,
                         progress=False)
    objective = TrainingObjective(model, config, ENC, DEC)
    batch = first_batch(tiny_splits[0])
    torch.manual_seed(1)
    out = objective(batch.x, batch.edge_index)
    torch.manual_seed(1)
    logits = model.encode(batch.x[:, ENC], batch.edge_index)
    weight = model.sample(logits)
    x_dec = batch.x[:, DEC]
    burn_in = model.decoder(x_dec, batch.edge_index, weight, burn_in_steps=3)
    rollout = model.decoder(x_dec, batch.edge_index, weight, pred_steps=2)
    assert torch.allclose(out['mse'], torch.nn.functional.mse_loss(
        burn_in, x_dec[:, 1:]))
    assert not torch.allclose(burn_in, rollout)
    result = Trainer(model, config, *tiny_splits).fit()
    assert result['completed']


def test_options_the_model_cannot_take_raise(tiny_splits):
    mlp = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    with pytest.raises(ValueError, match="'burn_in_steps' needs the RNN"):
        Trainer(mlp, TrainConfig(burn_in_steps=2), *tiny_splits)
    with pytest.raises(ValueError, match="'burn_in_steps' needs the RNN"):
        mlp.decode(tiny_splits[0][0].x, tiny_splits[0][0].edge_index,
                   torch.rand(6, 4), burn_in_steps=2)
    sfnri = build_model('sfnri', [2, 2], num_timesteps=6, hidden_channels=8)
    with pytest.raises(ValueError, match="'non_edge_prior' needs NRI"):
        Trainer(sfnri, TrainConfig(non_edge_prior=0.9), *tiny_splits)
    # The encoder reads 6 frames; encoder_frames=4 would feed it 4.
    with pytest.raises(ValueError, match=r'reads 24 values per node .*'
                       r'configuration gives it 4 frames of 4 features .*'
                       r'in_channels=16.*frame_split=config.frame_split'):
        Trainer(mlp, TrainConfig(encoder_frames=4), *tiny_splits)
    four = TrainConfig(encoder_frames=4).frame_split
    assert make_model('fnri', 'learned', [2, 2], 13, 8,
                      frame_split=four).encoder.in_channels == 4 * 4
    with pytest.raises(ValueError, match="'checkpoint_decoder' needs"):
        build_model('fnri', [2, 2], decoder='rnn', checkpoint_decoder=True)
    with pytest.raises(ValueError, match="static decoder belongs"):
        make_model('fnri', 'learned', [2, 2], 13, 8, decoder='static')
    with pytest.raises(ValueError, match="uses the static decoder"):
        make_model('fnri', 'static', [2, 2], 13, 8, decoder='rnn')


def test_prediction_steps_schedule_sets_the_training_rollout(
        tiny_splits, monkeypatch):
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=2,
                         prediction_steps_schedule=[[1, 3], [3, 5]],
                         accuracy_batch_size=4, progress=False)
    assert config.prediction_steps_schedule == ((1, 3), (3, 5))
    assert [config.prediction_steps_at(u) for u in range(5)] == \
        [2, 3, 3, 5, 5]
    assert TrainConfig.from_dict(
        json.loads(config.to_json())) == config
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    seen = []
    decode = model.decode

    def recording_decode(*args, **kwargs):
        if model.training:
            seen.append(kwargs['pred_steps'])
        return decode(*args, **kwargs)
    monkeypatch.setattr(model, 'decode', recording_decode)
    trainer = Trainer(model, config, *tiny_splits)
    trainer.fit()
    # 16 training simulations in batches of 8: two updates an epoch.
    assert seen == [2, 3, 3, 5]
    assert trainer.objective.prediction_steps == 5


def test_beta_schedule_weighs_the_kl_term_of_each_update(tiny_splits,
                                                        monkeypatch):
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=2,
                         beta_schedule=[[1, 0.5], [3, 0]],
                         accuracy_batch_size=4, progress=False)
    assert config.beta_schedule == ((1, 0.5), (3, 0.0))
    assert [config.beta_at(u) for u in range(5)] == [1, 0.5, 0.5, 0, 0]
    assert TrainConfig(beta=0.2).beta_at(10**6) == 0.2
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    seen = []
    forward = TrainingObjective.forward

    def recording_forward(self, *args, **kwargs):
        out = forward(self, *args, **kwargs)
        if self.training:
            seen.append([float(out[k]) for k in ('loss', 'nll', 'kl')])
        return out
    monkeypatch.setattr(TrainingObjective, 'forward', recording_forward)
    trainer = Trainer(model, config, *tiny_splits)
    trainer.fit()
    # 16 training simulations in batches of 8: two updates an epoch.
    assert len(seen) == 4
    for (loss, nll, kl), beta in zip(seen, [1, 0.5, 0.5, 0]):
        assert abs(kl) > 0.1
        assert loss == pytest.approx(nll + beta * kl, rel=1e-6)


@pytest.mark.parametrize('schedule, error, match', [
    ([[2, 0.1], [1, 0.5]], ValueError, 'strictly increasing'),
    ([], ValueError, 'strictly increasing'),
    ([[1, -0.1]], ValueError, 'numbers >= 0'),
    ([[1, True]], ValueError, 'numbers >= 0'),
    ([[1, 'a']], ValueError, 'numbers >= 0'),
    ([[-1, 0.1]], ValueError, r'updates\' must be >= 0'),
    ([[1.5, 0.1]], TypeError, 'must be an int'),
    ([3], TypeError, r'\(updates, beta\) pairs'),
])
def test_bad_beta_schedule_raises(schedule, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(beta_schedule=schedule)


def test_layer_graph_schedule_keeps_later_layer_graphs_out_until_due(
        tiny_splits, monkeypatch):
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=2,
                         layer_graph_schedule=[1, 3],
                         accuracy_batch_size=4, progress=False)
    assert config.layer_graph_schedule == (1, 3)
    assert [config.active_layer_graphs_at(u) for u in range(5)] == \
        [1, 2, 2, 3, 3]
    assert TrainConfig().active_layer_graphs_at(7) is None
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config
    # The tiny data have two label layers: one entry for the second.
    torch.manual_seed(0)
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=2,
                         layer_graph_schedule=[2],
                         accuracy_batch_size=4, progress=False)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    seen = []
    decode = model.decode

    def recording_decode(x, edge_index, edge_weight, *args, **kwargs):
        if model.training:
            seen.append(edge_weight.detach().clone())
        return decode(x, edge_index, edge_weight, *args, **kwargs)
    monkeypatch.setattr(model, 'decode', recording_decode)
    trainer = Trainer(model, config, *tiny_splits)
    trainer.fit()
    # Two updates an epoch: updates 0 and 1 decode the first layer-graph
    # only, updates 2 and 3 both.
    assert len(seen) == 4
    for update, edge_weight in enumerate(seen):
        second = edge_weight[:, 2:]
        is_non_edge = torch.equal(
            second, torch.tensor([1., 0.]).expand_as(second))
        assert is_non_edge == (update < 2)
        assert bool((edge_weight[:, :2].max(dim=-1).values < 1).any())
    assert trainer.objective.active_layer_graphs == 2


def test_layer_graph_schedule_needs_one_entry_per_later_layer_graph():
    config = TrainConfig(layer_graph_schedule=[5])
    fnri = build_model('fnri', [2, 2, 2], num_timesteps=6, hidden_channels=8)
    with pytest.raises(ValueError, match=r"one entry per layer-graph after "
                       r"the first: 2 for this 'fnri' model with 3"):
        TrainingObjective(fnri, config, ENC, DEC)
    nri = build_model('nri', [2, 2], num_timesteps=6, hidden_channels=8)
    with pytest.raises(ValueError, match=r"0 for this 'nri' model with 1 "
                       r"layer-graph\(s\) \(got 1\)"):
        TrainingObjective(nri, config, ENC, DEC)
    sfnri = build_model('sfnri', [2, 2], num_timesteps=6, hidden_channels=8)
    TrainingObjective(sfnri, config, ENC, DEC)


@pytest.mark.parametrize('schedule, error, match', [
    ([3, 2], ValueError, 'strictly increasing'),
    ([2, 2], ValueError, 'strictly increasing'),
    ([], ValueError, 'strictly increasing'),
    ([-1], ValueError, r"entries' must be >= 0"),
    ([1.5], TypeError, 'must be an int'),
    (5, TypeError, 'sequence of update counts'),
])
def test_bad_layer_graph_schedule_raises(schedule, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(layer_graph_schedule=schedule)


@pytest.mark.parametrize('schedule, error, match', [
    ([[2, 3], [1, 5]], ValueError, 'strictly increasing'),
    ([[1, 3], [1, 5]], ValueError, 'strictly increasing'),
    ([], ValueError, 'strictly increasing'),
    ([[1, 0]], ValueError, r'steps\' must be >= 1'),
    ([[-1, 3]], ValueError, r'updates\' must be >= 0'),
    ([[1.5, 3]], TypeError, 'must be an int'),
    ([3], TypeError, r'\(updates, steps\) pairs'),
])
def test_bad_prediction_steps_schedule_raises(schedule, error, match):
    with pytest.raises(error, match=match):
        TrainConfig(prediction_steps_schedule=schedule)


def test_box_symmetry_augmentation_changes_only_the_training_inputs(
        tiny_splits):
    from torch_geometric_fnri.transforms import BOX_SYMMETRIES
    config = TrainConfig(epochs=2, batch_size=8, prediction_steps=2,
                         box_symmetry_augmentation=True,
                         accuracy_batch_size=4, progress=False)
    assert TrainConfig.from_dict(json.loads(config.to_json())) == config
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    trainer = Trainer(model, config, *tiny_splits)
    stats = tiny_splits[0].stats
    originals = [stats.denormalize(d.x.double()) for d in tiny_splits[0]]
    seen, step = [], trainer.step_module

    def recording_step(x, edge_index, edge_type, batch):
        seen.append((x.clone(), batch.clone()))
        return step(x, edge_index, edge_type, batch)
    trainer.step_module = recording_step
    trainer.fit()
    assert len(seen) == 4  # Two updates an epoch; validation not seen.
    drawn = set()
    for x, batch in seen:
        x = stats.denormalize(x.double())
        for graph in range(int(batch.max()) + 1):
            nodes = x[batch == graph]
            # Every training graph is a symmetry of a training simulation
            # (in physical units).
            matches = [k for k, m in enumerate(BOX_SYMMETRIES.double())
                       for original in originals
                       if original.shape == nodes.shape and torch.allclose(
                           nodes[..., :2], original[..., :2] @ m.T,
                           atol=1e-5) and torch.allclose(
                               nodes[..., 2:], original[..., 2:] @ m.T,
                               atol=1e-5)]
            assert len(matches) >= 1
            drawn.update(matches)
    assert len(drawn) > 1  # Not only the identity.


def test_box_symmetry_augmentation_needs_positions_and_velocities(
        tiny_splits):
    from torch_geometric.data import Data
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                         box_symmetry_augmentation=True, progress=False)
    three = [Data(x=d.x[..., :3], edge_index=d.edge_index,
                  edge_type=d.edge_type) for d in tiny_splits[0]]
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        in_channels=3)
    with pytest.raises(ValueError, match=r'needs \(x, y, vx, vy\) features'):
        Trainer(model, config, three, three)
    with pytest.raises(TypeError, match="must be a bool"):
        TrainConfig(box_symmetry_augmentation='yes')


def test_options_the_data_cannot_take_raise():
    from torch_geometric_fnri.datasets import KuramotoDataset
    from torch_geometric_fnri.datasets import PhysicsSystemDataset
    sizes = dict(num_simulations=(8, 4, 4), num_particles=3, num_frames=13,
                 sample_freq=10, seed=0, log=False)
    directed = [PhysicsSystemDataset(None, system='one_way_springs',
                                     split=split, **sizes)
                for split in ('train', 'valid')]
    assert directed[0].directed
    config = TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                         progress=False)
    with pytest.raises(ValueError, match='directed interactions'):
        Trainer(build_model('nri', [2], num_timesteps=6, hidden_channels=8,
                            symmetric=True), config, *directed)
    Trainer(build_model('nri', [2], num_timesteps=6, hidden_channels=8),
            config, *directed).fit()
    oscillators = [KuramotoDataset(None, split=split, **sizes)
                   for split in ('train', 'valid')]
    assert oscillators[0].feature_names[0] == 'phase_velocity'
    with pytest.raises(ValueError, match=r"\['box_symmetry_augmentation'\] "
                       r"need \(x, y, vx, vy\) features but the data's "
                       r"features are \['phase_velocity'"):
        Trainer(build_model('nri', [2], num_timesteps=6, hidden_channels=8),
                TrainConfig(box_symmetry_augmentation=True, progress=False),
                *oscillators)
    for option in ('relative_messages', 'central_forces'):
        with pytest.raises(ValueError, match=rf"\['{option}'\] need"):
            Trainer(build_model('nri', [2], num_timesteps=6,
                                hidden_channels=8, **{option: True}),
                    config, *oscillators)
    Trainer(build_model('nri', [2], num_timesteps=6, hidden_channels=8),
            config, *oscillators).fit()


@pytest.mark.slow
def test_compiled_training_matches_eager(tiny_splits, monkeypatch):
    # Two updates with the training step compiled give the eager run's
    # losses and weights (the compiled graph draws its Gumbel noise from
    # the eager generator: inductor's fallback_random).
    import torch._inductor.config as inductor_config
    monkeypatch.setattr(inductor_config, 'fallback_random', True)
    runs = []
    for compile in (False, True):
        torch.manual_seed(0)
        model = build_model('fnri', [2, 2], num_timesteps=6,
                            hidden_channels=8)
        config = TrainConfig(epochs=1, batch_size=8, prediction_steps=2,
                             compile=compile, device='cpu', progress=False,
                             tensorboard=False, seed=0)
        trainer = Trainer(model, config, *tiny_splits)
        assert (trainer.step_module is trainer.objective) != compile
        losses = []
        trainer.fit(on_step_end=lambda step: losses.append(step['loss']))
        runs.append((losses, [p.detach().clone()
                              for p in model.parameters()]))
    (eager, eager_weights), (compiled, compiled_weights) = runs
    assert len(eager) == 2
    assert compiled == pytest.approx(eager, rel=1e-5)
    for a, b in zip(eager_weights, compiled_weights):
        assert torch.allclose(a, b, atol=1e-5)
