import pytest
import torch

import dense_oracle
from torch_geometric_fnri.nn import MLPDecoder
from torch_geometric_fnri.utils import fully_connected_edge_index


@pytest.mark.parametrize('pred_steps', [1, 4, 10, 13])
def test_mlp_decoder_matches_dense(batch_factory, pred_steps):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=13)
    dec = MLPDecoder(4, 16, [2, 2], skip_first=True)
    z = torch.rand(40, 4)
    out = dec(batch.x, batch.edge_index, z, pred_steps=pred_steps)
    assert out.size() == (10, 12, 4)
    expected = dense_oracle.mlp_decoder(dec, batch.x.view(2, 5, 13, 4),
                                        z.view(2, 20, 4), pred_steps)
    assert torch.allclose(out, expected.reshape(10, 12, 4), atol=1e-5)


def test_mlp_decoder_rollout_anchors():
    # With all-zero weights in the last layer the step is the identity, so
    # output index t must equal ground-truth frame (t // M) * M.
    dec = MLPDecoder(4, 8, 2)
    torch.nn.init.zeros_(dec.lin3.weight)
    torch.nn.init.zeros_(dec.lin3.bias)
    x = torch.randn(3, 49, 4)
    out = dec(x, fully_connected_edge_index(3), torch.rand(6, 2), 10)
    anchors = (torch.arange(48) // 10) * 10
    assert torch.equal(out, x[:, anchors])


def test_mlp_decoder_mixed_sizes_dropout_and_errors(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([5, 2, 3], num_frames=7)
    dec = MLPDecoder(4, 16, 3, dropout=0.5).eval()
    z = torch.rand(batch.edge_index.size(1), 3)
    out = dec(batch.x, batch.edge_index, z, 3)
    assert torch.equal(out, dec(batch.x, batch.edge_index, z, 3))
    parts, start = [], 0
    for g in batch.to_data_list():
        num_edges = g.edge_index.size(1)
        parts.append(dec(g.x, g.edge_index, z[start:start + num_edges], 3))
        start += num_edges
    assert torch.allclose(out, torch.cat(parts), atol=1e-5)
    dec.train()
    assert not torch.equal(out, dec(batch.x, batch.edge_index, z, 3))
    with pytest.raises(ValueError, match="'pred_steps' must be"):
        dec(batch.x, batch.edge_index, z, 8)
    with pytest.raises(ValueError, match="'edge_weight' must have shape"):
        dec(batch.x, batch.edge_index, z[:, :2], 2)
    with pytest.raises(ValueError, match="'x' must have shape"):
        dec(batch.x[:, 0], batch.edge_index, z, 1)


def test_mlp_decoder_checkpoint_same_gradients(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([4, 4], num_frames=7)
    dec = MLPDecoder(4, 8, [2, 2], skip_first=True)
    z = torch.rand(24, 4, requires_grad=True)
    grads = []
    for checkpoint in (False, True):
        dec.checkpoint = checkpoint
        dec.zero_grad()
        z.grad = None
        dec(batch.x, batch.edge_index, z, 3).pow(2).sum().backward()
        grads.append((dec.message_conv.weight1.grad.clone(),
                      z.grad.clone()))
    assert torch.allclose(grads[0][0], grads[1][0], atol=1e-5)
    assert torch.allclose(grads[0][1], grads[1][1], atol=1e-5)


def test_relative_edge_features_by_hand():
    from torch_geometric_fnri.nn.models.relative_edge_features import (
        relative_edge_features,
    )
    x = torch.tensor([[0., 0., 1., 0.], [3., 4., 0., 2.],
                      [0., 0.001, 0., 0.]])
    edge_index = torch.tensor([[1, 0, 2], [0, 1, 0]])
    out = relative_edge_features(x, edge_index, min_distance=0.01)
    expected = torch.tensor([[3., 4., -1., 2., 5., 0.2],
                             [-3., -4., 1., -2., 5., 0.2],
                             [0., 0.001, -1., 0., 0.001, 100.]])
    assert torch.allclose(out, expected)
    frames = relative_edge_features(x.unsqueeze(1).expand(3, 7, 4),
                                    edge_index, 0.01)
    assert frames.shape == (3, 7, 6)


@pytest.mark.parametrize('pred_steps', [1, 4])
def test_mlp_decoder_relative_messages_match_dense(batch_factory,
                                                   pred_steps):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=13)
    dec = MLPDecoder(4, 16, [2, 2], skip_first=True, relative_messages=True)
    plain = MLPDecoder(4, 16, [2, 2], skip_first=True)
    assert sum(p.numel() for p in dec.parameters()) == \
        sum(p.numel() for p in plain.parameters()) + 4 * 6 * 16
    assert str(dec).endswith('relative_messages=True)')
    z = torch.rand(40, 4)
    out = dec(batch.x, batch.edge_index, z, pred_steps=pred_steps)
    expected = dense_oracle.mlp_decoder(dec, batch.x.view(2, 5, 13, 4),
                                        z.view(2, 20, 4), pred_steps)
    assert torch.allclose(out, expected.reshape(10, 12, 4), atol=1e-5)


@pytest.mark.parametrize('pred_steps', [1, 3])
def test_mlp_decoder_central_forces_match_dense(batch_factory, pred_steps):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=13)
    dec = MLPDecoder(4, 16, [2, 2], skip_first=True, central_forces=True)
    torch.manual_seed(0)
    batch_factory([5, 5], num_frames=13)
    plain = MLPDecoder(4, 16, [2, 2], skip_first=True)
    # The decoder's own layers draw as without the forces.
    for name, param in plain.named_parameters():
        assert torch.equal(param, dict(dec.named_parameters())[name])
    # Four radial MLPs [2 -> 16 -> 1], one per edge type.
    assert sum(p.numel() for p in dec.parameters()) == \
        sum(p.numel() for p in plain.parameters()) + 4 * (2 * 16 + 16 + 17)
    assert str(dec).endswith('central_forces=True)')
    z = torch.rand(40, 4)
    # The forces start silent: the same predictions as without them.
    out = dec(batch.x, batch.edge_index, z, pred_steps=pred_steps)
    assert torch.equal(out, plain(batch.x, batch.edge_index, z,
                                  pred_steps=pred_steps))
    with torch.no_grad():
        for param in dec.force_conv.parameters():
            param.normal_()
    out = dec(batch.x, batch.edge_index, z, pred_steps=pred_steps)
    expected = dense_oracle.mlp_decoder(dec, batch.x.view(2, 5, 13, 4),
                                        z.view(2, 20, 4), pred_steps)
    assert torch.allclose(out, expected.reshape(10, 12, 4), atol=1e-5)
    # The forces move only the velocity channels.
    one_step = dec(batch.x[:, :2], batch.edge_index, z)
    without = plain(batch.x[:, :2], batch.edge_index, z)
    assert torch.equal(one_step[..., :2], without[..., :2])
    assert not torch.allclose(one_step[..., 2:], without[..., 2:])


@pytest.mark.parametrize('pred_steps', [1, 3])
def test_mlp_decoder_central_forces_alone_match_dense(batch_factory,
                                                      pred_steps):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=13)
    dec = MLPDecoder(4, 16, [2, 2], skip_first=True, central_forces=True,
                     pairwise_messages=False)
    assert dec.message_conv is None and dec.skip_first
    assert dec.num_edge_types == [2, 2]
    # The output MLP [4 -> 16 -> 16 -> 4], four radial MLPs and the step
    # of the forces into the positions (x, y).
    assert sum(p.numel() for p in dec.parameters()) == \
        (4 * 16 + 16) + (16 * 16 + 16) + (16 * 4 + 4) + \
        4 * (2 * 16 + 16 + 17) + 2
    assert torch.equal(dec.force_position_step, torch.zeros(2))
    assert str(dec).endswith(
        'central_forces=True, pairwise_messages=False)')
    with torch.no_grad():
        for param in dec.force_conv.parameters():
            param.normal_()
    z = torch.rand(40, 4)
    # The position step starts at zero: the edges move the velocities
    # only, and only through the forces (without edges, each particle
    # follows the output MLP alone).
    none = dec(batch.x[:, :2], batch.edge_index, torch.zeros(40, 4))
    one_step = dec(batch.x[:, :2], batch.edge_index, z)
    assert torch.equal(one_step[..., :2], none[..., :2])
    assert not torch.allclose(one_step[..., 2:], none[..., 2:])
    with torch.no_grad():
        dec.force_position_step.copy_(torch.tensor([0.5, -2.0]))
    out = dec(batch.x, batch.edge_index, z, pred_steps=pred_steps)
    expected = dense_oracle.mlp_decoder(dec, batch.x.view(2, 5, 13, 4),
                                        z.view(2, 20, 4), pred_steps)
    assert torch.allclose(out, expected.reshape(10, 12, 4), atol=1e-5)
    # Then the forces move the positions by that step, per coordinate.
    one_step = dec(batch.x[:, :2], batch.edge_index, z)
    assert torch.allclose(one_step[..., :2] - none[..., :2],
                          (one_step[..., 2:] - none[..., 2:]) *
                          torch.tensor([0.5, -2.0]), atol=1e-6)
    with torch.no_grad():
        for param in dec.force_conv.parameters():
            param.zero_()
    assert torch.equal(dec(batch.x, batch.edge_index, z),
                       dec(batch.x, batch.edge_index, torch.zeros(40, 4)))
    # Rebuilt from its arguments: the same layers.
    again = MLPDecoder(**dec.arguments)
    assert again.message_conv is None and str(again) == str(dec)


def test_mlp_decoder_relative_messages_errors():
    with pytest.raises(ValueError, match=r"needs \(x, y, vx, vy, ...\)"):
        MLPDecoder(3, 16, 2, relative_messages=True)
    with pytest.raises(ValueError, match=r"'central_forces' needs \(x, y"):
        MLPDecoder(3, 16, 2, central_forces=True)
    with pytest.raises(ValueError, match="'min_distance' must be positive"):
        MLPDecoder(4, 16, 2, relative_messages=True, min_distance=0)
    with pytest.raises(ValueError, match=r"'pairwise_messages=False' needs "
                       r"'central_forces=True' \(without either, the "
                       r"decoder ignores the edges\)"):
        MLPDecoder(4, 16, 2, pairwise_messages=False)
    with pytest.raises(ValueError, match="'relative_messages' needs the "
                       "message MLPs"):
        MLPDecoder(4, 16, 2, central_forces=True, relative_messages=True,
                   pairwise_messages=False)
