r"""Evaluation of a relational inference model on one split: the edge
metrics of its encoder and the trajectory metrics of its decoder."""
from typing import Dict, Iterable, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.transforms import RandomBoxSymmetry

from .config import TrainConfig
from .distributed import all_reduce_sum
from .edge_evaluation import EdgeEvaluation, identity_mapping
from .logit_refinement import refine_edge_logits
from .symmetry_ensemble import symmetry_ensemble_logits
from .trajectory_evaluation import TrajectoryEvaluation


@torch.no_grad()
def check_finite_trajectories(x: Tensor) -> None:
    r"""Raises a :class:`ValueError` naming the nodes when the trajectories
    :obj:`x` :obj:`[N, T, D]` of a batch hold NaN or inf."""
    if not bool(torch.isfinite(x).all()):
        nodes = (~torch.isfinite(x).flatten(1).all(1)).nonzero()
        raise ValueError(
            f"the trajectories hold non-finite values (NaN or inf) at "
            f"{nodes.numel()} node(s) of this batch (first node indices: "
            f"{nodes.flatten().tolist()[:10]}); clean or drop those "
            f"simulations before evaluating")


def evaluate(
    model: torch.nn.Module,
    loader: Iterable,
    config: TrainConfig,
    encoder_frames: slice,
    decoder_frames: slice,
    layer_names: Optional[Sequence[str]] = None,
    scale: Optional[Tensor] = None,
    full: bool = False,
    mapping: Optional[Dict] = None,
    device: Optional[torch.device] = None,
    refine: bool = False,
    symmetries: Optional[RandomBoxSymmetry] = None,
) -> Dict:
    r"""Evaluates :obj:`model` on every batch of :obj:`loader` and returns a
    flat :obj:`dict` of metrics (sums are all-reduced over processes, so
    every rank gets the metrics of the whole split).

    What is computed depends on :obj:`config.mode` (encoder metrics for
    :obj:`'learned'`/:obj:`'supervised'`, decoder metrics for all but
    :obj:`'supervised'`). Edges fed to the decoder are the deterministic
    per-layer argmax of the logits (sfNRI: the sigmoid, rounded only with
    a hard sampler), or sampled
    like the reference when :obj:`config.stochastic_eval`; the true-graph
    and static modes use the ground-truth edges.

    Keys (NLL and KL are per node, as in the training loss; MSE in the
    normalised units of the data unless suffixed :obj:`_physical`):

    * :obj:`nll_1`, :obj:`nll_m`: Gaussian NLL of the 1-step and
      :math:`M`-step decoder rollouts over the decoder frames;
      :obj:`mse_m`: MSE of the :math:`M`-step rollout; :obj:`kl` (NRI/fNRI);
      with :obj:`config.cauchy_scale`, :obj:`cauchy_nll_m`, the robust
      loss of the :math:`M`-step rollout.
    * :obj:`acc_combined`, :obj:`acc_<layer>`: edge accuracy under one
      mapping of predicted factors onto label layers, fitted on this split
      when :obj:`mapping` is :obj:`None` (fit it on validation, pass it for
      test; supervised models use the identity); :obj:`edge_mapping` holds
      the mapping; :obj:`auroc_<layer>`, :obj:`precision_<layer>`,
      :obj:`recall_<layer>`, :obj:`f1_<layer>`: edge presence (label not 0)
      per layer under the same mapping, the AUROC from the encoder's
      probabilities (see
      :func:`~torch_geometric_fnri.metrics.edge_presence_metrics`).
      On candidate graphs (graphs that record the pairs they leave out,
      see :class:`~torch_geometric_fnri.transforms.CandidateGraph`) these
      are over all pairs, those left out predicted "no interaction" (score
      0), so sparse and dense runs are scored on the same pairs; then also
      :obj:`missed_share_<layer>`, the share of the layer's interacting
      pairs that the candidate graphs leave out.
      :obj:`acc_batch_optimal_combined`,
      :obj:`acc_batch_optimal_<layer>`: the reference's optimistic figure,
      the mapping re-chosen with the labels for every batch of
      :obj:`config.accuracy_batch_size` simulations by the reference's
      search for this model (:func:`reference_batch_search`; plain mean
      over batches, like the reference). With :obj:`full=True` also
      :obj:`edge_confusion`, the edge counts as a nested list of shape
      :math:`(\prod_p C_p, \prod_l K_l)`: rows the predicted class
      combinations (factor 0 most significant), columns the label
      combinations (layer 0 most significant), to see which label
      combinations the encoder merges or splits (the candidate edges
      only).
    * with :obj:`full=True`, for every :math:`s` in (1, 10, 20):
      :obj:`mse_block_<s>` (fNRI definition: the MSE over all predicted
      decoder frames of a rollout re-anchored on ground truth every
      :math:`s` steps, i.e. an average over horizons :math:`1..s`) and
      :obj:`mse_step_<s>` (NRI definition: the MSE at exactly step
      :math:`s` of one rollout started at the frame before the decoder
      frames, frame 49 of 99 by default); each also :obj:`_physical` (per
      feature rescaled by :obj:`scale`) and as :obj:`static_...`, the
      no-change baseline on the same frames. Steps beyond the available
      frames are left out.

    Args:
        model (torch.nn.Module): A :class:`RelationalInference` model.
        loader (Iterable): Batches with :obj:`x`, :obj:`edge_index`,
            :obj:`edge_type`, :obj:`batch` and :obj:`num_graphs`.
        config (TrainConfig): The run configuration.
        encoder_frames (slice): Frames given to the encoder.
        decoder_frames (slice): Frames given to the decoder.
        layer_names (Sequence[str], optional): Names of the label layers
            for the accuracy keys. (default: :obj:`None`, :obj:`layer_<l>`)
        scale (torch.Tensor, optional): Per-feature factor :obj:`[D]` from
            normalised to physical units. (default: :obj:`None`)
        full (bool, optional): Also compute the 1/10/20-step trajectory
            errors. (default: :obj:`False`)
        mapping (dict, optional): Fixed accuracy mapping.
            (default: :obj:`None`)
        device (torch.device, optional): Where batches are moved.
            (default: :obj:`None`, the model's device)
        refine (bool, optional): Refine the encoder's logits of every
            batch by :obj:`config.refine_steps` steps before anything reads
            them (:func:`refine_edge_logits`; the encoder metrics, the KL
            term and the decoder's edges are then the refined ones).
            (default: :obj:`False`)
        symmetries (RandomBoxSymmetry, optional): Read the encoder's
            logits averaged over the eight box symmetries of its input
            (:func:`symmetry_ensemble_logits`; a refinement starts from
            them). (default: :obj:`None`: the encoder as it is)
    """
    mode = config.training_mode
    uses_encoder, uses_decoder = mode.uses_encoder, mode.uses_decoder
    if refine and not (mode.samples_edges and config.refine_steps > 0):
        raise ValueError(f"'refine' needs a learned run with "
                         f"'refine_steps' > 0 (mode {mode.name!r}, "
                         f"refine_steps {config.refine_steps})")
    if device is None:
        device = next(iter(model.buffers()), next(
            iter(model.parameters()), torch.zeros(0))).device
    num_layers = len(model.num_edge_types)
    names = (list(layer_names) if layer_names is not None else
             [f'layer_{i}' for i in range(num_layers)])
    if len(names) != num_layers:
        raise ValueError(f"'layer_names' must hold {num_layers} names "
                         f"(got {names})")
    edges = (EdgeEvaluation(model, names, config.accuracy_batch_size, device)
             if uses_encoder else None)
    trajectories = (TrajectoryEvaluation(config, full, device)
                    if uses_decoder else None)
    sums: Dict[str, Tensor] = {}
    prior = config.prior(model) if mode.samples_edges else None

    def add(key: str, value: Tensor) -> None:
        value = value.detach().to(device, torch.float64)
        sums[key] = sums[key] + value if key in sums else value

    was_training = model.training
    model.eval()
    try:
        for batch in loader:
            batch = batch.to(device)
            x, edge_index = batch.x, batch.edge_index
            check_finite_trajectories(x)
            edge_type = getattr(batch, 'edge_type', None)
            num_nodes = x.size(0)
            add('graphs', torch.tensor(float(batch.num_graphs)))
            add('nodes', torch.tensor(float(num_nodes)))
            edge_weight = None
            if uses_encoder:
                if symmetries is None:
                    logits = model.encode(x[:, encoder_frames], edge_index,
                                          batch.batch)
                else:
                    logits = symmetry_ensemble_logits(
                        model, x[:, encoder_frames], edge_index,
                        batch.batch, symmetries)
                if refine:
                    logits = refine_edge_logits(model, x[:, encoder_frames],
                                                edge_index, logits, config,
                                                prior)
                pred_types = model.predict_edge_types(logits)
                if mode.samples_edges and model.family.has_kl:
                    add('kl', model.kl_loss(logits, num_nodes=num_nodes,
                                            prior=prior) *
                        num_nodes)
                edge_weight = model.sample(
                    logits, deterministic=not config.stochastic_eval)
                if edge_type is not None:
                    edges.update(logits, pred_types, edge_type, batch)
            elif edge_type is not None:
                edge_weight = model.edge_weight_from_labels(edge_type)
            if mode.needs_labels and uses_decoder and edge_type is None:
                raise ValueError(f"the {mode.name!r} mode needs 'edge_type' "
                                 f"labels in the data")
            if uses_decoder:
                trajectories.update(model, x, edge_index, edge_weight,
                                    decoder_frames)
    finally:
        model.train(was_training)
    if not sums:
        raise ValueError("'loader' yielded no batches")
    keys = sorted(sums)
    totals = dict(zip(keys, all_reduce_sum(
        torch.stack([sums[k] for k in keys]))))
    out: Dict = {'num_graphs': int(totals['graphs'])}
    nodes = float(totals['nodes'])
    if 'kl' in totals:
        out['kl'] = float(totals['kl']) / nodes
    if uses_encoder:
        if mapping is None and mode.supervises_encoder:
            mapping = identity_mapping(model)
        out.update(edges.compute(mapping, full))
    if uses_decoder:
        out.update(trajectories.compute(nodes, scale))
    return out
