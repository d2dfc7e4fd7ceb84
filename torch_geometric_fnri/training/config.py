r"""The configuration of a training run."""
import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from torch import Tensor

from ..utils.int_checks import is_int
from .frame_split import FrameSplit
from .training_mode import TrainingMode, get_training_mode

#: The training routines by name (the paper that uses it, not a model
#: family: any model trains with either): whether the decoder shares the
#: encoder's frames (see :class:`FrameSplit`).
ROUTINES = {'fnri': False, 'nri': True}
SFNRI_LOSSES = ('mse', 'nll')


@dataclass(kw_only=True)
class TrainConfig:
    r"""Everything that defines a training run; defaults are the paper's
    (Section 7 of `"Factorised Neural Relational Inference for
    Multi-Interaction Systems" <https://arxiv.org/abs/1905.08721>`_).

    The fields are keyword-only and come in groups, by job: the objective
    (:obj:`mode` to :obj:`cauchy_scale`), the frames and the decoder
    rollouts (:obj:`routine` to :obj:`layer_graph_schedule`), optimisation
    (:obj:`lr` to :obj:`compile`), the data and its batches
    (:obj:`batch_size` to :obj:`data_on_device`), the run's length
    (:obj:`epochs`, :obj:`max_epochs`, :obj:`patience`), evaluation
    (:obj:`stochastic_eval`, :obj:`accuracy_batch_size`) and the run
    itself (:obj:`seed`, :obj:`device`, :obj:`progress`,
    :obj:`tensorboard`).

    The configuration is saved to ``config.json`` in the run directory and
    inside every checkpoint; :meth:`to_dict` / :meth:`from_dict` round-trip
    it.

    Args:
        mode (str, optional): :obj:`'learned'` (VAE: encoder and decoder,
            NLL + KL; sfNRI see :obj:`sfnri_loss`), :obj:`'supervised'`
            (encoder only, cross-entropy on the ground-truth edges),
            :obj:`'true_graph'` (decoder only, fed the ground-truth edges)
            or :obj:`'static'` (no training; evaluation of a
            :class:`StaticDecoder` model). (default: :obj:`'learned'`)
        variance (float, optional): :math:`\sigma^2` of the Gaussian
            likelihood. (default: :obj:`5e-5`)
        beta (float, optional): Weight of the KL term. (default: :obj:`1.0`)
        beta_schedule (Sequence[Tuple[int, float]], optional): A schedule
            on the KL weight: pairs :obj:`(updates, beta)`, in increasing
            order of :obj:`updates`; from that many optimiser steps on, the
            training loss weighs the KL term by :obj:`beta` (see
            :meth:`beta_at`). Validation losses keep :obj:`beta`; logit
            refinement uses the schedule's last weight. (default:
            :obj:`None`)
        non_edge_prior (float, optional): If set, the KL term is taken to a
            sparsity prior with this probability on the non-edge type of
            every layer-graph (see :obj:`sparsity_prior` of
            :class:`~torch_geometric_fnri.nn.RelationalInference`; NRI/fNRI
            only) instead of the uniform prior. (default: :obj:`None`)
        sfnri_loss (str, optional): sfNRI training loss in the
            :obj:`'learned'` mode: :obj:`'mse'` (the reference: mean squared
            error over all elements, no KL) or :obj:`'nll'` (Gaussian NLL).
            (default: :obj:`'mse'`)
        cauchy_scale (float, optional): If set, the reconstruction term of
            the learned and true-graph modes (and sfNRI's :obj:`'nll'`) is
            the robust :func:`~torch_geometric_fnri.losses.cauchy_nll` of
            this scale instead of the Gaussian NLL, and the best checkpoint
            is selected by its validation value (:obj:`valid_cauchy_nll_m`).
            The Gaussian :obj:`nll_*` metrics are reported either way.
            (default: :obj:`None`)
        routine (str, optional): The frames of training and validation,
            named after the paper whose routine it is (any model trains with
            either): :obj:`'fnri'` (the encoder sees the first frames, the
            decoder predicts a disjoint later segment) or :obj:`'nri'`
            (encoder and decoder see the same first frames). The test split
            is always evaluated with the disjoint segment, as both reference
            implementations do. See :attr:`frame_split`.
            (default: :obj:`'fnri'`)
        encoder_frames (int, optional): Frames given to the encoder,
            :obj:`None` for :math:`\lfloor T / 2 \rfloor` of :math:`T`
            data frames (49 of 99). (default: :obj:`None`)
        decoder_start (int, optional): First decoder frame of the disjoint
            segment, :obj:`None` for :obj:`encoder_frames + 1` (one frame
            skipped, frame 50 of 99). (default: :obj:`None`)
        prediction_steps (int, optional): :math:`M`, the length of the
            decoder rollout before it is re-anchored on ground truth.
            (default: :obj:`10`)
        prediction_steps_schedule (Sequence[Tuple[int, int]], optional): A
            curriculum on :math:`M`: pairs :obj:`(updates, steps)`, in
            increasing order of :obj:`updates`; from that many optimiser
            steps on, training rollouts have :obj:`steps` steps (see
            :meth:`prediction_steps_at`). Validation, test and checkpoint
            selection keep :obj:`prediction_steps`. (default: :obj:`None`)
        decoder_window (int, optional): Train the decoder on a random window
            of this many consecutive decoder frames per batch (at least 2)
            instead of all of them: cheaper updates. Validation and test
            use all decoder frames. (default: :obj:`None`)
        decoder_window_per_graph (bool, optional): Draw the start of the
            :obj:`decoder_window` for every graph (simulation) of the batch
            rather than once for the whole batch. (default: :obj:`False`)
        burn_in_steps (int, optional): Train an RNN decoder with ground-truth
            inputs for the first :obj:`burn_in_steps` steps of the decoder
            frames and its own predictions afterwards (NRI's burn-in)
            instead of :math:`M`-step re-anchored rollouts. Evaluation keeps
            the :math:`M`-step rollouts. (default: :obj:`None`)
        layer_graph_schedule (Sequence[int], optional): A curriculum over
            the layer-graphs (fNRI, sfNRI): the update counts, in
            increasing order, at which the second, third, ... layer-graph
            join the training rollouts, one entry per layer-graph after the
            first. Until its entry is reached a layer-graph's samples are
            replaced by the non-edge in training (see
            :obj:`keep_layer_graphs` of
            :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler` and
            :meth:`active_layer_graphs_at`), so the decoder first fits
            the interaction that the first layer-graph finds (the
            strongest) and each later layer-graph starts on what is left
            unexplained. Validation and test use every layer-graph.
            (default: :obj:`None`)
        lr (float, optional): Adam learning rate. (default: :obj:`5e-4`)
        weight_decay (float, optional): Adam L2 penalty (the paper used
            5e-8 / 2e-5 for sfNRI on I+C). (default: :obj:`0.0`)
        lr_decay_epochs (int, optional): Step size of the learning-rate
            decay. (default: :obj:`200`)
        lr_gamma (float, optional): Decay factor. (default: :obj:`0.5`)
        reference_lr_schedule (bool, optional): The reference code steps the
            scheduler at the *start* of every epoch, so its learning rate
            halves one epoch early (epoch indices 199, 399). By default the
            scheduler is stepped after each epoch and the rate halves at
            200, 400; :obj:`True` reproduces the reference.
            (default: :obj:`False`)
        grad_clip (float, optional): Clip the gradient norm to this value.
            (default: :obj:`None`)
        weight_average_decay (float, optional): Keep an exponential moving
            average of the weights with this decay per update (see
            :class:`~torch_geometric_fnri.training.weight_average.WeightAverage`)
            and validate, select (``best.pt`` holds the average) and test
            the average instead of the trained weights; not in the papers.
            (default: :obj:`None`: no average)
        weight_average_start (int, optional): The updates before the
            average of :obj:`weight_average_decay` starts; until then it is
            the trained weights themselves. (default: :obj:`0`)
        compile (bool, optional): Run the training step (the loss of a
            batch, forward and backward) through :func:`torch.compile`
            (static shapes: one graph per batch size and rollout length).
            Steps are faster once compiled (measured on one CPU thread with
            the fast recipe: ``benchmarks/compiled_training.py``), but the
            first steps, and the first after each change of shape, wait for
            the compiler (on a CPU it needs a C++ compiler). Evaluation
            stays eager. (default: :obj:`False`)
        batch_size (int, optional): Global batch size (divided among the
            processes of a distributed run). (default: :obj:`128`)
        box_symmetry_augmentation (bool, optional): Give every training
            graph of every batch one of the eight symmetries of the square
            box (:class:`~torch_geometric_fnri.transforms.RandomBoxSymmetry`,
            drawn from the global torch generator; the features must be
            (x, y, vx, vy), normalised as the datasets of this library do
            or in physical units). Validation and test see the data as it
            is. (default: :obj:`False`)
        data_on_device (bool, optional): Keep each split as a few stacked
            tensors on the device and slice batches from them (needs all
            graphs of a split to have the same number of nodes); otherwise
            batches come from :class:`torch_geometric.loader.DataLoader`.
            Both draw the same shuffled order from the seeded generator.
            (default: :obj:`True`)
        epochs (int, optional): Total number of epochs. (default:
            :obj:`500`)
        max_epochs (int, optional): Stop this invocation once this many
            epochs are done in total (to split a run across jobs; resume
            continues it). :obj:`None` runs to :obj:`epochs`.
            (default: :obj:`None`)
        patience (int, optional): Stop when the selection metric has not
            improved for this many epochs. (default: :obj:`None`)
        stochastic_eval (bool, optional): Evaluate with sampled (soft
            Gumbel) edges like the reference, instead of the deterministic
            per-layer argmax. (default: :obj:`False`)
        accuracy_batch_size (int, optional): Batch size of the reference's
            per-batch optimal permutation accuracy. (default: :obj:`128`)
        refine_steps (int, optional): Semi-amortised inference at test
            time: :meth:`Trainer.test` also scores the test split with the
            encoder's logits of every simulation refined by this many Adam
            steps on that simulation's training loss over the encoder's
            frames, the weights frozen (key :obj:`'test_refined'`; see
            :func:`~torch_geometric_fnri.training.refine_edge_logits`), and
            :func:`~torch_geometric_fnri.infer` refines the logits it
            reports. :obj:`0` reads the encoder alone, as the paper does.
            Learned NRI/fNRI/sfNRI runs only. (default: :obj:`0`)
        refine_lr (float, optional): Adam's learning rate of the
            refinement. (default: :obj:`0.1`)
        symmetry_ensemble (bool, optional): :meth:`Trainer.test` also
            scores the validation and test splits with the encoder's logits
            averaged over the eight symmetries of the square box (keys
            :obj:`'valid_symmetrised'` and :obj:`'test_symmetrised'`, the
            mapping fitted on the former; see
            :func:`~torch_geometric_fnri.training.symmetry_ensemble_logits`;
            (x, y, vx, vy) features in a square box). Training, validation
            and checkpoint selection are unchanged. Learned and supervised
            runs. (default: :obj:`False`)
        seed (int, optional): Seeds the global torch RNG (dropout, Gumbel
            noise; offset by the rank in distributed runs) and the loader's
            generator. (default: :obj:`42`)
        device (str, optional): :obj:`'cpu'`, :obj:`'cuda'`, ... or
            :obj:`'auto'`. (default: :obj:`'auto'`)
        progress (bool, optional): Show progress bars; :obj:`None` shows them
            only when stdout and stderr are terminals. (default: :obj:`None`)
        tensorboard (bool, optional): Also log to TensorBoard when it is
            installed. (default: :obj:`True`)
    """
    # The objective: what is trained, and its loss.
    mode: str = 'learned'
    variance: float = 5e-5
    beta: float = 1.0
    beta_schedule: Optional[Sequence[Tuple[int, float]]] = None
    non_edge_prior: Optional[float] = None
    sfnri_loss: str = 'mse'
    cauchy_scale: Optional[float] = None
    # The frames and the decoder rollouts.
    routine: str = 'fnri'
    encoder_frames: Optional[int] = None
    decoder_start: Optional[int] = None
    prediction_steps: int = 10
    prediction_steps_schedule: Optional[Sequence[Tuple[int, int]]] = None
    decoder_window: Optional[int] = None
    decoder_window_per_graph: bool = False
    burn_in_steps: Optional[int] = None
    layer_graph_schedule: Optional[Sequence[int]] = None
    # Optimisation.
    lr: float = 5e-4
    weight_decay: float = 0.0
    lr_decay_epochs: int = 200
    lr_gamma: float = 0.5
    reference_lr_schedule: bool = False
    grad_clip: Optional[float] = None
    weight_average_decay: Optional[float] = None
    weight_average_start: int = 0
    compile: bool = False
    # The data and its batches.
    batch_size: int = 128
    box_symmetry_augmentation: bool = False
    data_on_device: bool = True
    # How long the run trains, and early stopping.
    epochs: int = 500
    max_epochs: Optional[int] = None
    patience: Optional[int] = None
    # Evaluation.
    stochastic_eval: bool = False
    accuracy_batch_size: int = 128
    refine_steps: int = 0
    refine_lr: float = 0.1
    symmetry_ensemble: bool = False
    # The run: random seed, device and output.
    seed: int = 42
    device: str = 'auto'
    progress: Optional[bool] = None
    tensorboard: bool = True

    def __post_init__(self):
        get_training_mode(self.mode)
        _check_choice('routine', self.routine, tuple(ROUTINES))
        self.frame_split  # Built to check encoder_frames and decoder_start.
        _check_choice('sfnri_loss', self.sfnri_loss, SFNRI_LOSSES)
        for name in ('prediction_steps', 'epochs', 'batch_size',
                     'lr_decay_epochs', 'accuracy_batch_size'):
            _check_int(name, getattr(self, name), minimum=1)
        if self.prediction_steps_schedule is not None:
            self.prediction_steps_schedule = _check_schedule(
                'prediction_steps_schedule', self.prediction_steps_schedule,
                'steps', _check_steps)
        if self.beta_schedule is not None:
            self.beta_schedule = _check_schedule(
                'beta_schedule', self.beta_schedule, 'beta', _check_weight)
        if self.decoder_window is not None:
            _check_int('decoder_window', self.decoder_window, minimum=2)
        if not isinstance(self.decoder_window_per_graph, bool):
            raise TypeError(f"'decoder_window_per_graph' must be a bool "
                            f"(got {self.decoder_window_per_graph!r})")
        if self.decoder_window_per_graph and self.decoder_window is None:
            raise ValueError("'decoder_window_per_graph' needs a "
                             "'decoder_window'")
        if self.layer_graph_schedule is not None:
            self.layer_graph_schedule = _check_update_counts(
                'layer_graph_schedule', self.layer_graph_schedule)
        if not isinstance(self.box_symmetry_augmentation, bool):
            raise TypeError(f"'box_symmetry_augmentation' must be a bool "
                            f"(got {self.box_symmetry_augmentation!r})")
        for name in ('max_epochs', 'patience', 'burn_in_steps'):
            if getattr(self, name) is not None:
                _check_int(name, getattr(self, name), minimum=1)
        _check_int('seed', self.seed, minimum=0)
        for name in ('lr', 'variance'):
            if not float(getattr(self, name)) > 0:
                raise ValueError(f"'{name}' must be positive "
                                 f"(got {getattr(self, name)})")
        if not 0 < self.lr_gamma <= 1:
            raise ValueError(f"'lr_gamma' must be in (0, 1] "
                             f"(got {self.lr_gamma})")
        if self.weight_decay < 0 or self.beta < 0:
            raise ValueError(f"'weight_decay' and 'beta' must be >= 0 (got "
                             f"{self.weight_decay} and {self.beta})")
        if self.non_edge_prior is not None and \
                not 0 < self.non_edge_prior < 1:
            raise ValueError(f"'non_edge_prior' must be in (0, 1) or None "
                             f"(got {self.non_edge_prior})")
        if self.cauchy_scale is not None and not self.cauchy_scale > 0:
            raise ValueError(f"'cauchy_scale' must be positive or None "
                             f"(got {self.cauchy_scale})")
        _check_int('refine_steps', self.refine_steps, minimum=0)
        if not isinstance(self.refine_lr, (int, float)) or \
                isinstance(self.refine_lr, bool) or not self.refine_lr > 0:
            raise ValueError(f"'refine_lr' must be a positive number (got "
                             f"{self.refine_lr!r})")
        if self.refine_steps and not self.training_mode.samples_edges:
            raise ValueError(f"'refine_steps' refines the edges a learned "
                             f"model infers; the {self.mode!r} mode has "
                             f"no inferred edges to refine")
        if not isinstance(self.symmetry_ensemble, bool):
            raise TypeError(f"'symmetry_ensemble' must be a bool (got "
                            f"{self.symmetry_ensemble!r})")
        if self.symmetry_ensemble and not self.training_mode.uses_encoder:
            raise ValueError(f"'symmetry_ensemble' averages the encoder; "
                             f"the {self.mode!r} mode has none")
        if self.weight_average_decay is not None and (
                isinstance(self.weight_average_decay, bool) or
                not isinstance(self.weight_average_decay, (int, float)) or
                not 0 < self.weight_average_decay < 1):
            raise ValueError(f"'weight_average_decay' must be a number in "
                             f"(0, 1) or None (got "
                             f"{self.weight_average_decay!r})")
        _check_int('weight_average_start', self.weight_average_start,
                   minimum=0)
        if self.weight_average_start and self.weight_average_decay is None:
            raise ValueError("'weight_average_start' needs a "
                             "'weight_average_decay'")
        if self.grad_clip is not None and not self.grad_clip > 0:
            raise ValueError(f"'grad_clip' must be positive or None "
                             f"(got {self.grad_clip})")

    def prediction_steps_at(self, updates: int) -> int:
        r"""The training rollout length :math:`M` after :obj:`updates`
        optimiser steps: the last entry of
        :obj:`prediction_steps_schedule` that has been reached, else
        :obj:`prediction_steps`."""
        return _scheduled(self.prediction_steps_schedule,
                          self.prediction_steps, updates)

    def beta_at(self, updates: int) -> float:
        r"""The KL weight of the training loss after :obj:`updates`
        optimiser steps: the last entry of :obj:`beta_schedule` that has
        been reached, else :obj:`beta`."""
        return _scheduled(self.beta_schedule, self.beta, updates)

    @property
    def training_mode(self) -> TrainingMode:
        r"""The :class:`TrainingMode` of :obj:`mode`."""
        return get_training_mode(self.mode)

    def active_layer_graphs_at(self, updates: int) -> Optional[int]:
        r"""The number of layer-graphs that reach the training rollouts
        after :obj:`updates` optimiser steps: one plus the entries of
        :obj:`layer_graph_schedule` that have been reached (:obj:`None`,
        all of them, without a schedule)."""
        if self.layer_graph_schedule is None:
            return None
        return 1 + sum(updates >= start
                       for start in self.layer_graph_schedule)

    def prior(self, model) -> Optional[Tensor]:
        r"""The KL prior of :obj:`model` under :obj:`non_edge_prior`
        (:obj:`None`: uniform)."""
        if self.non_edge_prior is None:
            return None
        return model.sparsity_prior(self.non_edge_prior)

    @property
    def selection_metric(self) -> Tuple[str, str]:
        r"""The validation metric that selects the best checkpoint and its
        direction: ``('valid_nll_m', 'min')`` (M-step NLL; with
        :obj:`cauchy_scale`, ``'valid_cauchy_nll_m'``) for the learned
        and true-graph modes, ``('valid_acc_combined', 'max')`` for the
        supervised mode and ``('valid_mse_m', 'min')`` for static.
        """
        if not self.training_mode.uses_decoder:
            return 'valid_acc_combined', 'max'
        if not self.training_mode.trains:
            return 'valid_mse_m', 'min'
        if self.cauchy_scale is not None:
            return 'valid_cauchy_nll_m', 'min'
        return 'valid_nll_m', 'min'

    @property
    def frame_split(self) -> FrameSplit:
        r"""The :class:`FrameSplit` of :obj:`routine`,
        :obj:`encoder_frames` and :obj:`decoder_start`: the frames the
        encoder reads and those the decoder predicts."""
        return FrameSplit(self.encoder_frames, self.decoder_start,
                          shared=ROUTINES[self.routine])

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> 'TrainConfig':
        names = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ValueError(f'unknown TrainConfig fields {unknown}')
        return cls(**values)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def _check_choice(name: str, value: Any, choices: Tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"'{name}' must be one of {list(choices)} "
                         f"(got {value!r})")


