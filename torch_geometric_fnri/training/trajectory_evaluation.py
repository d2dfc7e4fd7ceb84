r"""The decoder's trajectory metrics on one split: NLL and MSE of its
rollouts, and the 1/10/20-step errors against the no-change baseline."""
from collections import defaultdict
from typing import Dict, Optional

import torch
from torch import Tensor

from torch_geometric_fnri.losses import cauchy_nll
from torch_geometric_fnri.metrics import TrajectoryMSE

from .config import TrainConfig
from .distributed import all_reduce_sum

#: The horizons :math:`s` of the full trajectory metrics
#: (:obj:`mse_block_<s>` and :obj:`mse_step_<s>`).
TRAJECTORY_STEPS = (1, 10, 20)


class TrajectoryEvaluation:
    r"""Accumulates the decoder metrics of :func:`evaluate` over the
    batches of a split (see there for the keys): the 1-step and
    :math:`M`-step rollouts over the decoder frames and, with
    :obj:`full`, the block rollouts re-anchored every :math:`s` steps and
    one rollout of :math:`\max s` steps, each also for the no-change
    baseline, for every :math:`s` in :data:`TRAJECTORY_STEPS`.

    Args:
        config (TrainConfig): The run configuration (:math:`M`, the
            variance and :obj:`cauchy_scale`).
        full (bool): Also the 1/10/20-step trajectory errors.
        device (torch.device): Where the sums are kept.
    """
    def __init__(self, config: TrainConfig, full: bool,
                 device: torch.device):
        self.config = config
        self.full = full
        self.device = device
        self.block_steps = sorted({1, config.prediction_steps} | (
            set(TRAJECTORY_STEPS) if full else set()))
        self.mse = defaultdict(TrajectoryMSE)
        self.cauchy_nll_m: Optional[Tensor] = None

    def update(self, model: torch.nn.Module, x: Tensor, edge_index: Tensor,
               edge_weight: Optional[Tensor], decoder_frames: slice) -> None:
        r"""Adds the rollouts of one batch.

        Args:
            model (torch.nn.Module): A :class:`RelationalInference` model.
            x (torch.Tensor): Trajectories :obj:`[N, T, D]`.
            edge_index (torch.Tensor): Edges :obj:`[2, E]`.
            edge_weight (torch.Tensor, optional): Decoder edge weights
                :obj:`[E, W]` (:obj:`None` for the static decoder without
                labels).
            decoder_frames (slice): Frames given to the decoder.
        """
        config, mse = self.config, self.mse
        x_dec = x[:, decoder_frames]
        target = x_dec[:, 1:]
        for s in self.block_steps:
            if s > target.size(1) and s != config.prediction_steps:
                continue  # Longer than the decoder frames.
            pred = model.decode(x_dec, edge_index, edge_weight, pred_steps=s)
            mse[f'block_{s}'].update(pred, target)
            if (s == config.prediction_steps
                    and config.cauchy_scale is not None):
                value = cauchy_nll(pred, target, config.cauchy_scale,
                                   variance=config.variance,
                                   num_nodes=1).detach().to(
                                       self.device, torch.float64)
                self.cauchy_nll_m = (value if self.cauchy_nll_m is None else
                                     self.cauchy_nll_m + value)
            if self.full:
                index = (torch.arange(target.size(1), device=self.device) //
                         s) * s
                mse[f'static_block_{s}'].update(x_dec[:, index], target)
        if self.full:
            anchor = max(decoder_frames.start - 1, 0)
            steps = min(max(TRAJECTORY_STEPS), x.size(1) - 1 - anchor)
            segment = x[:, anchor:anchor + steps + 1]
            pred = model.decode(segment, edge_index, edge_weight,
                                pred_steps=steps)
            mse['step'].update(pred, segment[:, 1:])
            mse['static_step'].update(
                segment[:, :1].expand_as(segment[:, 1:]), segment[:, 1:])

    def compute(self, num_nodes: float,
                scale: Optional[Tensor] = None) -> Dict[str, float]:
        r"""The metrics of the whole split (all-reduced over processes).

        Args:
            num_nodes (float): The nodes of the split (all processes), the
                NLL's normaliser.
            scale (torch.Tensor, optional): Per-feature factor :obj:`[D]`
                from normalised to physical units. (default: :obj:`None`)
        """
        config, mse, device = self.config, self.mse, self.device
        for metric in mse.values():
            metric.sum_squared_error = all_reduce_sum(
                metric.sum_squared_error.to(device)).cpu()
            metric.count = int(all_reduce_sum(
                torch.tensor(float(metric.count), device=device)))
        cauchy = (None if self.cauchy_nll_m is None else
                  all_reduce_sum(self.cauchy_nll_m))
        out: Dict[str, float] = {}
        for s in self.block_steps:
            if s == 1:
                out['nll_1'] = _nll(mse['block_1'], config.variance,
                                    num_nodes)
            if s == config.prediction_steps:
                out['nll_m'] = _nll(mse[f'block_{s}'], config.variance,
                                    num_nodes)
                out['mse_m'] = float(mse[f'block_{s}'].mean())
                if cauchy is not None:
                    out['cauchy_nll_m'] = float(cauchy) / num_nodes
            if self.full and s in TRAJECTORY_STEPS and f'block_{s}' in mse:
                for prefix in ('', 'static_'):
                    metric = mse[f'{prefix}block_{s}']
                    _put_mse(out, f'{prefix}mse_block_{s}', metric.mean,
                             scale)
        if self.full:
            for prefix in ('', 'static_'):
                metric = mse[f'{prefix}step']
                for s in TRAJECTORY_STEPS:
                    if s <= metric.sum_squared_error.size(0):
                        _put_mse(out, f'{prefix}mse_step_{s}',
                                 lambda scale=None, s=s, metric=metric:
                                 metric.per_step(scale)[s - 1], scale)
        return out


def _nll(metric: TrajectoryMSE, variance: float, num_nodes: float) -> float:
    # Gaussian NLL of the whole split, per node (as in the training loss).
    return float(metric.sum_squared_error.sum()) / (2 * variance * num_nodes)


def _put_mse(out: Dict, key: str, read, scale: Optional[Tensor]) -> None:
    out[key] = float(read())
    if scale is not None:
        out[f'{key}_physical'] = float(read(scale=scale.tolist()))
