r"""Swing dynamics of a power grid: second-order Kuramoto oscillators on
the buses of an IEEE test grid, with the grid's lines as the latent graph.

Every bus :math:`i` is a synchronous machine (a generator where
:math:`P_i > 0`, a motor standing for a load where :math:`P_i < 0`) with
phase :math:`\theta_i` relative to the frame rotating at the nominal
frequency and frequency deviation :math:`\omega_i = d\theta_i / dt`:

.. math::
    m \, \frac{d^2\theta_i}{dt^2} + d \, \frac{d\theta_i}{dt} =
    P_i - \sum_j K_{ij} \sin(\theta_i - \theta_j),

the model of Filatrella, Nielsen & Pedersen (Analysis of a power grid
using a Kuramoto-like model, Eur. Phys. J. B 61, 485-491, 2008) studied
on networks by Rohden, Sorge, Timme & Witthaut (Self-organized
synchronization in decentralized power grids, Phys. Rev. Lett. 109,
064101, 2012). It is the classical swing equation of power engineering
(P. Kundur, Power System Stability and Control, McGraw-Hill 1994, ch. 3),
:math:`(2H / \omega_s) \, \ddot\delta = P_m - P_e - K_D \Delta\omega_r`
with :math:`\Delta\omega_r = \dot\delta / \omega_s`, in per unit, with the
electrical power :math:`P_e` of lossless lines at 1 p.u. voltage. The
constants of :class:`SwingSystem`:

* :math:`P_i` and :math:`K_{ij}`: the net power and the line
  susceptances :math:`b_{ij}` of the grid, per unit on its base power
  (:func:`~torch_geometric_fnri.datasets.power_grids.load_power_grid`),
  or a uniform :math:`K_{ij} = K` on every line with :obj:`coupling`;
* :math:`m = 2H / \omega_s = 0.0265` p.u. s² on every bus: inertia
  constant :math:`H = 5` s, within the typical range of thermal
  generating units (Kundur, ch. 3), and :math:`\omega_s = 2\pi \cdot 60`
  rad/s, the nominal frequency of the North American IEEE test grids;
* :math:`d = K_D / \omega_s = 0.0053` p.u. s with :math:`K_D = 2` p.u.
  (this package's choice): the damping time :math:`m / d = 2H / K_D = 5`
  s is longer than a trajectory of the defaults (1.96 s), so that the
  oscillations of the network modes (0.28-66 Hz across the six grids)
  stay in view;
* the time step :math:`10^{-3}` s (the stiffest grid, ``case300``, has
  a fastest mode of 412 rad/s, 0.41 rad per step, well inside the
  stability range of the fourth-order Runge-Kutta scheme).

Every simulation starts from a disturbance of the synchronous state
:math:`\theta^*` (:meth:`SwingSystem.synchronous_state`, the operating
point at which every bus turns at the nominal frequency): phases
:math:`\theta^*_i + \mathcal{N}(0, 0.1^2)` rad and frequencies
:math:`\mathcal{N}(0, 1)` rad/s. The grid stays synchronous and rings
down towards :math:`\theta^*` (up to a common phase): a trajectory shows
the network's modes, whose shapes are those of the coupling graph.

The observed features of a bus at every frame (:func:`swing_features`)
are :math:`\sin\theta_i`, :math:`\cos\theta_i` (continuous where the
phase wraps), :math:`\omega_i` (rad/s) and :math:`P_i` (the same at every
frame, as the intrinsic frequency of the Kuramoto data: the power a bus
generates or draws is known to a grid operator).
"""
from dataclasses import dataclass
from typing import List, NamedTuple, Optional, Tuple, Union

import numpy as np
import scipy.optimize
import scipy.sparse

from .graph_families import random_relabelling
from .kuramoto import _check_array
from .power_grids import GRID_CASES, PowerGrid, load_power_grid
from .simulation import _check_positive_int

#: The nominal frequency of the IEEE test grids (Hz).
NOMINAL_FREQUENCY = 60.0
#: :math:`\omega_s = 2\pi f` (rad/s).
SYNCHRONOUS_SPEED = 2 * np.pi * NOMINAL_FREQUENCY
#: The inertia constant :math:`H` (s) of every bus.
INERTIA_CONSTANT = 5.0
#: The damping coefficient :math:`K_D` (p.u.) of every bus.
DAMPING_COEFFICIENT = 2.0
#: :math:`m = 2H / \omega_s` (p.u. s²).
INERTIA = 2 * INERTIA_CONSTANT / SYNCHRONOUS_SPEED
#: :math:`d = K_D / \omega_s` (p.u. s).
DAMPING = DAMPING_COEFFICIENT / SYNCHRONOUS_SPEED
#: The time step (s).
DT = 1e-3
#: Time steps between saved frames (a frame every 20 ms).
SAMPLE_FREQ = 20
#: The features of every frame, in order (see the module docstring).
FEATURE_NAMES = ('sin_phase', 'cos_phase', 'frequency', 'net_power')


