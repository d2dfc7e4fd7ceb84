r"""The training loop: epochs, validation, checkpoints, resume, DDP."""
import math
import time
import warnings
from typing import Any, Callable, Dict, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.metrics import EdgeAccuracy
from torch_geometric_fnri.nn import (
    MLPEncoder,
    RelationalInference,
    RNNDecoder,
)
from torch_geometric_fnri.transforms import (
    POSITION_VELOCITY_FEATURES,
    RandomBoxSymmetry,
    TrajectoryNormalizer,
)
from torch_geometric_fnri.utils import reverse_edge_permutation
from torch_geometric_fnri.utils.progress import ProgressBar, progress_enabled

from .checkpoint import PROGRESS_KEYS, RunCheckpoints, claim_run_directory
from .config import TrainConfig
from .dataset_identity import dataset_identity
from .distributed import all_reduce_sum, init_distributed
from .edge_evaluation import identity_mapping
from .evaluation import evaluate
from .loaders import make_loader, set_loader_epoch
from .objective import TrainingObjective
from .run_directory import RunDirectory
from .training_mode import check_decoder_fits_mode


class NonFiniteLossError(FloatingPointError):
    r"""Raised when a training loss is NaN or infinite."""


class _StopRequested(Exception):
    # Raised inside an epoch when an on_step_end callback returns True.
    pass


