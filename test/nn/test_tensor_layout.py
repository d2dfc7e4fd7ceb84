import pytest
import torch

from torch_geometric_fnri.nn import (
    CNNEncoder,
    MLPDecoder,
    MultiplexMessageConv,
    RNNDecoder,
    StaticDecoder,
    TemporalCNN,
)
from torch_geometric_fnri.nn.conv import CentralForceConv
from torch_geometric_fnri.utils import fully_connected_edge_index

# The package's layout (see torch_geometric_fnri.nn): trajectories
# [N, T, D], edge weights [E, sum(K)]. PyG's layout, [N, F] and [E], is
# refused where a layer needs the package's.
EDGE_INDEX = fully_connected_edge_index(5)
TRAJECTORIES, WEIGHTS = torch.randn(5, 16, 4), torch.rand(20, 4)
DECODERS = [lambda: MLPDecoder(4, 8, [2, 2]),
            lambda: RNNDecoder(4, 8, [2, 2]),
            lambda: StaticDecoder(4, [2, 2])]


@pytest.mark.parametrize('layer', [
    lambda x: CNNEncoder(4, 8, 4)(x, EDGE_INDEX),
    lambda x: TemporalCNN(4, 8, 8)(x),
] + [lambda x, make=make: make()(x, EDGE_INDEX, WEIGHTS)
     for make in DECODERS])
def test_layers_of_trajectories_refuse_a_2d_x(layer):
    layer(TRAJECTORIES)
    with pytest.raises(ValueError, match=r"'x' must have shape \[[NE], T, "):
        layer(TRAJECTORIES[:, 0])  # PyG's [N, F].


@pytest.mark.parametrize('layer', [
    lambda w: MultiplexMessageConv(4, 8, 8, [2, 2])(TRAJECTORIES,
                                                    EDGE_INDEX, w),
    lambda w: CentralForceConv([2, 2], 8)(TRAJECTORIES[..., :2],
                                          EDGE_INDEX, w),
] + [lambda w, make=make: make()(TRAJECTORIES, EDGE_INDEX, w)
     for make in DECODERS])
@pytest.mark.parametrize('weights', [WEIGHTS[:, 0], WEIGHTS[:, :3]])
def test_layers_refuse_edge_weights_of_the_wrong_width(layer, weights):
    layer(WEIGHTS)
    with pytest.raises(ValueError, match=r"'edge_weight' must have shape "
                       r"\[20, 4\]"):
        layer(weights)  # PyG's [E], or one column short.
