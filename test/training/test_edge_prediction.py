import pytest
import torch
from torch.utils.data import SequentialSampler

from torch_geometric_fnri.nn import build_model
from torch_geometric_fnri.training import TensorBatchLoader, predict_edges


def test_predict_edges_reads_every_batch_in_evaluation_mode(tiny_splits):
    test = tiny_splits[2]
    torch.manual_seed(0)
    model = build_model('fnri', [2, 2], num_timesteps=6, hidden_channels=8,
                        encoder_dropout=0.5)
    model.train()
    loader = TensorBatchLoader(test, 3, SequentialSampler(test))
    frames = slice(0, 6)
    seen = 0
    for batch, logits, predicted in predict_edges(model, loader, frames):
        assert not model.training and not logits.requires_grad
        # The dense oracle: each simulation alone, in evaluation mode.
        for g in range(batch.num_graphs):
            data = test[seen + g]
            alone = model.encode(data.x[:, frames], data.edge_index)
            rows = slice(g * data.edge_index.size(1),
                         (g + 1) * data.edge_index.size(1))
            assert torch.allclose(logits[rows], alone, atol=1e-6)
            assert torch.equal(predicted[rows],
                               model.predict_edge_types(alone))
        assert predicted.shape == (batch.edge_index.size(1), 2)
        seen += batch.num_graphs
    assert seen == len(test) and model.training
    # Leaving the loop early restores the mode too.
    for _ in predict_edges(model, loader, frames):
        break
    assert model.training
    model.eval()
    with pytest.raises(ValueError):
        next(predict_edges(model, [test[0]], slice(0, 99)))
    assert not model.training