def _check_number(name: str, value, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(
            value, (int, float, np.integer, np.floating)) or not (
                np.isfinite(value) and (value > 0 if positive
                                        else value >= 0)):
        raise ValueError(f"'{name}' must be a finite number "
                         f"{'> 0' if positive else '>= 0'} "
                         f"(got {value!r})")
    return float(value)


@dataclass(frozen=True)
class SwingSystem:
    r"""The constants of swing dynamics on an IEEE test grid (see the
    module docstring). Its :func:`repr` is part of the cache key of
    :class:`~torch_geometric_fnri.datasets.PowerGridDataset`.

    Args:
        grid (str, optional): One of
            :data:`~torch_geometric_fnri.datasets.power_grids.GRID_CASES`.
            (default: :obj:`'case14'`)
        coupling (float, optional): A uniform :math:`K_{ij} = K > 0` (p.u.)
            on every line instead of the line susceptances.
            (default: :obj:`None`: the susceptances)
        inertia (float, optional): :math:`m > 0`.
            (default: :math:`2H/\omega_s`, :data:`INERTIA`)
        damping (float, optional): :math:`d \geq 0`.
            (default: :math:`K_D/\omega_s`, :data:`DAMPING`)
        phase_std (float, optional): The standard deviation of the initial
            phases around :math:`\theta^*` (rad). (default: :obj:`0.1`)
        frequency_std (float, optional): The standard deviation of the
            initial frequencies (rad/s). (default: :obj:`1.0`)
        dt (float, optional): The time step (s). (default: :obj:`1e-3`)
    """
    grid: str = 'case14'
    coupling: Optional[float] = None
    inertia: float = INERTIA
    damping: float = DAMPING
    phase_std: float = 0.1
    frequency_std: float = 1.0
    dt: float = DT

    def __post_init__(self):
        if self.grid not in GRID_CASES:
            raise ValueError(f"'grid' must be one of {list(GRID_CASES)} "
                             f"(got {self.grid!r})")
        if self.coupling is not None:
            object.__setattr__(self, 'coupling',
                               _check_number('coupling', self.coupling,
                                             True))
        for name, positive in (('inertia', True), ('damping', False),
                               ('phase_std', False),
                               ('frequency_std', False), ('dt', True)):
            object.__setattr__(self, name, _check_number(
                name, getattr(self, name), positive))

    @property
    def name(self) -> str:
        r"""``'swing_<grid>'``, e.g. ``'swing_case14'``."""
        return f'swing_{self.grid}'

    @property
    def power_grid(self) -> PowerGrid:
        r"""The grid (loaded with PYPOWER once per process)."""
        return load_power_grid(self.grid)

    @property
    def num_particles(self) -> int:
        r"""The buses :math:`N` of the grid."""
        return self.power_grid.num_buses

    @property
    def interaction_names(self) -> List[str]:
        return ['line']

    @property
    def num_edge_types(self) -> List[int]:
        r"""One binary layer: no line (0) or a line (1)."""
        return [2]

    @property
    def directed(self) -> bool:
        r"""Always :obj:`False`: a line couples both its buses."""
        return False

    def couplings(self) -> np.ndarray:
        r"""The couplings :math:`K_{ij}`: the line susceptances, or
        :obj:`coupling` on every line.

        Shapes:
            - **output:** :math:`(N, N)` float64, symmetric, zero diagonal
        """
        grid = self.power_grid
        if self.coupling is None:
            return np.array(grid.susceptance)
        return self.coupling * grid.adjacency

    def labels(self) -> np.ndarray:
        r"""Labels every pair of buses 1 where a line joins them, 0
        elsewhere, in the grid's bus order.

        Shapes:
            - **output:** :math:`(1, N, N)` int64
        """
        return self.power_grid.adjacency.astype(np.int64)[None]

    def synchronous_state(self) -> np.ndarray:
        r"""The phases :math:`\theta^*` of the synchronous state (every
        :math:`\omega_i = 0` and the right-hand side 0), with
        :math:`\theta^*_{ref} = 0` at the reference bus: Newton's method
        (:func:`scipy.optimize.root`) from the linearised (DC power-flow)
        solution. Raises :class:`ValueError` when it finds no state with
        every line's phase difference below :math:`\pi/2`, the states
        that are linearly stable (the couplings are too weak for the
        power to flow).

        Shapes:
            - **output:** :math:`(N,)` float64
        """
        grid = self.power_grid
        couplings = self.couplings()
        free = np.arange(grid.num_buses) != grid.reference_bus
        laplacian = np.diag(couplings.sum(1)) - couplings

        def residual(free_phases):
            phases = np.zeros(grid.num_buses)
            phases[free] = free_phases
            difference = phases[:, None] - phases[None, :]
            flows = (couplings * np.sin(difference)).sum(1)
            weights = couplings * np.cos(difference)
            jacobian = np.diag(weights.sum(1)) - weights
            return ((grid.net_power - flows)[free],
                    -jacobian[np.ix_(free, free)])

        start = np.linalg.solve(laplacian[np.ix_(free, free)],
                                grid.net_power[free])
        solution = scipy.optimize.root(residual, start, jac=True)
        phases = np.zeros(grid.num_buses)
        phases[free] = solution.x
        row, col = np.nonzero(grid.adjacency)
        scale = max(1.0, np.abs(grid.net_power).max())
        if not (solution.success
                and np.abs(residual(solution.x)[0]).max() < 1e-9 * scale
                and np.abs(phases[row] - phases[col]).max() < np.pi / 2):
            raise ValueError(f"Found no stable synchronous state of "
                             f"'{self.grid}' with these couplings (too "
                             f"weak to carry the power?)")
        return phases

    def sample(self, rng: np.random.Generator, num_simulations: int
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Draws the relabelling of the buses
        (:func:`~.graph_families.random_relabelling`), then the initial
        phases, then the initial frequencies from :obj:`rng`; the initial
        state is in the grid's bus order.

        Shapes:
            - **output:** relabelling :math:`(S, N)` int64 (bus :math:`u`
              becomes particle ``relabel[s, u]``), phases and frequencies
              :math:`(S, N)` float64
        """
        num_buses = self.num_particles
        relabel = random_relabelling(rng, num_simulations, num_buses)
        shape = (num_simulations, num_buses)
        phases = self.synchronous_state() + self.phase_std * \
            rng.standard_normal(shape)
        frequencies = self.frequency_std * rng.standard_normal(shape)
        return relabel, phases, frequencies


def get_swing_system(system: Union[str, SwingSystem]) -> SwingSystem:
    r"""Returns :obj:`SwingSystem(grid=system)` for a name of
    :data:`~torch_geometric_fnri.datasets.power_grids.GRID_CASES` (a
    :class:`SwingSystem` is returned unchanged)."""
    if isinstance(system, SwingSystem):
        return system
    if system not in GRID_CASES:
        raise ValueError(f"'system' must be one of {list(GRID_CASES)} or "
                         f"a SwingSystem (got {system!r})")
    return SwingSystem(grid=system)


class SwingTrajectories(NamedTuple):
    r"""Simulated swing trajectories, bus-major.

    Attributes:
        phases (numpy.ndarray): Unwrapped phases :math:`\theta`
            :obj:`[S, N, T]` float64 (rad).
        frequencies (numpy.ndarray): :math:`\omega = d\theta/dt`
            :obj:`[S, N, T]` float64 (rad/s).
    """
    phases: np.ndarray
    frequencies: np.ndarray


def simulate_swing(
    couplings: np.ndarray,
    power: np.ndarray,
    phases: np.ndarray,
    frequencies: np.ndarray,
    inertia: float = INERTIA,
    damping: float = DAMPING,
    num_frames: int = 99,
    sample_freq: int = SAMPLE_FREQ,
    dt: float = DT,
) -> SwingTrajectories:
    r"""Integrates :math:`m \ddot\theta_i + d \dot\theta_i = P_i - \sum_j
    K_{ij} \sin(\theta_i - \theta_j)` for all simulations together (one
    grid, one initial state per simulation) with the classical
    fourth-order Runge-Kutta scheme, and saves phases and frequencies every
    :obj:`sample_freq` steps from the initial state on (frame :math:`k` at
    time :math:`k f \Delta t`). The coupling sum is a sparse product over
    the lines, :math:`\sin\theta_i \sum_j K_{ij} \cos\theta_j -
    \cos\theta_i \sum_j K_{ij} \sin\theta_j`.

    Args:
        couplings (numpy.ndarray): :math:`K_{ij}`, symmetric.
        power (numpy.ndarray): :math:`P_i`.
        phases (numpy.ndarray): Initial phases :math:`\theta_i(0)`.
        frequencies (numpy.ndarray): Initial :math:`\omega_i(0)`.
        inertia (float, optional): :math:`m > 0`.
            (default: :data:`INERTIA`)
        damping (float, optional): :math:`d`. (default: :data:`DAMPING`)
        num_frames (int, optional): Saved frames :math:`T`.
            (default: :obj:`99`)
        sample_freq (int, optional): Steps :math:`f` between frames.
            (default: :obj:`20`)
        dt (float, optional): The time step :math:`\Delta t`.
            (default: :obj:`1e-3`)

    Shapes:
        - **input:** couplings :math:`(N, N)`, power :math:`(N,)`, phases
          and frequencies :math:`(S, N)`
        - **output:** :class:`SwingTrajectories` of :math:`(S, N, T)`
    """
    _check_positive_int(num_frames, 'num_frames')
    _check_positive_int(sample_freq, 'sample_freq')
    inertia = _check_number('inertia', inertia, True)
    damping = _check_number('damping', damping, False)
    dt = _check_number('dt', dt, True)
    phases = np.asarray(phases, dtype=np.float64)
    if phases.ndim != 2 or phases.shape[1] < 1:
        raise ValueError(f"'phases' must have shape [S, N] "
                         f"(got {list(phases.shape)})")
    num_sims, num_buses = phases.shape
    phases = _check_array(phases, 'phases', (num_sims, num_buses))
    frequencies = _check_array(frequencies, 'frequencies',
                               (num_sims, num_buses))
    power = _check_array(power, 'power', (num_buses, ))
    couplings = _check_array(couplings, 'couplings', (num_buses, num_buses))
    if not np.array_equal(couplings, couplings.T):
        raise ValueError("'couplings' must be symmetric")
    matrix = scipy.sparse.csr_matrix(couplings)
    power = power[:, None]

    def acceleration(theta, omega):  # [N, S], simulations last.
        sin, cos = np.sin(theta), np.cos(theta)
        flows = sin * (matrix @ cos) - cos * (matrix @ sin)
        return (power - damping * omega - flows) / inertia

    out_phases = np.empty((num_buses, num_sims, num_frames))
    out_frequencies = np.empty_like(out_phases)
    theta, omega = phases.T.copy(), frequencies.T.copy()
    out_phases[..., 0], out_frequencies[..., 0] = theta, omega
    half = 0.5 * dt
    for step in range(1, (num_frames - 1) * sample_freq + 1):
        a1 = acceleration(theta, omega)
        v2 = omega + half * a1
        a2 = acceleration(theta + half * omega, v2)
        v3 = omega + half * a2
        a3 = acceleration(theta + half * v2, v3)
        v4 = omega + dt * a3
        a4 = acceleration(theta + dt * v3, v4)
        theta = theta + dt / 6 * (omega + 2 * v2 + 2 * v3 + v4)
        omega = omega + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4)
        if step % sample_freq == 0:
            out_phases[..., step // sample_freq] = theta
            out_frequencies[..., step // sample_freq] = omega
    return SwingTrajectories(out_phases.transpose(1, 0, 2),
                             out_frequencies.transpose(1, 0, 2))


def swing_features(phases: np.ndarray, frequencies: np.ndarray,
                   power: np.ndarray) -> np.ndarray:
    r"""The observed features (see the module docstring):
    :math:`\sin\theta`, :math:`\cos\theta`, :math:`\omega` and :math:`P`.

    Shapes:
        - **input:** phases and frequencies :math:`(S, N, T)`, power
          :math:`(N,)` (or :math:`(S, N)`)
        - **output:** :math:`(S, N, T, 4)` float64, in the order of
          :data:`FEATURE_NAMES`
    """
    phases = np.asarray(phases, dtype=np.float64)
    power = np.broadcast_to(np.asarray(power, dtype=np.float64)[..., None],
                            phases.shape)
    return np.stack([np.sin(phases), np.cos(phases),
                     np.asarray(frequencies, dtype=np.float64), power],
                    axis=-1)
