import torch

import dense_oracle
from torch_geometric_fnri.nn import RNNDecoder


def test_rnn_decoder_matches_dense(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([5, 5], num_frames=9)
    dec = RNNDecoder(4, 16, 3, skip_first=True)
    z = torch.rand(40, 3)
    out = dec(batch.x, batch.edge_index, z, pred_steps=3)
    assert out.size() == (10, 8, 4)
    expected = dense_oracle.rnn_decoder(dec, batch.x.view(2, 5, 9, 4),
                                        z.view(2, 20, 3), 3)
    assert torch.allclose(out, expected.reshape(10, 8, 4), atol=1e-5)
    # With 5 particles and D = 4 the reference's "/ D" equals the mean.
    dec.reference_average = True
    ref = dec(batch.x, batch.edge_index, z, pred_steps=3)
    assert torch.allclose(ref, out, atol=1e-6)


def test_rnn_decoder_burn_in(batch_factory):
    torch.manual_seed(0)
    batch = batch_factory([4], num_frames=8)
    dec = RNNDecoder(4, 8, 2)
    z = torch.rand(12, 2)
    # Burn-in through every step equals pure teacher forcing.
    assert torch.allclose(
        dec(batch.x, batch.edge_index, z, burn_in_steps=7),
        dec(batch.x, batch.edge_index, z, pred_steps=1))
    assert sum(p.numel() for p in RNNDecoder(4, 256, 2).parameters()) \
        == 727300


def test_rnn_decoder_reference_average_divides_by_the_feature_size(
        batch_factory):
    # 3 particles: in-degree 2, D = 4. Messages are linear in the edge
    # weights, so dividing their sum by D equals the mean over the 2
    # incoming edges with the weights scaled by 2 / 4.
    torch.manual_seed(0)
    batch = batch_factory([3, 3], num_frames=7)
    dec = RNNDecoder(4, 16, 3, skip_first=True)
    z = torch.rand(12, 3)
    mean = dec(batch.x, batch.edge_index, z * 0.5, pred_steps=2)
    dec.reference_average = True
    ref = dec(batch.x, batch.edge_index, z, pred_steps=2)
    assert torch.allclose(ref, mean, atol=1e-6)
    dec.reference_average = False
    assert not torch.allclose(dec(batch.x, batch.edge_index, z,
                                  pred_steps=2), ref, atol=1e-4)
