"""Loss functions of NRI, fNRI and sfNRI."""
from .gaussian_nll import gaussian_nll
from .cauchy_nll import cauchy_nll
from .kl_categorical import kl_categorical
from .edge_type_cross_entropy import edge_type_cross_entropy
from .edge_type_bce import edge_type_bce

__all__ = [
    'gaussian_nll',
    'cauchy_nll',
    'kl_categorical',
    'edge_type_cross_entropy',
    'edge_type_bce',
]
