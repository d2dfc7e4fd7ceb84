"""Neural relational inference (NRI, fNRI, sfNRI) for PyTorch Geometric."""
from . import (
    baselines,
    datasets,
    losses,
    metrics,
    nn,
    training,
    transforms,
    utils,
    visualization,
)

__version__ = '0.1.0'

__all__ = [
    'baselines',
    'datasets',
    'losses',
    'metrics',
    'nn',
    'training',
    'transforms',
    'utils',
    'visualization',
    '__version__',
]
