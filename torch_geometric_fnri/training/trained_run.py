r"""A trained run, loaded back from its run directory for inference."""
import json
import os.path as osp
import warnings
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import Tensor
from torch.utils.data import SequentialSampler
from torch_geometric.loader import DataLoader

from torch_geometric_fnri.metrics import EdgeAccuracy
from torch_geometric_fnri.nn import RelationalInference
from torch_geometric_fnri.transforms import (
    CandidateGraph,
    TrajectoryNormalizer,
)
from torch_geometric_fnri.utils.int_checks import is_int

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .distributed import resolve_device
from .edge_prediction import predict_edges
from .evaluation import check_finite_trajectories
from .loaders import TensorBatchLoader, batch_to
from .augmentation import feature_box_symmetries
from .logit_refinement import refine_edge_logits
from .run_directory import RunDirectory
from .run_record import read_run_record, refuse_other_model
from .training_mode import get_training_mode

#: The data :meth:`TrainedRun.infer_graphs` reads, normalised with the run's
#: statistics, lie far outside its training split (whose values lie in
#: [-1, 1]) when a feature's root mean square exceeds this...
WIDE_RMS = 1.0
#: ... or when its standard deviation is below this (a constant feature).
CONSTANT_STD = 1e-3


@dataclass
class TrainedRun:
    r"""A trained model with everything needed to use it on new data.

    Returned by :func:`load_trained`.

    Args:
        model (RelationalInference): The model, in evaluation mode.
        normalizer (TrajectoryNormalizer, optional): The normalisation of
            the run's training split (apply it to new raw trajectories).
        config (TrainConfig): The run's training configuration.
        num_frames (int): Frames per simulation of the training data.
        num_features (int): Features per frame of the training data.
        encoder_frames (slice): The frames the encoder reads.
        layer_names (List[str]): Names of the label layers.
        edge_mapping (dict, optional): The mapping of the model's predicted
            factors onto the label layers fitted on the validation split
            (:obj:`None` when the run never reached its evaluation).
        path (str): The run directory.
        epoch (int): Epochs trained at the loaded checkpoint.
        candidate_graph (CandidateGraph, optional): The candidate graph the
            run was trained on (:obj:`None`: fully connected graphs).
            (default: :obj:`None`)
    """
    model: RelationalInference
    normalizer: Optional[TrajectoryNormalizer]
    config: TrainConfig
    num_frames: int
    num_features: int
    encoder_frames: slice
    layer_names: List[str]
    edge_mapping: Optional[Dict[str, Any]]
    path: str
    epoch: int
    candidate_graph: Optional[CandidateGraph] = None

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def on_candidate_graph(self, dataset: Sequence) -> Sequence:
        r"""The simulations of :obj:`dataset` on the run's candidate graph
        (:obj:`dataset` itself for a run on fully connected graphs): a list
        of the graphs :attr:`candidate_graph` makes of them, with their
        labels (when they have some) and the record of the pairs left out.
        A simulation whose graph is neither fully connected nor already the
        run's candidate graph (another candidate graph) raises a
        :class:`ValueError`: give the data fully connected.

        Args:
            dataset (Sequence[Data]): The simulations.
        """
        candidate_graph = self.candidate_graph
        if candidate_graph is None:
            return dataset
        out = []
        for index in range(len(dataset)):
            data = dataset[index]
            edge_index = candidate_graph.edge_index(data.x)
            num_nodes = data.x.size(0)
            fully_connected = (data.edge_index.size(1) ==
                               num_nodes * (num_nodes - 1))
            if not fully_connected and not torch.equal(
                    data.edge_index.cpu(), edge_index.cpu()):
                raise ValueError(
                    f"simulation {index} has {data.edge_index.size(1)} "
                    f"edges, neither all {num_nodes * (num_nodes - 1)} "
                    f"pairs nor the run's candidate graph "
                    f"({candidate_graph}, {edge_index.size(1)} edges): it "
                    f"is on another candidate graph; give the data fully "
                    f"connected and the run puts it on its own")
            out.append(candidate_graph.with_edges(data, edge_index))
        return out

    @torch.no_grad()
    def infer_graphs(self, dataset: Sequence, batch_size: int = 128,
                     refine_steps: Optional[int] = None,
                     refine_lr: Optional[float] = None,
                     symmetry_ensemble: Optional[bool] = None
                     ) -> Dict[str, Any]:
        r"""Infers the multiplex interaction graph of every simulation of
        :obj:`dataset` (normalised like the training data, for example by
        :func:`~torch_geometric_fnri.datasets.from_arrays` with
        :obj:`stats=run.normalizer`). A run on fully connected graphs
        needs all simulations with the same number of particles and the
        same edges; a run on a candidate graph puts every simulation on it
        (:meth:`on_candidate_graph`). The encoder reads the run's
        encoder frames. When a feature of those frames lies far outside the
        training split's range (root mean square above :data:`WIDE_RMS`:
        other units, data that were not normalised, another system) or is
        constant (standard deviation below :data:`CONSTANT_STD`, such as
        all-zero trajectories), a :class:`UserWarning` names it: the graphs
        are then meaningless. Data normalised twice are not recognised (the
        run stores its range, not its spread).

        With :obj:`refine_steps` (by default the run's
        :obj:`config.refine_steps`), the encoder's logits of every
        simulation are refined by that many gradient steps on the
        simulation's own training loss over the encoder frames, the
        weights frozen (:func:`refine_edge_logits`; learned runs only), and
        every output below is the refined one. With
        :obj:`symmetry_ensemble` (by default the run's
        :obj:`config.symmetry_ensemble`), the encoder's logits are averaged
        over the eight symmetries of the square box
        (:func:`symmetry_ensemble_logits`; (x, y, vx, vy) features; a
        refinement starts from them); :obj:`edge_type` still maps the
        classes through the run's :attr:`edge_mapping`, fitted on the
        encoder alone.

        Returns a :obj:`dict` with, for a run on fully connected graphs,

        * :obj:`edge_index`: :obj:`[2, E]`, the edges of one simulation
          (sender, receiver);
        * :obj:`probabilities`: one tensor :obj:`[S, E, C_p]` per predicted
          factor :math:`p` of the model (fNRI: per layer-graph; NRI: one
          factor over the combined types; sfNRI: :math:`(1 - z, z)` per
          factor), the encoder's posterior;
        * :obj:`predicted`: :obj:`[S, E, P]`, the model's classes;
        * :obj:`edge_type`: :obj:`[S, E, L]`, the predicted labels in the
          data's layers (through :attr:`edge_mapping`; :obj:`-1` where a
          predicted class maps to no label), or :obj:`None` without a
          mapping;
        * :obj:`layer_names`.

        For a run on a candidate graph, whose simulations have edges of
        their own, the edges of all simulations one after the other:
        :obj:`edge_index` :obj:`[2, E_0 + E_1 + ...]` (the particles of
        each simulation numbered from 0), :obj:`edge_ptr` :obj:`[S + 1]`
        (simulation :math:`s` has the edges :obj:`edge_ptr[s]` to
        :obj:`edge_ptr[s + 1] - 1`), :obj:`probabilities` :obj:`[E_0 + E_1
        + ..., C_p]`, :obj:`predicted` and :obj:`edge_type` likewise; the
        pairs outside a simulation's candidate graph are predicted "no
        interaction". :func:`simulation_graph` reads one simulation of
        either layout.

        Args:
            dataset (Sequence[Data]): The simulations.
            batch_size (int, optional): Simulations per batch.
                (default: :obj:`128`)
            refine_steps (int, optional): Refinement steps per batch
                (:obj:`0`: the encoder alone). (default: :obj:`None`, the
                run's :obj:`config.refine_steps`)
            refine_lr (float, optional): The refinement's learning rate.
                (default: :obj:`None`, the run's :obj:`config.refine_lr`)
            symmetry_ensemble (bool, optional): Average the encoder over
                the box's symmetries. (default: :obj:`None`, the run's
                :obj:`config.symmetry_ensemble`)
        """
        _check_infers_graphs(self.config.mode)
        if symmetry_ensemble is None:
            symmetry_ensemble = self.config.symmetry_ensemble
        symmetries = (feature_box_symmetries(
            self.normalizer, self.num_features, 'symmetry_ensemble',
            getattr(dataset, 'feature_names', None))
            if symmetry_ensemble else None)
        refinement = replace(
            self.config,
            refine_steps=(self.config.refine_steps if refine_steps is None
                          else refine_steps),
            refine_lr=(self.config.refine_lr if refine_lr is None else
                       refine_lr))
        prior = refinement.prior(self.model)
        if len(dataset) == 0:
            raise ValueError("'dataset' is empty")
        if not is_int(batch_size) or batch_size < 1:
            raise ValueError(f"'batch_size' must be a positive int "
                             f"(got {batch_size!r})")
        first = dataset[0].x
        needed = self.encoder_frames.stop
        if first.dim() != 3 or first.size(1) < needed or \
                first.size(2) != self.num_features:
            raise ValueError(
                f"the run's encoder reads frames {self.encoder_frames.start}"
                f"..{needed - 1} of trajectories with {self.num_features} "
                f"features: 'x' must have shape [N, T >= {needed}, "
                f"{self.num_features}] (got {tuple(first.shape)})")
        weights = next(self.model.parameters()).dtype
        if first.dtype != weights:
            raise ValueError(f"'x' is {first.dtype} but the model's weights "
                             f"are {weights}: convert the data (x.to("
                             f"{weights}))")
        loader = self._loader(dataset, batch_size)
        model = self.model
        probabilities: List[List[Tensor]] = []
        predicted, edge_index, edges_per_graph = [], [], []
        moments = torch.zeros(2, self.num_features, dtype=torch.float64)
        count = 0
        for batch, logits, classes in predict_edges(
                model, _checked_batches(loader, self.encoder_frames,
                                        self.device),
                self.encoder_frames, symmetries):
            x = batch.x[:, self.encoder_frames]
            if refinement.refine_steps > 0:
                logits = refine_edge_logits(model, x, batch.edge_index,
                                            logits, refinement, prior)
                classes = model.predict_edge_types(logits)
            flat = x.reshape(-1, x.size(-1)).double()
            moments += torch.stack([flat.sum(0), flat.pow(2).sum(0)]).cpu()
            count += flat.size(0)
            graph = batch.batch[batch.edge_index[1]]
            edge_index.append((batch.edge_index -
                               batch.ptr[graph]).cpu())
            edges_per_graph.append(torch.bincount(
                graph, minlength=batch.num_graphs).cpu())
            probabilities.append(
                [f.cpu() for f in model.factor_probabilities(logits)])
            predicted.append(classes.cpu())
        _warn_outside_training_range(moments / count,
                                     getattr(dataset, 'feature_names', None))
        result = {
            'edge_index': torch.cat(edge_index, dim=1),
            'probabilities': [torch.cat(parts) for parts in
                              zip(*probabilities)],
            'predicted': torch.cat(predicted),
            'edge_type': None,
            'layer_names': list(self.layer_names),
        }
        if self.edge_mapping is not None:
            metric = EdgeAccuracy(model.pred_num_classes,
                                  model.num_edge_types,
                                  family=model.family.accuracy_family)
            result['edge_type'] = metric.map_predictions(result['predicted'],
                                                         self.edge_mapping)
        edges_per_graph = torch.cat(edges_per_graph)
        if self.candidate_graph is not None:
            result['edge_ptr'] = torch.cat([
                edges_per_graph.new_zeros(1), edges_per_graph.cumsum(0)])
            return result
        # Every simulation has the same edges: [S, E, ...] tensors.
        num_graphs, num_edges = edges_per_graph.numel(), int(
            edges_per_graph[0])
        result['edge_index'] = result['edge_index'][:, :num_edges]
        for key in ('predicted', 'edge_type'):
            if result[key] is not None:
                result[key] = result[key].view(num_graphs, num_edges, -1)
        result['probabilities'] = [
            p.view(num_graphs, num_edges, -1)
            for p in result['probabilities']]
        return result

    def _loader(self, dataset: Sequence, batch_size: int):
        # The batches of the simulations in their order: one stacked
        # split on fully connected graphs, PyG's loader on candidate graphs.
        if self.candidate_graph is not None:
            return DataLoader(self.on_candidate_graph(dataset),
                              batch_size=batch_size)
        try:
            return TensorBatchLoader(dataset, batch_size,
                                     SequentialSampler(dataset), self.device)
        except ValueError:
            raise ValueError(
                "the simulations must all have the same number of particles "
                "and the same edges (e.g. fully connected): infer the graphs "
                "of each particle count on its own") from None


