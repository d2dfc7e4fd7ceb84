import math

import pytest
import torch

from torch_geometric_fnri.losses import cauchy_nll, gaussian_nll


def test_cauchy_nll_formula():
    pred, target = torch.randn(6, 5, 4), torch.randn(6, 5, 4)
    scale, variance = 0.3, 0.02
    expected = sum(
        scale**2 / (2 * variance) * math.log(1 + (p - t)**2 / scale**2)
        for p, t in zip(pred.flatten().tolist(), target.flatten().tolist()))
    out = cauchy_nll(pred, target, scale, variance)
    assert out.item() == pytest.approx(expected / 6, rel=1e-5)
    assert cauchy_nll(pred, target, scale, variance, num_nodes=3).item() \
        == pytest.approx(expected / 3, rel=1e-5)


def test_cauchy_nll_matches_gaussian_for_small_residuals():
    target = torch.randn(4, 7, 4)
    pred = target + 1e-4 * torch.randn(4, 7, 4)
    assert cauchy_nll(pred, target, scale=1.0).item() == pytest.approx(
        gaussian_nll(pred, target).item(), rel=1e-6)


def test_cauchy_nll_bounds_the_pull_of_outliers():
    target = torch.zeros(1, 1, 2)
    pred = torch.tensor([[[0.01, 10.0]]], requires_grad=True)
    cauchy_nll(pred, target, scale=0.01).backward()
    small, large = pred.grad.flatten().tolist()
    # The residual at the scale pulls hardest; one 1000x larger pulls
    # about 500x less (the squared loss would pull 1000x more).
    assert small > 0 and large > 0
    assert small / large == pytest.approx(500.0, rel=1e-3)


def test_cauchy_nll_errors():
    with pytest.raises(ValueError, match='same shape'):
        cauchy_nll(torch.zeros(2, 3), torch.zeros(3, 2))
    with pytest.raises(ValueError, match="'scale'"):
        cauchy_nll(torch.zeros(2), torch.zeros(2), scale=0.0)
    with pytest.raises(ValueError, match="'variance'"):
        cauchy_nll(torch.zeros(2), torch.zeros(2), variance=-1.0)
