r"""Real social networks that :mod:`networkx` ships, as graph families.

A :class:`RealNetwork` is a
:class:`~torch_geometric_fnri.datasets.GraphFamily` whose every graph is
the same recorded network, so that the springs and Kuramoto systems run
on it exactly as on a random family: give it to
:meth:`~torch_geometric_fnri.datasets.PhysicsSystem.on_graph`,
:meth:`~torch_geometric_fnri.datasets.KuramotoSystem.on_graph` or a
dataset's :obj:`graph` argument, with :obj:`num_particles` equal to the
network's node count. The edges are the network's ties, unweighted (the
Les Misérables co-appearance counts and the karate club's interaction
counts are dropped): a tie is a coupling of strength 1, label 1.

=========================  =======  =======  ==================================
name                       nodes    edges    source
=========================  =======  =======  ==================================
``'karate_club'``          34       78       Zachary (1977), the members of a
                                             university karate club and who
                                             met outside it
``'les_miserables'``       77       254      Knuth (1993), the characters of
                                             Hugo's novel that appear in a
                                             chapter together
``'florentine_families'``  15       20       Breiger & Pattison (1986), the
                                             marriages between Renaissance
                                             Florentine families (Padgett's
                                             data; the Pucci, who married
                                             none of the others, are absent)
=========================  =======  =======  ==================================

References: W. W. Zachary, An information flow model for conflict and
fission in small groups, J. Anthropol. Res. 33 (4), 452-473 (1977);
D. E. Knuth, The Stanford GraphBase, pp. 74-87, ACM Press (1993);
R. L. Breiger and P. E. Pattison, Cumulated social roles: the duality of
persons and their algebras, Social Networks 8 (3), 215-256 (1986).

The nodes are relabelled at random in every simulation, as in the random
families (one unused seed per simulation, then
:func:`~.graph_families.random_relabelling`). With a fixed labelling every
simulation would carry the same label matrix, and a model could score
perfectly by returning the training labels without looking at a
trajectory; relabelled, the structure (degrees, communities, the
isomorphism class) is that of the real network, and only the
trajectories tell which particle is which node. The labelling of
:meth:`RealNetwork.graph` (nodes :obj:`0, ..., N - 1` in sorted order of
the networkx node names) is the network's own.
"""
from dataclasses import dataclass
from typing import Callable, Dict, NamedTuple

import networkx as nx

from .graph_families import GraphFamily


class NetworkRecord(NamedTuple):
    r"""A recorded network: its networkx loader and its size.

    Attributes:
        loader (callable): Returns the :class:`networkx.Graph`.
        num_nodes (int): The nodes :math:`N`.
        num_edges (int): The undirected edges.
    """
    loader: Callable[[], nx.Graph]
    num_nodes: int
    num_edges: int


#: The recorded networks by name (see the module docstring for sources).
REAL_NETWORKS: Dict[str, NetworkRecord] = {
    'karate_club': NetworkRecord(nx.karate_club_graph, 34, 78),
    'les_miserables': NetworkRecord(nx.les_miserables_graph, 77, 254),
    'florentine_families': NetworkRecord(nx.florentine_families_graph, 15,
                                         20),
}


@dataclass(frozen=True)
class RealNetwork(GraphFamily):
    r"""The family of one recorded network: every simulation gets the
    network, its nodes relabelled at random (see the module docstring).
    Its :attr:`name` is the network's, so that
    :obj:`get_system('springs').on_graph(RealNetwork('karate_club'))` is
    ``'springs_karate_club'``.

    Args:
        network (str): ``'karate_club'`` (34 nodes), ``'les_miserables'``
            (77) or ``'florentine_families'`` (15).

    Shapes:
        - **output:** :math:`(S, N, N)` float64, symmetric, zero diagonal,
          :math:`N` the network's node count
    """
    network: str

    def __post_init__(self):
        if self.network not in REAL_NETWORKS:
            raise ValueError(f"'network' must be one of "
                             f"{sorted(REAL_NETWORKS)} "
                             f"(got {self.network!r})")

    @property
    def name(self) -> str:
        return self.network

    @property
    def num_nodes(self) -> int:
        r"""The network's node count, the only :obj:`num_particles` it
        takes."""
        return REAL_NETWORKS[self.network].num_nodes

    def graph(self, num_particles: int, seed: int) -> nx.Graph:
        r"""Returns the network on the nodes :obj:`0, ..., N - 1` (sorted
        networkx node names), without edge weights; :obj:`seed` is
        unused.

        Args:
            num_particles (int): Must be the network's node count.
            seed (int): Unused (the network is fixed).
        """
        if num_particles != self.num_nodes:
            raise ValueError(f"The network '{self.network}' has "
                             f"{self.num_nodes} nodes; give "
                             f"num_particles={self.num_nodes} "
                             f"(got {num_particles})")
        recorded = nx.convert_node_labels_to_integers(
            REAL_NETWORKS[self.network].loader(), ordering='sorted')
        out = nx.Graph()
        out.add_nodes_from(range(num_particles))
        out.add_edges_from(recorded.edges())
        return out
