r"""The reconstruction term of a run's loss: how a decoder rollout is scored
against the frames it predicts, shared by training
(:class:`TrainingObjective`) and the per-simulation refinement of edge
logits (:func:`refine_edge_logits`)."""
from typing import Optional

import torch
from torch import Tensor

from torch_geometric_fnri.losses import cauchy_nll, gaussian_nll

from .config import TrainConfig


def rollout_nll(pred: Tensor, target: Tensor, config: TrainConfig) -> Tensor:
    r"""The negative log-likelihood of the rollout :obj:`pred` of
    :obj:`target` :obj:`[N, T, D]`: Gaussian with :obj:`config.variance`, or
    with :obj:`config.cauchy_scale` the robust
    :func:`~torch_geometric_fnri.losses.cauchy_nll`."""
    if config.cauchy_scale is None:
        return gaussian_nll(pred, target, variance=config.variance)
    return cauchy_nll(pred, target, config.cauchy_scale,
                      variance=config.variance)


def reconstruction_loss(pred: Tensor, target: Tensor, config: TrainConfig,
                        has_kl: bool, nll: Optional[Tensor] = None) -> Tensor:
    r"""The reconstruction term that training minimises for the rollout
    :obj:`pred` of :obj:`target` :obj:`[N, T, D]`: :func:`rollout_nll` for
    models with a KL term (NRI, fNRI) and for sfNRI with
    :obj:`config.sfnri_loss='nll'`; the mean squared error for sfNRI with
    :obj:`'mse'` (the reference's).

    Args:
        pred (torch.Tensor): Predicted frames :obj:`[N, T, D]`.
        target (torch.Tensor): The frames predicted :obj:`[N, T, D]`.
        config (TrainConfig): The run configuration.
        has_kl (bool): Whether the model family has a KL term
            (:attr:`ModelFamily.has_kl`).
        nll (torch.Tensor, optional): :func:`rollout_nll` of the same
            rollout when the caller has it already. (default: :obj:`None`)
    """
    if not has_kl and config.sfnri_loss == 'mse':
        return torch.nn.functional.mse_loss(pred, target)
    return rollout_nll(pred, target, config) if nll is None else nll
