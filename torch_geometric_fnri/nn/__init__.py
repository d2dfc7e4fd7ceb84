"""Layers and models for neural relational inference (NRI, fNRI, sfNRI)."""
from .conv import EdgeToNodeConv, MultiplexMessageConv, NodeToEdgeConv
from .multiplex_edge_sampler import MultiplexEdgeSampler
from .models import (
    CNNEncoder,
    MLPDecoder,
    MLPEncoder,
    ModelFamily,
    NRIMLP,
    RelationalInference,
    RNNDecoder,
    StaticDecoder,
    TemporalCNN,
    VARIANTS,
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
    'VARIANTS',
    'get_model_family',
    'RelationalInference',
    'build_model',
]
