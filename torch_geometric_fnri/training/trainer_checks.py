r"""What a :class:`Trainer` checks when it is built: that the model, the
configuration and the data fit together. A mismatch is refused with a
message that says what to change, before anything is written or trained,
instead of failing at the first batch."""
from typing import Any, Dict, Optional, Sequence

import torch

from torch_geometric_fnri.nn import (
    MLPEncoder,
    RelationalInference,
    RNNDecoder,
)
from torch_geometric_fnri.transforms import POSITION_VELOCITY_FEATURES
from torch_geometric_fnri.utils import reverse_edge_permutation

from .config import TrainConfig
from .training_mode import check_decoder_fits_mode


def check_training_inputs(model: Any, config: Any,
                          splits: Dict[str, Optional[Sequence]],
                          candidate_graph: Any = None) -> None:
    r"""Raises a :class:`TypeError` or :class:`ValueError` when
    :obj:`model`, :obj:`config` and :obj:`splits` cannot train together:
    a model that is no
    :class:`~torch_geometric_fnri.nn.RelationalInference`, a
    configuration that is no :class:`TrainConfig`, a training mode without
    its training and validation splits, an empty split, graphs of fewer
    than two nodes, splits of other frame or feature counts than each
    other or other label layers than the model, a directed candidate graph
    or directed interactions for a symmetric model, configuration options
    the model does not support, an MLP encoder built for other frames than
    :attr:`TrainConfig.frame_split` gives it, a candidate graph that reads
    frames the encoder does not (the decoder's targets), and options that
    need (x, y, vx, vy) features on data that names other features.

    Args:
        model (torch.nn.Module): The model given to the trainer.
        config (TrainConfig): The run configuration.
        splits (Dict[str, Sequence[Data]]): The splits by the trainer's
            argument names (:obj:`'train_dataset'`, :obj:`'valid_dataset'`,
            :obj:`'test_dataset'`), :obj:`None` where not given.
        candidate_graph (CandidateGraph, optional): The run's candidate
            graph. (default: :obj:`None`)
    """
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
    if config.training_mode.trains and (splits['train_dataset'] is None
                                        or splits['valid_dataset'] is None):
        raise ValueError(f"mode {config.mode!r} needs 'train_dataset' "
                         f"and 'valid_dataset'")
    _check_splits(model, splits)
    reference = reference_split(splits)
    num_frames, num_features = reference[0].x.shape[1:]
    encoder_frames = config.frame_split.slices(num_frames)[0]
    _check_model_options(model, config, encoder_frames, num_features)
    _check_data_options(model, config, reference)
    if candidate_graph is not None:
        _check_candidate_frames(candidate_graph, encoder_frames, num_frames)


def reference_split(splits: Dict[str, Optional[Sequence]]) -> Sequence:
    r"""The first split given: its first graph has the frame and feature
    counts of all of them (:func:`check_training_inputs` makes sure), and
    it names the label layers and carries the data's statistics.

    Args:
        splits (Dict[str, Sequence[Data]]): The splits,
            :obj:`None` where not given.
    """
    return next(split for split in splits.values() if split is not None)


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


def _check_candidate_frames(candidate_graph: Any, encoder_frames: slice,
                            num_frames: int) -> None:
    # A candidate graph that reads frames the encoder does not see chooses
    # the pairs with the decoder's targets.
    frames = candidate_graph.frames
    read = range(num_frames)[frames] if isinstance(frames, slice) else \
        [range(num_frames)[frames]]
    seen = range(num_frames)[encoder_frames]
    outside = sorted(set(read) - set(seen))
    if outside:
        raise ValueError(
            f"the candidate graph {candidate_graph} reads frames "
            f"{outside[0]}..{outside[-1]} but the encoder sees frames "
            f"{seen.start}..{seen.stop - 1}: choose the pairs from the "
            f"encoder's frames (frames=slice({seen.start}, {seen.stop})), "
            f"not from those the decoder predicts")


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
        ('symmetry_ensemble', config.symmetry_ensemble),
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
