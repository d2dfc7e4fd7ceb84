import torch
from torch.utils.data import RandomSampler
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
