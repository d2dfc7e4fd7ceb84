import pytest
import torch

import dense_oracle
from torch_geometric_fnri.nn import CNNEncoder
from torch_geometric_fnri.utils import fully_connected_edge_index


def test_cnn_encoder_matches_dense(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([4, 4], num_frames=20)
    enc = CNNEncoder(4, 8, 2)
    out = enc(batch.x, batch.edge_index)
    assert out.size() == (24, 2)
    expected = dense_oracle.cnn_encoder(enc, batch.x.view(2, 4, 20, 4))
    assert torch.allclose(out, expected.view(24, 2), atol=1e-5)
    enc.eval()
    parts = [enc(g.x, g.edge_index) for g in batch.to_data_list()]
    assert torch.allclose(enc(batch.x, batch.edge_index), torch.cat(parts),
                          atol=1e-5)


def test_cnn_encoder_params_and_errors():
    assert sum(p.numel() for p in CNNEncoder(4, 256, 2).parameters()) \
        == 933379
    enc = CNNEncoder(4, 8, 2, factor=False)
    assert not hasattr(enc, 'mlp2')
    out = enc(torch.randn(3, 14, 4), fully_connected_edge_index(3))
    assert out.size() == (6, 2)
    with pytest.raises(ValueError, match='T >= 14'):
        enc(torch.randn(3, 13, 4), fully_connected_edge_index(3))


@pytest.mark.parametrize('split_point', [1, 2])
def test_cnn_encoder_split_heads_match_dense(batch_factory, split_point):
    torch.manual_seed(0)
    batch = batch_factory([4, 4], num_frames=20)
    enc = CNNEncoder(4, 8, [3, 2, 2], split_point=split_point).train()
    assert len(enc.lin_out) == 3 and len(enc.mlp3) == 3
    assert isinstance(enc.mlp2, torch.nn.ModuleList) == (split_point == 2)
    out = enc(batch.x, batch.edge_index)
    assert out.size() == (24, 7)
    expected = dense_oracle.cnn_encoder(enc, batch.x.view(2, 4, 20, 4))
    assert torch.allclose(out, expected.view(24, 7), atol=1e-5)
    dense_oracle.assert_second_head_isolated(enc, out, enc.mlp3)


def test_cnn_encoder_split_counts_and_errors():
    # fNRI I+C ([2, 2]) at H = 256: split 0 is the NRI K=2 encoder with two
    # more outputs (933,379 + 2 * 257); split 1 adds a second f_3
    # (3H -> H -> H with batch norm: 263,168) and splits the output layer;
    # split 2 adds a second f_2 (H -> H -> H: 132,096).
    for split_point, count in ((0, 933893), (1, 1197061), (2, 1329157)):
        enc = CNNEncoder(4, 256, [2, 2], split_point=split_point)
        assert sum(p.numel() for p in enc.parameters()) == count
    with pytest.raises(ValueError, match='needs the factor graph'):
        CNNEncoder(4, 8, [2, 2], factor=False, split_point=1)
    with pytest.raises(ValueError, match='needs the per-layer-graph'):
        CNNEncoder(4, 8, 4, split_point=2)
    with pytest.raises(ValueError, match="'split_point' must be 0, 1 or 2"):
        CNNEncoder(4, 8, [2, 2], split_point=-1)
