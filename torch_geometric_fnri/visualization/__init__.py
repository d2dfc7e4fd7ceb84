r"""Plots of trajectories and inferred multiplex graphs (:mod:`matplotlib`
is optional and imported only when plotting), and the :mod:`networkx`
conversion of multiplex graphs."""
from .multiplex_graph import (
    COMPARISON_STYLES,
    plot_multiplex_graph,
    to_networkx_multiplex,
)
from .inferred_graphs import plot_inferred_graphs
from .trajectories import plot_trajectories

__all__ = [
    'to_networkx_multiplex',
    'plot_multiplex_graph',
    'COMPARISON_STYLES',
    'plot_inferred_graphs',
    'plot_trajectories',
]
