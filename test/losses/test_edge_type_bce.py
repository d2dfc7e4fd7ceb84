import pytest
import torch
import torch.nn.functional as F

from torch_geometric_fnri.losses import edge_type_bce


def test_edge_type_bce():
    logits = torch.randn(7, 3)
    labels = torch.randint(0, 2, (7, 3))
    expected = F.binary_cross_entropy(torch.sigmoid(2 * logits),
                                      labels.float())
    assert torch.allclose(edge_type_bce(logits, labels, 2.0), expected)
    with pytest.raises(ValueError, match='same shape'):
        edge_type_bce(logits, labels[:, :2])