class _StepDecay:
    # Picklable learning-rate factor for LambdaLR (state_dict keeps it).
    def __init__(self, step_size: int, gamma: float, shift: int):
        self.step_size, self.gamma, self.shift = step_size, gamma, shift

    def __call__(self, epoch: int) -> float:
        return self.gamma**((epoch + self.shift) // self.step_size)


class Trainer:
    r"""Trains and evaluates a
    :class:`~torch_geometric_fnri.nn.RelationalInference` model with the
    routine of the fNRI paper (see :class:`TrainConfig` for every setting).

    One epoch: a pass over the shuffled training split (Adam, loss of
    :class:`TrainingObjective`), validation (1-step and :math:`M`-step NLL,
    KL, :math:`M`-step MSE, edge accuracy), a scheduler step, a row in
    ``log.csv`` and an atomic checkpoint (``last.pt``, and ``best.pt`` when
    the selection metric improved: validation :math:`M`-step NLL for the
    learned and true-graph modes, validation combined accuracy for the
    supervised mode). After the last epoch (or early stopping) the best
    weights are reloaded, the accuracy mapping is fitted on validation and
    applied to test, and ``metrics.json`` is written. The static mode skips
    training.

    Started by ``torchrun --nproc_per_node=K``, the same code runs with
    :class:`~torch.nn.parallel.DistributedDataParallel` (gloo on CPU, nccl
    on CUDA) and :class:`~torch.utils.data.DistributedSampler`: the global
    batch :obj:`config.batch_size` is split among the processes, metrics
    are all-reduced as sums, and rank 0 alone writes files.

    Args:
        model (torch.nn.Module): The model (moved to the run's device).
        config (TrainConfig): The run configuration.
        train_dataset (Sequence[Data], optional): Training split (not needed
            for the static mode). (default: :obj:`None`)
        valid_dataset (Sequence[Data], optional): Validation split.
            (default: :obj:`None`)
        test_dataset (Sequence[Data], optional): Test split, evaluated once
            at the end. (default: :obj:`None`)
        run_dir (str, optional): The run directory (see
            :class:`RunDirectory`); :obj:`None` writes nothing and keeps the
            best weights in memory. The trainer holds its lock until
            :meth:`close` (or until it is garbage-collected): a run of
            another process on the same directory raises
            :class:`RunDirectoryInUseError`. (default: :obj:`None`)
        resume (bool, optional): Continue from ``last.pt`` in
            :obj:`run_dir`; a directory that holds no run starts a new one,
            one that holds a run without a readable ``last.pt`` or log is
            refused before anything changes. (default: :obj:`False`)
        overwrite (bool, optional): Delete the files of an earlier run in
            :obj:`run_dir`. Without :obj:`resume` or :obj:`overwrite`, a
            :obj:`run_dir` that holds a run raises :class:`FileExistsError`
            instead of being overwritten. (default: :obj:`False`)
        layer_names (Sequence[str], optional): Label-layer names for the
            metrics, by default the dataset's :obj:`interaction_names`.
            (default: :obj:`None`)
        scale (torch.Tensor, optional): Per-feature factor to physical units,
            by default the dataset's :obj:`stats.scale`.
            (default: :obj:`None`)
        extra_config (dict, optional): Further settings stored in
            ``config.json`` and checkpoints (e.g. the model's
            hyperparameters). (default: :obj:`None`)

    Its :attr:`frames` are the encoder's and the decoder's frames of
    training and validation (:meth:`FrameSplit.slices` of
    :attr:`TrainConfig.frame_split`).
    """
    def __init__(
        self,
        model: torch.nn.Module,
        config: TrainConfig,
        train_dataset: Optional[Sequence] = None,
        valid_dataset: Optional[Sequence] = None,
        test_dataset: Optional[Sequence] = None,
        run_dir: Optional[str] = None,
        resume: bool = False,
        overwrite: bool = False,
        layer_names: Optional[Sequence[str]] = None,
        scale: Optional[Tensor] = None,
        extra_config: Optional[Dict[str, Any]] = None,
    ):
        if not isinstance(model, RelationalInference):
            raise TypeError(
                f"'model' must be a RelationalInference (got "
                f"{type(model).__name__}): build one with build_model or "
                f"make_model, or compose it from an encoder, a "
                f"MultiplexEdgeSampler and a decoder; a model of your own "
                f"trains in a loop of your own (examples/custom_model.py)")
        if not isinstance(config, TrainConfig):
            raise TypeError(f"'config' must be a TrainConfig "
                            f"(got {type(config).__name__})")
        if config.training_mode.trains and (train_dataset is None
                                            or valid_dataset is None):
            raise ValueError(f"mode {config.mode!r} needs 'train_dataset' "
                             f"and 'valid_dataset'")
        if resume and run_dir is None:
            raise ValueError("'resume=True' needs a 'run_dir'")
        if resume and overwrite:
            raise ValueError("'resume' and 'overwrite' exclude each other")
        _check_splits(model, {'train_dataset': train_dataset,
                              'valid_dataset': valid_dataset,
                              'test_dataset': test_dataset})
        self.config = config
        self.dist = init_distributed(config.device)
        self.device = self.dist.device
        if config.batch_size % self.dist.world_size != 0:
            raise ValueError(
                f"'batch_size' ({config.batch_size}) must be divisible by "
                f"the number of processes ({self.dist.world_size})")
        self.model = model.to(self.device)
        self.train_dataset = train_dataset
        self.valid_dataset = valid_dataset
        self.test_dataset = test_dataset
        reference = next(d for d in (train_dataset, valid_dataset,
                                     test_dataset) if d is not None)
        if layer_names is None:
            layer_names = getattr(reference, 'interaction_names', None) or [
                f'layer_{i}' for i in range(len(model.num_edge_types))]
        self.layer_names = list(layer_names)
        if scale is None:
            stats = getattr(reference, 'stats', None)
            scale = getattr(stats, 'scale', None)
        self.scale = None if scale is None else torch.as_tensor(
            scale, dtype=torch.float32)
        self.extra_config = dict(extra_config or {})
        self.data_identity = dataset_identity(train_dataset)
        num_frames, num_features = reference[0].x.shape[1:]
        self.frames = config.frame_split.slices(num_frames)
        encoder_frames = self.frames[0]
        _check_model_options(model, config, encoder_frames, num_features)
        _check_data_options(model, config, reference)
        stats = getattr(reference, 'stats', None)
        self.augmentation = (_box_symmetry(stats, num_features)
                             if config.box_symmetry_augmentation else None)
        # What load_trained needs to rebuild and use the model (see
        # run_record.py).
        self.run_record = {
            'model': model.config,
            'num_frames': num_frames,
            'num_features': num_features,
            'encoder_frames': [encoder_frames.start, encoder_frames.stop],
            'normalizer': (stats.to_dict() if hasattr(stats, 'to_dict')
                           else None),
            'layer_names': self.layer_names,
        }
        self.run_dir = None
        if run_dir is not None:
            self.run_dir = RunDirectory(
                run_dir, tensorboard=config.tensorboard and self.dist.is_main)
            claim_run_directory(self.run_dir, self.dist, resume, overwrite)
        self.progress = progress_enabled(
            config.progress) and self.dist.is_main

        torch.manual_seed(config.seed + self.dist.rank)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.optimizer = None
        self.scheduler = None
        params = self._trained_parameters()
        if params:
            self.optimizer = torch.optim.Adam(
                params, lr=config.lr, weight_decay=config.weight_decay)
            self.scheduler = torch.optim.lr_scheduler.LambdaLR(
                self.optimizer,
                _StepDecay(config.lr_decay_epochs, config.lr_gamma,
                           int(config.reference_lr_schedule)))
        self.epoch = 0
        self.updates = 0
        self.examples = 0
        self.best_value: Optional[float] = None
        self.best_epoch: Optional[int] = None
        self.checkpoints = RunCheckpoints(
            self.run_dir, self.dist, self.model, self.optimizer,
            self.scheduler, self.generator, config, self.data_identity,
            self.run_record, self.extra_config)
        self.history: list = []
        if config.training_mode.trains:
            self.objective = TrainingObjective(self.model, config,
                                               *self.frames)
            self.step_module = self.objective
            if self.dist.enabled:
                self.step_module = torch.nn.parallel.DistributedDataParallel(
                    self.objective, find_unused_parameters=True,
                    device_ids=([self.device.index]
                                if self.device.type == 'cuda' else None))
            if config.compile:
                self.step_module = torch.compile(self.step_module,
                                                 dynamic=False)
            self.train_loader = self._loader(train_dataset, shuffle=True)
            self.valid_loader = self._loader(valid_dataset, shuffle=False)
        # A mode that trains nothing (static) has no checkpoint to resume.
        if resume and self.run_dir is not None and \
                config.training_mode.trains:
            progress = self.checkpoints.resume()
            if progress is not None:
                for key in PROGRESS_KEYS:
                    setattr(self, key, progress[key])

    # ------------------------------------------------------------------
    def _trained_parameters(self):
        module = self.config.training_mode.trained_module(self.model)
        if module is None:
            return []
        return [p for p in module.parameters() if p.requires_grad]

    def _loader(self, dataset, shuffle: bool):
        config, world = self.config, self.dist.world_size
        batch_size = (config.batch_size // world if shuffle else
                      config.accuracy_batch_size)
        return make_loader(dataset, batch_size, shuffle,
                           generator=self.generator,
                           on_device=config.data_on_device,
                           device=self.device, rank=self.dist.rank,
                           world_size=world, seed=config.seed)

    def _improves(self, value: float, direction: str) -> bool:
        # A non-finite value never improves, and never blocks a finite one.
        if not math.isfinite(value):
            return False
        if self.best_value is None or not math.isfinite(self.best_value):
            return True
        return (value < self.best_value if direction == 'min' else
                value > self.best_value)

    # ------------------------------------------------------------------
    def train_epoch(
        self,
        epoch: int,
        on_step_end: Optional[Callable[[Dict[str, Any]], Any]] = None,
    ) -> Dict[str, float]:
        r"""Runs one pass over the training split; returns the epoch means
        (weighted by graphs and all-reduced over processes) of the loss
        and its parts, prefixed :obj:`train_`.

        Args:
            epoch (int): The epoch index (seeds the distributed shuffle).
            on_step_end (callable, optional): See :meth:`fit`.
                (default: :obj:`None`)
        """
        config, model = self.config, self.model
        model.train()
        set_loader_epoch(self.train_loader, epoch)
        accuracy = None
        if config.training_mode.uses_encoder:
            accuracy = EdgeAccuracy(model.pred_num_classes,
                                    model.num_edge_types,
                                    family=model.family.accuracy_family)
        sums: Dict[str, Tensor] = {}
        bar = ProgressBar(len(self.train_loader), f'epoch {epoch}',
                          self.progress, leave=False)
        try:
            for index, batch in enumerate(self.train_loader):
                batch = batch.to(self.device)
                edge_type = getattr(batch, 'edge_type', None)
                self.objective.prediction_steps = \
                    config.prediction_steps_at(self.updates)
                self.objective.active_layer_graphs = \
                    config.active_layer_graphs_at(self.updates)
                x = batch.x
                if self.augmentation is not None:
                    x = self.augmentation.augment(x, batch.batch)
                out = self.step_module(x, batch.edge_index, edge_type,
                                       batch.batch)
                loss = out['loss']
                self._check_finite(loss, out, epoch, index)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(
                        self._trained_parameters(), config.grad_clip)
                self.optimizer.step()
                graphs = float(batch.num_graphs)
                self.updates += 1
                self.examples += batch.num_graphs * self.dist.world_size
                if on_step_end is not None and on_step_end({
                        'epoch': epoch, 'batch': index,
                        'updates': self.updates, 'examples': self.examples,
                        'loss': float(loss.detach())}) is True:
                    raise _StopRequested
                for key in ('loss', 'nll', 'kl', 'mse', 'ce'):
                    if key in out:
                        value = out[key].detach().double() * graphs
                        sums[key] = sums.get(key, 0) + value
                sums['graphs'] = sums.get('graphs', 0) + graphs
                postfix = {'loss': float(sums['loss']) / sums['graphs']}
                if accuracy is not None and edge_type is not None:
                    pred = model.predict_edge_types(out['logits'])
                    accuracy.update(pred, edge_type)
                    if self.progress and index % 10 == 0:
                        postfix['acc'] = self._train_accuracy(accuracy)
                bar.update(1, postfix)
        finally:
            bar.close()
        keys = ['loss'] + sorted(k for k in sums if k not in ('loss',
                                                              'graphs'))
        flat = all_reduce_sum(torch.stack(
            [torch.as_tensor(sums[k], dtype=torch.float64,
                             device=self.device) for k in keys] +
            [torch.tensor(sums['graphs'], dtype=torch.float64,
                          device=self.device)]))
        out = {f'train_{k}': float(flat[i] / flat[-1])
               for i, k in enumerate(keys)}
        if accuracy is not None and accuracy.num_edges > 0:
            accuracy.confusion = all_reduce_sum(accuracy.confusion)
            out['train_acc_combined'] = self._train_accuracy(accuracy)
        return out

    def _train_accuracy(self, accuracy) -> float:
        mapping = (identity_mapping(self.model)
                   if self.config.training_mode.supervises_encoder
                   else None)
        return accuracy.compute(mapping)['combined']

    def _check_finite(self, loss: Tensor, out: Dict[str, Tensor], epoch: int,
                      index: int) -> None:
        finite = torch.isfinite(loss.detach()).to(torch.float64)
        if self.dist.enabled:
            finite = all_reduce_sum(finite) / self.dist.world_size
        if bool(finite < 1):
            parts = ', '.join(f'{k}={float(v):.4g}' for k, v in out.items()
                              if k != 'logits')
            raise NonFiniteLossError(
                f'non-finite training loss at epoch {epoch}, batch {index} '
                f'({parts}); check the data for NaN/inf, lower the '
                f"learning rate or set 'grad_clip'")

    def validate(self) -> Dict[str, Any]:
        r"""Evaluates the validation split with the training routine's
        frames; keys prefixed :obj:`valid_`."""
        out = evaluate(self.model, self.valid_loader, self.config,
                       *self.frames, layer_names=self.layer_names,
                       scale=self.scale, device=self.device)
        return {f'valid_{k}': v for k, v in out.items()}

    # ------------------------------------------------------------------
    def fit(
        self,
        on_epoch_end: Optional[Callable[[Dict[str, Any]], None]] = None,
        on_step_end: Optional[Callable[[Dict[str, Any]], Any]] = None,
    ) -> Dict[str, Any]:
        r"""Trains until :obj:`config.epochs` (or early stopping), then
        runs :meth:`test`; a run stopped by :obj:`config.max_epochs`
        returns after its last checkpoint with :obj:`'completed': False`
        (resume it later).

        Args:
            on_epoch_end (callable, optional): Called on the main process
                with each finished epoch's ``log.csv`` row (a dict with
                :obj:`'epoch'`, :obj:`'time'` in seconds, the training
                losses and the validation metrics) after its checkpoint
                is written. (default: :obj:`None`)
            on_step_end (callable, optional): Called after every optimiser
                step (in every process) with a dict of :obj:`'epoch'`,
                :obj:`'batch'` (index in the epoch), :obj:`'updates'` and
                :obj:`'examples'` (totals of the run, all processes) and
                :obj:`'loss'`. If it returns :obj:`True`, training stops
                at once: the model keeps its current weights, nothing of the
                unfinished epoch is checkpointed, no test runs, and
                :meth:`fit` returns the progress with
                :obj:`'stopped': 'on_step_end'` (for budgets counted in
                updates or minutes; see ``benchmarks/time_to_accuracy.py``).
                In a distributed run it must return the same value in every
                process. (default: :obj:`None`)

        Returns:
            The final metrics (also written to ``metrics.json``), or the
            progress of an unfinished run.
        """
        config = self.config
        self.write_config()
        if not config.training_mode.trains:
            return self.test()
        metric, direction = config.selection_metric
        epoch_bar = ProgressBar(config.epochs, 'training', self.progress)
        epoch_bar.update(self.epoch)
        stopped = None
        try:
            while self.epoch < config.epochs:
                epoch = self.epoch
                if config.max_epochs is not None and \
                        epoch >= config.max_epochs:
                    stopped = 'max_epochs'
                    break
                start = time.perf_counter()
                lr = self.optimizer.param_groups[0]['lr']
                row: Dict[str, Any] = {'epoch': epoch, 'lr': lr}
                try:
                    row.update(self.train_epoch(epoch, on_step_end))
                except _StopRequested:
                    stopped = 'on_step_end'
                    break
                valid = self.validate()
                self.scheduler.step()
                value = valid[metric]
                improved = self._improves(value, direction)
                if not math.isfinite(value):
                    warnings.warn(
                        f"epoch {epoch}: the selection metric {metric!r} is "
                        f"{value}; this epoch cannot become the best one "
                        f"(check the data for non-finite values and the "
                        f"learning rate)", RuntimeWarning)
                if improved:
                    self.best_value, self.best_epoch = value, epoch
                row.update({k: v for k, v in valid.items()
                            if not isinstance(v, dict)})
                row['time'] = time.perf_counter() - start
                self.history.append(row)
                self.epoch = epoch + 1
                if self.run_dir is not None and self.dist.is_main:
                    self.run_dir.log_epoch(row)
                self.checkpoints.save({key: getattr(self, key)
                                       for key in PROGRESS_KEYS}, improved)
                if on_epoch_end is not None and self.dist.is_main:
                    on_epoch_end(row)
                epoch_bar.update(1, {'loss': row['train_loss'],
                                     metric: value})
                if config.patience is not None and \
                        epoch - self.best_epoch >= config.patience:
                    stopped = 'patience'
                    break
        finally:
            epoch_bar.close()
        if stopped in ('max_epochs', 'on_step_end'):
            return {'completed': False, 'stopped': stopped,
                    'epochs_done': self.epoch, 'updates': self.updates,
                    'examples': self.examples}
        self.load_best()
        return self.test(stopped_early=stopped == 'patience')

    def load_best(self) -> None:
        r"""Loads the weights of the best epoch into :attr:`model`."""
        self.checkpoints.load_best()

    def test(self, stopped_early: bool = False) -> Dict[str, Any]:
        r"""Final evaluation of the current weights: the validation split
        (fitting the accuracy mapping) and the test split (with that
        mapping), both with the full trajectory metrics and the test
        frames (:meth:`FrameSplit.test_slices`). Writes ``metrics.json``
        when there is a run directory and returns the same dict."""
        config = self.config
        results: Dict[str, Any] = {
            'mode': config.mode,
            'completed': True,
            'epochs_done': self.epoch,
            'updates': self.updates,
            'examples': self.examples,
            'best_epoch': self.best_epoch,
            'selection_metric': config.selection_metric[0],
            'best_value': self.best_value,
            'stopped_early': stopped_early,
            'layer_names': self.layer_names,
        }
        mapping = None
        for split, dataset in (('valid', self.valid_dataset),
                               ('test', self.test_dataset)):
            if dataset is None:
                continue
            loader = self._loader(dataset, shuffle=False)
            frames = config.frame_split.test_slices(dataset[0].x.size(1))
            out = evaluate(self.model, loader, config, *frames,
                           layer_names=self.layer_names, scale=self.scale,
                           full=True, mapping=mapping, device=self.device)
            mapping = out.get('edge_mapping', mapping)
            results[split] = out
        if self.run_dir is not None and self.dist.is_main:
            self.run_dir.write_json('metrics.json', results)
        return results

    def write_config(self) -> None:
        r"""Writes ``config.json`` (the configuration and
        :obj:`extra_config`); :meth:`fit` calls it."""
        if self.run_dir is not None and self.dist.is_main:
            self.run_dir.write_json('config.json', {
                'train': self.config.to_dict(),
                'run': self.run_record,
                **self.extra_config
            })

    def close(self) -> None:
        r"""Closes the run directory's writers, releases its lock and
        drops the
        :class:`~torch.nn.parallel.DistributedDataParallel` wrapper (which
        holds the process group; see
        :func:`~torch_geometric_fnri.training.shutdown_distributed`). The
        trainer cannot train after it."""
        if self.run_dir is not None:
            self.run_dir.close()
        if getattr(self, 'objective', None) is not None:
            self.step_module = self.objective


def _check_splits(model: torch.nn.Module, splits: Dict[str, Any]) -> None:
    # Clear errors for splits the model cannot train or evaluate on.
    layers = getattr(model, 'num_edge_types', None)
    shapes = {}
    for name, split in splits.items():
        if split is None:
            continue
        if len(split) == 0:
            raise ValueError(f"'{name}' is empty")
        stated = getattr(split, 'num_edge_types', None)
        if layers is not None and stated is not None and \
                list(stated) != list(layers):
            raise ValueError(
                f"the model was built for num_edge_types={list(layers)} but "
                f"'{name}' has num_edge_types={list(stated)}")
        first = split[0]
        if first.x is None or first.x.dim() != 3 or first.x.size(0) < 2:
            shape = None if first.x is None else tuple(first.x.shape)
            raise ValueError(
                f"graphs of '{name}' need 'x' of shape [num_nodes >= 2, "
                f"num_frames, num_features] (relations need two nodes; "
                f"got {shape} in graph 0)")
        shapes[name] = tuple(first.x.shape[1:])
        if len(set(shapes.values())) > 1:
            raise ValueError(
                f"the splits must have the same number of frames and "
                f"features, [num_frames, num_features] per node, but they "
                f"have {shapes} (graph 0 of each): simulate or cut them "
                f"alike")
        edge_type = getattr(first, 'edge_type', None)
        if layers is not None and edge_type is not None:
            columns = 1 if edge_type.dim() == 1 else edge_type.size(-1)
            if columns != len(layers):
                raise ValueError(
                    f"the model has {len(layers)} layer-graph(s) "
                    f"(num_edge_types={list(layers)}) but 'edge_type' of "
                    f"'{name}' has {columns} column(s)")
        if getattr(model, 'symmetric', False):
            _check_reverse_edges(first, name)


def _check_reverse_edges(graph: Any, name: str) -> None:
    # A symmetric model averages every edge's logits with its reverse's:
    # refuse a directed candidate graph here, not at the first forward.
    try:
        reverse_edge_permutation(graph.edge_index, graph.num_nodes)
    except ValueError as error:
        raise ValueError(
            f"the model averages the logits of every edge and its reverse "
            f"(symmetric=True) but in graph 0 of '{name}' {error} (a "
            f"directed candidate graph, e.g. k nearest neighbours): build "
            f"the model with symmetric=False, or make the candidate graph "
            f"symmetric (transforms.KNNCandidateGraph(k, symmetric=True), "
            f"or torch_geometric.transforms.ToUndirected inside "
            f"transforms.CarryEdgeType)") from error


def _box_symmetry(stats: Any, num_features: int) -> RandomBoxSymmetry:
    # The box-symmetry augmentation of (x, y, vx, vy) features, normalised
    # by the datasets' statistics or in physical units without them.
    if num_features != 4:
        raise ValueError(f"'box_symmetry_augmentation' needs (x, y, vx, vy) "
                         f"features (got {num_features} features)")
    if stats is None:
        return RandomBoxSymmetry()
    if not isinstance(stats, TrajectoryNormalizer):
        raise TypeError(f"'box_symmetry_augmentation' needs the datasets' "
                        f"'stats' to be a TrajectoryNormalizer (got "
                        f"{type(stats).__name__})")
    return RandomBoxSymmetry.from_normalizer(stats)


def _check_data_options(model: torch.nn.Module, config: TrainConfig,
                        reference: Any) -> None:
    # Options that only fit some data: symmetric edges need undirected
    # interactions; the box symmetries and the decoder's relative geometry
    # need (x, y, vx, vy) features (when the dataset names its features).
    if getattr(model, 'symmetric', False) and \
            getattr(reference, 'directed', False):
        raise ValueError(
            "the model averages the logits of every edge and its reverse "
            "(symmetric=True) but the data has directed interactions: "
            "build the model with symmetric=False")
    names = getattr(reference, 'feature_names', None)
    if names is None or \
            tuple(names[:4]) == POSITION_VELOCITY_FEATURES:
        return
    decoder = getattr(model, 'decoder', None)
    needs = [name for name, used in (
        ('box_symmetry_augmentation', config.box_symmetry_augmentation),
        ('relative_messages', getattr(decoder, 'relative_messages', False)),
        ('central_forces', getattr(decoder, 'central_forces', False)))
        if used]
    if needs:
        raise ValueError(f"{needs} need (x, y, vx, vy) features but the "
                         f"data's features are {list(names)}")


def _check_model_options(model: RelationalInference, config: TrainConfig,
                         encoder_frames: slice, num_features: int) -> None:
    # Options of the configuration that the model must support, and the
    # frames its MLP encoder reads.
    if config.non_edge_prior is not None and not model.family.has_kl:
        raise ValueError("'non_edge_prior' needs NRI or fNRI: sfNRI has no "
                         "KL term")
    decoder = model.decoder
    check_decoder_fits_mode(decoder, config.mode)
    if config.burn_in_steps is not None and \
            not isinstance(decoder, RNNDecoder):
        raise ValueError(f"'burn_in_steps' needs the RNN decoder (got "
                         f"{type(decoder).__name__})")
    encoder = model.encoder
    if not isinstance(encoder, MLPEncoder) or \
            not config.training_mode.uses_encoder:
        return
    frames = encoder_frames.stop - encoder_frames.start
    if encoder.in_channels != frames * num_features:
        raise ValueError(
            f"the model's MLP encoder reads {encoder.in_channels} values "
            f"per node (frames x features) but the configuration gives it "
            f"{frames} frames of {num_features} features (frames "
            f"{encoder_frames.start}..{encoder_frames.stop - 1}): build it "
            f"with in_channels={frames * num_features} (build_model(..., "
            f"num_timesteps={frames}), make_model(..., "
            f"frame_split=config.frame_split))")
