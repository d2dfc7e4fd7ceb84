import pytest

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import (
    MODES,
    TrainConfig,
    TrainingMode,
    get_training_mode,
)


@pytest.mark.parametrize('name, encoder, decoder, trains, samples, labels', [
    ('learned', True, True, True, True, False),
    ('supervised', True, False, True, False, True),
    ('true_graph', False, True, True, False, True),
    ('static', False, True, False, False, False),
])
def test_training_mode_properties(name, encoder, decoder, trains, samples,
                                  labels):
    mode = get_training_mode(name)
    assert isinstance(mode, TrainingMode) and mode.name == name
    assert (mode.uses_encoder, mode.uses_decoder, mode.trains) == \
        (encoder, decoder, trains)
    assert mode.samples_edges == samples
    assert mode.needs_labels == labels
    assert mode.supervises_encoder == (name == 'supervised')
    assert TrainConfig(mode=name).training_mode is mode


def test_training_mode_trained_module():
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    assert get_training_mode('learned').trained_module(model) is model
    assert get_training_mode('supervised').trained_module(model) is \
        model.encoder
    assert get_training_mode('true_graph').trained_module(model) is \
        model.decoder
    assert get_training_mode('static').trained_module(model) is None


def test_unknown_training_mode_raises():
    assert MODES == ('learned', 'supervised', 'true_graph', 'static')
    with pytest.raises(ValueError, match=r"'mode' must be one of \['learned'"):
        get_training_mode('unsupervised')
    with pytest.raises(ValueError, match="'mode' must be one of"):
        TrainConfig(mode='unsupervised')
