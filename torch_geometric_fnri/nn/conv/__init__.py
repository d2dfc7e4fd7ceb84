"""Message-passing layers for neural relational inference."""
from .node_to_edge_conv import NodeToEdgeConv
from .edge_to_node_conv import EdgeToNodeConv
from .multiplex_message_conv import MultiplexMessageConv

__all__ = [
    'NodeToEdgeConv',
    'EdgeToNodeConv',
    'MultiplexMessageConv',
]

classes = __all__
