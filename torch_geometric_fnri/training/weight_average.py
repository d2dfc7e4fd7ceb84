r"""An exponential moving average of a model's weights, for evaluation.

Under a constant learning rate the weights of the fast recipe keep moving
around a good region and the validation accuracy swings from one
evaluation to the next; the average of the recent weights sits nearer its
centre. The trainer keeps the average beside the trained weights and
evaluates, selects and tests the average (see
:attr:`TrainConfig.weight_average_decay
<torch_geometric_fnri.training.TrainConfig.weight_average_decay>`); training
itself steps the raw weights.
"""
import contextlib
from typing import Dict, Iterator

import torch
from torch import Tensor

from ..utils.int_checks import is_int


class WeightAverage:
    r"""The exponential moving average
    :math:`\bar{w} \leftarrow d_n \bar{w} + (1 - d_n) w` of every
    floating-point tensor of :obj:`model`'s :meth:`state_dict` (parameters
    and buffers), updated after each optimiser step with
    :math:`d_n = \min(d, (1 + n) / (10 + n))`, :math:`n` the updates
    averaged before (the warm-up of TensorFlow's
    ``ExponentialMovingAverage`` with ``num_updates``: the first updates do
    not drag the initial weights along for :math:`1 / (1 - d)` steps).
    With :obj:`start` :math:`s > 0` the average is the weights themselves
    for the first :math:`s` updates (:math:`d_n = 0`) and averages from
    there, :math:`n` counted from :math:`s`: what is averaged is the
    flat late phase of a run, not the climb before it. Integer buffers
    are not averaged.

    Args:
        model (torch.nn.Module): The trained model; the average starts at
            its current weights.
        decay (float): :math:`d`, in :math:`(0, 1)`.
        start (int, optional): :math:`s`, the updates before the average
            starts. (default: :obj:`0`)
    """
    def __init__(self, model: torch.nn.Module, decay: float,
                 start: int = 0):
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) \
                or not 0 < decay < 1:
            raise ValueError(f"'decay' must be a number in (0, 1) (got "
                             f"{decay!r})")
        if not is_int(start) or start < 0:
            raise ValueError(f"'start' must be an int >= 0 (got {start!r})")
        self.decay = float(decay)
        self.start = int(start)
        self.num_updates = 0
        self.average: Dict[str, Tensor] = {}
        self.reset(model)

    def reset(self, model: torch.nn.Module) -> None:
        r"""Restarts the average at :obj:`model`'s current weights (the
        update count is kept)."""
        self.average = {name: value.detach().clone()
                        for name, value in model.state_dict().items()
                        if value.is_floating_point()}

    def current_decay(self) -> float:
        r""":math:`d_n` of the next update (:obj:`0` before
        :obj:`start`)."""
        n = self.num_updates - self.start
        if n < 0:
            return 0.0
        return min(self.decay, (1 + n) / (10 + n))

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> None:
        r"""Moves the average towards :obj:`model`'s current weights."""
        weight = 1.0 - self.current_decay()
        state = model.state_dict()
        names = list(self.average)
        torch._foreach_lerp_([self.average[name] for name in names],
                             [state[name].detach() for name in names],
                             weight)
        self.num_updates += 1

    @contextlib.contextmanager
    def applied(self, model: torch.nn.Module) -> Iterator[None]:
        r"""Within the context :obj:`model` holds the averaged weights;
        its own are restored afterwards (also on an error)."""
        state = model.state_dict()
        saved = {name: state[name].detach().clone() for name in self.average}
        model.load_state_dict(self.average, strict=False)
        try:
            yield
        finally:
            model.load_state_dict(saved, strict=False)

    def averaged_state_dict(self, model: torch.nn.Module
                            ) -> Dict[str, Tensor]:
        r""":obj:`model`'s :meth:`state_dict` with the averaged weights in
        place of its own (copies; the integer buffers are the model's)."""
        state = {name: value.detach().clone()
                 for name, value in model.state_dict().items()}
        state.update({name: value.clone()
                      for name, value in self.average.items()})
        return state

    def state_dict(self) -> Dict[str, object]:
        r"""The average and its update count, for a checkpoint."""
        return {'decay': self.decay, 'start': self.start,
                'num_updates': self.num_updates,
                'average': {name: value.clone()
                            for name, value in self.average.items()}}

    def load_state_dict(self, state: Dict[str, object]) -> None:
        r"""Restores :meth:`state_dict`; raises :class:`ValueError` for
        another decay or start, or other tensors (a state saved without a
        start started at once)."""
        if state['decay'] != self.decay:
            raise ValueError(f"the saved weight average has decay "
                             f"{state['decay']}, not {self.decay}")
        if state.get('start', 0) != self.start:
            raise ValueError(f"the saved weight average starts after "
                             f"{state.get('start', 0)} updates, not "
                             f"{self.start}")
        average = state['average']
        if set(average) != set(self.average) or any(
                average[name].shape != self.average[name].shape
                for name in average):
            raise ValueError('the saved weight average holds other '
                             'tensors than the model')
        self.average = {name: average[name].to(self.average[name])
                        for name in self.average}
        self.num_updates = int(state['num_updates'])
