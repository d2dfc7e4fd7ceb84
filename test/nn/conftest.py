import pytest
import torch
from torch_geometric.data import Batch, Data

from torch_geometric_fnri.utils import fully_connected_edge_index


def make_batch(sizes, num_frames=12, num_features=4, seed=0):
    gen = torch.Generator().manual_seed(seed)
    data_list = [
        Data(x=torch.randn(n, num_frames, num_features, generator=gen),
             edge_index=fully_connected_edge_index(n)) for n in sizes
    ]
    return Batch.from_data_list(data_list)


@pytest.fixture
def batch_factory():
    return make_batch
