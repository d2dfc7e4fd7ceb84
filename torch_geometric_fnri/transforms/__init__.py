"""Transforms of trajectory graphs: candidate graphs, labels that follow
rebuilt edges, augmentation and normalisation."""
from .box_symmetry import (
    BOX_SYMMETRIES,
    RandomBoxSymmetry,
    apply_box_symmetry,
)
from .carry_edge_type import CarryEdgeType, carry_edge_type
from .knn_candidate_graph import KNNCandidateGraph
from .trajectory_normalizer import (
    POSITION_VELOCITY_FEATURES,
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

__all__ = [
    'KNNCandidateGraph',
    'CarryEdgeType',
    'carry_edge_type',
    'RandomBoxSymmetry',
    'BOX_SYMMETRIES',
    'apply_box_symmetry',
    'TrajectoryNormalizer',
    'POSITION_VELOCITY_GROUPS',
    'POSITION_VELOCITY_FEATURES',
]
