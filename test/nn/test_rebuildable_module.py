import numpy as np
import pytest
import torch

from torch_geometric_fnri.nn import MLPEncoder
from torch_geometric_fnri.nn.rebuildable_module import RebuildableModule


class Scaled(RebuildableModule):
    def __init__(self, channels: int, scale: float = 2.0, names=('a', )):
        super().__init__()
        self.lin = torch.nn.Linear(channels, channels)


class WiderScaled(Scaled):
    def __init__(self, width: int):
        super().__init__(2 * width, scale=3)


def test_arguments_are_recorded_with_defaults_as_plain_data():
    module = Scaled(np.int64(3), names=('a', 'b'))
    assert module.arguments == {'channels': 3, 'scale': 2.0,
                                'names': ['a', 'b']}
    assert type(module.arguments['channels']) is int
    again = Scaled(**module.arguments)
    assert [p.shape for p in again.parameters()] == \
        [p.shape for p in module.parameters()]
    # A subclass records its own arguments, a layer of the package its.
    assert WiderScaled(4).arguments == {'width': 4}
    assert MLPEncoder(12, 8, [2, 2], split_point=1).arguments == dict(
        in_channels=12, hidden_channels=8, out_channels=[2, 2], dropout=0.0,
        factor=True, split_point=1)


def test_arguments_that_are_no_plain_data_are_named():
    module = Scaled(3, scale=torch.tensor(2.0))
    with pytest.raises(TypeError, match=r"Scaled\(scale=...\) was given a "
                       r"Tensor, which cannot be stored as plain data"):
        module.arguments
