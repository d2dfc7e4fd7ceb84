import json

import pytest
import torch

from torch_geometric_fnri.nn import (
    CNNEncoder,
    MLPDecoder,
    MultiplexEdgeSampler,
    RelationalInference,
    RNNDecoder,
    build_model,
)


class OwnEncoder(torch.nn.Module):
    r"""An encoder of the user's own: a linear layer over each edge's
    pair of flattened trajectories."""
    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.lin = torch.nn.Linear(2 * in_channels, out_channels)

    def forward(self, x, edge_index, batch=None):
        x = x.flatten(1)
        return self.lin(torch.cat([x[edge_index[0]], x[edge_index[1]]], -1))


def _rebuilt(model):
    # The model its config builds (through JSON), with its weights.
    config = json.loads(json.dumps(model.config))
    rebuilt = RelationalInference.from_config(config)
    rebuilt.load_state_dict(model.state_dict())
    return rebuilt


def _shapes(model):
    return [(name, tuple(value.shape))
            for name, value in model.state_dict().items()]


def _assert_same_outputs(model, other, batch):
    model.eval(), other.eval()
    with torch.no_grad():
        for out, expected in zip(
                other(batch.x, batch.edge_index, deterministic=True),
                model(batch.x, batch.edge_index, deterministic=True)):
            assert torch.equal(out, expected)


@pytest.mark.parametrize('family,kwargs', [
    ('fnri', {}),
    ('nri', dict(decoder='rnn', tau=0.7, hard=True)),
    ('sfnri', dict(split_point=1, sharpness=2.0, symmetric=True)),
    ('fnri', dict(encoder='cnn', split_point=2, relative_messages=True,
                  central_forces=True, encoder_dropout=0.1)),
    ('fnri', dict(decoder='static', skip_first=False)),
    ('sfnri', dict(central_forces=True, pairwise_messages=False)),
])
def test_config_builds_the_model_of_build_model(batch_factory, family,
                                                kwargs):
    torch.manual_seed(0)
    model = build_model(family, [2, 2], num_timesteps=14,
                        hidden_channels=8, **kwargs)
    rebuilt = _rebuilt(model)
    assert rebuilt.config == model.config
    assert _shapes(rebuilt) == _shapes(model)
    assert repr(rebuilt) == repr(model)
    _assert_same_outputs(model, rebuilt, batch_factory([3, 4],
                                                       num_frames=14))


def test_config_builds_a_model_composed_by_hand(batch_factory):
    K = [2, 3]
    model = RelationalInference(
        CNNEncoder(4, 8, K, split_point=1),
        RNNDecoder(4, 8, K, skip_first=True, reference_average=True),
        MultiplexEdgeSampler(K, tau=0.3), 'fnri', K)
    config = model.config
    assert config['encoder'] == {'class': 'CNNEncoder', 'arguments': dict(
        in_channels=4, hidden_channels=8, out_channels=[2, 3], dropout=0.0,
        factor=True, split_point=1)}
    assert config['decoder']['arguments']['reference_average'] is True
    assert (config['family'], config['num_edge_types'],
            config['symmetric']) == ('fnri', [2, 3], False)
    _assert_same_outputs(model, _rebuilt(model),
                         batch_factory([3, 3], num_frames=14))


def test_a_part_of_ones_own_is_named_and_not_built():
    K = [2, 2]
    model = RelationalInference(OwnEncoder(6 * 4, 4), MLPDecoder(4, 8, K),
                                MultiplexEdgeSampler(K), 'fnri', K)
    config = model.config
    assert config['encoder'] == {
        'class': f'{__name__}.OwnEncoder', 'arguments': None}
    json.dumps(config)
    with pytest.raises(ValueError, match=r"the model's encoder is a "
                       r".*OwnEncoder, not one of the package's layers "
                       r"\(MLPEncoder, CNNEncoder, .*build the model "
                       r"yourself"):
        RelationalInference.from_config(config)


def test_from_config_refuses_what_is_no_config():
    config = build_model('fnri', [2, 2], hidden_channels=8).config
    with pytest.raises(ValueError, match=r"'config' must be a dict of "
                       r"\['decoder', 'encoder', 'family', "
                       r"'num_edge_types', 'sampler', 'symmetric'\]"):
        RelationalInference.from_config({**config, 'extra': 1})
    with pytest.raises(ValueError, match="'config' must be a dict"):
        RelationalInference.from_config([config])
    del config['symmetric']
    with pytest.raises(ValueError, match="got .*'sampler'\\]"):
        RelationalInference.from_config(config)
