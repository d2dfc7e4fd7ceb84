r"""A trained run, loaded back from its run directory for inference."""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.metrics import EdgeAccuracy
from torch_geometric_fnri.nn import RelationalInference, build_model
from torch_geometric_fnri.transforms import TrajectoryNormalizer

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .distributed import resolve_device
from .evaluation import check_finite_trajectories
from .loaders import make_loader
from .run_directory import RunDirectory


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
        encoder_frames (slice): The frames the encoder reads.
        layer_names (List[str]): Names of the label layers.
        edge_mapping (dict, optional): The mapping of the model's predicted
            factors onto the label layers fitted on the validation split
            (:obj:`None` when the run never reached its evaluation).
        path (str): The run directory.
        epoch (int): Epochs trained at the loaded checkpoint.
    """
    model: RelationalInference
    normalizer: Optional[TrajectoryNormalizer]
    config: TrainConfig
    num_frames: int
    encoder_frames: slice
    layer_names: List[str]
    edge_mapping: Optional[Dict[str, Any]]
    path: str
    epoch: int

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.no_grad()
    def infer_graphs(self, dataset: Sequence,
                     batch_size: int = 128) -> Dict[str, Any]:
        r"""Infers the multiplex interaction graph of every simulation of
        :obj:`dataset` (normalised like the training data, for example by
        :func:`~torch_geometric_fnri.datasets.from_arrays` with
        :obj:`stats=run.normalizer`; all simulations with the same number
        of particles). The encoder reads the run's encoder frames.

        Returns a :obj:`dict` with

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

        Args:
            dataset (Sequence[Data]): The simulations.
            batch_size (int, optional): Simulations per batch.
                (default: :obj:`128`)
        """
        if not self.config.training_mode.uses_encoder:
            raise ValueError(f"a run of mode {self.config.mode!r} trained "
                             f"no encoder: it infers no graphs")
        if len(dataset) == 0:
            raise ValueError("'dataset' is empty")
        first = dataset[0].x
        needed = self.encoder_frames.stop
        if first.dim() != 3 or first.size(1) < needed or \
                first.size(2) != self.model_features:
            raise ValueError(
                f"the run's encoder reads frames {self.encoder_frames.start}"
                f"..{needed - 1} of trajectories with {self.model_features} "
                f"features: 'x' must have shape [N, T >= {needed}, "
                f"{self.model_features}] (got {tuple(first.shape)})")
        model = self.model
        probabilities: List[List[Tensor]] = []
        predicted, num_graphs = [], 0
        edge_index = None
        for batch in make_loader(dataset, batch_size, shuffle=False,
                                 on_device=True, device=self.device):
            x = batch.x[:, self.encoder_frames]
            check_finite_trajectories(x)
            logits = model.encode(x, batch.edge_index, batch.batch)
            num_edges = batch.edge_index.size(1) // batch.num_graphs
            if edge_index is None:
                edge_index = batch.edge_index[:, :num_edges].cpu()
            factors = model.factor_probabilities(logits)
            probabilities.append([
                f.reshape(batch.num_graphs, num_edges, -1).cpu()
                for f in factors
            ])
            predicted.append(model.predict_edge_types(logits).reshape(
                batch.num_graphs, num_edges, -1).cpu())
            num_graphs += batch.num_graphs
        predicted_classes = torch.cat(predicted)
        edge_type = None
        if self.edge_mapping is not None:
            metric = EdgeAccuracy(model.pred_num_classes,
                                  model.num_edge_types,
                                  family=model.family.accuracy_family)
            flat = predicted_classes.flatten(0, 1)
            edge_type = metric.map_predictions(flat, self.edge_mapping)
            edge_type = edge_type.view(num_graphs, -1, edge_type.size(-1))
        return {
            'edge_index': edge_index,
            'probabilities': [torch.cat(parts) for parts in
                              zip(*probabilities)],
            'predicted': predicted_classes,
            'edge_type': edge_type,
            'layer_names': list(self.layer_names),
        }

    @property
    def model_features(self) -> int:
        return int(self.model.build_arguments['in_channels'])


def load_trained(run_dir: str, checkpoint: str = 'best',
                 device: str = 'cpu') -> TrainedRun:
    r"""Loads a run written by :class:`Trainer` for inference: rebuilds
    its model from the arguments stored with it, loads the weights and
    returns them with the training split's normalisation, the frame split
    and the label mapping fitted on validation.

    Args:
        run_dir (str): The run directory.
        checkpoint (str, optional): :obj:`'best'` (the selected epoch) or
            :obj:`'last'`. (default: :obj:`'best'`)
        device (str, optional): :obj:`'cpu'`, :obj:`'cuda'`, :obj:`'auto'`,
            ... (default: :obj:`'cpu'`)

    Example:
        >>> run = load_trained('runs/springs_charges')
        >>> test = from_arrays(loc, vel, stats=run.normalizer)
        >>> graphs = run.infer_graphs(test)
    """
    if checkpoint not in ('best', 'last'):
        raise ValueError(f"'checkpoint' must be 'best' or 'last' "
                         f"(got {checkpoint!r})")
    if not osp.isdir(run_dir):
        raise FileNotFoundError(f"no run directory at '{run_dir}'")
    directory = RunDirectory(run_dir)
    path = (directory.best_checkpoint if checkpoint == 'best' else
            directory.last_checkpoint)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f"'{run_dir}' has no {checkpoint} checkpoint ('{path}'); train "
            f"the run first (or pass checkpoint='last' for an unfinished "
            f"one)")
    state = load_checkpoint(path, map_location='cpu')
    record = state.get('run')
    if not record or record.get('model_arguments') is None:
        raise ValueError(
            f"'{path}' does not record how to rebuild its model (written "
            f"by an older version, or a model not made by build_model): "
            f"rebuild the model yourself and load state['model']")
    arguments = dict(record['model_arguments'])
    model = build_model(**arguments)
    model.load_state_dict(state['model'])
    model.to(resolve_device(device)).eval()
    normalizer = (None if record.get('normalizer') is None else
                  TrajectoryNormalizer.from_dict(record['normalizer']))
    mapping = None
    if osp.isfile(directory.metrics_path):
        with open(directory.metrics_path) as f:
            metrics = json.load(f)
        mapping = (metrics.get('valid') or {}).get('edge_mapping')
    start, stop = record['encoder_frames']
    return TrainedRun(model=model, normalizer=normalizer,
                      config=TrainConfig.from_dict(state["config"]),
                      num_frames=int(record['num_frames']),
                      encoder_frames=slice(start, stop),
                      layer_names=list(record['layer_names']),
                      edge_mapping=mapping, path=str(run_dir),
                      epoch=int(state['epoch']))