def simulation_graph(result: Dict[str, Any], index: int) -> Dict[str, Any]:
    r"""One simulation of a :meth:`TrainedRun.infer_graphs` result, in
    either layout: its :obj:`edge_index` :obj:`[2, E]`,
    :obj:`probabilities` (one :obj:`[E, C_p]` per factor),
    :obj:`predicted` :obj:`[E, P]` and :obj:`edge_type` :obj:`[E, L]` (or
    :obj:`None`).

    Args:
        result (dict): What :meth:`TrainedRun.infer_graphs` returned.
        index (int): The simulation.
    """
    if 'edge_ptr' in result:
        start, stop = result['edge_ptr'][index:index + 2].tolist()
        edges, edge_index = slice(start, stop), \
            result['edge_index'][:, start:stop]
    else:
        edges, edge_index = index, result['edge_index']
    edge_type = result['edge_type']
    return {'edge_index': edge_index,
            'probabilities': [p[edges] for p in result['probabilities']],
            'predicted': result['predicted'][edges],
            'edge_type': None if edge_type is None else edge_type[edges]}


def _checked_batches(loader, encoder_frames: slice, device: torch.device):
    # The batches of loader on the device, each checked for non-finite
    # encoder frames.
    for batch in loader:
        batch = batch_to(batch, device)
        check_finite_trajectories(batch.x[:, encoder_frames])
        yield batch


