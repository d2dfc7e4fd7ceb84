import math

import pytest
import torch

from torch_geometric_fnri.nn import MLPDecoder, NodeToEdgeConv, build_model
from torch_geometric_fnri.utils import fully_connected_edge_index


def _model():
    torch.manual_seed(0)
    return build_model('fnri', [2, 2], num_timesteps=4, hidden_channels=8)


def test_self_loops_and_duplicate_edges_are_refused():
    # Into the encoder, the decoder and a layer: an edge i -> i relates no
    # two nodes, and a repeated edge counts twice in every aggregation.
    model = _model().eval()
    x = torch.randn(3, 4, 4)
    edges = fully_connected_edge_index(3)
    loop = torch.cat([edges, torch.tensor([[1], [1]])], dim=1)
    twice = torch.cat([edges, edges[:, 2:3]], dim=1)
    sender, receiver = edges[:, 2].tolist()
    for edge_index, message in (
            (loop, 'self-loops .*node 1 to itself'),
            (twice, f'duplicate edges .*edge {sender} -> {receiver}')):
        weight = torch.zeros(edge_index.size(1), 4)
        with pytest.raises(ValueError, match=message):
            model.encode(x, edge_index)
        with pytest.raises(ValueError, match=message):
            model.decode(x, edge_index, weight, pred_steps=2)
        with pytest.raises(ValueError, match=message):
            NodeToEdgeConv(torch.nn.Linear(8, 2))(x[:, 0], edge_index)


def test_non_finite_inputs_warn():
    model = _model().eval()
    edges = fully_connected_edge_index(3)
    x = torch.randn(3, 4, 4)
    x[2, 1, 0] = math.nan
    with pytest.warns(RuntimeWarning, match="'x' holds NaN or inf"):
        model.encode(x, edges)
    weight = torch.zeros(6, 4)
    weight[0, 1] = math.inf
    decoder = MLPDecoder(4, 8, [2, 2])
    with pytest.warns(RuntimeWarning, match="'edge_weight' holds NaN"):
        decoder(torch.randn(3, 4, 4), edges, weight, pred_steps=2)
    logits = torch.zeros(6, 4)
    logits[3] = math.nan
    with pytest.warns(RuntimeWarning, match="'logits' holds NaN or inf"):
        model.predict_edge_types(logits)


def test_finite_inputs_do_not_warn(recwarn):
    # Values whose sum overflows are finite: no warning.
    x = torch.full((3, 4), 3e38)
    out = NodeToEdgeConv(torch.nn.Identity())(x, fully_connected_edge_index(3))
    assert torch.isfinite(out).all()
    assert not [w for w in recwarn if 'NaN' in str(w.message)]


def test_edge_index_values_are_checked_once_per_tensor(monkeypatch):
    # Each value check syncs with the device: a model checks the edge_index
    # of a batch once, not in every layer and rollout step, and again after
    # an in-place change.
    from torch_geometric_fnri.nn import _validation, build_model
    calls = []
    check = _validation._check_edge_index_values
    monkeypatch.setattr(_validation, '_check_edge_index_values',
                        lambda *args: calls.append(args) or check(*args))
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8)
    edge_index = torch.tensor([[0, 0, 1, 1, 2, 2], [1, 2, 0, 2, 0, 1]])
    x = torch.randn(3, 12, 4)
    model(x[:, :6], edge_index, x_decoder=x[:, 6:], pred_steps=3)
    assert len(calls) == 1
    model(x[:, :6], edge_index, x_decoder=x[:, 6:], pred_steps=3)
    assert len(calls) == 1
    edge_index[0, 0] = 2  # now 2 -> 1 twice: a duplicate
    with pytest.raises(ValueError, match='duplicate edges'):
        model(x[:, :6], edge_index, x_decoder=x[:, 6:], pred_steps=3)
    assert len(calls) == 2
    with pytest.raises(ValueError, match=r'node indices in \[0, 1\]'):
        model(x[:2, :6], edge_index.clone(), x_decoder=x[:2, 6:])


@pytest.mark.parametrize('arguments', [
    dict(encoder_dropout=1.5), dict(encoder_dropout=-0.1),
    dict(decoder_dropout=1.0), dict(decoder='rnn', decoder_dropout=2.0),
    dict(encoder='cnn', encoder_dropout=True),
])
def test_dropout_outside_zero_one_is_refused_when_built(arguments):
    with pytest.raises(ValueError, match=r"'dropout' must be a probability "
                       r"in \[0, 1\)"):
        build_model('fnri', [2, 2], num_timesteps=20, hidden_channels=8,
                    **arguments)
