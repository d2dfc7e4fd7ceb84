"""Transforms of trajectory graphs."""
from .normalize_trajectory import (
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

__all__ = [
    'TrajectoryNormalizer',
    'POSITION_VELOCITY_GROUPS',
]
