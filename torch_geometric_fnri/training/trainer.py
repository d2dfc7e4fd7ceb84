r"""The training loop: epochs, validation, checkpoints, resume, DDP."""
import contextlib
import time
from typing import Any, Callable, ContextManager, Dict, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.metrics import EdgeAccuracy, MissedPairs
from torch_geometric_fnri.transforms import CandidateGraph
from torch_geometric_fnri.utils.progress import ProgressBar, progress_enabled

from .augmentation import feature_box_symmetries, training_augmentation
from .candidate_splits import run_candidate_graph
from .checkpoint import PROGRESS_KEYS, RunCheckpoints, claim_run_directory
from .checkpoint_selection import CheckpointSelection
from .config import TrainConfig
from .dataset_identity import dataset_identity
from .distributed import init_distributed
from .edge_evaluation import all_reduce_accuracy, identity_mapping
from .evaluation import evaluate
from .loaders import make_loader, set_loader_epoch
from .loss_means import LossMeans
from .non_finite_loss import check_finite_loss
from .objective import TrainingObjective, training_step_module
from .optimization import make_optimizer, trained_parameters
from .run_directory import RunDirectory
from .run_record import make_run_record
from .trainer_checks import check_training_inputs, reference_split
from .weight_average import WeightAverage


class _StopRequested(Exception):
    # Raised inside an epoch when an on_step_end callback returns True.
    pass


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
        candidate_graph (CandidateGraph, optional): A candidate graph
            (*e.g.*
            :class:`~torch_geometric_fnri.transforms.KNNCandidateGraph`)
            that the trainer applies to every graph of every split (give
            the splits fully connected) as it reads it. Without one, a
            candidate graph that the splits' datasets apply (their
            :obj:`transform` or :obj:`pre_transform`) is the run's. The
            run record stores the run's candidate graph, so that
            :func:`load_trained` and ``python -m
            torch_geometric_fnri.infer`` put new data on it. The pairs a
            candidate graph leaves out count as predicted "no interaction"
            in every edge metric (see :func:`evaluate`). (default:
            :obj:`None`)

    A model, configuration and data that do not fit together are refused
    when the trainer is built (see
    :func:`~.trainer_checks.check_training_inputs`).
    Its :attr:`frames` are the encoder's and the decoder's frames of
    training and validation (:meth:`FrameSplit.slices` of
    :attr:`TrainConfig.frame_split`); its :attr:`selection` (a
    :class:`CheckpointSelection`) follows the best epoch; its
    :attr:`candidate_graph` is the run's (:obj:`None`: fully connected
    graphs), and its splits are the graphs it trains on.
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
        candidate_graph: Optional[CandidateGraph] = None,
    ):
        self.candidate_graph, splits = run_candidate_graph(
            {'train_dataset': train_dataset, 'valid_dataset': valid_dataset,
             'test_dataset': test_dataset}, candidate_graph)
        train_dataset, valid_dataset, test_dataset = splits.values()
        check_training_inputs(model, config, splits, self.candidate_graph)
        if resume and run_dir is None:
            raise ValueError("'resume=True' needs a 'run_dir'")
        if resume and overwrite:
            raise ValueError("'resume' and 'overwrite' exclude each other")
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
        reference = reference_split(splits)
        stats = getattr(reference, 'stats', None)
        if layer_names is None:
            layer_names = getattr(reference, 'interaction_names', None) or [
                f'layer_{i}' for i in range(len(model.num_edge_types))]
        self.layer_names = list(layer_names)
        if scale is None:
            scale = getattr(stats, 'scale', None)
        self.scale = None if scale is None else torch.as_tensor(
            scale, dtype=torch.float32)
        self.extra_config = dict(extra_config or {})
        self.data_identity = dataset_identity(train_dataset)
        num_frames, num_features = reference[0].x.shape[1:]
        self.frames = config.frame_split.slices(num_frames)
        self.augmentation = training_augmentation(config, stats,
                                                  num_features)
        self.symmetries = (feature_box_symmetries(stats, num_features,
                                                  'symmetry_ensemble')
                           if config.symmetry_ensemble else None)
        self.run_record = make_run_record(model, reference, self.frames[0],
                                          self.layer_names,
                                          self.candidate_graph)
        self.run_dir = None
        if run_dir is not None:
            self.run_dir = RunDirectory(
                run_dir, tensorboard=config.tensorboard and self.dist.is_main)
            claim_run_directory(self.run_dir, self.dist, resume, overwrite)
        self.progress = progress_enabled(
            config.progress) and self.dist.is_main

        torch.manual_seed(config.seed + self.dist.rank)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.optimizer, self.scheduler = make_optimizer(self.model, config)
        self.epoch = 0
        self.updates = 0
        self.examples = 0
        self.selection = CheckpointSelection(config)
        self.weight_average = (
            None if config.weight_average_decay is None else
            WeightAverage(self.model, config.weight_average_decay,
                          config.weight_average_start))
        self.checkpoints = RunCheckpoints(
            self.run_dir, self.dist, self.model, self.optimizer,
            self.scheduler, self.generator, config, self.data_identity,
            self.run_record, self.extra_config, self.weight_average)
        self.history: list = []
        if config.training_mode.trains:
            self.objective = TrainingObjective(self.model, config,
                                               *self.frames)
            self.step_module = training_step_module(self.objective,
                                                    self.dist)
            self.train_loader = self._loader(train_dataset, shuffle=True)
            self.valid_loader = self._loader(valid_dataset, shuffle=False)
            # A mode that trains nothing (static) has no checkpoint to
            # resume.
            if resume and self.run_dir is not None:
                self._resume()

    @property
    def best_value(self) -> Optional[float]:
        r"""The best validation value of the selection metric so far (see
        :class:`CheckpointSelection`)."""
        return self.selection.best_value

    @property
    def best_epoch(self) -> Optional[int]:
        r"""The epoch of :attr:`best_value`."""
        return self.selection.best_epoch

    # ------------------------------------------------------------------
    def _resume(self) -> None:
        progress = self.checkpoints.resume()
        if progress is None:
            return
        self.epoch = progress['epoch']
        self.updates = progress['updates']
        self.examples = progress['examples']
        self.selection = CheckpointSelection(
            self.config, progress['best_value'], progress['best_epoch'])

    def _loader(self, dataset, shuffle: bool):
        config, world = self.config, self.dist.world_size
        batch_size = (config.batch_size // world if shuffle else
                      config.accuracy_batch_size)
        return make_loader(dataset, batch_size, shuffle,
                           generator=self.generator,
                           on_device=config.data_on_device,
                           device=self.device, rank=self.dist.rank,
                           world_size=world, seed=config.seed)

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
        means = LossMeans()
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
                self.objective.beta = config.beta_at(self.updates)
                x = batch.x
                if self.augmentation is not None:
                    x = self.augmentation.augment(x, batch.batch)
                out = self.step_module(x, batch.edge_index, edge_type,
                                       batch.batch)
                loss = out['loss']
                check_finite_loss(loss, out, epoch, index, self.dist)
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if config.grad_clip is not None:
                    torch.nn.utils.clip_grad_norm_(
                        trained_parameters(model, config), config.grad_clip)
                self.optimizer.step()
                if self.weight_average is not None:
                    self.weight_average.update(model)
                self.updates += 1
                self.examples += batch.num_graphs * self.dist.world_size
                if on_step_end is not None and on_step_end({
                        'epoch': epoch, 'batch': index,
                        'updates': self.updates, 'examples': self.examples,
                        'loss': float(loss.detach())}) is True:
                    raise _StopRequested
                means.update(out, float(batch.num_graphs))
                postfix = {'loss': means.loss}
                if accuracy is not None and edge_type is not None:
                    pred = model.predict_edge_types(out['logits'])
                    accuracy.update(pred, edge_type, MissedPairs.read(batch))
                    if self.progress and index % 10 == 0:
                        postfix['acc'] = self._train_accuracy(accuracy)
                bar.update(1, postfix)
        finally:
            bar.close()
        out = {f'train_{key}': value
               for key, value in means.compute(self.device).items()}
        if accuracy is not None and accuracy.num_edges > 0:
            all_reduce_accuracy(accuracy)
            out['train_acc_combined'] = self._train_accuracy(accuracy)
        return out

    def _train_accuracy(self, accuracy) -> float:
        mapping = (identity_mapping(self.model)
                   if self.config.training_mode.supervises_encoder
                   else None)
        return accuracy.compute(mapping)['combined']

    def evaluation_weights(self) -> ContextManager:
        r"""A context in which :attr:`model` holds the weights the run
        evaluates: the average of :attr:`TrainConfig.weight_average_decay`
        if the run keeps one (its trained weights come back afterwards),
        else its own."""
        if self.weight_average is None:
            return contextlib.nullcontext()
        return self.weight_average.applied(self.model)

    def validate(self) -> Dict[str, Any]:
        r"""Evaluates the validation split with the training routine's
        frames, under :meth:`evaluation_weights`; keys prefixed
        :obj:`valid_`."""
        with self.evaluation_weights():
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
                improved = self.selection.update(epoch, valid)
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
                metric = self.selection.metric
                epoch_bar.update(1, {'loss': row['train_loss'],
                                     metric: valid[metric]})
                if self.selection.out_of_patience(epoch):
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
        r"""Final evaluation of the current weights (under
        :meth:`evaluation_weights`; after :meth:`load_best` the average is
        the best epoch's): the validation split
        (fitting the accuracy mapping) and the test split (with that
        mapping), both with the full trajectory metrics and the test
        frames (:meth:`FrameSplit.test_slices`). With
        :obj:`config.refine_steps`, also the test split with the edge
        logits refined per simulation (key :obj:`'test_refined'`, the
        validation mapping, with :obj:`'refine_steps'`, :obj:`'refine_lr'`
        and :obj:`'refine_seconds'`, the wall time of that pass; see
        :func:`refine_edge_logits`). With :obj:`config.symmetry_ensemble`,
        also both splits with the encoder's logits averaged over the box
        symmetries (keys :obj:`'valid_symmetrised'`, fitting its own
        mapping, and :obj:`'test_symmetrised'`; see
        :func:`symmetry_ensemble_logits`). Writes ``metrics.json`` when
        there is a run directory and returns the same dict."""
        config = self.config
        results: Dict[str, Any] = {
            'mode': config.mode,
            'completed': True,
            'epochs_done': self.epoch,
            'updates': self.updates,
            'examples': self.examples,
            'best_epoch': self.best_epoch,
            'selection_metric': self.selection.metric,
            'best_value': self.best_value,
            'stopped_early': stopped_early,
            'layer_names': self.layer_names,
        }
        with self.evaluation_weights():
            self._test_splits(results)
        if self.run_dir is not None and self.dist.is_main:
            self.run_dir.write_json('metrics.json', results)
        return results

    def _test_splits(self, results: Dict[str, Any]) -> None:
        # The validation and test figures of test(), into results.
        config, mapping = self.config, None
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
            if split == 'test' and config.refine_steps > 0:
                start = time.perf_counter()
                refined = evaluate(self.model, loader, config, *frames,
                                   layer_names=self.layer_names,
                                   scale=self.scale, full=True,
                                   mapping=mapping, device=self.device,
                                   refine=True)
                refined['refine_seconds'] = time.perf_counter() - start
                refined['refine_steps'] = config.refine_steps
                refined['refine_lr'] = config.refine_lr
                results['test_refined'] = refined
        if self.symmetries is not None:
            self._test_symmetrised(results)

    def _test_symmetrised(self, results: Dict[str, Any]) -> None:
        # The symmetry ensemble's validation and test figures, into
        # results, with the wall time of each pass.
        mapping = None
        for split, dataset in (('valid', self.valid_dataset),
                               ('test', self.test_dataset)):
            if dataset is None:
                continue
            loader = self._loader(dataset, shuffle=False)
            frames = self.config.frame_split.test_slices(
                dataset[0].x.size(1))
            start = time.perf_counter()
            out = evaluate(self.model, loader, self.config, *frames,
                           layer_names=self.layer_names, scale=self.scale,
                           full=True, mapping=mapping, device=self.device,
                           symmetries=self.symmetries)
            out['seconds'] = time.perf_counter() - start
            mapping = out.get('edge_mapping', mapping)
            results[f'{split}_symmetrised'] = out

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
