import math

import pytest
import torch

from torch_geometric_fnri.losses import kl_categorical


def test_kl_categorical_uniform_and_prior():
    probs = torch.tensor([[0.5, 0.5, 0.9, 0.1], [1.0, 0.0, 0.2, 0.8]])
    neg_entropy = (probs * (probs + 1e-16).log()).sum()
    assert torch.allclose(kl_categorical(probs, [2, 2], 5), neg_entropy / 5)
    # With an explicit uniform prior the log K constant appears.
    log_prior = torch.full((4, ), math.log(0.5))
    out = kl_categorical(probs, [2, 2], 5, log_prior)
    assert torch.allclose(out, (neg_entropy + 4 * math.log(2)) / 5)
    # A sparsity prior penalises edges more than non-edges.
    sparse = torch.tensor([0.9, 0.1, 0.9, 0.1]).log()
    on = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    off = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    assert kl_categorical(on, [2, 2], 1, sparse) > kl_categorical(
        off, [2, 2], 1, sparse)
    assert torch.allclose(kl_categorical(off, [2, 2], 1, sparse),
                          -2 * torch.tensor(0.9).log())


def test_kl_categorical_errors():
    with pytest.raises(ValueError, match=r"shape \[E, 4\]"):
        kl_categorical(torch.rand(3, 3), [2, 2], 5)
    with pytest.raises(ValueError, match="'log_prior'"):
        kl_categorical(torch.rand(3, 4), [2, 2], 5, torch.zeros(3))
    with pytest.raises(ValueError, match="'num_nodes'"):
        kl_categorical(torch.rand(3, 4), [2, 2], 0)
