"""Transforms of trajectory graphs."""
from .box_symmetry import (
    BOX_SYMMETRIES,
    RandomBoxSymmetry,
    apply_box_symmetry,
)
from .trajectory_normalizer import (
    POSITION_VELOCITY_FEATURES,
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

__all__ = [
    'RandomBoxSymmetry',
    'BOX_SYMMETRIES',
    'apply_box_symmetry',
    'TrajectoryNormalizer',
    'POSITION_VELOCITY_GROUPS',
    'POSITION_VELOCITY_FEATURES',
]
