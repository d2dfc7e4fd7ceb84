"""Transforms of trajectory graphs: candidate graphs, labels that follow
rebuilt edges, augmentation and normalisation."""
from .box_symmetry import (
    BOX_SYMMETRIES,
    RandomBoxSymmetry,
    apply_box_symmetry,
)
from .carry_edge_type import CarryEdgeType, carry_edge_type
from .candidate_graph import CandidateGraph
from .knn_candidate_graph import KNNCandidateGraph
from .radius_candidate_graph import RadiusCandidateGraph
from .correlation_candidate_graph import CorrelationCandidateGraph
from .trajectory_normalizer import (
    POSITION_VELOCITY_FEATURES,
    POSITION_VELOCITY_GROUPS,
    TrajectoryNormalizer,
)

__all__ = [
    'CandidateGraph',
    'KNNCandidateGraph',
    'RadiusCandidateGraph',
    'CorrelationCandidateGraph',
    'CarryEdgeType',
    'carry_edge_type',
    'RandomBoxSymmetry',
    'BOX_SYMMETRIES',
    'apply_box_symmetry',
    'TrajectoryNormalizer',
    'POSITION_VELOCITY_GROUPS',
    'POSITION_VELOCITY_FEATURES',
]
