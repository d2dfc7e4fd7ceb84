from dataclasses import replace

import pytest

from torch_geometric_fnri.training import (
    RECIPES,
    TrainConfig,
    get_recipe,
)


def _count(module):
    return sum(p.numel() for p in module.parameters())


def test_paper_recipe_is_the_paper():
    paper = get_recipe('paper')
    assert paper.config() == TrainConfig()  # The defaults are the paper's.
    assert paper.differences == []
    model = paper.build_model('fnri', 'learned', [2, 2], 99)
    # The paper's Table 3: fNRI on I+C.
    assert (_count(model.encoder), _count(model.decoder)) == (710660, 406020)
    assert not model.symmetric


def test_fast_recipe_settings_and_overrides():
    fast = get_recipe('fast')
    config = fast.config(epochs=7, lr=3e-3)
    assert (config.batch_size, config.prediction_steps, config.decoder_window,
            config.cauchy_scale, config.epochs, config.lr) == (
                32, 2, 12, 0.01, 7, 3e-3)
    assert config.prediction_steps_schedule == ((500, 10),)
    # The KL weight 0.1 for 2,000 updates, then the paper's 1.
    assert (config.beta, config.beta_schedule) == (0.1, ((2000, 1.0), ))
    assert (config.beta_at(1999), config.beta_at(2000)) == (0.1, 1.0)
    model = fast.build_model('nri', 'learned', [2, 2], 99)
    assert model.symmetric and model.decoder.hidden_channels == 64
    assert model.decoder.central_forces
    assert model.decoder.min_distance == 0.05
    wide = fast.build_model('fnri', 'learned', [2, 2], 99,
                            hidden_channels=32, symmetric=False)
    assert wide.decoder.hidden_channels == 32 and not wide.symmetric
    # Every setting that differs from the paper is listed.
    assert len(fast.differences) >= len(fast.train) - 1
    # The recipe's values are copied, not shared with the configs.
    config.lr = 1.0
    assert fast.config().lr == 1e-3


def test_supervised_model_of_a_recipe_has_the_papers_dropout():
    model = get_recipe('fast').build_model('fnri', 'supervised', [2, 2], 99)
    assert model.encoder.mlp1.dropout == 0.5


def test_unknown_recipe():
    assert set(RECIPES) == {'paper', 'fast'}
    with pytest.raises(ValueError, match="unknown recipe 'slow'"):
        get_recipe('slow')


def test_fast_recipe_on_kuramoto_is_the_setting_that_learns_it():
    fast = get_recipe('fast')
    kuramoto = get_recipe('fast', system='kuramoto')
    assert kuramoto == fast.for_system('kuramoto')
    config = kuramoto.config(seed=3)
    assert (config.routine, config.prediction_steps,
            config.prediction_steps_schedule, config.decoder_window,
            config.cauchy_scale, config.batch_size, config.seed) == (
                'nri', 2, None, 12, 0.01, 32, 3)
    model = kuramoto.build_model('nri', 'learned', [2], 99)
    assert type(model.encoder).__name__ == 'CNNEncoder'
    assert model.symmetric and model.decoder.hidden_channels == 64
    # Phases and frequencies are not positions: no central forces.
    assert not model.decoder.central_forces
    # The KL weight's warm-up is measured on I+C only.
    assert (config.beta, config.beta_schedule) == (1.0, None)
    for system in ('swing', 'netsim'):
        other = get_recipe('fast', system).config()
        assert (other.beta, other.beta_schedule) == (1.0, None)
    assert len(kuramoto.differences) == len(fast.differences) + 2
    assert kuramoto.systems == {}
    # The recipe itself is unchanged, and so are the other systems.
    assert fast.config().prediction_steps_schedule == ((500, 10),)
    assert type(fast.build_model('nri', 'learned', [2], 99).encoder
                ).__name__ == 'MLPEncoder'
    for system in (None, 'I+C', 'I+C+F', 'springs'):
        assert get_recipe('fast', system) is fast
    assert get_recipe('paper', 'kuramoto') is get_recipe('paper')


def test_per_system_settings_with_unknown_keys_are_refused():
    broken = replace(get_recipe('fast'),
                     systems={'kuramoto': {'modle': {'encoder': 'cnn'}}})
    with pytest.raises(ValueError, match=r"unknown keys \['modle'\]"):
        broken.for_system('kuramoto')


def test_fast_recipe_refines_only_where_edges_are_inferred():
    fast = get_recipe('fast')
    learned = fast.config()
    assert (learned.refine_steps, learned.refine_lr) == (30, 0.3)
    for mode in ('supervised', 'true_graph', 'static'):
        config = fast.config(mode=mode)
        assert (config.refine_steps, config.refine_lr) == (0, 0.1)
    # Named for such a mode, the refinement is refused, not dropped.
    with pytest.raises(ValueError, match='no inferred edges to refine'):
        fast.config(mode='supervised', refine_steps=30)
    assert fast.config(refine_steps=0).refine_steps == 0


def test_fast_recipe_tests_the_symmetry_ensemble_where_the_box_is():
    fast = get_recipe('fast')
    for mode in ('learned', 'supervised'):
        assert fast.config(mode=mode).symmetry_ensemble is True
    for mode in ('true_graph', 'static'):
        assert fast.config(mode=mode).symmetry_ensemble is False
    with pytest.raises(ValueError, match="the 'static' mode has none"):
        fast.config(mode='static', symmetry_ensemble=True)
    # Oscillators, BOLD signals and power grids are not in a box.
    for system in ('kuramoto', 'netsim', 'swing'):
        assert get_recipe('fast', system).config().symmetry_ensemble is \
            False
    assert get_recipe('fast', 'I+C+F').config().symmetry_ensemble is True
    assert get_recipe('paper').config().symmetry_ensemble is False
