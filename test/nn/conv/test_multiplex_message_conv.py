import pytest
import torch
import torch.nn.functional as F

from dense_oracle import multiplex_messages
from torch_geometric_fnri.nn.conv import MultiplexMessageConv
from torch_geometric_fnri.utils import fully_connected_edge_index


def _fc(num_graphs, n):
    return torch.cat([fully_connected_edge_index(n) + g * n
                      for g in range(num_graphs)], dim=1)


@pytest.mark.parametrize('in_channels', [4, 32])
@pytest.mark.parametrize('skip_first', [False, True])
def test_multiplex_message_conv_matches_dense(in_channels, skip_first):
    torch.manual_seed(0)
    conv = MultiplexMessageConv(in_channels, 16, 8, [2, 3],
                                skip_first=skip_first)
    assert conv.node_projection == (in_channels >= 16)
    assert str(conv) == (f'MultiplexMessageConv({in_channels}, 8, '
                         f'num_edge_types=[2, 3], skip_first={skip_first})')
    x = torch.randn(2, 3, 5, in_channels)  # [B, T, N, F]
    z = torch.rand(2, 20, 5)
    expected = multiplex_messages(conv, x, z, F.relu)  # [B, T, N, F']
    out = conv(x.permute(0, 2, 1, 3).reshape(10, 3, in_channels), _fc(2, 5),
               z.reshape(40, 5))
    assert out.size() == (10, 3, 8)
    assert torch.allclose(out.view(2, 5, 3, 8).transpose(1, 2), expected,
                          atol=1e-5)


@pytest.mark.parametrize('in_channels', [4, 32])
def test_multiplex_message_conv_cpu_blocks_same_output_and_gradients(
        in_channels):
    # 40 edges x 3 frames = 120 rows in blocks of 7 rows (the last one
    # shorter) must give what one block gives, gradients included.
    torch.manual_seed(0)
    blocked = MultiplexMessageConv(in_channels, 16, 8, [2, 3],
                                   skip_first=True)
    whole = MultiplexMessageConv(in_channels, 16, 8, [2, 3],
                                 skip_first=True)
    whole.load_state_dict(blocked.state_dict())
    # 3 active types x 16 hidden channels = 48 hidden values per row.
    blocked._cpu_block_size, whole._cpu_block_size = 7 * 48, None
    assert blocked._block_rows(torch.empty(120, 1)) == 7
    assert whole._block_rows(torch.empty(120, 1)) == 120
    x = torch.randn(10, 3, in_channels)
    z = torch.rand(40, 5)
    outs, grads = [], []
    for conv in (blocked, whole):
        xs, zs = x.clone().requires_grad_(), z.clone().requires_grad_()
        out = conv(xs, _fc(2, 5), zs)
        (out * torch.arange(8.)).sum().backward()
        outs.append(out)
        grads.append([xs.grad, zs.grad] +
                     [p.grad for p in conv.parameters()])
    assert torch.allclose(outs[0], outs[1], atol=1e-6)
    for a, b in zip(*grads):
        assert torch.allclose(a, b, atol=1e-5)


def test_multiplex_message_conv_skip_first_params():
    conv = MultiplexMessageConv(4, 8, 8, [2, 2], skip_first=True)
    assert conv.num_active == 2
    assert sum(p.numel() for p in conv.parameters()) == 4 * (
        8 * 8 + 8 + 8 * 8 + 8)
    x, edge_index = torch.randn(4, 4), fully_connected_edge_index(4)
    z = torch.rand(12, 4, requires_grad=True)
    conv(x, edge_index, z).sum().backward()
    for k in (0, 2):  # skipped non-edge types get no gradient
        assert conv.weight1.grad[k].abs().sum() == 0
        assert z.grad[:, k].abs().sum() == 0
    for k in (1, 3):
        assert conv.weight1.grad[k].abs().sum() > 0


