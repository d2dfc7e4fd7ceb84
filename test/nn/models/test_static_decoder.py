import pytest
import torch

from torch_geometric_fnri.nn import StaticDecoder
from torch_geometric_fnri.utils import fully_connected_edge_index


def test_static_decoder():
    dec = StaticDecoder(4, [2, 2])
    assert sum(p.numel() for p in dec.parameters()) == 0
    x = torch.randn(3, 9, 4)
    edge_index = fully_connected_edge_index(3)
    out = dec(x, edge_index, torch.rand(6, 4), pred_steps=4)
    assert torch.equal(out, x[:, [0, 0, 0, 0, 4, 4, 4, 4]])
    assert torch.equal(dec(x, edge_index, None, 1), x[:, :-1])
    with pytest.raises(ValueError, match="'pred_steps'"):
        dec(x, edge_index, None, 10)
