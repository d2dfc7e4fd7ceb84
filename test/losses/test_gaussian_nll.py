import pytest
import torch

from torch_geometric_fnri.losses import gaussian_nll


def test_gaussian_nll_reference_normalisation():
    pred, target = torch.randn(2, 5, 7, 4), torch.randn(2, 5, 7, 4)
    # Reference: sum / (2 var) / (B * N) on [B, N, T, D].
    expected = ((pred - target)**2 / (2 * 5e-5)).sum() / (2 * 5)
    out = gaussian_nll(pred.view(10, 7, 4), target.view(10, 7, 4))
    assert torch.allclose(out, expected)
    assert torch.allclose(gaussian_nll(pred, target, 1.0, num_nodes=1),
                          ((pred - target)**2).sum() / 2)


def test_gaussian_nll_errors():
    with pytest.raises(ValueError, match='same shape'):
        gaussian_nll(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="'variance'"):
        gaussian_nll(torch.zeros(2), torch.zeros(2), variance=0.0)
