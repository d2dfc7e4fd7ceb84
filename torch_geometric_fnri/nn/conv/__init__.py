"""Message-passing layers for neural relational inference."""
from .node_to_edge_conv import NodeToEdgeConv
from .edge_to_node_conv import EdgeToNodeConv
from .multiplex_message_conv import MultiplexMessageConv
from .central_force_conv import CentralForceConv

__all__ = [
    'NodeToEdgeConv',
    'EdgeToNodeConv',
    'MultiplexMessageConv',
    'CentralForceConv',
]

classes = __all__
