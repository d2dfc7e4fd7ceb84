import pytest
import torch

import dense_oracle
from torch_geometric_fnri.nn import MLPEncoder
from torch_geometric_fnri.utils import fully_connected_edge_index


@pytest.mark.parametrize('factor', [True, False])
@pytest.mark.parametrize('train', [True, False])
def test_mlp_encoder_matches_dense(batch_factory, factor, train):
    torch.manual_seed(0)
    batch = batch_factory([5, 5, 5], num_frames=6)
    enc = MLPEncoder(24, 16, 4, factor=factor).train(train)
    out = enc(batch.x, batch.edge_index)
    assert out.size() == (60, 4)
    expected = dense_oracle.mlp_encoder(enc, batch.x.view(3, 5, 6, 4))
    assert torch.allclose(out, expected.view(60, 4), atol=1e-5)


def test_mlp_encoder_mixed_sizes_and_permutation(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([5, 3, 4], num_frames=6)
    enc = MLPEncoder(24, 16, 3).eval()
    out = enc(batch.x, batch.edge_index)
    assert torch.allclose(out, enc(batch.x, batch.edge_index, batch.batch))
    parts = [enc(g.x, g.edge_index) for g in batch.to_data_list()]
    assert torch.allclose(out, torch.cat(parts), atol=1e-5)
    # Node permutation: edges follow their endpoints.
    n = batch.num_nodes
    perm = torch.randperm(n)
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(n)
    out_perm = enc(batch.x[perm], inv[batch.edge_index])
    assert torch.allclose(out_perm, out, atol=1e-5)


def test_mlp_encoder_params_and_errors():
    enc = MLPEncoder(196, 256, 4)
    assert sum(p.numel() for p in enc.parameters()) == 710660
    edge_index = fully_connected_edge_index(3)
    with pytest.raises(ValueError, match='T \\* D = 196'):
        enc(torch.randn(3, 48, 4), edge_index)
    with pytest.raises(ValueError, match="'x' must have shape"):
        enc(torch.randn(3, 4, 49, 4), edge_index)
    with pytest.raises(ValueError, match='node indices'):
        enc(torch.randn(2, 49, 4), edge_index)
