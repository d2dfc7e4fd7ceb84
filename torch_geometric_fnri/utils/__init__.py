"""Graph utilities shared across the package."""
from .fully_connected import (
    dense_to_edge_values,
    edge_values_to_dense,
    fully_connected_edge_index,
)
from .reverse_edges import find_edges, reverse_edge_permutation

__all__ = [
    'fully_connected_edge_index',
    'dense_to_edge_values',
    'edge_values_to_dense',
    'find_edges',
    'reverse_edge_permutation',
]
