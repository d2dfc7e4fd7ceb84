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


@pytest.mark.parametrize('split_point', [1, 2])
@pytest.mark.parametrize('factor', [True, False])
def test_mlp_encoder_split_heads_match_dense(batch_factory, split_point,
                                             factor):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=6)
    enc = MLPEncoder(24, 16, [3, 2, 2], factor=factor,
                     split_point=split_point).train()
    assert len(enc.lin_out) == 3 and len(enc.mlp4) == 3
    assert isinstance(enc.mlp3, torch.nn.ModuleList) == (split_point == 2)
    out = enc(batch.x, batch.edge_index)
    assert out.size() == (40, 7)
    expected = dense_oracle.mlp_encoder(enc, batch.x.view(2, 5, 6, 4))
    assert torch.allclose(out, expected.view(40, 7), atol=1e-5)
    dense_oracle.assert_second_head_isolated(enc, out, enc.mlp4)


def test_mlp_encoder_split_counts_and_errors():
    # fNRI I+C and I+C+F encoders at split points 1 and 2 (reference code's
    # counts: H = 256, T = 49, D = 4).
    for heads, counts in (([2, 2], (973828, 1105924)),
                          ([2, 2, 2], (1237510, 1501702))):
        for split_point, count in zip((1, 2), counts):
            enc = MLPEncoder(196, 256, heads, split_point=split_point)
            assert sum(p.numel() for p in enc.parameters()) == count
    # Split point 0 with per-layer widths is the single-head encoder.
    assert sum(p.numel() for p in MLPEncoder(196, 256, [2, 2]).parameters()
               ) == 710660
    with pytest.raises(ValueError, match="'split_point' must be 0, 1 or 2"):
        MLPEncoder(24, 16, [2, 2], split_point=3)
    with pytest.raises(ValueError, match='needs the per-layer-graph'):
        MLPEncoder(24, 16, 4, split_point=1)
    with pytest.raises(ValueError, match="'out_channels' must be"):
        MLPEncoder(24, 16, [2, 0])
