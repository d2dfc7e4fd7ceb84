r"""The registry of particle systems.

A :class:`PhysicsSystem` is a set of interaction layers (one per label
column of ``edge_type``) plus the initial-state constants. The registered
systems follow the NRI / fNRI reference simulators:

=================================  =====================================
name                               layers (label columns, in order)
=================================  =====================================
``'springs'``                      ideal springs, :math:`k=0.1`, each
                                   pair with :math:`p=0.5`;
                                   ``loc_std=0.5``
``'charged'``                      charges :math:`\pm 1`, :math:`k=1`,
                                   label 1 = like charges;
                                   ``loc_std=1.0``
``'springs_charges'``              ideal springs :math:`k_s=0.1`
                                   (uniform count), charges :math:`+1`,
                                   :math:`k_c=0.2` (uniform count of
                                   charged particles)
``'springs_charges_fsprings'``     as above plus finite springs
                                   :math:`k_f=0.1`, :math:`\ell=1`
                                   (uniform count, independent of the
                                   ideal springs)
``'weak_strong_springs_charges'``  ideal springs :math:`k_s=0.1` with
                                   coupling 0 / 0.5 / 1 (none / weak /
                                   strong, :math:`K=3`), each value
                                   with :math:`p=1/3` per pair; charges
                                   as in ``'springs_charges'``
                                   (:math:`K=2`); ``loc_std=0.5``
``'one_way_springs'``              directed ideal springs :math:`k=0.1`,
                                   each ordered pair :math:`j \to i`
                                   with :math:`p=0.5` (pulls :math:`i`
                                   towards :math:`j` only);
                                   ``loc_std=0.5``
``'one_way_springs_charges'``      directed ideal springs as in
                                   ``'one_way_springs'``, charges as in
                                   ``'springs_charges'``;
                                   ``loc_std=0.5``
=================================  =====================================

Every layer has two edge types (labels 0/1) unless it declares
``class_values`` (label = index of the coupling value). All systems use
``vel_norm=0.5`` and ``box_size=5``.

The couplings of a layer are symmetric (every interaction acts on both
particles of a pair with opposite signs, so momentum is conserved) unless
the layer is ``directed``: its coupling :math:`c_{ij}` acts on the
receiver :math:`i` only, and the edge :math:`j \to i` is labelled from
:math:`c_{ij}` independently of :math:`i \to j`
(:attr:`PhysicsSystem.directed` tells whether a system has such a layer).

The spring layers of a system can instead draw their graphs from a
random-graph family (Erdős–Rényi, Barabási–Albert, Watts–Strogatz,
stochastic block model; see
:mod:`~torch_geometric_fnri.datasets.graph_families`) with
:meth:`PhysicsSystem.on_graph`.
"""
from dataclasses import dataclass, replace
from typing import Callable, Dict, List, Optional, Tuple

import numpy as np

from .graph_families import GraphFamily
from .graph_sampling import (
    BernoulliPairs,
    CategoricalPairs,
    DirectedBernoulliPairs,
    RandomSignCharges,
    UniformCountCharges,
    UniformCountPairs,
    increasing_values,
)
from .interactions import Coulomb, FiniteSpring, IdealSpring, Interaction


