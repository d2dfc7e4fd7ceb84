"""Encoders, decoders and the relational inference model."""
from .nri_mlp import NRIMLP
from .temporal_cnn import TemporalCNN
from .mlp_encoder import MLPEncoder
from .cnn_encoder import CNNEncoder
from .mlp_decoder import MLPDecoder
from .rnn_decoder import RNNDecoder
from .static_decoder import StaticDecoder
from torch_geometric_fnri.model_family import (
    MODEL_FAMILIES,
    ModelFamily,
    get_model_family,
)
from .relational_inference import RelationalInference
from .build_model import build_model

__all__ = [
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

classes = __all__
