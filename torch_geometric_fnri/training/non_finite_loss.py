r"""The check that stops training at a NaN or infinite loss."""
from typing import Dict

import torch
from torch import Tensor

from .distributed import DistributedInfo, all_reduce_sum


class NonFiniteLossError(FloatingPointError):
    r"""Raised when a training loss is NaN or infinite."""


def check_finite_loss(loss: Tensor, out: Dict[str, Tensor], epoch: int,
                      batch: int, dist: DistributedInfo) -> None:
    r"""Raises a :class:`NonFiniteLossError` naming :obj:`epoch`,
    :obj:`batch` and the loss parts of :obj:`out` when :obj:`loss` is not
    finite in any process (in all of them, so that they stop together).

    Args:
        loss (torch.Tensor): The batch's loss.
        out (Dict[str, torch.Tensor]): The :class:`TrainingObjective`
            output it is part of.
        epoch (int): The epoch index.
        batch (int): The batch index in the epoch.
        dist (DistributedInfo): This process's rank and world size.
    """
    finite = torch.isfinite(loss.detach()).to(torch.float64)
    if dist.enabled:
        finite = all_reduce_sum(finite) / dist.world_size
    if bool(finite < 1):
        parts = ', '.join(f'{k}={float(v):.4g}' for k, v in out.items()
                          if k != 'logits')
        raise NonFiniteLossError(
            f'non-finite training loss at epoch {epoch}, batch {batch} '
            f'({parts}); check the data for NaN/inf, lower the '
            f"learning rate or set 'grad_clip'")
