"""Transforms of trajectory graphs."""
from .trajectory_normalizer import (
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

__all__ = [
    'TrajectoryNormalizer',
    'POSITION_VELOCITY_GROUPS',
]
