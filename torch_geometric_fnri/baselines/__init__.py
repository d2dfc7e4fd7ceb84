r"""Classical structural-inference baselines: edge scores from correlation,
partial correlation, the graphical lasso, Granger causality and mutual
information of the trajectories, scored with the learned models' metrics.

A method maps series :obj:`[B, N, T]` to score matrices :obj:`[B, N, N]`
indexed ``[receiver, sender]``; :func:`edge_scores` reads them in the
dataset's edge order and :func:`evaluate_edge_scores` measures edge
presence per layer-graph. Everything is NumPy and SciPy, vectorised over
simulations; where scikit-learn or statsmodels has the method, the tests
check against it (see each method for why it is not called).

Examples:
    >>> from torch_geometric_fnri.datasets import PhysicsSystemDataset
    >>> from torch_geometric_fnri.baselines import (
    ...     edge_scores, evaluate_edge_scores, granger_causality,
    ...     split_trajectories)
    >>> splits = [PhysicsSystemDataset(None, split=split, log=False,
    ...                                num_simulations=(8, 8, 8),
    ...                                num_frames=20)
    ...           for split in ('valid', 'test')]
    >>> (xv, ev), (xt, et) = [split_trajectories(d) for d in splits]
    >>> scores = [edge_scores(x, granger_causality, (2, 3), increments=True)
    ...           for x in (xv, xt)]
    >>> result = evaluate_edge_scores(scores[0], ev, scores[1], et)
    >>> sorted(result['best_sign'])
    ['layer_0', 'layer_1']
"""
from .trajectory_series import (
    check_series,
    feature_groups,
    feature_series,
    split_trajectories,
)
from .pearson_correlation import pearson_correlation
from .partial_correlation import (
    partial_correlation,
    precision_to_partial_correlation,
)
from .graphical_lasso import (
    graphical_lasso_partial_correlation,
    select_graphical_lasso_alpha,
    sparse_precision,
)
from .granger_causality import granger_causality
from .mutual_information import mutual_information
from .edge_scores import edge_scores
from .presence_evaluation import (
    SCORE_VARIANTS,
    evaluate_edge_scores,
    fit_f1_threshold,
)

__all__ = [
    'check_series',
    'feature_groups',
    'feature_series',
    'split_trajectories',
    'pearson_correlation',
    'partial_correlation',
    'precision_to_partial_correlation',
    'graphical_lasso_partial_correlation',
    'select_graphical_lasso_alpha',
    'sparse_precision',
    'granger_causality',
    'mutual_information',
    'edge_scores',
    'SCORE_VARIANTS',
    'evaluate_edge_scores',
    'fit_f1_threshold',
]
