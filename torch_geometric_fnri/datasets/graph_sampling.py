r"""Samplers of interaction graphs.

Every sampler has the signature ``sampler(rng, num_simulations,
num_particles)`` and returns symmetric coupling matrices of shape
:obj:`[S, N, N]` (float64, zero diagonal) indexed ``[receiver, sender]``.
All draws come from the given :class:`numpy.random.Generator`, so graphs
are reproducible (the fNRI reference draws them from Python's unseeded
:mod:`random` module).
"""
from dataclasses import dataclass

import numpy as np


def pair_indices(num_particles: int):
    r"""Returns the unordered pairs :math:`i < j` in row-major order
    (:func:`numpy.triu_indices` with offset 1), as two arrays of length
    :math:`N (N - 1) / 2`."""
    return np.triu_indices(num_particles, k=1)


def pairs_to_dense(values: np.ndarray, num_particles: int) -> np.ndarray:
    r"""Writes per-pair values :obj:`[S, P]` into symmetric matrices
    :obj:`[S, N, N]` with zero diagonal."""
    row, col = pair_indices(num_particles)
    out = np.zeros(values.shape[:-1] + (num_particles, num_particles))
    out[..., row, col] = values
    out[..., col, row] = values
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
