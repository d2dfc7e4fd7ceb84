r"""Semi-amortised inference of the interaction graph: the encoder's edge
logits of every simulation refined by gradient steps on that simulation's
own evidence lower bound, the trained decoder frozen.

The encoder is amortised: one network maps any trajectory to its edge
posterior, and where it errs, nothing corrects it. Given the trained
decoder, the posterior of one simulation can be improved directly: start
from the encoder's logits and take Adam steps on the loss the model was
trained with (the reconstruction term of the decoder's rollouts plus
:math:`\beta` KL to the prior), now a function of that simulation's logits
alone (Kim et al., 2018, "Semi-Amortized Variational Autoencoders"). The
fNRI paper does not do this; it reads the encoder alone.

The refinement sees only the frames the encoder reads: the decoder rolls
out over them, so the frames the decoder is tested on stay unseen.
"""
from typing import Optional

import torch
from torch import Tensor

from torch_geometric_fnri.utils import reverse_edge_permutation

from .config import TrainConfig
from .rollout_loss import reconstruction_loss

#: Rollout length of the refinement when the configuration schedules none
#: past this update count: the last entry of the schedule.
_AFTER_EVERY_SCHEDULE = 2**62


def refine_edge_logits(model: torch.nn.Module, x: Tensor, edge_index: Tensor,
                       logits: Tensor, config: TrainConfig,
                       prior: Optional[Tensor] = None) -> Tensor:
    r"""Refines the edge logits :obj:`logits` :obj:`[E, W]` of the
    simulations in :obj:`x` by :obj:`config.refine_steps` Adam steps
    (learning rate :obj:`config.refine_lr`) on the training loss of those
    simulations with the model's weights frozen, and returns the refined
    logits :obj:`[E, W]` (detached).

    The loss is the reconstruction term of training
    (:func:`~torch_geometric_fnri.training.rollout_loss.reconstruction_loss`)
    of an :math:`M`-step rollout over :obj:`x`, :math:`M` the last rollout
    length of the training schedule
    (:meth:`TrainConfig.prediction_steps_at`; at most the :math:`T` frames
    of :obj:`x`), plus the KL weight the schedule ends with
    (:meth:`TrainConfig.beta_at`) times the KL term (NRI, fNRI). The
    decoder reads the posterior's probabilities
    (:meth:`MultiplexEdgeSampler.probabilities`) rather than Gumbel
    samples, so the refinement is deterministic. A symmetric model
    keeps the logits of each edge and its reverse equal. Each simulation's
    logits get the gradient of that simulation alone, and Adam scales each
    logit by its own moments, so batching simulations together gives the
    same result as refining them one by one (up to rounding).

    Args:
        model (torch.nn.Module): A trained :class:`RelationalInference`
            model (put it in evaluation mode to switch its dropout off).
        x (torch.Tensor): The frames the encoder read, :obj:`[N, T, D]`.
        edge_index (torch.Tensor): The candidate edges :obj:`[2, E]`.
        logits (torch.Tensor): The encoder's logits :obj:`[E, W]`, where
            the refinement starts.
        config (TrainConfig): The run configuration (:obj:`refine_steps`,
            :obj:`refine_lr`, the likelihood, :obj:`beta` and the rollout
            schedule).
        prior (torch.Tensor, optional): The KL prior :obj:`[W]`
            (:meth:`TrainConfig.prior`); :obj:`None` for the uniform one.
            (default: :obj:`None`)
    """
    if x.dim() != 3 or x.size(1) < 2:
        raise ValueError(f"'x' must hold at least 2 frames per node as "
                         f"[N, T, D] (got shape {tuple(x.shape)})")
    if logits.dim() != 2 or logits.size(0) != edge_index.size(1):
        raise ValueError(f"'logits' must be [E, W] with E = "
                         f"{edge_index.size(1)} edges (got shape "
                         f"{tuple(logits.shape)})")
    steps = min(config.prediction_steps_at(_AFTER_EVERY_SCHEDULE),
                x.size(1))
    reverse = (reverse_edge_permutation(edge_index, x.size(0))
               if model.symmetric else None)
    beta = config.beta_at(_AFTER_EVERY_SCHEDULE)
    param = logits.detach().clone().requires_grad_(True)
    optimizer = torch.optim.Adam([param], lr=config.refine_lr)
    with torch.enable_grad():
        for _ in range(config.refine_steps):
            current = param if reverse is None else 0.5 * (param +
                                                           param[reverse])
            edge_weight = model.sampler.probabilities(current)
            pred = model.decode(x, edge_index, edge_weight, pred_steps=steps,
                                burn_in_steps=config.burn_in_steps)
            loss = reconstruction_loss(pred, x[:, 1:], config,
                                       model.family.has_kl)
            if model.family.has_kl:
                loss = loss + beta * model.kl_loss(
                    current, num_nodes=x.size(0), prior=prior)
            param.grad, = torch.autograd.grad(loss, [param])
            optimizer.step()
    with torch.no_grad():
        return (param if reverse is None else
                0.5 * (param + param[reverse])).detach()