@dataclass(frozen=True)
class InteractionLayer:
    r"""One interaction type of a system and its label-graph.

    A binary layer labels a pair 1 where its coupling equals
    :obj:`on_value` and 0 elsewhere. A layer with :obj:`class_values` has
    one class per value: a pair is labelled with the index of its coupling
    in :obj:`class_values` (e.g. :obj:`(0.0, 0.5, 1.0)` for none / weak /
    strong springs).

    An undirected layer needs symmetric couplings: the force of a pair acts
    on both particles. A :obj:`directed` layer accepts any couplings; the
    coupling ``[i, j]`` makes sender :math:`j` act on receiver :math:`i`
    only (the force :math:`i` feels from :math:`j`, with :math:`j` feeling
    nothing unless ``[j, i]`` couples too).

    Args:
        interaction (Interaction): The force law.
        sampler (callable): Draws couplings ``[S, N, N]`` from
            ``(rng, num_simulations, num_particles)``.
        on_value (float): The coupling value labelled 1 in a binary layer
            (1 for springs, :math:`+1` = like charges for :math:`\pm 1`
            charges). (default: :obj:`1.0`)
        class_values (tuple of float, optional): The coupling value of each
            class, strictly increasing (at least two); every sampled
            coupling must be one of them. Replaces :obj:`on_value`.
            (default: :obj:`None`: binary)
        directed (bool, optional): The couplings act one way, on the
            receiver only, and need not be symmetric (pair it with a
            sampler such as
            :class:`~torch_geometric_fnri.datasets.DirectedBernoulliPairs`).
            (default: :obj:`False`)
    """
    interaction: Interaction
    sampler: Callable[[np.random.Generator, int, int], np.ndarray]
    on_value: float = 1.0
    class_values: Optional[Tuple[float, ...]] = None
    directed: bool = False

    def __post_init__(self):
        if not isinstance(self.directed, bool):
            raise ValueError(f"'directed' must be a bool "
                             f"(got {self.directed!r})")
        if self.class_values is None:
            return
        if self.on_value != 1.0:
            raise ValueError(f"Give either 'on_value' or 'class_values' "
                             f"(got on_value={self.on_value!r} and "
                             f"class_values={self.class_values!r})")
        object.__setattr__(self, 'class_values', increasing_values(
            self.class_values, 'class_values'))

    def __repr__(self) -> str:
        # Part of the dataset cache key: a binary undirected layer keeps the
        # representation it had before class values and directed layers
        # existed.
        last = (f'on_value={self.on_value!r}' if self.class_values is None
                else f'class_values={self.class_values!r}')
        if self.directed:
            last += ', directed=True'
        return (f'{self.__class__.__name__}(interaction='
                f'{self.interaction!r}, sampler={self.sampler!r}, {last})')

    @property
    def num_classes(self) -> int:
        r"""The number of edge types :math:`K` of the layer."""
        return 2 if self.class_values is None else len(self.class_values)

    def labels(self, couplings: np.ndarray) -> np.ndarray:
        r"""Maps the couplings of this layer to class indices (diagonal 0).

        Raises :class:`ValueError` if an off-diagonal coupling is none of
        :obj:`class_values`.

        Shapes:
            - **input:** :math:`(*, N, N)`
            - **output:** :math:`(*, N, N)` int64
        """
        num_particles = couplings.shape[-1]
        off_diagonal = ~np.eye(num_particles, dtype=bool)
        if self.class_values is None:
            out = (couplings == self.on_value) & off_diagonal
            return out.astype(np.int64)
        values = np.asarray(self.class_values)
        out = np.searchsorted(values, couplings).clip(max=len(values) - 1)
        unknown = (values[out] != couplings) & off_diagonal
        if unknown.any():
            raise ValueError(f"Couplings must be one of 'class_values' "
                             f"{self.class_values} (got "
                             f"{float(couplings[unknown][0])})")
        return np.where(off_diagonal, out, 0)


@dataclass(frozen=True)
class PhysicsSystem:
    r"""A particle system in a 2D box with reflecting walls.

    Args:
        name (str): The registry name.
        layers (tuple of InteractionLayer): The interaction layers, in
            label-column order.
        loc_std (float): Standard deviation of the initial positions.
        vel_norm (float): Initial speed of every particle.
        box_size (float): Walls at :math:`\pm` ``box_size``.
    """
    name: str
    layers: Tuple[InteractionLayer, ...]
    loc_std: float = 0.5
    vel_norm: float = 0.5
    box_size: float = 5.0

    @property
    def interaction_names(self) -> List[str]:
        return [layer.interaction.name for layer in self.layers]

    @property
    def num_edge_types(self) -> List[int]:
        r"""The number of classes :math:`K_l` of each layer."""
        return [layer.num_classes for layer in self.layers]

    @property
    def directed(self) -> bool:
        r"""Whether any layer is directed: the label of an edge
        :math:`j \to i` may then differ from that of :math:`i \to j`."""
        return any(layer.directed for layer in self.layers)

    def on_graph(self, graph: GraphFamily) -> 'PhysicsSystem':
        r"""Returns the system with the couplings of every spring layer (all
        layers but the charges) drawn from a family of graphs, e.g.
        :obj:`get_system('springs').on_graph(BarabasiAlbertGraph(m=2))`.
        Every spring layer draws its own graphs; charges keep coupling
        every pair of charged particles. The new system is named
        ``'<name>_<family name>'`` (e.g. ``'springs_barabasi_albert'``) and
        its :func:`repr`, part of the dataset cache key, holds the family
        and its parameters.

        Args:
            graph (GraphFamily): The family, e.g.
                :class:`~torch_geometric_fnri.datasets.ErdosRenyiGraph`.
        """
        if not isinstance(graph, GraphFamily):
            raise TypeError(f"'graph' must be a GraphFamily such as "
                            f"BarabasiAlbertGraph() "
                            f"(got {type(graph).__name__})")
        springs = [not isinstance(layer.interaction, Coulomb)
                   for layer in self.layers]
        if not any(springs):
            raise ValueError(f"System '{self.name}' has no spring layer to "
                             f"draw from a graph family (charges couple "
                             f"every pair of charged particles)")
        for layer, spring in zip(self.layers, springs):
            if spring and (layer.directed or layer.class_values is not None
                           or layer.on_value != 1.0):
                raise ValueError(
                    f"A graph family draws undirected 0/1 couplings; the "
                    f"layer '{layer.interaction.name}' of system "
                    f"'{self.name}' is directed or has other coupling "
                    f"values")
        layers = tuple(
            replace(layer, sampler=graph) if spring else layer
            for layer, spring in zip(self.layers, springs))
        return replace(self, name=f'{self.name}_{graph.name}', layers=layers)

    def sample_couplings(self, rng: np.random.Generator,
                         num_simulations: int,
                         num_particles: int) -> np.ndarray:
        r"""Draws the couplings of every layer, in layer order.

        Shapes:
            - **output:** :math:`(S, L, N, N)` float64
        """
        return np.stack([
            layer.sampler(rng, num_simulations, num_particles)
            for layer in self.layers
        ], axis=1)

    def labels(self, couplings: np.ndarray) -> np.ndarray:
        r"""Maps couplings to class indices, layer by layer (see
        :meth:`InteractionLayer.labels`; diagonal 0).

        Shapes:
            - **input:** :math:`(S, L, N, N)`
            - **output:** :math:`(S, L, N, N)` int64
        """
        return np.stack([
            layer.labels(couplings[:, index])
            for index, layer in enumerate(self.layers)
        ], axis=1)


