r"""Vectorised simulation of particle systems.

All trajectories of a call advance together; the only Python loop runs over
time steps. The integrator follows the NRI / fNRI reference exactly
(kick-first semi-implicit Euler with a full first kick):

1. reflect the initial state at the walls (the initial state is not saved);
2. initial kick :math:`\mathbf{v} \leftarrow \mathbf{v} + \Delta t \,
   \mathrm{clip}(\mathbf{F}(\mathbf{x}))`;
3. for :math:`i = 1, \dots`: drift :math:`\mathbf{x} \leftarrow \mathbf{x}
   + \Delta t \, \mathbf{v}`, reflect at the walls, save
   :math:`(\mathbf{x}, \mathbf{v})` if :math:`i` is a multiple of
   ``sample_freq``, kick.

Forces are clipped per Cartesian component to :math:`\pm` ``max_force``.
A wall reflection maps :math:`x > b` to :math:`2b - x` with
:math:`v \leftarrow -|v|`, then :math:`x < -b` to :math:`-2b - x` with
:math:`v \leftarrow |v|`, per coordinate.

Deliberate differences from the reference:

* squared distances are a direct sum of squared differences (the reference
  uses :math:`|a|^2 + |b|^2 - 2 a \cdot b`, which can turn negative) and
  distances are clamped from below by ``MIN_DISTANCE`` :math:`= 10^{-8}`,
  so nearly coincident charges give a large but finite force (clipped to
  ``max_force``) instead of NaN;
* the fNRI reference uses an attractive charge force in the initial kick
  only (a sign bug); here every kick uses the same forces. Pass
  ``reference_initial_kick_bug=True`` to reproduce the bug (it negates the
  :class:`~torch_geometric_fnri.datasets.interactions.Coulomb` terms of
  the initial kick);
* a position beyond three box sizes raises :class:`RuntimeError` (the
  reference asserts);
* no observation noise is drawn.

Internally each chunk of :math:`S` trajectories is stored as
:obj:`[2, N, S]` (simulation axis last, so every elementwise operation
runs over long contiguous rows) and the pairwise sums are matrix products
over the evaluated pairs:

* when every layer is undirected (symmetric couplings), the
  :math:`N \times P` pair incidence matrix (:math:`P = N (N - 1) / 2`
  unordered pairs :math:`i < j`, :math:`+1` at :math:`i`, :math:`-1` at
  :math:`j`) gathers the displacements and scatters each pair force onto
  both particles with opposite signs, so each pair is evaluated once;
* when a layer is ``directed`` (see
  :class:`~torch_geometric_fnri.datasets.systems.InteractionLayer`), the
  :math:`N (N - 1)` ordered pairs (receiver :math:`i`, sender :math:`j`)
  are evaluated instead: the signed incidence gathers
  :math:`\mathbf{x}_i - \mathbf{x}_j` and an :math:`N \times N (N - 1)`
  receiver indicator scatters the force of coupling :math:`c_{ij}` onto
  :math:`i` alone. The undirected layers of such a system enter with
  :math:`c_{ij} = c_{ji}` in both directions, which gives their pair
  forces again.

Below :data:`SPARSE_FROM_NUM_PARTICLES` particles the incidence matrices
are dense, cover every pair and all trajectories of a call advance
together. From that many particles on (where the dense incidence, with
:math:`N^2 (N - 1) / 2` entries, would take gigabytes: 8 GB at
:math:`N = 1000`) they are :mod:`scipy.sparse` matrices over the pairs
with a non-zero coupling in some trajectory, and the trajectories advance
in groups of at most :data:`MAX_GROUP_PAIR_ENTRIES` / :math:`P`, so that
the memory of a step stays bounded and a sparse interaction graph costs
time in proportion to its edges. A pair left out would only add an exact
zero, so the grouping changes no trajectory.

(Float64 numpy measured faster than the same operations in CPU torch at
these sizes.)
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Dict, NamedTuple, Optional, Tuple, Union

import numpy as np
import scipy.sparse

from torch_geometric_fnri.utils.int_checks import check_int
from torch_geometric_fnri.utils.progress import ProgressBar, progress_enabled

from .graph_sampling import ordered_pair_indices, pair_indices
from .interactions import Coulomb
from .systems import PhysicsSystem, get_system

DT = 1e-3
MAX_FORCE = 0.1 / DT
MIN_DISTANCE = 1e-8
DEFAULT_CHUNK_SIZE = 1000
#: From this many particles on the integrator evaluates the coupled pairs
#: only, through sparse incidence matrices, in groups of trajectories.
SPARSE_FROM_NUM_PARTICLES = 64
#: The most (pair, trajectory) entries of a group in the sparse regime.
MAX_GROUP_PAIR_ENTRIES = 1 << 22

SeedLike = Union[int, np.random.SeedSequence]


class Trajectories(NamedTuple):
    r"""Simulated trajectories in the reference file layout.

    Attributes:
        loc (numpy.ndarray): Positions :obj:`[S, T, 2, N]` float64.
        vel (numpy.ndarray): Velocities :obj:`[S, T, 2, N]` float64.
        couplings (numpy.ndarray): Couplings :obj:`[S, L, N, N]` float64
            indexed ``[receiver, sender]``.
    """
    loc: np.ndarray
    vel: np.ndarray
    couplings: np.ndarray


def num_frames(num_steps: int, sample_freq: int) -> int:
    r"""The number of saved frames, :math:`\lfloor (T_{sim} - 1) /
    f \rfloor` (:obj:`99` for :obj:`10000` steps and :obj:`f = 100`)."""
    return (num_steps - 1) // sample_freq


def sample_initial_state(
    system: PhysicsSystem,
    rng: np.random.Generator,
    num_simulations: int,
    num_particles: int,
) -> Tuple[np.ndarray, np.ndarray]:
    r"""Draws initial positions :math:`\sigma \mathcal{N}(0, 1)` and
    velocities of norm ``vel_norm`` in uniformly random directions.

    Shapes:
        - **output:** two arrays of shape :math:`(S, 2, N)`
    """
    shape = (num_simulations, 2, num_particles)
    loc = system.loc_std * rng.standard_normal(shape)
    vel = rng.standard_normal(shape)
    vel *= system.vel_norm / np.sqrt((vel**2).sum(1, keepdims=True))
    return loc, vel


def _check_positive_int(value, name: str, minimum: int = 1) -> None:
    check_int(name, value, minimum)


def _reflect(pos: np.ndarray, vel: np.ndarray, box: float) -> None:
    outside = np.abs(pos) > box
    if not outside.any():
        return
    if (np.abs(pos[outside]) >= 3 * box).any():
        raise RuntimeError(f'A particle left the range of three box sizes '
                           f'(|x| >= {3 * box}); the simulation is unstable')
    over = pos > box
    pos[over] = 2 * box - pos[over]
    vel[over] = -np.abs(vel[over])
    under = pos < -box
    pos[under] = -2 * box - pos[under]
    vel[under] = np.abs(vel[under])


class _EvaluatedPairs(NamedTuple):
    # The pairs a force field evaluates: index arrays `first`, `second`
    # [P] (displacement x_first - x_second under the coupling
    # [first, second]), the matrix `gather` [P, N] that forms the
    # displacements from positions and `scatter` [N, P] that adds the pair
    # forces onto the particles (dense arrays, or sparse ones from
    # SPARSE_FROM_NUM_PARTICLES on).
    first: np.ndarray
    second: np.ndarray
    gather: Union[np.ndarray, scipy.sparse.csr_array]
    scatter: Union[np.ndarray, scipy.sparse.csr_array]


def _evaluated_pairs(couplings: np.ndarray,
                     directed: bool) -> _EvaluatedPairs:
    # Undirected: the unordered pairs i < j, each force scattered by the
    # pair incidence (+1 at i, -1 at j). Directed: the ordered pairs
    # (receiver, sender), each force scattered onto the receiver only (the
    # positive part of the incidence). Sparse from SPARSE_FROM_NUM_PARTICLES
    # on, and then only the pairs with a non-zero coupling [S, L, N, N] in
    # some layer and trajectory.
    num_particles = couplings.shape[-1]
    first, second = (ordered_pair_indices if directed else pair_indices)(
        num_particles)
    sparse = num_particles >= SPARSE_FROM_NUM_PARTICLES
    if sparse:
        coupled = (couplings[:, :, first, second] != 0).any(axis=(0, 1))
        first, second = first[coupled], second[coupled]
    num_pairs = first.shape[0]
    pair = np.arange(num_pairs)
    rows = np.concatenate([first, second])
    values = np.concatenate([np.ones(num_pairs), -np.ones(num_pairs)])
    incidence = scipy.sparse.csr_array(
        (values, (rows, np.concatenate([pair, pair]))),
        shape=(num_particles, num_pairs))
    scatter = incidence.maximum(0.) if directed else incidence
    if sparse:
        return _EvaluatedPairs(first, second, incidence.T.tocsr(),
                               scatter.tocsr())
    return _EvaluatedPairs(first, second,
                           np.ascontiguousarray(incidence.T.toarray()),
                           scatter.toarray())


def _group_size(num_simulations: int, num_particles: int,
                directed: bool) -> int:
    # Trajectories that advance together: all of them below
    # SPARSE_FROM_NUM_PARTICLES, else at most MAX_GROUP_PAIR_ENTRIES (pair,
    # trajectory) entries over all pairs.
    if num_particles < SPARSE_FROM_NUM_PARTICLES:
        return num_simulations
    num_pairs = num_particles * (num_particles - 1)
    if not directed:
        num_pairs //= 2
    return max(1, MAX_GROUP_PAIR_ENTRIES // num_pairs)


def _product(matrix, array: np.ndarray, out: np.ndarray) -> np.ndarray:
    # `matrix` [M, K] (dense or sparse) times each coordinate of `array`
    # [2, K, S], written into `out` [2, M, S].
    if isinstance(matrix, np.ndarray):
        return np.matmul(matrix, array, out=out)
    for coordinate in range(array.shape[0]):
        out[coordinate] = matrix @ array[coordinate]
    return out


class _ForceField:
    # Pairwise forces of one chunk, positions [2, N, S] -> forces [2, N, S].
    def __init__(self, coefficients: Dict[int, np.ndarray],
                 pairs: _EvaluatedPairs, max_force: float):
        num_sims = next(iter(coefficients.values())).shape[-1]
        num_particles, num_pairs = pairs.scatter.shape
        self.gather = pairs.gather
        self.scatter = pairs.scatter
        self.constant = coefficients.get(0, np.zeros((num_pairs, num_sims)))
        self.powers = {p: c for p, c in coefficients.items() if p != 0}
        self.max_force = max_force
        self.diff = np.empty((2, num_pairs, num_sims))
        self.size = np.empty((num_pairs, num_sims))
        self.inv = np.empty((num_pairs, num_sims))
        self.tmp = np.empty((num_pairs, num_sims))
        self.force = np.empty((2, num_particles, num_sims))

    def __call__(self, pos: np.ndarray) -> np.ndarray:
        diff = _product(self.gather, pos, self.diff)
        if self.powers:
            inv, tmp, size = self.inv, self.tmp, self.size
            np.multiply(diff[0], diff[0], out=inv)
            np.multiply(diff[1], diff[1], out=tmp)
            inv += tmp
            np.maximum(inv, MIN_DISTANCE**2, out=inv)
            np.sqrt(inv, out=inv)
            np.divide(1., inv, out=inv)
            np.copyto(size, self.constant)
            for power, coef in self.powers.items():
                np.multiply(coef, inv, out=tmp)
                for _ in range(power - 1):
                    tmp *= inv
                size += tmp
        else:
            size = self.constant
        diff *= size
        force = _product(self.scatter, diff, self.force)
        np.minimum(force, self.max_force, out=force)
        np.maximum(force, -self.max_force, out=force)
        return force


def _coefficients(system: PhysicsSystem, couplings: np.ndarray,
                  pairs: _EvaluatedPairs,
                  negate_coulomb: bool = False) -> Dict[int, np.ndarray]:
    # Sum of all interaction terms per inverse-distance power, per
    # evaluated pair: couplings [S, L, N, N] -> {power: [P, S]}.
    out: Dict[int, np.ndarray] = {}
    for index, layer in enumerate(system.layers):
        interaction = layer.interaction
        if negate_coulomb and isinstance(interaction, Coulomb):
            interaction = interaction.negated()
        pair_couplings = couplings[:, index, pairs.first, pairs.second].T
        for power, coef in interaction.terms(pair_couplings).items():
            out[power] = out[power] + coef if power in out else coef
    return {p: np.ascontiguousarray(c) for p, c in out.items()}


def _check_state(array, name: str, num_sims: Optional[int]) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.ndim != 3 or array.shape[1] != 2 or array.shape[2] < 2:
        raise ValueError(f"'{name}' must have shape [S, 2, N] with N >= 2 "
                         f"(got {array.shape})")
    if num_sims is not None and array.shape[0] != num_sims:
        raise ValueError(f"'{name}' must have {num_sims} simulations in "
                         f"dim 0 (got {array.shape})")
    if not np.isfinite(array).all():
        raise ValueError(f"'{name}' must be finite (got NaN or inf)")
    return array


def simulate(
    system: Union[str, PhysicsSystem],
    couplings: np.ndarray,
    loc: np.ndarray,
    vel: np.ndarray,
    num_steps: int = 10000,
    sample_freq: int = 100,
    dt: float = DT,
    max_force: float = MAX_FORCE,
    reference_initial_kick_bug: bool = False,
) -> Tuple[np.ndarray, np.ndarray]:
    r"""Integrates given graphs and initial states (see the module
    docstring for the scheme).

    Args:
        system (str or PhysicsSystem): The system (its interactions and
            box size are used).
        couplings (numpy.ndarray): The couplings of every layer, indexed
            ``[receiver, sender]``; symmetric unless the layer is
            ``directed``.
        loc (numpy.ndarray): Initial positions.
        vel (numpy.ndarray): Initial velocities.
        num_steps (int, optional): The number of integration steps
            :math:`T_{sim}`. (default: :obj:`10000`)
        sample_freq (int, optional): Save every ``sample_freq``-th step.
            (default: :obj:`100`)
        dt (float, optional): The time step. (default: :obj:`1e-3`)
        max_force (float, optional): The per-component force clip.
            (default: :obj:`100.0`)
        reference_initial_kick_bug (bool, optional): Negate the Coulomb
            force in the initial kick as the fNRI reference does.
            (default: :obj:`False`)

    Shapes:
        - **input:** couplings :math:`(S, L, N, N)`, loc and vel
          :math:`(S, 2, N)`
        - **output:** positions and velocities :math:`(S, T, 2, N)` with
          :math:`T = \lfloor (T_{sim} - 1) / f \rfloor`
    """
    system = get_system(system)
    _check_positive_int(num_steps, 'num_steps')
    _check_positive_int(sample_freq, 'sample_freq')
    frames = num_frames(num_steps, sample_freq)
    if frames < 1:
        raise ValueError(f"'num_steps' must exceed 'sample_freq' to save at "
                         f"least one frame (got num_steps={num_steps}, "
                         f"sample_freq={sample_freq})")
    loc = _check_state(loc, 'loc', None)
    num_sims, _, num_particles = loc.shape
    vel = _check_state(vel, 'vel', num_sims)
    couplings = np.asarray(couplings, dtype=np.float64)
    expected = (num_sims, len(system.layers), num_particles, num_particles)
    if couplings.shape != expected:
        raise ValueError(f"'couplings' must have shape {list(expected)} "
                         f"[S, L, N, N] for system '{system.name}' "
                         f"(got {list(couplings.shape)})")
    if not np.isfinite(couplings).all():
        raise ValueError("'couplings' must be finite (got NaN or inf)")
    for index, layer in enumerate(system.layers):
        layer_couplings = couplings[:, index]
        if not layer.directed and not np.array_equal(
                layer_couplings, layer_couplings.swapaxes(-1, -2)):
            raise ValueError(
                f"'couplings' must be symmetric in its last two dimensions "
                f"for the undirected layer {index} "
                f"('{layer.interaction.name}') of system '{system.name}' "
                f"(its forces act on both particles of a pair); one-way "
                f"couplings need InteractionLayer(..., directed=True)")

    out_loc = np.empty((num_sims, frames, 2, num_particles))
    out_vel = np.empty((num_sims, frames, 2, num_particles))
    size = _group_size(num_sims, num_particles, system.directed)
    for start in range(0, num_sims, size):
        group = slice(start, start + size)
        _integrate(system, couplings[group], loc[group], vel[group],
                   sample_freq, dt, max_force, reference_initial_kick_bug,
                   out_loc[group], out_vel[group])
    return out_loc, out_vel


def _integrate(system: PhysicsSystem, couplings: np.ndarray,
               loc: np.ndarray, vel: np.ndarray, sample_freq: int,
               dt: float, max_force: float, reference_initial_kick_bug: bool,
               out_loc: np.ndarray, out_vel: np.ndarray) -> None:
    # Integrates one group of checked trajectories (couplings [S, L, N, N],
    # loc and vel [S, 2, N]) and writes every frame into out_loc and
    # out_vel [S, T, 2, N].
    box = system.box_size
    frames = out_loc.shape[1]
    # Internal layout [2, N, S]; always copies (the inputs stay intact).
    pos = loc.transpose(1, 2, 0).copy()
    vel = vel.transpose(1, 2, 0).copy()
    pairs = _evaluated_pairs(couplings, system.directed)
    force = _ForceField(_coefficients(system, couplings, pairs), pairs,
                        max_force)

    _reflect(pos, vel, box)
    if reference_initial_kick_bug:
        first = _ForceField(_coefficients(system, couplings, pairs, True),
                            pairs, max_force)
        kick = first(pos)
    else:
        kick = force(pos)
    kick *= dt
    vel += kick
    step = np.empty_like(pos)
    # Steps after the last saved frame cannot change the output.
    for i in range(1, frames * sample_freq + 1):
        np.multiply(vel, dt, out=step)
        pos += step
        _reflect(pos, vel, box)
        if i % sample_freq == 0:
            frame = i // sample_freq - 1
            out_loc[:, frame] = pos.transpose(2, 0, 1)
            out_vel[:, frame] = vel.transpose(2, 0, 1)
            if frame == frames - 1:
                break
        kick = force(pos)
        kick *= dt
        vel += kick


def _child_seed(seed: np.random.SeedSequence,
                index: int) -> np.random.SeedSequence:
    # Deterministic equivalent of the index-th `seed.spawn()` child that
    # does not depend on how many children were spawned before.
    return np.random.SeedSequence(seed.entropy,
                                  spawn_key=seed.spawn_key + (index, ),
                                  pool_size=seed.pool_size)


def _to_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.SeedSequence(int(seed))
    raise TypeError(f"'seed' must be an int or a numpy.random.SeedSequence "
                    f"(got {type(seed).__name__})")


def _simulate_chunk(args) -> Trajectories:
    (system, seed, size, num_particles, num_steps, sample_freq,
     reference_initial_kick_bug) = args
    rng = np.random.default_rng(seed)
    couplings = system.sample_couplings(rng, size, num_particles)
    loc, vel = sample_initial_state(system, rng, size, num_particles)
    loc, vel = simulate(system, couplings, loc, vel, num_steps, sample_freq,
                        reference_initial_kick_bug=reference_initial_kick_bug)
    return Trajectories(loc, vel, couplings)


def simulate_system(
    system: Union[str, PhysicsSystem],
    num_simulations: int,
    num_particles: int = 5,
    num_steps: int = 10000,
    sample_freq: int = 100,
    seed: SeedLike = 42,
    num_workers: int = 1,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    reference_initial_kick_bug: bool = False,
    mp_context: str = 'spawn',
    progress: Optional[bool] = False,
    desc: str = 'simulating',
) -> Trajectories:
    r"""Samples graphs and initial states and simulates them.

    The simulations are split into chunks of ``chunk_size``; chunk
    :math:`c` draws graphs, then positions, then velocities from its own
    stream :obj:`SeedSequence(seed).spawn(...)[c]`, so the result depends
    on ``seed`` and ``chunk_size`` but not on ``num_workers``.

    Args:
        system (str or PhysicsSystem): The system (see
            :data:`~torch_geometric_fnri.datasets.systems.SYSTEMS`).
        num_simulations (int): The number of trajectories :math:`S`.
        num_particles (int, optional): :math:`N \geq 2`.
            (default: :obj:`5`)
        num_steps (int, optional): Integration steps per trajectory.
            (default: :obj:`10000`)
        sample_freq (int, optional): Save every ``sample_freq``-th step.
            (default: :obj:`100`)
        seed (int or numpy.random.SeedSequence, optional): The seed.
            (default: :obj:`42`)
        num_workers (int, optional): Worker processes; :obj:`1` runs in
            this process. (default: :obj:`1`)
        chunk_size (int, optional): Trajectories per chunk.
            (default: :obj:`1000`)
        reference_initial_kick_bug (bool, optional): See :func:`simulate`.
            (default: :obj:`False`)
        mp_context (str, optional): The :mod:`multiprocessing` start
            method of the workers. (default: :obj:`'spawn'`)
        progress (bool, optional): Show a progress bar over the
            trajectories (needs :mod:`tqdm`); :obj:`None` shows it only on a
            terminal. (default: :obj:`False`)
        desc (str, optional): The label of the progress bar.
            (default: :obj:`'simulating'`)

    Returns:
        :class:`Trajectories` with positions and velocities
        :obj:`[S, T, 2, N]` and couplings :obj:`[S, L, N, N]`.
    """
    system = get_system(system)
    _check_positive_int(num_simulations, 'num_simulations')
    _check_positive_int(num_particles, 'num_particles', minimum=2)
    _check_positive_int(num_workers, 'num_workers')
    _check_positive_int(chunk_size, 'chunk_size')
    seed = _to_seed_sequence(seed)
    starts = list(range(0, num_simulations, chunk_size))
    tasks = [(system, _child_seed(seed, c), min(chunk_size,
                                                num_simulations - start),
              num_particles, num_steps, sample_freq,
              reference_initial_kick_bug) for c, start in enumerate(starts)]
    bar = ProgressBar(num_simulations, desc, progress_enabled(progress))

    def collect(chunks):
        results = []
        for result in chunks:  # Trajectories of one chunk.
            results.append(result)
            bar.update(len(result.loc))
        return results

    if num_workers == 1 or len(tasks) == 1:
        results = collect(map(_simulate_chunk, tasks))
    else:
        context = multiprocessing.get_context(mp_context)
        with ProcessPoolExecutor(min(num_workers, len(tasks)),
                                 mp_context=context) as pool:
            results = collect(pool.map(_simulate_chunk, tasks))
    bar.close()
    return Trajectories(*(np.concatenate(parts)
                          for parts in zip(*results)))
