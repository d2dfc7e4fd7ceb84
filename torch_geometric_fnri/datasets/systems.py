r"""The registry of particle systems.

A :class:`PhysicsSystem` is a set of interaction layers (one per label
column of ``edge_type``) plus the initial-state constants. The registered
systems follow the NRI / fNRI reference simulators:

============================  ==========================================
name                          layers (label columns, in order)
============================  ==========================================
``'springs'``                 ideal springs, :math:`k=0.1`, each pair
                              with :math:`p=0.5`; ``loc_std=0.5``
``'charged'``                 charges :math:`\pm 1`, :math:`k=1`, label
                              1 = like charges; ``loc_std=1.0``
``'springs_charges'``         ideal springs :math:`k_s=0.1` (uniform
                              count), charges :math:`+1`, :math:`k_c=0.2`
                              (uniform count of charged particles)
``'springs_charges_fsprings'``  as above plus finite springs
                              :math:`k_f=0.1`, :math:`\ell=1` (uniform
                              count, independent of the ideal springs)
============================  ==========================================

All systems use ``vel_norm=0.5`` and ``box_size=5``.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Tuple

import numpy as np

from .graph_sampling import (
    BernoulliPairs,
    RandomSignCharges,
    UniformCountCharges,
    UniformCountPairs,
)
from .interactions import Coulomb, FiniteSpring, IdealSpring, Interaction


@dataclass(frozen=True)
class InteractionLayer:
    r"""One interaction type of a system and its label-graph.

    Args:
        interaction (Interaction): The force law.
        sampler (callable): Draws couplings ``[S, N, N]`` from
            ``(rng, num_simulations, num_particles)``.
        on_value (float): The coupling value labelled 1; every other
            value is labelled 0 (1 for springs, :math:`+1` = like charges
            for :math:`\pm 1` charges). (default: :obj:`1.0`)
    """
    interaction: Interaction
    sampler: Callable[[np.random.Generator, int, int], np.ndarray]
    on_value: float = 1.0


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
        return [2] * len(self.layers)

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
        r"""Maps couplings to 0/1 labels (diagonal 0).

        Shapes:
            - **input:** :math:`(S, L, N, N)`
            - **output:** :math:`(S, L, N, N)` int64
        """
        on = np.array([layer.on_value for layer in self.layers])
        out = (couplings == on[:, None, None]).astype(np.int64)
        num_particles = couplings.shape[-1]
        idx = np.arange(num_particles)
        out[..., idx, idx] = 0
        return out


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
