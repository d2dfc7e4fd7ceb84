import pytest
import torch
import torch.nn.functional as F

from torch_geometric_fnri.losses import edge_type_cross_entropy


def test_edge_type_cross_entropy():
    logits = torch.randn(6, 5)
    labels = torch.tensor([[0, 2], [1, 1], [0, 0], [1, 2], [0, 1], [1, 0]])
    out = edge_type_cross_entropy(logits, labels, [2, 3])
    expected = F.cross_entropy(logits[:, :2], labels[:, 0]) + \
        F.cross_entropy(logits[:, 2:], labels[:, 1])
    assert torch.allclose(out, expected)
    single = edge_type_cross_entropy(logits, labels[:, 1] + 2, 5)
    assert torch.allclose(single, F.cross_entropy(logits, labels[:, 1] + 2))
    with pytest.raises(ValueError, match="'edge_type' must have shape"):
        edge_type_cross_entropy(logits, labels[:, :1], [2, 3])
    with pytest.raises(ValueError, match="'logits' must have shape"):
        edge_type_cross_entropy(logits, labels, [2, 2])