def _check_infers_graphs(mode: str) -> None:
    # Raises for a run whose mode trains no encoder.
    if not get_training_mode(mode).uses_encoder:
        raise ValueError(f"a run of mode {mode!r} trains no encoder: it "
                         f"infers no graphs")


def _warn_outside_training_range(moments: Tensor,
                                 names: Optional[Sequence[str]]) -> None:
    # Warns of the features whose mean and mean square (moments [2, D], of
    # data normalised with the run's statistics) put them far outside the
    # training split's range [-1, 1] (see WIDE_RMS and CONSTANT_STD).
    mean, square = moments
    problems = []
    for d in range(mean.numel()):
        name = repr(names[d]) if names is not None else f'feature {d}'
        rms = float(square[d].sqrt())
        std = float((square[d] - mean[d] ** 2).clamp(min=0).sqrt())
        if rms > WIDE_RMS:
            problems.append(f'{name} at {rms:.3g} times that range (RMS)')
        elif std < CONSTANT_STD:
            problems.append(f'{name} is constant (std {std:.2g})')
    if problems:
        warnings.warn(
            f"the data lie far outside the run's training data (normalised "
            f"with its statistics, the training split lies in [-1, 1]): "
            f"{'; '.join(problems)}. The graphs inferred from them are "
            f"meaningless: check the units, that the data are raw (not "
            f"normalised yet) and of the system the run was trained on",
            stacklevel=3)


