import pytest
import torch
from torch.utils.data import RandomSampler, SequentialSampler
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.training import TensorBatchLoader, make_loader


def test_tensor_loader_matches_pyg_loader(tiny_splits):
    train = tiny_splits[0]
    gen_a = torch.Generator().manual_seed(1)
    gen_b = torch.Generator().manual_seed(1)
    fast = TensorBatchLoader(train, 5, RandomSampler(train, generator=gen_a))
    slow = DataLoader(train, batch_size=5,
                      sampler=RandomSampler(train, generator=gen_b))
    assert len(fast) == len(slow) == 4
    for a, b in zip(fast, slow):
        assert a.num_graphs == b.num_graphs
        for key in ('x', 'edge_index', 'edge_type', 'batch', 'ptr'):
            assert torch.equal(a[key], b[key]), key


def test_make_loader(tiny_splits):
    train = tiny_splits[0]
    loader = make_loader(train, 4, shuffle=False, on_device=True)
    assert isinstance(loader, TensorBatchLoader)
    assert torch.equal(next(iter(loader)).x, torch.cat(
        [train[i].x for i in range(4)]))
    assert isinstance(make_loader(train, 4, shuffle=True), DataLoader)
    shards = [
        make_loader(train, 3, shuffle=False, rank=r, world_size=2)
        for r in range(2)
    ]
    sizes = [sum(b.num_graphs for b in shard) for shard in shards]
    assert sizes == [8, 8]


def test_graphs_with_different_edges_keep_their_own_edges():
    # Two 4-node graphs with the same number of edges but different edge
    # sets: the fast loader must not serve graph 0's edges for graph 1.
    from torch_geometric.data import Data
    first = torch.tensor([[0, 1, 2], [1, 2, 3]])
    second = torch.tensor([[3, 0, 1], [0, 2, 3]])
    graphs = [
        Data(x=torch.randn(4, 6, 4), edge_index=ei,
             edge_type=torch.tensor([[0], [1], [0]]))
        for ei in (first, second)
    ]
    with pytest.raises(ValueError, match="'batch_size' must be a positive"):
        TensorBatchLoader(graphs[:1], 0, SequentialSampler(graphs[:1]))
    with pytest.raises(ValueError, match='same edge_index'):
        TensorBatchLoader(graphs, 2, SequentialSampler(graphs))
    loader = make_loader(graphs, 2, shuffle=False, on_device=True)
    assert isinstance(loader, DataLoader)
    batch = next(iter(loader))
    assert torch.equal(batch.edge_index[:, 3:], second + 4)
