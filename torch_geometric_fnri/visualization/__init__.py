r"""Plots of trajectories and inferred multiplex graphs (:mod:`matplotlib`
is optional and imported only when plotting), and the :mod:`networkx`
conversion of multiplex graphs."""
from .multiplex_graph import plot_multiplex_graph, to_networkx_multiplex
from .trajectories import plot_trajectories

__all__ = [
    'to_networkx_multiplex',
    'plot_multiplex_graph',
    'plot_trajectories',
]
