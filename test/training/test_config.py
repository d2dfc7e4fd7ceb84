import pytest

from torch_geometric_fnri.training import TrainConfig


def test_defaults_are_the_papers():
    config = TrainConfig()
    assert (config.lr, config.batch_size, config.epochs) == (5e-4, 128, 500)
    assert (config.lr_decay_epochs, config.lr_gamma) == (200, 0.5)
    assert (config.prediction_steps, config.variance) == (10, 5e-5)
    assert config.selection_metric == ('valid_nll_m', 'min')
    assert TrainConfig(mode='supervised').selection_metric == (
        'valid_acc_combined', 'max')


def test_frame_split():
    config = TrainConfig()
    assert config.frame_split(99) == (slice(0, 49), slice(50, 99))
    assert config.frame_split(99, 'nri') == (slice(0, 49), slice(0, 49))
    assert TrainConfig(routine='nri').frame_split(13) == (slice(0, 6),
                                                          slice(0, 6))
    custom = TrainConfig(encoder_frames=10, decoder_start=10)
    assert custom.frame_split(30) == (slice(0, 10), slice(10, 30))
    with pytest.raises(ValueError, match='decoder frames'):
        TrainConfig(encoder_frames=10).frame_split(12)
    with pytest.raises(ValueError, match="'encoder_frames'"):
        TrainConfig(encoder_frames=20).frame_split(12)


def test_round_trip_and_errors():
    config = TrainConfig(mode='true_graph', epochs=3, grad_clip=1.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert '"mode": "true_graph"' in config.to_json()
    with pytest.raises(ValueError, match="unknown TrainConfig fields"):
        TrainConfig.from_dict({'lr': 1e-3, 'learning_rate': 1})
    with pytest.raises(ValueError, match="'mode' must be one of"):
        TrainConfig(mode='unsupervised')
    with pytest.raises(TypeError, match="'epochs' must be an int"):
        TrainConfig(epochs=2.5)
    with pytest.raises(ValueError, match="'batch_size' must be >= 1"):
        TrainConfig(batch_size=0)
    with pytest.raises(ValueError, match="'lr' must be positive"):
        TrainConfig(lr=0.0)
    with pytest.raises(ValueError, match="'lr_gamma'"):
        TrainConfig(lr_gamma=1.5)
    with pytest.raises(ValueError, match="'grad_clip'"):
        TrainConfig(grad_clip=-1.0)