#: The coupling of no / a weak / a strong spring (classes 0, 1, 2).
WEAK_STRONG_SPRINGS = (0.0, 0.5, 1.0)

SYSTEMS: Dict[str, PhysicsSystem] = {
    'springs':
    PhysicsSystem('springs', (InteractionLayer(IdealSpring(strength=0.1),
                                               BernoulliPairs(0.5)), ),
                  loc_std=0.5),
    'charged':
    PhysicsSystem('charged', (InteractionLayer(Coulomb(strength=1.0),
                                               RandomSignCharges()), ),
                  loc_std=1.0),
    'springs_charges':
    PhysicsSystem('springs_charges', (
        InteractionLayer(IdealSpring(strength=0.1), UniformCountPairs()),
        InteractionLayer(Coulomb(strength=0.2), UniformCountCharges()),
    ), loc_std=0.5),
    'springs_charges_fsprings':
    PhysicsSystem('springs_charges_fsprings', (
        InteractionLayer(IdealSpring(strength=0.1), UniformCountPairs()),
        InteractionLayer(Coulomb(strength=0.2), UniformCountCharges()),
        InteractionLayer(FiniteSpring(strength=0.1, rest_length=1.0),
                         UniformCountPairs()),
    ), loc_std=0.5),
    'weak_strong_springs_charges':
    PhysicsSystem('weak_strong_springs_charges', (
        InteractionLayer(IdealSpring(strength=0.1),
                         CategoricalPairs(WEAK_STRONG_SPRINGS,
                                          (1 / 3, 1 / 3, 1 / 3)),
                         class_values=WEAK_STRONG_SPRINGS),
        InteractionLayer(Coulomb(strength=0.2), UniformCountCharges()),
    ), loc_std=0.5),
    'one_way_springs':
    PhysicsSystem('one_way_springs', (InteractionLayer(
        IdealSpring(strength=0.1), DirectedBernoulliPairs(0.5),
        directed=True), ), loc_std=0.5),
    'one_way_springs_charges':
    PhysicsSystem('one_way_springs_charges', (
        InteractionLayer(IdealSpring(strength=0.1),
                         DirectedBernoulliPairs(0.5), directed=True),
        InteractionLayer(Coulomb(strength=0.2), UniformCountCharges()),
    ), loc_std=0.5),
}

#: The fNRI paper's short system names and the matching registered systems.
SYSTEM_NAMES: Dict[str, str] = {
    'I+C': 'springs_charges',
    'I+C+F': 'springs_charges_fsprings',
    'springs': 'springs',
    'charged': 'charged',
}


def get_system(system) -> PhysicsSystem:
    r"""Returns a registered :class:`PhysicsSystem` by name (a
    :class:`PhysicsSystem` is returned unchanged)."""
    if isinstance(system, PhysicsSystem):
        return system
    if not isinstance(system, str) or system not in SYSTEMS:
        raise ValueError(f"'system' must be one of {sorted(SYSTEMS)} "
                         f"(got {system!r})")
    return SYSTEMS[system]
