import math

import pytest
import torch

from dense_oracle import central_forces
from torch_geometric_fnri.nn.conv import CentralForceConv
from torch_geometric_fnri.utils import fully_connected_edge_index


def _fc(num_graphs, n):
    return torch.cat([fully_connected_edge_index(n) + g * n
                      for g in range(num_graphs)], dim=1)


def _randomised(conv):
    torch.manual_seed(1)
    with torch.no_grad():
        for param in conv.parameters():
            param.normal_()
    return conv


@pytest.mark.parametrize('skip_first', [False, True])
def test_central_force_conv_matches_pairwise_loop(skip_first):
    torch.manual_seed(0)
    conv = _randomised(CentralForceConv([2, 3], 8, skip_first=skip_first))
    assert str(conv) == ('CentralForceConv(num_edge_types=[2, 3], '
                         f'hidden_channels=8, skip_first={skip_first})')
    pos = torch.randn(2, 3, 5, 2)  # [B, T, N, P]
    pos[0, 0, 1] = pos[0, 0, 0] + 1e-4  # Closer than min_distance.
    z = torch.rand(2, 20, 5)
    expected = central_forces(conv, pos, z)
    out = conv(pos.permute(0, 2, 1, 3).reshape(10, 3, 2), _fc(2, 5),
               z.reshape(40, 5))
    assert out.shape == (10, 3, 2)
    assert torch.allclose(out.view(2, 5, 3, 2).transpose(1, 2), expected,
                          atol=1e-4)
    # Without a time axis too.
    flat = conv(pos[:, 0].reshape(10, 2), _fc(2, 5), z.reshape(40, 5))
    assert torch.allclose(flat, out[:, 0], atol=1e-6)


def test_central_force_conv_skipped_types_exert_nothing():
    conv = _randomised(CentralForceConv([2, 2], 8, skip_first=True))
    pos = torch.randn(5, 2)
    z = torch.zeros(20, 4)
    z[:, [0, 2]] = 1.0  # Only the non-edge types.
    assert torch.equal(conv(pos, _fc(1, 5), z), torch.zeros(5, 2))


def test_central_force_conv_starts_silent_and_learns():
    torch.manual_seed(0)
    conv = CentralForceConv(2, 8)
    pos = torch.randn(5, 2, requires_grad=True)
    z = torch.rand(20, 2)
    out = conv(pos, _fc(1, 5), z)
    assert torch.equal(out, torch.zeros(5, 2))
    out.pow(2).sum().backward()  # Zero loss gradient at zero output...
    (conv(pos, _fc(1, 5), z) * torch.randn(5, 2)).sum().backward()
    # ...but the output weights get a gradient from any other loss.
    assert conv.weight2.grad.abs().sum() > 0


def test_central_force_conv_is_equivariant():
    torch.manual_seed(0)
    conv = _randomised(CentralForceConv([2, 2], 16, skip_first=True))
    pos = torch.randn(10, 2)
    edge_index, z = _fc(2, 5), torch.rand(40, 4)
    out = conv(pos, edge_index, z)
    angle = 0.7
    rotation = torch.tensor([[math.cos(angle), -math.sin(angle)],
                             [math.sin(angle), math.cos(angle)]])
    reflection = torch.tensor([[1.0, 0.0], [0.0, -1.0]])
    for matrix in (rotation, reflection):
        moved = conv(pos @ matrix.t() + torch.tensor([0.3, -2.0]),
                     edge_index, z)
        assert torch.allclose(moved, out @ matrix.t(), atol=1e-4)
    # Symmetric edge values give equal and opposite pair forces: the total
    # force on an isolated graph is zero (Newton's third law).
    sym = torch.rand(20, 4)
    reverse = [list(zip(*_fc(1, 5).tolist())).index((j, i))
               for i, j in zip(*_fc(1, 5).tolist())]
    sym = (sym + sym[reverse]) / 2
    total = conv(pos[:5], _fc(1, 5), sym).sum(0)
    assert torch.allclose(total, torch.zeros(2), atol=1e-4)


def test_central_force_conv_recovers_a_spring_and_a_charge():
    # One pair per graph; type 1 is a spring F = k (p_j - p_i), type 2 an
    # inverse-square repulsion; both are in the layer's function class, so
    # the fit gets to within 1 % of the target's power.
    torch.manual_seed(0)
    conv = CentralForceConv([3], 32, skip_first=True)
    optimizer = torch.optim.Adam(conv.parameters(), lr=1e-2)
    edge_index = _fc(64, 2)
    losses = []
    for _ in range(1500):
        pos = torch.rand(128, 2) * 2 - 1
        kind = torch.randint(1, 3, (64, )).repeat_interleave(2)
        z = torch.nn.functional.one_hot(kind, 3).float()
        offset = pos.view(64, 2, 2).flip(1).reshape(128, 2) - pos
        distance = offset.norm(dim=-1, keepdim=True).clamp_min(0.2)
        target = torch.where((kind == 1).view(-1, 1), 0.5 * offset,
                             -0.02 * offset / distance**3)
        loss = (conv(pos, edge_index, z) - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / target.pow(2).mean().item())
    assert losses[0] == pytest.approx(1.0)  # Starts silent.
    assert sum(losses[-100:]) / 100 < 0.01


def test_central_force_conv_errors():
    with pytest.raises(ValueError, match="'min_distance' must be positive"):
        CentralForceConv(2, 8, min_distance=0.0)
    with pytest.raises(ValueError, match="'hidden_channels' must be a "):
        CentralForceConv(2, 0)
    conv = CentralForceConv(2, 8)
    with pytest.raises(ValueError, match="'pos' must have shape"):
        conv(torch.randn(5), _fc(1, 5), torch.rand(20, 2))
    with pytest.raises(ValueError, match='edge_weight'):
        conv(torch.randn(5, 2), _fc(1, 5), torch.rand(20, 3))
