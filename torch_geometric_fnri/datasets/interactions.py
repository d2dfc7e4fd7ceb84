r"""Pairwise interactions of the particle systems.

Every interaction acts along the displacement
:math:`\mathbf{r}_{ij} = \mathbf{x}_i - \mathbf{x}_j` and is written as a
sum of inverse powers of the distance :math:`d_{ij}`:

.. math::
    \mathbf{F}_i = \sum_{j \neq i} s_{ij} \, \mathbf{r}_{ij}, \qquad
    s_{ij} = \sum_p c^{(p)}_{ij} \, d_{ij}^{-p}.

:meth:`Interaction.terms` returns the coefficients :math:`c^{(p)}` for a
coupling matrix, so the integrator can add all interactions of a system
into one coefficient per power (constant terms are computed only once per
trajectory). Unit mass everywhere, so force equals acceleration.
"""
from dataclasses import dataclass, replace
from typing import Dict

import numpy as np


@dataclass(frozen=True)
class Interaction:
    r"""Base class of a pairwise interaction.

    Args:
        name (str): The name of the interaction (used as the label-layer
            name of a system).
        strength (float): The interaction strength :math:`k`.
    """
    name: str
    strength: float

    def terms(self, coupling: np.ndarray) -> Dict[int, np.ndarray]:
        r"""Returns the coefficients :math:`c^{(p)}` keyed by the power
        :math:`p` of the inverse distance.

        Args:
            coupling (numpy.ndarray): The coupling of each pair (1 where the
                interaction is present, the product of charges for
                Coulomb), of any shape.

        Shapes:
            - **input:** :math:`(*)`
            - **output:** dict of arrays of shape :math:`(*)`
        """
        raise NotImplementedError

    def negated(self) -> 'Interaction':
        r"""Returns the same interaction with the opposite strength."""
        return replace(self, strength=-self.strength)


@dataclass(frozen=True)
class IdealSpring(Interaction):
    r"""Hooke spring with rest length zero,
    :math:`\mathbf{F}_i = -k \sum_j A_{ij} \mathbf{r}_{ij}`.
    """
    name: str = 'ideal_springs'
    strength: float = 0.1

    def terms(self, coupling: np.ndarray) -> Dict[int, np.ndarray]:
        return {0: -self.strength * coupling}


@dataclass(frozen=True)
class FiniteSpring(Interaction):
    r"""Hooke spring with rest length :math:`\ell`,
    :math:`\mathbf{F}_i = -k \sum_j A_{ij} (1 - \ell / d_{ij})
    \mathbf{r}_{ij}`; it exerts no force at :math:`d_{ij} = \ell`.

    Args:
        rest_length (float): The rest length :math:`\ell`.
            (default: :obj:`1.0`)
    """
    name: str = 'finite_springs'
    strength: float = 0.1
    rest_length: float = 1.0

    def terms(self, coupling: np.ndarray) -> Dict[int, np.ndarray]:
        scaled = self.strength * coupling
        return {0: -scaled, 1: self.rest_length * scaled}


@dataclass(frozen=True)
class Coulomb(Interaction):
    r"""Coulomb interaction
    :math:`\mathbf{F}_i = k \sum_j q_i q_j \mathbf{r}_{ij} / d_{ij}^3`
    (like charges repel). The coupling is the product :math:`q_i q_j`.
    """
    name: str = 'charges'
    strength: float = 1.0

    def terms(self, coupling: np.ndarray) -> Dict[int, np.ndarray]:
        return {3: self.strength * coupling}
