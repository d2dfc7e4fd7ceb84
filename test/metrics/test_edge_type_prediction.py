import pytest
import torch

from torch_geometric_fnri.metrics import EdgeAccuracy, edge_type_argmax
from torch_geometric_fnri.nn import build_model


def test_edge_type_argmax_against_a_loop_oracle():
    torch.manual_seed(0)
    logits = torch.randn(30, 2 + 3 + 2)
    out = edge_type_argmax(logits, [2, 3, 2])
    assert out.dtype == torch.long and out.shape == (30, 3)
    for e, row in enumerate(logits.tolist()):
        blocks = [row[0:2], row[2:5], row[5:7]]
        assert out[e].tolist() == [b.index(max(b)) for b in blocks]
    assert torch.equal(edge_type_argmax(logits[:, :4], 4),
                       logits[:, :4].argmax(-1, keepdim=True))
    with pytest.raises(ValueError, match=r"shape \[E, 4\]"):
        edge_type_argmax(logits, [2, 2])
    with pytest.raises(ValueError, match=r"shape \[E, 7\]"):
        edge_type_argmax(logits[0], [2, 3, 2])


def test_scores_a_model_of_ones_own_with_edge_accuracy():
    # Logits of any model, laid out [E, K_0 + K_1], scored up to the
    # relabelling of the edge types: swapped layers with flipped types are
    # all correct.
    labels = torch.tensor([[0, 1], [1, 0], [1, 1], [0, 0], [0, 1]])
    logits = torch.cat([
        torch.nn.functional.one_hot(1 - labels[:, 1], 2),
        torch.nn.functional.one_hot(1 - labels[:, 0], 2)], -1).float()
    metric = EdgeAccuracy([2, 2], [2, 2])
    metric.update(edge_type_argmax(logits, [2, 2]), labels)
    assert metric.compute()['combined'] == 1.0


@pytest.mark.parametrize('family', ['nri', 'fnri'])
def test_relational_inference_predicts_with_it(family):
    model = build_model(family, [2, 3], num_timesteps=6,
                        hidden_channels=8)
    logits = torch.randn(12, model.sampler.width)
    assert torch.equal(model.predict_edge_types(logits),
                       edge_type_argmax(logits, model.model_edge_types))
