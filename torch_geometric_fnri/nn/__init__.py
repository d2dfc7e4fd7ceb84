"""Layers and models for neural relational inference (NRI, fNRI, sfNRI)."""
from .conv import EdgeToNodeConv, MultiplexMessageConv, NodeToEdgeConv
from .multiplex_edge_sampler import MultiplexEdgeSampler
from .models import (
    CNNEncoder,
    MLPDecoder,
    MLPEncoder,
    NRIMLP,
    RelationalInference,
    RNNDecoder,
    StaticDecoder,
    TemporalCNN,
    build_model,
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
    'RelationalInference',
    'build_model',
]
