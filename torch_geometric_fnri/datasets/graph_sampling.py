r"""Samplers of interaction graphs.

Every sampler has the signature ``sampler(rng, num_simulations,
num_particles)`` and returns coupling matrices of shape :obj:`[S, N, N]`
(float64, zero diagonal) indexed ``[receiver, sender]``. They are
symmetric except those of :class:`DirectedBernoulliPairs`, which draws the
two directions of a pair independently (for a directed
:class:`~torch_geometric_fnri.datasets.systems.InteractionLayer`).
All draws come from the given :class:`numpy.random.Generator`, so graphs
are reproducible (the fNRI reference draws them from Python's unseeded
:mod:`random` module).
"""
from dataclasses import dataclass
from typing import Tuple

import numpy as np


def pair_indices(num_particles: int):
    r"""Returns the unordered pairs :math:`i < j` in row-major order
    (:func:`numpy.triu_indices` with offset 1), as two arrays of length
    :math:`N (N - 1) / 2`."""
    return np.triu_indices(num_particles, k=1)


def ordered_pair_indices(num_particles: int):
    r"""Returns the ordered pairs :math:`i \neq j` as two arrays
    ``(receiver, sender)`` of length :math:`N (N - 1)`, sorted by receiver
    then sender (the edge order of
    :func:`~torch_geometric_fnri.utils.fully_connected_edge_index`, whose
    edge :math:`j \to i` is the pair ``(i, j)``)."""
    return np.nonzero(~np.eye(num_particles, dtype=bool))


def pairs_to_dense(values: np.ndarray, num_particles: int) -> np.ndarray:
    r"""Writes per-pair values :obj:`[S, P]` into symmetric matrices
    :obj:`[S, N, N]` with zero diagonal."""
    row, col = pair_indices(num_particles)
    out = np.zeros(values.shape[:-1] + (num_particles, num_particles))
    out[..., row, col] = values
    out[..., col, row] = values
    return out


def increasing_values(values, name: str) -> Tuple[float, ...]:
    r"""Returns coupling values as a tuple of floats; raises a
    :class:`ValueError` naming the argument :obj:`name` unless they are at
    least two finite numbers in strictly increasing order."""
    out = tuple(float(v) for v in values)
    if len(out) < 2 or not np.isfinite(out).all() or not all(
            a < b for a, b in zip(out, out[1:])):
        raise ValueError(f"'{name}' must be at least two finite numbers in "
                         f"strictly increasing order (got {values!r})")
    return out


def _random_subsets(rng: np.random.Generator, counts: np.ndarray,
                    size: int) -> np.ndarray:
    # A uniformly random subset of `counts[s]` of `size` items per row: the
    # items whose rank in a random permutation is below the count.
    rank = rng.random((counts.shape[0], size)).argsort(1).argsort(1)
    return (rank < counts[:, None]).astype(np.float64)


@dataclass(frozen=True)
class BernoulliPairs:
    r"""Each unordered pair is coupled independently with probability
    :obj:`p` (NRI springs).

    Args:
        p (float): The edge probability. (default: :obj:`0.5`)
    """
    p: float = 0.5

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        num_pairs = num_particles * (num_particles - 1) // 2
        on = rng.random((num_simulations, num_pairs)) < self.p
        return pairs_to_dense(on.astype(np.float64), num_particles)


@dataclass(frozen=True)
class DirectedBernoulliPairs:
    r"""Each ordered pair :math:`j \to i` is coupled independently with
    probability :obj:`p`, so :math:`c_{ij}` and :math:`c_{ji}` are
    independent draws (one-way interactions of a directed layer).

    Args:
        p (float): The edge probability, in :math:`[0, 1]`.
            (default: :obj:`0.5`)
    """
    p: float = 0.5

    def __post_init__(self):
        if isinstance(self.p, bool) or not isinstance(
                self.p, (int, float)) or not 0 <= self.p <= 1:
            raise ValueError(f"'p' must be a number in [0, 1] "
                             f"(got {self.p!r})")

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        receiver, sender = ordered_pair_indices(num_particles)
        on = rng.random((num_simulations, receiver.shape[0])) < self.p
        out = np.zeros((num_simulations, num_particles, num_particles))
        out[:, receiver, sender] = on
        return out


@dataclass(frozen=True)
class CategoricalPairs:
    r"""Each unordered pair independently takes one of the coupling
    :obj:`values` with the given :obj:`probabilities` (e.g. none / weak /
    strong springs). One uniform draw per pair, as :class:`BernoulliPairs`,
    selects the value whose cumulative-probability bin contains it.

    Args:
        values (tuple of float): The coupling values, strictly increasing.
        probabilities (tuple of float): The probability of each value, as
            many as :obj:`values`, non-negative and summing to 1.
    """
    values: Tuple[float, ...]
    probabilities: Tuple[float, ...]

    def __post_init__(self):
        values = increasing_values(self.values, 'values')
        probabilities = tuple(float(p) for p in self.probabilities)
        if len(probabilities) != len(values):
            raise ValueError(f"'probabilities' must have one entry per "
                             f"value ({len(values)}) (got "
                             f"{self.probabilities!r})")
        if not all(p >= 0 for p in probabilities) or not np.isclose(
                sum(probabilities), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"'probabilities' must be non-negative and sum "
                             f"to 1 (got {self.probabilities!r})")
        object.__setattr__(self, 'values', values)
        object.__setattr__(self, 'probabilities', probabilities)

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        num_pairs = num_particles * (num_particles - 1) // 2
        uniform = rng.random((num_simulations, num_pairs))
        # The last edge is 1 even where the cumulative sum rounds below it.
        edges = np.cumsum(self.probabilities)[:-1]
        index = np.searchsorted(edges, uniform, side='right')
        return pairs_to_dense(np.asarray(self.values)[index], num_particles)


@dataclass(frozen=True)
class UniformCountPairs:
    r"""The number of coupled pairs is uniform over
    :math:`\{0, \dots, N (N - 1) / 2\}`; the coupled pairs are a uniformly
    random subset of that size (fNRI springs, ``uniform_draw=True``)."""

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        num_pairs = num_particles * (num_particles - 1) // 2
        counts = rng.integers(0, num_pairs, size=num_simulations,
                              endpoint=True)
        on = _random_subsets(rng, counts, num_pairs)
        return pairs_to_dense(on, num_particles)


@dataclass(frozen=True)
class UniformCountCharges:
    r"""The number of charged particles is uniform over
    :math:`\{1, \dots, N\}`, all with charge :math:`+1`; the coupling is
    :math:`c_i c_j` (fNRI charges: every charge interaction repels)."""

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        counts = rng.integers(1, num_particles, size=num_simulations,
                              endpoint=True)
        charge = _random_subsets(rng, counts, num_particles)
        out = charge[:, :, None] * charge[:, None, :]
        out[:, np.arange(num_particles), np.arange(num_particles)] = 0.
        return out


@dataclass(frozen=True)
class RandomSignCharges:
    r"""Every particle has charge :math:`\pm 1` with probability
    :math:`1/2`; the coupling is :math:`q_i q_j` (NRI charged)."""

    def __call__(self, rng: np.random.Generator, num_simulations: int,
                 num_particles: int) -> np.ndarray:
        charge = np.where(rng.random((num_simulations, num_particles)) < 0.5,
                          -1., 1.)
        out = charge[:, :, None] * charge[:, None, :]
        out[:, np.arange(num_particles), np.arange(num_particles)] = 0.
        return out
