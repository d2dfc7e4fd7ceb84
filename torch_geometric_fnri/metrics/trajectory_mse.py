r"""Trajectory prediction errors in the two definitions used by NRI and
fNRI, in normalised or physical units.

* **Per-step** (NRI): one rollout of :math:`S` steps from a single
  ground-truth anchor frame; the error at exactly step :math:`s` is the mean
  over particles (and samples) and features of the squared error of the
  :math:`s`-th predicted frame (:func:`per_step_mse`). NRI's "1/10/20-step
  MSE" are the entries :math:`s = 1, 10, 20` (:func:`mse_at_steps`) of a
  20-step rollout.
* **Block-averaged** (fNRI): the decoder is run over the whole test segment
  with :obj:`pred_steps=M`, i.e. re-anchored on ground truth every
  :math:`M` frames, so its output mixes horizons :math:`1, \ldots, M`
  (and a shorter last block). fNRI's "MSE :math:`M`" is the plain mean over
  *all* predicted frames of that output (:func:`block_averaged_mse`); it is
  **not** the error at step :math:`M` and is smaller than it for a
  growing error.

Both are computed by the caller's decoder output; these functions only
reduce ``(pred - target) ** 2``.

**Physical units.** Features are normalised per group as
:math:`x' = 2 (x - \min) / (\max - \min) - 1`, so an error scales back by
:math:`(\max - \min) / 2` per feature: pass that factor as :obj:`scale`
(shape :obj:`[D]`, e.g. the dataset's :obj:`scale`). Positions and
velocities then have different units; average them separately by passing
:obj:`features=POSITION_FEATURES` or :obj:`features=VELOCITY_FEATURES`.

**Accumulation.** :class:`TrajectoryMSE` sums squared errors and counts
elements, so the result over several batches equals the result over their
concatenation. The reference averages per-batch means without weights,
which over-weights a smaller last batch.
"""
from typing import Dict, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.utils.int_checks import is_int

POSITION_FEATURES = (0, 1)
VELOCITY_FEATURES = (2, 3)


def _check_pair(pred: Tensor, target: Tensor) -> None:
    for name, value in (('pred', pred), ('target', target)):
        if not isinstance(value, Tensor):
            raise TypeError(f"'{name}' must be a torch.Tensor "
                            f"(got {type(value).__name__})")
        if value.dim() < 2:
            raise ValueError(f"'{name}' must have shape [..., S, D] "
                             f"(got {tuple(value.shape)})")
    if pred.shape != target.shape:
        raise ValueError(f"'pred' and 'target' must have the same shape "
                         f"(got {tuple(pred.shape)} and "
                         f"{tuple(target.shape)})")


def _feature_weights(num_features: int, scale: Optional[Sequence[float]],
                     features: Optional[Sequence[int]],
                     device: torch.device) -> Tensor:
    # Per-feature factor on the squared error: scale^2 on the selected
    # features, 0 elsewhere.
    weight = torch.ones(num_features, dtype=torch.float64, device=device)
    if scale is not None:
        scale = torch.as_tensor(scale, dtype=torch.float64, device=device)
        if scale.shape != (num_features, ):
            raise ValueError(f"'scale' must have shape [{num_features}] "
                             f"(got {list(scale.shape)})")
        weight = scale**2
    if features is not None:
        features = [int(f) for f in features]
        if len(features) == 0 or len(set(features)) != len(features) or any(
                not 0 <= f < num_features for f in features):
            raise ValueError(f"'features' must list distinct indices in "
                             f"[0, {num_features}) (got {features})")
        mask = torch.zeros(num_features, dtype=torch.float64, device=device)
        mask[features] = 1.0
        weight = weight * mask
    return weight


def _num_selected(num_features: int, features) -> int:
    return num_features if features is None else len(features)


def per_step_mse(
    pred: Tensor,
    target: Tensor,
    scale: Optional[Sequence[float]] = None,
    features: Optional[Sequence[int]] = None,
) -> Tensor:
    r"""NRI-style mean squared error at every step of one rollout.

    Args:
        pred (torch.Tensor): A rollout from one anchor frame, shape
            :obj:`[..., S, D]` (e.g. :obj:`[N, S, D]`); index :math:`s - 1`
            is :math:`s` steps after the anchor.
        target (torch.Tensor): The true frames, same shape.
        scale (Sequence[float], optional): Per-feature factor
            :math:`(\max - \min) / 2` for physical units. (default:
            :obj:`None`)
        features (Sequence[int], optional): Feature indices to average over
            (e.g. :obj:`POSITION_FEATURES`); all if :obj:`None`.
            (default: :obj:`None`)

    Returns:
        :class:`torch.Tensor` of shape :obj:`[S]` (float64).
    """
    _check_pair(pred, target)
    metric = TrajectoryMSE()
    metric.update(pred, target)
    return metric.per_step(scale, features)


