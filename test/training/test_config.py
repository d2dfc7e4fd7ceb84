import pytest

from torch_geometric_fnri.training import FrameSplit, TrainConfig


def test_defaults_are_the_papers():
    config = TrainConfig()
    assert (config.lr, config.batch_size, config.epochs) == (5e-4, 128, 500)
    assert (config.lr_decay_epochs, config.lr_gamma) == (200, 0.5)
    assert (config.prediction_steps, config.variance) == (10, 5e-5)
    assert config.selection_metric == ('valid_nll_m', 'min')
    assert TrainConfig(mode='supervised').selection_metric == (
        'valid_acc_combined', 'max')


def test_frame_split():
    split = TrainConfig().frame_split
    assert split == FrameSplit()
    assert split.slices(99) == (slice(0, 49), slice(50, 99))
    assert split.num_encoder_frames(99) == 49
    shared = TrainConfig(routine='nri').frame_split
    assert shared == FrameSplit(shared=True)
    assert shared.slices(13) == (slice(0, 6), slice(0, 6))
    # The test split is always evaluated on the later segment.
    assert shared.test_slices(99) == split.test_slices(99) == \
        split.slices(99)
    custom = TrainConfig(encoder_frames=10, decoder_start=10).frame_split
    assert custom.slices(30) == (slice(0, 10), slice(10, 30))
    assert custom.num_encoder_frames(30) == 10
    with pytest.raises(ValueError, match='decoder needs at least 2 frames'):
        TrainConfig(encoder_frames=10).frame_split.slices(12)
    with pytest.raises(ValueError, match="'encoder_frames' must be in "
                       r"\[2, 12\]"):
        TrainConfig(encoder_frames=20).frame_split.num_encoder_frames(12)
    for name in ('encoder_frames', 'decoder_start'):
        with pytest.raises(ValueError, match=f"'{name}' must be an int"):
            TrainConfig(**{name: 2.5})
    with pytest.raises(ValueError, match="'routine' must be one of "
                       r"\['fnri', 'nri'\]"):
        TrainConfig(routine='shared')


def test_round_trip_and_errors():
    config = TrainConfig(mode='true_graph', epochs=3, grad_clip=1.0)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert '"mode": "true_graph"' in config.to_json()
    with pytest.raises(ValueError, match="unknown TrainConfig fields"):
        TrainConfig.from_dict({'lr': 1e-3, 'learning_rate': 1})
    with pytest.raises(TypeError, match='positional'):  # Keyword-only.
        TrainConfig('true_graph')
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
