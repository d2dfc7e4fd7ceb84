r"""The means of the training loss and its parts over an epoch."""
from typing import Dict, Union

import torch
from torch import Tensor

from .distributed import all_reduce_sum

#: The parts of a :class:`TrainingObjective` output that are averaged.
LOSS_PARTS = ('loss', 'nll', 'kl', 'mse', 'ce')


class LossMeans:
    r"""Sums the loss and its parts (:data:`LOSS_PARTS`, those a batch
    has) of the batches of an epoch, weighted by their graphs, so that
    :meth:`compute` gives the means per graph over all processes."""
    def __init__(self):
        self.sums: Dict[str, Union[Tensor, float]] = {}
        self.graphs = 0.

    def update(self, out: Dict[str, Tensor], graphs: float) -> None:
        r"""Adds a batch of :obj:`graphs` graphs and its
        :class:`TrainingObjective` output :obj:`out`."""
        for key in LOSS_PARTS:
            if key in out:
                value = out[key].detach().double() * graphs
                self.sums[key] = self.sums.get(key, 0) + value
        self.graphs += graphs

    @property
    def loss(self) -> float:
        r"""The mean loss so far in this process."""
        return float(self.sums['loss']) / self.graphs

    def compute(self, device: torch.device) -> Dict[str, float]:
        r"""The means of the epoch, all-reduced over processes on
        :obj:`device`: :obj:`'loss'` first, then the other parts in
        alphabetical order."""
        keys = ['loss'] + sorted(key for key in self.sums if key != 'loss')
        flat = all_reduce_sum(torch.stack(
            [torch.as_tensor(self.sums[key], dtype=torch.float64,
                             device=device) for key in keys] +
            [torch.tensor(self.graphs, dtype=torch.float64,
                          device=device)]))
        return {key: float(flat[i] / flat[-1]) for i, key in enumerate(keys)}
