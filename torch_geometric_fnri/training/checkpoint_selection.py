r"""Which epoch of a training run is the best one (its weights are
``best.pt``), and when the run stops early."""
import math
import warnings
from typing import Any, Dict, Optional

from .config import TrainConfig


class CheckpointSelection:
    r"""Follows the validation value of
    :attr:`TrainConfig.selection_metric` epoch by epoch: the best value so
    far and its epoch, and whether :obj:`TrainConfig.patience` epochs have
    passed without a better one. A non-finite value never improves (a
    warning says so), and never blocks a finite one.

    Args:
        config (TrainConfig): The run configuration.
        best_value (float, optional): The best value so far (of a resumed
            run). (default: :obj:`None`)
        best_epoch (int, optional): Its epoch. (default: :obj:`None`)
    """
    def __init__(self, config: TrainConfig,
                 best_value: Optional[float] = None,
                 best_epoch: Optional[int] = None):
        self.metric, self.direction = config.selection_metric
        self.patience = config.patience
        self.best_value = best_value
        self.best_epoch = best_epoch

    def update(self, epoch: int, valid: Dict[str, Any]) -> bool:
        r"""Takes the validation metrics :obj:`valid` of :obj:`epoch`;
        returns whether the epoch is the best so far."""
        value = valid[self.metric]
        improved = self._improves(value)
        if not math.isfinite(value):
            warnings.warn(
                f"epoch {epoch}: the selection metric {self.metric!r} is "
                f"{value}; this epoch cannot become the best one (check "
                f"the data for non-finite values and the learning rate)",
                RuntimeWarning)
        if improved:
            self.best_value, self.best_epoch = value, epoch
        return improved

    def out_of_patience(self, epoch: int) -> bool:
        r"""Whether the run stops after :obj:`epoch`: :obj:`patience`
        epochs have passed since the best one."""
        return self.patience is not None and \
            epoch - self.best_epoch >= self.patience

    def _improves(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best_value is None or not math.isfinite(self.best_value):
            return True
        return (value < self.best_value if self.direction == 'min' else
                value > self.best_value)
