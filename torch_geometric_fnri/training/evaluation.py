r"""Evaluation of a relational inference model on one split."""
from collections import defaultdict
from typing import Dict, Iterable, List, Optional, Sequence

import torch
from torch import Tensor

from torch_geometric_fnri.losses import cauchy_nll
from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    TrajectoryMSE,
    edge_presence_metrics,
    per_batch_optimal_accuracy,
)

from .config import TRAJECTORY_STEPS, TrainConfig
from .distributed import all_gather_objects, all_reduce_sum


def identity_mapping(model: torch.nn.Module) -> Dict:
    r"""The mapping that reads predictions as labels without relabelling
    (supervised encoders are trained on the labels, so their factor
    :math:`l` *is* label layer :math:`l`)."""
    if model.variant == 'nri':
        return {'family': 'nri',
                'class_map': list(range(model.pred_num_classes[0]))}
    return {'family': model.variant,
            'factor_of_layer': list(range(len(model.num_edge_types))),
            'label_maps': [list(range(k)) for k in model.num_edge_types]}


def reference_batch_search(model: torch.nn.Module) -> Dict[str, object]:
    r"""The mapping search of the reference's per-batch accuracy for
    :obj:`model` (fNRI ``utils.py``), as the :obj:`family` and
    :obj:`allow_label_permutation` arguments of
    :func:`~torch_geometric_fnri.metrics.per_batch_optimal_accuracy`:

    * NRI: any bijection of the combined classes;
    * fNRI whose decoder skips the first type of every layer-graph
      (a :class:`~torch_geometric_fnri.nn.MultiplexMessageConv` with
      :obj:`skip_first=True`) and whose layers are all binary: the layer
      order only, type 0 pinned as the non-edge;
    * any other fNRI: any bijection of the combined classes (the reference
      ignores the factorisation there);
    * sfNRI: the factor order only.
    """
    from torch_geometric_fnri.nn import MultiplexMessageConv

    if model.variant == 'sfnri':
        return {'family': 'sfnri', 'allow_label_permutation': False}
    skip_first = any(
        isinstance(module, MultiplexMessageConv) and module.skip_first
        for module in model.decoder.modules())
    if model.variant == 'fnri' and skip_first and all(
            k == 2 for k in model.num_edge_types):
        return {'family': 'fnri', 'allow_label_permutation': False}
    return {'family': 'nri', 'allow_label_permutation': True}


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
      combinations the encoder merges or splits.
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
    """
    mode = config.mode
    uses_encoder = mode in ('learned', 'supervised')
    uses_decoder = mode != 'supervised'
    if device is None:
        device = next(iter(model.buffers()), next(
            iter(model.parameters()), torch.zeros(0))).device
    num_layers = len(model.num_edge_types)
    names = (list(layer_names) if layer_names is not None else
             [f'layer_{i}' for i in range(num_layers)])
    if len(names) != num_layers:
        raise ValueError(f"'layer_names' must hold {num_layers} names "
                         f"(got {names})")
    block_steps = sorted({1, config.prediction_steps} |
                         (set(TRAJECTORY_STEPS) if full else set()))
    step_count = max(TRAJECTORY_STEPS)
    accuracy = search = None
    if uses_encoder:
        accuracy = EdgeAccuracy(model.pred_num_classes, model.num_edge_types,
                                family=model.variant)
        search = reference_batch_search(model)
    mse = defaultdict(TrajectoryMSE)
    sums: Dict[str, Tensor] = {}
    presence_inputs: List = []  # (factor probabilities, labels) per batch
    prior = config.prior(model) if mode == 'learned' else None

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
                logits = model.encode(x[:, encoder_frames], edge_index,
                                      batch.batch)
                pred_types = model.predict_edge_types(logits)
                if mode == 'learned' and model.variant != 'sfnri':
                    add('kl', model.kl_loss(logits, num_nodes=num_nodes,
                                            prior=prior) *
                        num_nodes)
                edge_weight = model.sample(
                    logits, deterministic=not config.stochastic_eval)
                if edge_type is not None:
                    accuracy.update(pred_types, edge_type)
                    presence_inputs.append((
                        [p.detach().cpu()
                         for p in model.factor_probabilities(logits)],
                        edge_type.detach().cpu()))
                    _add_batch_optimal(add, pred_types, edge_type, batch,
                                       model, config, names, search,
                                       per_batch_optimal_accuracy)
            elif edge_type is not None:
                edge_weight = model.edge_weight_from_labels(edge_type)
            if mode == 'true_graph' and edge_type is None:
                raise ValueError("the 'true_graph' mode needs 'edge_type' "
                                 "labels in the data")
            if not uses_decoder:
                continue
            x_dec = x[:, decoder_frames]
            target = x_dec[:, 1:]
            for s in block_steps:
                if s > target.size(1) and s != config.prediction_steps:
                    continue  # Longer than the decoder frames.
                pred = model.decode(x_dec, edge_index, edge_weight,
                                    pred_steps=s)
                mse[f'block_{s}'].update(pred, target)
                if (s == config.prediction_steps
                        and config.cauchy_scale is not None):
                    add('cauchy_nll_m', cauchy_nll(
                        pred, target, config.cauchy_scale,
                        variance=config.variance, num_nodes=1))
                if full:
                    index = (torch.arange(target.size(1), device=device) //
                             s) * s
                    mse[f'static_block_{s}'].update(x_dec[:, index], target)
            if full:
                anchor = max(decoder_frames.start - 1, 0)
                steps = min(step_count, x.size(1) - 1 - anchor)
                segment = x[:, anchor:anchor + steps + 1]
                pred = model.decode(segment, edge_index, edge_weight,
                                    pred_steps=steps)
                mse['step'].update(pred, segment[:, 1:])
                mse['static_step'].update(
                    segment[:, :1].expand_as(segment[:, 1:]), segment[:, 1:])
    finally:
        model.train(was_training)
    if not sums:
        raise ValueError("'loader' yielded no batches")
    keys = sorted(sums)
    flat = all_reduce_sum(torch.cat([sums[k].reshape(-1) for k in keys]))
    totals, offset = {}, 0
    for k in keys:
        n = sums[k].numel()
        totals[k] = flat[offset:offset + n].view(sums[k].shape)
        offset += n
    out: Dict = {'num_graphs': int(totals['graphs'])}
    nodes = float(totals['nodes'])
    if 'kl' in totals:
        out['kl'] = float(totals['kl']) / nodes
    if accuracy is not None and 'acc_batches' in totals:
        accuracy.confusion = all_reduce_sum(accuracy.confusion)
        if mapping is None and mode == 'supervised':
            mapping = identity_mapping(model)
        result = accuracy.compute(mapping)
        out['acc_combined'] = result['combined']
        for name, value in zip(names, result['per_layer']):
            out[f'acc_{name}'] = value
        batches = float(totals['acc_batches'])
        out['acc_batch_optimal_combined'] = float(
            totals['acc_opt_combined']) / batches
        for name in names:
            out[f'acc_batch_optimal_{name}'] = float(
                totals[f'acc_opt_{name}']) / batches
        out['edge_mapping'] = result['mapping']
        out.update(_edge_presence(presence_inputs, result['mapping'],
                                  model, names))
        if full:
            out['edge_confusion'] = accuracy.confusion.tolist()
    if uses_decoder:
        for metric in mse.values():
            metric.sum_squared_error = all_reduce_sum(
                metric.sum_squared_error.to(device)).cpu()
            metric.count = int(all_reduce_sum(
                torch.tensor(float(metric.count), device=device)))
        for s in block_steps:
            if s == 1:
                out['nll_1'] = _nll(mse['block_1'], config.variance, nodes)
            if s == config.prediction_steps:
                out['nll_m'] = _nll(mse[f'block_{s}'], config.variance,
                                    nodes)
                out['mse_m'] = float(mse[f'block_{s}'].mean())
                if 'cauchy_nll_m' in totals:
                    out['cauchy_nll_m'] = float(
                        totals['cauchy_nll_m']) / nodes
            if full and s in TRAJECTORY_STEPS and f'block_{s}' in mse:
                for prefix in ('', 'static_'):
                    metric = mse[f'{prefix}block_{s}']
                    _put_mse(out, f'{prefix}mse_block_{s}', metric.mean,
                             scale)
        if full:
            for prefix in ('', 'static_'):
                metric = mse[f'{prefix}step']
                for s in TRAJECTORY_STEPS:
                    if s <= metric.sum_squared_error.size(0):
                        _put_mse(out, f'{prefix}mse_step_{s}',
                                 lambda scale=None, s=s, metric=metric:
                                 metric.per_step(scale)[s - 1], scale)
    return out


def _nll(metric, variance: float, num_nodes: float) -> float:
    # Gaussian NLL of the whole split, per node (as in the training loss).
    return float(metric.sum_squared_error.sum()) / (2 * variance * num_nodes)


def _put_mse(out: Dict, key: str, read, scale: Optional[Tensor]) -> None:
    out[key] = float(read())
    if scale is not None:
        out[f'{key}_physical'] = float(read(scale=scale.tolist()))


def _add_batch_optimal(add, pred: Tensor, target: Tensor, batch, model,
                       config: TrainConfig, names: List[str],
                       search: Dict[str, object],
                       per_batch_optimal_accuracy) -> None:
    # Re-chooses the mapping for every group of accuracy_batch_size graphs
    # (the reference's per-batch optimum with its search), accumulating sums
    # of accuracies.
    edge_batch = batch.batch[batch.edge_index[1]]
    group = edge_batch // config.accuracy_batch_size
    for g in torch.unique(group).tolist():
        mask = group == g
        result = per_batch_optimal_accuracy(
            [(pred[mask], target[mask])], model.pred_num_classes,
            model.num_edge_types, **search)
        add('acc_batches', torch.tensor(1.0))
        add('acc_opt_combined', torch.tensor(result['combined']))
        for name, value in zip(names, result['per_layer']):
            add(f'acc_opt_{name}', torch.tensor(value))


def _edge_presence(inputs: List, mapping: Dict, model: torch.nn.Module,
                   names: Sequence[str]) -> Dict[str, float]:
    # AUROC, precision, recall and F1 of every layer over the whole split
    # (the batches of every process).
    inputs = [item for part in all_gather_objects(inputs) for item in part]
    probabilities = [torch.cat(parts) for parts in
                     zip(*(probs for probs, _ in inputs))]
    target = torch.cat([labels for _, labels in inputs])
    return edge_presence_metrics(probabilities, target, mapping,
                                 model.pred_num_classes,
                                 model.num_edge_types, names)