def test_multiplex_message_conv_batch_and_permutation():
    torch.manual_seed(1)
    conv = MultiplexMessageConv(4, 8, 6, 2)
    sizes = [5, 3]
    x = torch.randn(8, 4)
    edge_index = torch.cat([fully_connected_edge_index(5),
                            fully_connected_edge_index(3) + 5], dim=1)
    z = torch.rand(edge_index.size(1), 2)
    out = conv(x, edge_index, z)
    out0 = conv(x[:5], fully_connected_edge_index(5), z[:20])
    out1 = conv(x[5:], fully_connected_edge_index(3), z[20:])
    assert torch.allclose(out, torch.cat([out0, out1]), atol=1e-6)
    assert sum(sizes) == out.size(0)
    perm = torch.randperm(8)
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(8)
    out_perm = conv(x[perm], inv[edge_index], z)
    assert torch.allclose(out_perm, out[perm], atol=1e-6)


def test_multiplex_message_conv_errors():
    conv = MultiplexMessageConv(4, 8, 8, [2, 2])
    x, edge_index = torch.randn(3, 4), fully_connected_edge_index(3)
    with pytest.raises(ValueError, match=r"'edge_weight' must have shape"):
        conv(x, edge_index, torch.rand(6, 3))
    with pytest.raises(ValueError, match="4 features"):
        conv(torch.randn(3, 5), edge_index, torch.rand(6, 4))
    with pytest.raises(ValueError, match="'act'"):
        MultiplexMessageConv(4, 8, 8, 2, act='gelu')
    with pytest.raises(ValueError, match="'num_edge_types'"):
        MultiplexMessageConv(4, 8, 8, [2, 0])


@pytest.mark.parametrize('in_channels', [4, 32])
def test_multiplex_message_conv_edge_features_match_dense(in_channels):
    torch.manual_seed(0)
    conv = MultiplexMessageConv(in_channels, 16, 8, [2, 3], skip_first=True,
                                edge_channels=3)
    plain = MultiplexMessageConv(in_channels, 16, 8, [2, 3])
    assert conv.weight1.shape == (5, 2 * in_channels + 3, 16)
    assert sum(p.numel() for p in conv.parameters()) == \
        sum(p.numel() for p in plain.parameters()) + 5 * 3 * 16
    assert str(conv).endswith('skip_first=True, edge_channels=3)')
    x = torch.randn(2, 3, 5, in_channels)  # [B, T, N, F]
    z = torch.rand(2, 20, 5)
    edge_attr = torch.randn(2, 3, 20, 3)  # [B, T, E, C]
    expected = multiplex_messages(conv, x, z, F.relu, edge_attr)
    out = conv(x.permute(0, 2, 1, 3).reshape(10, 3, in_channels), _fc(2, 5),
               z.reshape(40, 5),
               edge_attr.permute(0, 2, 1, 3).reshape(40, 3, 3))
    assert torch.allclose(out.view(2, 5, 3, 8).transpose(1, 2), expected,
                          atol=1e-5)
    # The edge features matter.
    other = conv(x.permute(0, 2, 1, 3).reshape(10, 3, in_channels),
                 _fc(2, 5), z.reshape(40, 5), torch.zeros(40, 3, 3))
    assert not torch.allclose(other, out, atol=1e-3)


def test_multiplex_message_conv_edge_feature_errors():
    x, edge_index = torch.randn(3, 4), fully_connected_edge_index(3)
    with pytest.raises(ValueError, match="built with edge_channels=0"):
        MultiplexMessageConv(4, 8, 8, 2)(x, edge_index, torch.rand(6, 2),
                                         torch.rand(6, 2))
    conv = MultiplexMessageConv(4, 8, 8, 2, edge_channels=2)
    with pytest.raises(ValueError, match=r"'edge_attr' must have shape "
                       r"\[6, 2\] \(got None\)"):
        conv(x, edge_index, torch.rand(6, 2))
    with pytest.raises(ValueError, match=r"\(got \(6, 3\)\)"):
        conv(x, edge_index, torch.rand(6, 2), torch.rand(6, 3))
    with pytest.raises(ValueError, match="'edge_channels' must be an int"):
        MultiplexMessageConv(4, 8, 8, 2, edge_channels=-1)