def load_trained(run_dir: str, checkpoint: str = 'best',
                 device: str = 'cpu',
                 model: Optional[RelationalInference] = None) -> TrainedRun:
    r"""Loads a run written by :class:`Trainer` for inference: builds its
    model from the :attr:`~torch_geometric_fnri.nn.RelationalInference.config`
    stored with it (or takes :obj:`model`), loads the weights and returns
    them with the training split's normalisation, the frame split, the
    candidate graph of the run (which :meth:`TrainedRun.infer_graphs`
    puts new data on) and the label mapping fitted on validation (from
    ``metrics.json``; :obj:`None` without it). Runs written before models
    carried their config are built from the
    :func:`~torch_geometric_fnri.nn.build_model` arguments they stored.
    A model with a part that is not one of the package's layers (a module
    of your own) is not stored: pass it as :obj:`model`. A
    checkpoint whose model is not the one in the run's ``config.json``
    (copied from another run), a :obj:`model` that is not the run's, an
    unreadable ``config.json`` or ``metrics.json`` and a run whose mode
    trains no encoder raise a :class:`ValueError` that says what to do.

    Args:
        run_dir (str): The run directory.
        checkpoint (str, optional): :obj:`'best'` (the selected epoch) or
            :obj:`'last'`. (default: :obj:`'best'`)
        device (str, optional): :obj:`'cpu'`, :obj:`'cuda'`, :obj:`'auto'`,
            ... (default: :obj:`'cpu'`)
        model (RelationalInference, optional): The run's model, built as it
            was for training; the weights are loaded into it (needed when
            the run's model has a part of your own).
            (default: :obj:`None`)

    Example:
        >>> run = load_trained('runs/springs_charges')
        >>> test = from_arrays(loc, vel, stats=run.normalizer)
        >>> graphs = run.infer_graphs(test)
    """
    if checkpoint not in ('best', 'last'):
        raise ValueError(f"'checkpoint' must be 'best' or 'last' "
                         f"(got {checkpoint!r})")
    if model is not None and not isinstance(model, RelationalInference):
        raise TypeError(f"'model' must be a RelationalInference (got "
                        f"{type(model).__name__})")
    if not osp.isdir(run_dir):
        raise FileNotFoundError(f"no run directory at '{run_dir}'")
    directory = RunDirectory(run_dir)
    config = _read_json(directory.config_path, 'the checkpoint is then not '
                        'checked against the run')
    path = (directory.best_checkpoint if checkpoint == 'best' else
            directory.last_checkpoint)
    if not osp.isfile(path):
        mode = ((config or {}).get('train') or {}).get('mode')
        if mode is not None:  # A mode that trains nothing saves nothing.
            _check_infers_graphs(mode)
        raise FileNotFoundError(
            f"'{run_dir}' has no {checkpoint} checkpoint ('{path}'); train "
            f"the run first (or pass checkpoint='last' for an unfinished "
            f"one)")
    state = load_checkpoint(path, map_location='cpu')
    record = read_run_record(state.get('run'))
    if not record or 'num_features' not in record:
        raise ValueError(
            f"'{path}' does not record its model and data (written by an "
            f"older version for a model that build_model did not make): "
            f"build the model yourself and load state['model']")
    stored = record['model']
    run_model = (read_run_record((config or {}).get('run')) or {}).get(
        'model')
    # A checkpoint of another run: its model is not the run's.
    refuse_other_model(
        stored, run_model, f"'{path}' is not a checkpoint of the run in "
        f"'{run_dir}': its model differs from the run's config.json",
        ('checkpoint', 'run'), "restore the run's own checkpoint")
    if model is None:
        model = _build_stored_model(stored, run_dir)
    else:
        refuse_other_model(
            model.config, stored, f"'model' is not the model of the run in "
            f"'{run_dir}': it differs", ('model', 'run'),
            'build it as the run built it')
    try:
        model.load_state_dict(state['model'])
    except RuntimeError as error:
        raise ValueError(
            f"the weights of '{path}' do not fit 'model' "
            f"({str(error).splitlines()[0]} ...): build it as the run "
            f"built it") from None
    model.to(resolve_device(device)).eval()
    normalizer = (None if record.get('normalizer') is None else
                  TrajectoryNormalizer.from_dict(record['normalizer']))
    metrics = _read_json(directory.metrics_path, 'the graphs are then '
                         'inferred without the label mapping')
    mapping = ((metrics or {}).get('valid') or {}).get('edge_mapping')
    start, stop = record['encoder_frames']
    candidate_graph = record.get('candidate_graph')
    if candidate_graph is not None:
        try:
            candidate_graph = CandidateGraph.from_config(candidate_graph)
        except (TypeError, ValueError) as error:
            raise ValueError(f"cannot build the candidate graph of the run "
                             f"in '{run_dir}': {error}") from None
    return TrainedRun(model=model, normalizer=normalizer,
                      config=TrainConfig.from_dict(state["config"]),
                      num_frames=int(record['num_frames']),
                      num_features=int(record['num_features']),
                      encoder_frames=slice(start, stop),
                      layer_names=list(record['layer_names']),
                      edge_mapping=mapping, path=str(run_dir),
                      epoch=int(state['epoch']),
                      candidate_graph=candidate_graph)


def _build_stored_model(stored: Dict[str, Any],
                        run_dir: str) -> RelationalInference:
    # The model of a run record's config; a clear error for a model that
    # the config cannot build.
    try:
        return RelationalInference.from_config(stored)
    except ValueError as error:
        raise ValueError(
            f"cannot build the model of the run in '{run_dir}': {error} "
            f"and pass it, load_trained(run_dir, model=...), which loads "
            f"the run's weights into it") from None


def _read_json(path: str, without: str) -> Optional[Dict[str, Any]]:
    # The object in the JSON file `path` (None without the file); an
    # unreadable one raises, naming it and what deleting it means.
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as f:
            values = json.load(f)
        if not isinstance(values, dict):
            raise ValueError(f'a {type(values).__name__}, not an object')
    except ValueError as error:  # Also JSON and Unicode decoding errors.
        raise ValueError(
            f"'{path}' is not a readable run file ({error}): restore it, or "
            f"delete it ({without})") from None
    return values
