r"""The training loss of one mini-batch, for every training mode."""
from typing import Dict, Optional

import torch
from torch import Tensor

from .config import TrainConfig
from .distributed import DistributedInfo
from .rollout_loss import reconstruction_loss, rollout_nll


class TrainingObjective(torch.nn.Module):
    r"""Computes the loss of a batch for one training mode. It is a module
    (holding the model) so that
    :class:`~torch.nn.parallel.DistributedDataParallel` can wrap the whole
    step: DDP only synchronises gradients of computations that run through
    the wrapped module's :meth:`forward`.

    * :obj:`'learned'`: encoder on the encoder frames, edges sampled by the
      model's sampler, decoder rollout of :math:`M` steps on the decoder
      frames (or a random window of them, see :meth:`decoder_input`);
      NRI/fNRI: Gaussian NLL + :math:`\beta` KL (per-layer KL to the
      uniform prior, summed over layer-graphs); sfNRI: mean MSE (the
      reference) or NLL (:obj:`sfnri_loss`). Under
      :obj:`config.layer_graph_schedule` only the first
      :attr:`active_layer_graphs` layer-graphs reach the decoder.
    * :obj:`'supervised'`: encoder only, the model's supervised loss
      (per-layer cross-entropy, combined-class cross-entropy for NRI, BCE
      for sfNRI).
    * :obj:`'true_graph'`: decoder only, fed
      :meth:`edge_weight_from_labels` of the ground truth; Gaussian NLL.

    Args:
        model (torch.nn.Module): A :class:`RelationalInference` model.
        config (TrainConfig): The run configuration.
        encoder_frames (slice): Frames given to the encoder.
        decoder_frames (slice): Frames given to the decoder.
    """
    def __init__(self, model: torch.nn.Module, config: TrainConfig,
                 encoder_frames: slice, decoder_frames: slice):
        super().__init__()
        if not config.training_mode.trains:
            raise ValueError(f"the {config.mode!r} mode has no training "
                             f"objective")
        self.model = model
        self.config = config
        self.encoder_frames = encoder_frames
        self.decoder_frames = decoder_frames
        # M of the training rollouts; the trainer follows
        # config.prediction_steps_schedule by setting it between updates.
        self.prediction_steps = config.prediction_steps
        # The KL weight of the training loss; the trainer follows
        # config.beta_schedule the same way.
        self.beta = config.beta
        # How many layer-graphs reach the training rollouts (None: all);
        # the trainer follows config.layer_graph_schedule the same way.
        self.active_layer_graphs: Optional[int] = None
        layers = model.sampler.num_layer_graphs
        if config.layer_graph_schedule is not None and \
                len(config.layer_graph_schedule) != layers - 1:
            raise ValueError(
                f"'layer_graph_schedule' needs one entry per layer-graph "
                f"after the first: {layers - 1} for this "
                f"{model.family.name!r} model with {layers} layer-graph(s) "
                f"(got {len(config.layer_graph_schedule)})")
        # The KL prior, built once (None: uniform); a buffer so that it
        # follows the module's device.
        self.register_buffer('prior', config.prior(model), persistent=False)

    def decoder_input(self, x: Tensor,
                      batch: Optional[Tensor] = None) -> Tensor:
        r"""The decoder frames of :obj:`x` :obj:`[N, T, D]`: all of
        :attr:`decoder_frames`, or with :obj:`config.decoder_window` a
        window of that many consecutive frames of them, its start drawn
        uniformly (from the global torch generator) once per batch, or
        once per graph of :obj:`batch` :obj:`[N]` with
        :obj:`config.decoder_window_per_graph` (a missing :obj:`batch` is
        one graph)."""
        x_dec = x[:, self.decoder_frames]
        window = self.config.decoder_window
        if window is None:
            return x_dec
        if window > x_dec.size(1):
            raise ValueError(f"'decoder_window' ({window}) must be at most "
                             f"the {x_dec.size(1)} decoder frames")
        if not self.config.decoder_window_per_graph:
            # The start stays a tensor: a Python int would break the graph
            # of a compiled step and recompile it for every start.
            start = torch.randint(x_dec.size(1) - window + 1, ())
            frames = start.to(x.device) + torch.arange(window,
                                                       device=x.device)
            return x_dec.index_select(1, frames)
        if batch is None:
            batch = x.new_zeros(x.size(0), dtype=torch.long)
        num_graphs = int(batch.max()) + 1 if batch.numel() > 0 else 0
        starts = torch.randint(x_dec.size(1) - window + 1, (num_graphs, ))
        frames = starts.to(x.device)[batch].unsqueeze(1) + torch.arange(
            window, device=x.device)
        return x_dec.gather(
            1, frames.unsqueeze(-1).expand(-1, -1, x_dec.size(-1)))

    def forward(self, x: Tensor, edge_index: Tensor,
                edge_type: Optional[Tensor] = None,
                batch: Optional[Tensor] = None) -> Dict[str, Tensor]:
        r"""Returns a dict with :obj:`'loss'` and its parts (:obj:`'nll'`,
        :obj:`'kl'`, :obj:`'mse'`, :obj:`'ce'` as they apply) and, for modes
        with an encoder, the :obj:`'logits'` (detached).

        Args:
            x (torch.Tensor): Trajectories :obj:`[N, T, D]`.
            edge_index (torch.Tensor): Edges :obj:`[2, E]`.
            edge_type (torch.Tensor, optional): Labels :obj:`[E, L]`
                (needed by the supervised and true-graph modes).
                (default: :obj:`None`)
            batch (torch.Tensor, optional): Graph index of every node
                :obj:`[N]`, passed to the encoder. (default: :obj:`None`)
        """
        config, model = self.config, self.model
        mode = config.training_mode
        out: Dict[str, Tensor] = {}
        if mode.needs_labels and edge_type is None:
            raise ValueError(f"mode {mode.name!r} needs 'edge_type' labels "
                             f"in the data")
        if mode.uses_encoder:
            logits = model.encode(x[:, self.encoder_frames], edge_index,
                                  batch)
            out['logits'] = logits.detach()
            if not mode.uses_decoder:
                out['ce'] = model.supervised_loss(logits, edge_type)
                out['loss'] = out['ce']
                return out
            edge_weight = model.sample(logits)
            if self.active_layer_graphs is not None:
                edge_weight = model.sampler.keep_layer_graphs(
                    edge_weight, self.active_layer_graphs)
        else:
            edge_weight = model.edge_weight_from_labels(edge_type)
        x_dec = self.decoder_input(x, batch)
        pred = model.decode(x_dec, edge_index, edge_weight,
                            pred_steps=self.prediction_steps,
                            burn_in_steps=config.burn_in_steps)
        target = x_dec[:, 1:]
        out['nll'] = rollout_nll(pred, target, config)
        out['mse'] = torch.nn.functional.mse_loss(pred, target).detach()
        if not mode.samples_edges:
            out['loss'] = out['nll']
        elif not model.family.has_kl:
            out['loss'] = reconstruction_loss(pred, target, config,
                                              has_kl=False, nll=out['nll'])
        else:
            out['kl'] = model.kl_loss(logits, num_nodes=x.size(0),
                                      prior=self.prior)
            out['loss'] = out['nll'] + self.beta * out['kl']
        return out


def training_step_module(objective: TrainingObjective,
                         dist: DistributedInfo) -> torch.nn.Module:
    r"""The module a training step calls: :obj:`objective`, in a
    distributed run wrapped in
    :class:`~torch.nn.parallel.DistributedDataParallel` (which synchronises
    the gradients of what runs through it), and compiled by
    :func:`torch.compile` (static shapes) under :obj:`config.compile`.

    Args:
        objective (TrainingObjective): The loss of a batch.
        dist (DistributedInfo): This process's rank, world size and device.
    """
    module: torch.nn.Module = objective
    if dist.enabled:
        device = dist.device
        module = torch.nn.parallel.DistributedDataParallel(
            module, find_unused_parameters=True,
            device_ids=[device.index] if device.type == 'cuda' else None)
    if objective.config.compile:
        module = torch.compile(module, dynamic=False)
    return module
