r"""Mini-batches of simulations: PyG's :class:`DataLoader` or a faster
loader that keeps a whole split on the device."""
from typing import Iterable, Iterator, Optional, Sequence

import torch
from torch import Tensor
from torch.utils.data import (
    DistributedSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
)
from torch_geometric.data import Batch, Data
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.metrics import MISSED_PRESENCE


class TensorBatchLoader:
    r"""Serves mini-batches of a split held as a few stacked tensors on
    :obj:`device`, which avoids collating :class:`~torch_geometric.data.Data`
    objects and host-to-device copies on every step.

    The batches are :class:`~torch_geometric.data.Batch` objects with the
    attributes of a :class:`torch_geometric.loader.DataLoader` batch that
    training uses (:obj:`x`, :obj:`edge_index`, :obj:`edge_type` if present,
    :obj:`batch`, :obj:`ptr`, :obj:`num_graphs`) and draw their indices from
    the same kind of sampler, so both loaders visit the same samples in the
    same order. Transforms of the dataset are applied once, when the split
    is stacked.

    Args:
        dataset (Sequence[Data]): The split; every graph needs the same
            number of nodes and the same :obj:`edge_index`, and no record
            of the pairs outside a candidate graph
            (:class:`~torch_geometric_fnri.metrics.MissedPairs`, which the
            batches would not carry).
        batch_size (int): Graphs per batch.
        sampler (Sampler): Yields dataset indices (e.g.
            :class:`RandomSampler` with a seeded generator,
            :class:`SequentialSampler`, :class:`DistributedSampler`).
        device (torch.device, optional): Where the split lives.
            (default: :obj:`None`, CPU)
    """
    def __init__(self, dataset: Sequence[Data], batch_size: int,
                 sampler: Sampler, device: Optional[torch.device] = None):
        if len(dataset) == 0:
            raise ValueError("'dataset' must not be empty")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"'batch_size' must be a positive int "
                             f"(got {batch_size!r})")
        data = Batch.from_data_list([dataset[i] for i in range(len(dataset))])
        if data.get(MISSED_PRESENCE) is not None:
            raise ValueError(
                "TensorBatchLoader does not carry the pairs that candidate "
                "graphs leave out; use torch_geometric.loader.DataLoader "
                "(data_on_device=False)")
        sizes = data.ptr.diff()
        num_nodes = int(sizes[0])
        num_edges = data.edge_index.size(1) // len(dataset)
        if bool((sizes != num_nodes).any()) or \
                num_edges * len(dataset) != data.edge_index.size(1):
            raise ValueError(
                "TensorBatchLoader needs graphs of equal size; use "
                "torch_geometric.loader.DataLoader (data_on_device=False)")
        # Every graph must have graph 0's edges (up to its node offset):
        # the batches rebuild edge_index from graph 0's alone.
        local = data.edge_index - data.ptr[data.batch[data.edge_index[0]]]
        local = local.view(2, len(dataset), num_edges)
        if bool((local != local[:, :1]).any()):
            raise ValueError(
                "TensorBatchLoader needs every graph to have the same "
                "edge_index (e.g. fully connected); use "
                "torch_geometric.loader.DataLoader (data_on_device=False)")
        self.batch_size = batch_size
        self.sampler = sampler
        self.num_nodes = num_nodes
        self.num_edges = num_edges
        self.x = data.x.view(len(dataset), num_nodes,
                             *data.x.shape[1:]).to(device)
        # Edges of graph 0; later graphs are the same up to a node offset.
        self.edge_index = data.edge_index[:, :num_edges].to(device)
        edge_type = getattr(data, 'edge_type', None)
        self.edge_type = None if edge_type is None else edge_type.view(
            len(dataset), num_edges, *edge_type.shape[1:]).to(device)
        self.dataset_size = len(dataset)

    def __len__(self) -> int:
        return -(-len(self.sampler) // self.batch_size)

    def __iter__(self) -> Iterator[Batch]:
        indices = list(iter(self.sampler))
        for start in range(0, len(indices), self.batch_size):
            yield self._batch(indices[start:start + self.batch_size])

    def _batch(self, indices: Iterable[int]) -> Batch:
        index = torch.as_tensor(list(indices), device=self.x.device)
        num_graphs = index.numel()
        n, e = self.num_nodes, self.num_edges
        offset = torch.arange(num_graphs, device=index.device) * n
        edge_index = (self.edge_index.unsqueeze(1) +
                      offset.view(1, -1, 1)).view(2, num_graphs * e)
        out = Batch(
            x=self.x[index].flatten(0, 1),
            edge_index=edge_index,
            batch=torch.arange(num_graphs, device=index.device)
            .repeat_interleave(n),
            ptr=offset.new_tensor(range(0, (num_graphs + 1) * n, n)),
        )
        if self.edge_type is not None:
            out.edge_type = self.edge_type[index].flatten(0, 1)
        out._num_graphs = num_graphs
        return out


def make_loader(dataset: Sequence[Data], batch_size: int, shuffle: bool,
                generator: Optional[torch.Generator] = None,
                on_device: bool = False,
                device: Optional[torch.device] = None,
                rank: int = 0, world_size: int = 1,
                seed: int = 0) -> Iterable[Batch]:
    r"""Builds the loader of one split.

    Single process: a :class:`RandomSampler` drawing from
    :obj:`generator` when :obj:`shuffle`, else sequential. Several
    processes: a :class:`DistributedSampler` (call
    :func:`set_loader_epoch` before each epoch); evaluation splits are
    sharded without padding so that no sample is counted twice.

    Args:
        dataset (Sequence[Data]): The split.
        batch_size (int): Graphs per batch and process.
        shuffle (bool): Shuffle every epoch.
        generator (torch.Generator, optional): Shuffling generator.
            (default: :obj:`None`)
        on_device (bool, optional): Use :class:`TensorBatchLoader` when the
            graphs have equal size and the same edges (falls back to PyG's
            loader otherwise).
            (default: :obj:`False`)
        device (torch.device, optional): Device of :class:`TensorBatchLoader`.
            (default: :obj:`None`)
        rank (int, optional): This process's rank. (default: :obj:`0`)
        world_size (int, optional): Number of processes. (default: :obj:`1`)
        seed (int, optional): Seed of the distributed shuffle.
            (default: :obj:`0`)
    """
    if world_size > 1 and shuffle:
        sampler: Sampler = DistributedSampler(
            dataset, num_replicas=world_size, rank=rank, shuffle=True,
            seed=seed, drop_last=False)
    elif world_size > 1:
        sampler = _ShardSampler(len(dataset), rank, world_size)
    elif shuffle:
        sampler = RandomSampler(dataset, generator=generator)
    else:
        sampler = SequentialSampler(dataset)
    if on_device:
        try:
            return TensorBatchLoader(dataset, batch_size, sampler, device)
        except ValueError:
            pass
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler)


def set_loader_epoch(loader: Iterable[Batch], epoch: int) -> None:
    r"""Tells a :class:`DistributedSampler` which epoch starts (its shuffle
    depends on it); no-op for other samplers."""
    sampler = getattr(loader, 'sampler', None)
    if isinstance(sampler, DistributedSampler):
        sampler.set_epoch(epoch)


class _ShardSampler(Sampler):
    r"""Indices :obj:`rank, rank + world_size, ...` (no padding)."""
    def __init__(self, size: int, rank: int, world_size: int):
        self.indices = list(range(rank, size, world_size))

    def __len__(self) -> int:
        return len(self.indices)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)


def batch_to(batch: Batch, device: torch.device) -> Batch:
    r"""Moves a batch to :obj:`device` (no copy if it is already there)."""
    x: Tensor = batch.x
    return batch if x.device == device else batch.to(device)
