r"""Layers and models for neural relational inference (NRI, fNRI, sfNRI).

Tensor layout (where it differs from PyG's layers):

* Node features are trajectories :obj:`x` :obj:`[N, T, D]`: the
  :obj:`N` nodes of all graphs of a batch, :obj:`T` frames, :obj:`D`
  features per frame (*e.g.* x, y, vx, vy). PyG's layers take
  :obj:`[N, F]` (or :obj:`[*, N, F]`), so one given :obj:`x` as it is
  takes the frames for nodes: give it :obj:`x.flatten(1)`
  (:obj:`[N, T * D]`) or one frame :obj:`x[:, t]`. Layers that read whole
  trajectories (the decoders, :class:`CNNEncoder`, :class:`TemporalCNN`)
  refuse a 2-D :obj:`x`; :class:`MLPEncoder` takes :obj:`[N, T, D]` or
  the flattened :obj:`[N, T * D]`; the message-passing layers take
  :obj:`[N, F]` or :obj:`[N, T, F]` (all frames at once).
* :obj:`edge_index` is PyG's :obj:`[2, E]` (sender, receiver) and
  :obj:`batch` PyG's :obj:`[N]`; the encoders normalise by the graph
  sizes they take from :obj:`batch` (pass it on any graph that is not
  fully connected).
* Edge logits, samples and the decoders' :obj:`edge_weight` are
  :obj:`[E, sum(K)]`: one block of :obj:`K[l]` columns per layer-graph,
  side by side (:obj:`[E, 4]` for :obj:`K = [2, 2]`), where PyG's
  :obj:`edge_weight` is :obj:`[E]`; a weight of the wrong width is refused.
  The labels :obj:`edge_type` are :obj:`[E, L]` (one column per
  layer-graph), and
  :func:`~torch_geometric_fnri.metrics.edge_type_argmax` maps logits to
  them.
* Frame counts: :class:`MLPEncoder`'s :obj:`in_channels` and
  :func:`build_model`'s :obj:`num_timesteps` count the frames the encoder
  reads (by default 49 of 99);
  :func:`~torch_geometric_fnri.training.make_model` and
  :meth:`Recipe.build_model <torch_geometric_fnri.training.Recipe>` take
  the whole trajectory's :obj:`num_frames` and give the encoder the frames
  of a :class:`~torch_geometric_fnri.training.FrameSplit` (the run's
  :attr:`TrainConfig.frame_split <torch_geometric_fnri.training.TrainConfig>`).
"""
from .conv import EdgeToNodeConv, MultiplexMessageConv, NodeToEdgeConv
from .multiplex_edge_sampler import MultiplexEdgeSampler
from .models import (
    CNNEncoder,
    MLPDecoder,
    MLPEncoder,
    MODEL_FAMILIES,
    ModelFamily,
    NRIMLP,
    RelationalInference,
    RNNDecoder,
    StaticDecoder,
    TemporalCNN,
    build_model,
    get_model_family,
)

__all__ = [
    'NodeToEdgeConv',
    'EdgeToNodeConv',
    'MultiplexMessageConv',
    'MultiplexEdgeSampler',
    'NRIMLP',
    'TemporalCNN',
    'MLPEncoder',
    'CNNEncoder',
    'MLPDecoder',
    'RNNDecoder',
    'StaticDecoder',
    'ModelFamily',
    'MODEL_FAMILIES',
    'get_model_family',
    'RelationalInference',
    'build_model',
]
