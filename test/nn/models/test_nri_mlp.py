import torch

from torch_geometric_fnri.nn import NRIMLP


def test_nri_mlp():
    mlp = NRIMLP(6, 8, 5)
    assert str(mlp) == 'NRIMLP(6, 8, 5)'
    assert torch.all(mlp.lin1.bias == 0.1)
    assert torch.all(mlp.lin2.bias == 0.1)
    assert sum(p.numel() for p in mlp.parameters()) == (
        6 * 8 + 8 + 8 * 5 + 5 + 2 * 5)
    x = torch.randn(3, 7, 6)
    out = mlp(x)
    assert out.size() == (3, 7, 5)
    # Batch normalisation over all rows of the batch.
    flat = out.view(-1, 5)
    assert torch.allclose(flat.mean(0), torch.zeros(5), atol=1e-5)
    mlp.eval()
    assert torch.allclose(mlp(x[1]), mlp(x)[1], atol=1e-6)