def block_averaged_mse(
    pred: Tensor,
    target: Tensor,
    scale: Optional[Sequence[float]] = None,
    features: Optional[Sequence[int]] = None,
) -> Tensor:
    r"""fNRI-style mean squared error over all predicted frames.

    For fNRI's "MSE :math:`M`", :obj:`pred` is the decoder output over the
    test segment made with :obj:`pred_steps=M` (ground truth re-inserted at
    frames :math:`0, M, 2M, \ldots`; the reference uses frames 49-98 and
    :math:`M \in \{1, 10, 20\}`) and :obj:`target` the true next frames.

    Args:
        pred (torch.Tensor): Predicted frames :obj:`[..., T, D]`.
        target (torch.Tensor): The true frames, same shape.
        scale (Sequence[float], optional): Per-feature factor for physical
            units. (default: :obj:`None`)
        features (Sequence[int], optional): Feature indices to average over;
            all if :obj:`None`. (default: :obj:`None`)

    Returns:
        A 0-dimensional :class:`torch.Tensor` (float64).
    """
    _check_pair(pred, target)
    metric = TrajectoryMSE()
    metric.update(pred, target)
    return metric.mean(scale, features)


def mse_at_steps(
    per_step: Tensor,
    steps: Sequence[int] = (1, 10, 20),
) -> Dict[int, float]:
    r"""Picks the errors at given (1-based) steps from a per-step curve.

    Args:
        per_step (torch.Tensor): Output of :func:`per_step_mse`, shape
            :obj:`[S]`.
        steps (Sequence[int], optional): Steps :math:`1 \leq s \leq S`.
            (default: :obj:`(1, 10, 20)`)

    Returns:
        ``{s: float}``; step :math:`s` is entry :math:`s - 1`.
    """
    if not isinstance(per_step, Tensor) or per_step.dim() != 1:
        raise ValueError(f"'per_step' must be a 1-D tensor "
                         f"(got {getattr(per_step, 'shape', per_step)!r})")
    out = {}
    for s in steps:
        if not is_int(s) or not 1 <= s <= per_step.numel():
            raise ValueError(f"'steps' must be ints in [1, "
                             f"{per_step.numel()}] (got {list(steps)})")
        out[s] = float(per_step[s - 1])
    return out


class TrajectoryMSE:
    r"""Accumulates squared errors of predicted trajectories per step and
    feature, weighting every element equally across batches.

    The same accumulator gives both definitions (see the module
    docstring): :meth:`per_step` for a single rollout per sample and
    :meth:`mean` for the block-averaged error of a :obj:`pred_steps=M`
    decoder output. Units and feature groups are chosen at read-out time.

    Shapes:
        - **update input:** :obj:`pred` and :obj:`target` of shape
          :math:`(\ldots, S, D)`; :math:`S` and :math:`D` must be the same in
          every call.

    Examples:
        >>> metric = TrajectoryMSE()
        >>> metric.update(torch.zeros(5, 3, 4), torch.ones(5, 3, 4))
        >>> metric.mean().item()
        1.0
    """
    def __init__(self):
        self.reset()

    def reset(self) -> None:
        r"""Clears the accumulated errors."""
        self.sum_squared_error: Optional[Tensor] = None
        self.count = 0

    @torch.no_grad()
    def update(self, pred: Tensor, target: Tensor) -> None:
        r"""Adds a batch of predictions.

        Args:
            pred (torch.Tensor): Predicted frames :math:`(\ldots, S, D)`.
            target (torch.Tensor): True frames, same shape.
        """
        _check_pair(pred, target)
        error = (pred.detach().double() - target.detach().double())**2
        sse = error.reshape(-1, *error.shape[-2:]).sum(dim=0).cpu()
        if self.sum_squared_error is None:
            self.sum_squared_error = sse
        elif sse.shape != self.sum_squared_error.shape:
            raise ValueError(f"'pred' must have shape [..., "
                             f"{', '.join(map(str, sse.shape))}] like "
                             f"earlier batches (got {tuple(pred.shape)})")
        else:
            self.sum_squared_error = self.sum_squared_error + sse
        self.count += error.shape[:-2].numel()

    def _weighted(self, scale, features) -> Tensor:
        if self.sum_squared_error is None or self.count == 0:
            raise ValueError('No elements were accumulated; call update() '
                             'first')
        num_features = self.sum_squared_error.size(-1)
        weight = _feature_weights(num_features, scale, features,
                                  self.sum_squared_error.device)
        return self.sum_squared_error * weight

    def per_step(
        self,
        scale: Optional[Sequence[float]] = None,
        features: Optional[Sequence[int]] = None,
    ) -> Tensor:
        r"""Mean squared error at every step, shape :obj:`[S]`.

        Args:
            scale (Sequence[float], optional): Per-feature factor for
                physical units. (default: :obj:`None`)
            features (Sequence[int], optional): Feature indices to average
                over; all if :obj:`None`. (default: :obj:`None`)
        """
        sse = self._weighted(scale, features)
        num = self.count * _num_selected(sse.size(-1), features)
        return sse.sum(dim=-1) / num

    def mean(
        self,
        scale: Optional[Sequence[float]] = None,
        features: Optional[Sequence[int]] = None,
    ) -> Tensor:
        r"""Mean squared error over all steps (block-averaged when the
        predictions come from a :obj:`pred_steps=M` decoder run).

        Args:
            scale (Sequence[float], optional): Per-feature factor for
                physical units. (default: :obj:`None`)
            features (Sequence[int], optional): Feature indices to average
                over; all if :obj:`None`. (default: :obj:`None`)
        """
        sse = self._weighted(scale, features)
        num = self.count * sse.size(0) * _num_selected(sse.size(-1),
                                                       features)
        return sse.sum() / num
