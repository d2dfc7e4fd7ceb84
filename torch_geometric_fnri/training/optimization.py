r"""The optimiser and learning-rate schedule of a training run: Adam on
the parameters the training mode trains, with the step decay of
:class:`TrainConfig`."""
from typing import List, Optional, Tuple

import torch

from .config import TrainConfig


class _StepDecay:
    # Picklable learning-rate factor for LambdaLR (state_dict keeps it).
    def __init__(self, step_size: int, gamma: float, shift: int):
        self.step_size, self.gamma, self.shift = step_size, gamma, shift

    def __call__(self, epoch: int) -> float:
        return self.gamma**((epoch + self.shift) // self.step_size)


def trained_parameters(model: torch.nn.Module,
                       config: TrainConfig) -> List[torch.nn.Parameter]:
    r"""The parameters of :obj:`model` that :obj:`config.mode` trains
    (see :meth:`TrainingMode.trained_module`) and that require gradients;
    none for the static mode.

    Args:
        model (torch.nn.Module): A
            :class:`~torch_geometric_fnri.nn.RelationalInference` model.
        config (TrainConfig): The run configuration.
    """
    module = config.training_mode.trained_module(model)
    if module is None:
        return []
    return [p for p in module.parameters() if p.requires_grad]


def make_optimizer(
    model: torch.nn.Module, config: TrainConfig
) -> Tuple[Optional[torch.optim.Adam],
           Optional[torch.optim.lr_scheduler.LambdaLR]]:
    r"""Adam (:obj:`config.lr`, :obj:`config.weight_decay`) on
    :func:`trained_parameters` and its scheduler, which multiplies the
    learning rate by :obj:`config.lr_gamma` every
    :obj:`config.lr_decay_epochs` epochs (one epoch early with
    :obj:`config.reference_lr_schedule`); :obj:`(None, None)` when there
    is nothing to train.

    Args:
        model (torch.nn.Module): The model.
        config (TrainConfig): The run configuration.
    """
    params = trained_parameters(model, config)
    if not params:
        return None, None
    optimizer = torch.optim.Adam(params, lr=config.lr,
                                 weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        _StepDecay(config.lr_decay_epochs, config.lr_gamma,
                   int(config.reference_lr_schedule)))
    return optimizer, scheduler