def _check_schedule(name: str, schedule: Any, value_name: str,
                    check_value: Callable[[str, Any], Any]
                    ) -> Tuple[Tuple[int, Any], ...]:
    r"""Checks :obj:`schedule`, pairs :obj:`(updates, value)` in strictly
    increasing order of :obj:`updates`; :obj:`check_value(name, value)`
    raises for a bad value and returns it as stored."""
    try:
        pairs = tuple((start, value) for start, value in schedule)
    except (TypeError, ValueError):
        raise TypeError(f"'{name}' must be a sequence of (updates, "
                        f"{value_name}) pairs (got {schedule!r})") from None
    for start, _ in pairs:
        _check_int(f'{name} updates', start, minimum=0)
    pairs = tuple((start, check_value(name, value)) for start, value in pairs)
    starts = [start for start, _ in pairs]
    if not pairs or starts != sorted(set(starts)):
        raise ValueError(f"'{name}' must list strictly increasing update "
                         f"counts (got {schedule!r})")
    return pairs


def _scheduled(schedule: Optional[Sequence[Tuple[int, Any]]], default: Any,
               updates: int) -> Any:
    r"""The value of :obj:`schedule` after :obj:`updates` optimiser steps:
    that of its last entry reached, else :obj:`default`."""
    value = default
    for start, scheduled in schedule or ():
        if updates >= start:
            value = scheduled
    return value


def _check_steps(name: str, steps: Any) -> int:
    _check_int(f'{name} steps', steps, minimum=1)
    return steps


def _check_weight(name: str, weight: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) \
            or not weight >= 0:
        raise ValueError(f"'{name}' weights must be numbers >= 0 "
                         f"(got {weight!r})")
    return float(weight)


def _check_update_counts(name: str, counts: Any) -> Tuple[int, ...]:
    try:
        counts = tuple(counts)
    except TypeError:
        raise TypeError(f"'{name}' must be a sequence of update counts "
                        f"(got {counts!r})") from None
    for count in counts:
        _check_int(f'{name} entries', count, minimum=0)
    if not counts or list(counts) != sorted(set(counts)):
        raise ValueError(f"'{name}' must list strictly increasing update "
                         f"counts (got {counts!r})")
    return counts


def _check_int(name: str, value: Any, minimum: int) -> None:
    if not is_int(value):
        raise TypeError(f"'{name}' must be an int (got {value!r})")
    if value < minimum:
        raise ValueError(f"'{name}' must be >= {minimum} (got {value})")
