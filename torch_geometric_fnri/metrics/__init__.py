r"""Evaluation metrics: permutation-invariant edge accuracy (over all pairs,
those a candidate graph leaves out included) and trajectory errors."""
from .linear_assignment import lexicographic_max_assignment
from .mixed_radix import decode_mixed_radix, encode_mixed_radix
from .missed_pairs import MISSED_PRESENCE, MissedPairs, presence_histogram
from .confusion_matrix import confusion_matrix
from .constant_prediction import (
    constant_prediction_accuracy,
    graphs_constant_prediction_accuracy,
)
from .edge_mapping import fit_edge_mapping, mapped_accuracy, mapping_table
from .edge_accuracy import EdgeAccuracy, per_batch_optimal_accuracy
from .edge_type_prediction import edge_type_argmax
from .edge_presence import (
    binary_auroc,
    edge_presence_metrics,
    label_probabilities,
    presence_scores,
)
from .trajectory_mse import (
    POSITION_FEATURES,
    VELOCITY_FEATURES,
    TrajectoryMSE,
    block_averaged_mse,
    mse_at_steps,
    per_step_mse,
)

__all__ = [
    'lexicographic_max_assignment',
    'encode_mixed_radix',
    'decode_mixed_radix',
    'MissedPairs',
    'MISSED_PRESENCE',
    'presence_histogram',
    'confusion_matrix',
    'constant_prediction_accuracy',
    'graphs_constant_prediction_accuracy',
    'fit_edge_mapping',
    'mapped_accuracy',
    'mapping_table',
    'label_probabilities',
    'binary_auroc',
    'presence_scores',
    'edge_presence_metrics',
    'EdgeAccuracy',
    'per_batch_optimal_accuracy',
    'edge_type_argmax',
    'TrajectoryMSE',
    'per_step_mse',
    'block_averaged_mse',
    'mse_at_steps',
    'POSITION_FEATURES',
    'VELOCITY_FEATURES',
]
