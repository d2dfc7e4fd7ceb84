import pytest
import torch

from torch_geometric_fnri.nn import RelationalInference, build_model
from torch_geometric_fnri.utils import fully_connected_edge_index

TABLE_3 = {  # (family, label layers): (encoder, decoder)
    ('nri', (2, 2)): (710660, 406020),
    ('fnri', (2, 2)): (710660, 406020),
    ('fnri', (2, 2, 2)): (711174, 542212),
    ('sfnri', (2, 2)): (710146, 269828),
    ('nri', (2, 2, 2)): (711688, 678404),
    ('sfnri', (2, 2, 2)): (710403, 337924),
}


def _count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize('key', list(TABLE_3))
def test_parameter_counts_match_paper(key):
    family, layers = key
    model = build_model(family, list(layers))
    assert (_count(model.encoder), _count(model.decoder)) == TABLE_3[key]


def test_nri_k2_cnn_rnn_counts():
    model = build_model('nri', [2], encoder='cnn', decoder='rnn')
    assert _count(model.encoder) == 933379
    assert _count(model.decoder) == 727300


def test_split_point_heads():
    # fNRI: one head per layer-graph; sfNRI: one one-logit head per factor.
    fnri = build_model('fnri', [2, 2, 2], split_point=2)
    assert _count(fnri.encoder) == 1501702
    assert [lin.out_features for lin in fnri.encoder.lin_out] == [2, 2, 2]
    sfnri = build_model('sfnri', [2, 2], split_point=1)
    assert [lin.out_features for lin in sfnri.encoder.lin_out] == [1, 1]
    x = torch.randn(5, 49, 4)
    assert sfnri.encoder(x, fully_connected_edge_index(5)).shape == (20, 2)
    cnn = build_model('sfnri', [2, 2, 2], encoder='cnn', split_point=2)
    assert [lin.out_features for lin in cnn.encoder.lin_out] == [1, 1, 1]
    assert cnn.encoder(x, fully_connected_edge_index(5)).shape == (20, 3)
    with pytest.raises(ValueError, match='needs fNRI or sfNRI'):
        build_model('nri', [2, 2], split_point=1)


def test_build_model_errors():
    with pytest.raises(ValueError, match="'family'"):
        build_model('vae', [2, 2])
    with pytest.raises(ValueError, match="'encoder'"):
        build_model('fnri', [2, 2], encoder='gru')
    with pytest.raises(ValueError, match="'decoder'"):
        build_model('fnri', [2, 2], decoder='lstm')
    with pytest.raises(ValueError, match='binary label layers'):
        build_model('sfnri', [3, 2])
    with pytest.raises(ValueError, match="'tau'"):
        build_model('fnri', [2, 2], tau=-1.0)
    with pytest.raises(ValueError, match='at least 2 edge types'):
        build_model('fnri', [1, 2])
    for name in ('num_timesteps', 'in_channels', 'hidden_channels',
                 'encoder_hidden_channels'):
        with pytest.raises(ValueError, match=f"'{name}' must be a positive"):
            build_model('fnri', [2, 2], **{name: 0})


@pytest.mark.parametrize('option', ['relative_messages', 'central_forces'])
def test_build_model_decoder_geometry(option):
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        **{option: True})
    assert getattr(model.decoder, option)
    assert model.config['decoder']['arguments'][option] is True
    plain = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    assert plain.config['decoder']['arguments'][option] is False
    for decoder in ('rnn', 'static'):
        with pytest.raises(ValueError, match=f"'{option}' needs the "
                           "MLP decoder"):
            build_model('fnri', [2, 2], decoder=decoder, **{option: True})
    # The bound of the inverse distance reaches the decoder and its record.
    bounded = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                          min_distance=0.05, **{option: True})
    assert bounded.decoder.min_distance == 0.05
    assert bounded.config['decoder']['arguments']['min_distance'] == 0.05
    with pytest.raises(ValueError, match="'min_distance' must be positive"):
        build_model('fnri', [2, 2], min_distance=0.0, **{option: True})


def test_build_model_decoder_with_central_forces_alone():
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        central_forces=True, pairwise_messages=False)
    assert model.decoder.message_conv is None
    assert model.config['decoder']['arguments']['pairwise_messages'] is False
    both = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                       central_forces=True)
    assert both.config['decoder']['arguments']['pairwise_messages'] is True
    # No message MLPs [2 D -> H -> H] (one per edge type, the skipped
    # types' included as in the paper's counts), a first output layer
    # without the H message inputs, and the step into the positions.
    assert _count(both.decoder) - _count(model.decoder) == \
        4 * ((8 * 8 + 8) + (8 * 8 + 8)) + 8 * 8 - 2
    with pytest.raises(ValueError, match="'pairwise_messages=False' needs "
                       "'central_forces=True'"):
        build_model('fnri', [2, 2], pairwise_messages=False)
    for decoder in ('rnn', 'static'):
        with pytest.raises(ValueError, match="'pairwise_messages=False' "
                           "needs the MLP decoder"):
            build_model('fnri', [2, 2], decoder=decoder,
                        pairwise_messages=False)


@pytest.mark.parametrize('encoder', ['mlp', 'cnn'])
def test_encoder_width_apart_from_the_decoder(encoder):
    model = build_model('fnri', [2, 2], num_timesteps=16, hidden_channels=8,
                        encoder=encoder, encoder_hidden_channels=16)
    assert model.encoder.arguments['hidden_channels'] == 16
    assert model.decoder.arguments['hidden_channels'] == 8
    same = build_model('fnri', [2, 2], num_timesteps=16, hidden_channels=8,
                       encoder=encoder)
    assert same.encoder.arguments['hidden_channels'] == 8
    assert _count(model.decoder) == _count(same.decoder)
    assert _count(model.encoder) > _count(same.encoder)
    x = torch.randn(4, 16, 4)
    logits = model.encoder(x, fully_connected_edge_index(4))
    assert logits.shape == (12, 4)


def test_noise_scale_reaches_the_sampler_and_the_config():
    model = build_model('fnri', [2, 2], num_timesteps=4, hidden_channels=8,
                        noise_scale=0.0)
    assert model.sampler.noise_scale == 0.0
    rebuilt = RelationalInference.from_config(model.config)
    assert rebuilt.sampler.noise_scale == 0.0
    assert build_model('nri', [2, 2], num_timesteps=4,
                       hidden_channels=8).sampler.noise_scale == 1.0
    with pytest.raises(ValueError, match="mode='sigmoid' has none"):
        build_model('sfnri', [2, 2], num_timesteps=4, hidden_channels=8,
                    noise_scale=0.0)
    # One scale per layer-graph, through the config as well.
    model = build_model('fnri', [2, 2], num_timesteps=4, hidden_channels=8,
                        noise_scale=[1, 0])
    rebuilt = RelationalInference.from_config(model.config)
    assert model.sampler.noise_scale == rebuilt.sampler.noise_scale == [
        1.0, 0.0]
    assert torch.equal(rebuilt.sampler.column_noise_scale,
                       torch.tensor([1., 1., 0., 0.], dtype=torch.float64))
