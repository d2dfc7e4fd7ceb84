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
    out = enc(torch.randn(3, 18, 4), fully_connected_edge_index(3))
    assert out.size() == (6, 2)
    with pytest.raises(ValueError, match='T >= 18'):
        enc(torch.randn(3, 17, 4), fully_connected_edge_index(3))
