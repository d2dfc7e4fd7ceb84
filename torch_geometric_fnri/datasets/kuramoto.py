r"""Phase-coupled Kuramoto oscillators with a latent coupling graph, the
third simulated system of NRI (Kipf et al., 2018).

Every simulation has :math:`N` oscillators with phases :math:`\phi_i`,
intrinsic frequencies :math:`\omega_i` and couplings :math:`k_{ij}`
indexed ``[receiver, sender]``:

.. math::
    \frac{d\phi_i}{dt} = \omega_i + \sum_{j} k_{ij} \sin(\phi_j - \phi_i)

(the attractive, synchronising form of NRI's generator; :math:`k_{ii}`
does not act, as :math:`\sin 0 = 0`). The constants of
:class:`KuramotoSystem` are those of that generator: :math:`\omega_i \sim
U[1, 10)`, :math:`\phi_i(0) \sim U[0, 2\pi)`, every unordered pair coupled
with probability :math:`0.5` (or drawn from a graph family, see
:meth:`KuramotoSystem.on_graph`) by :math:`k_{ij} = k_{ji} = 1` (0 otherwise),
time step :math:`0.01` and a frame every 10 steps, the first frame being
the initial state.

The observed features of an oscillator at every frame, in NRI's order
(:func:`kuramoto_features`), are

0. :math:`d\phi_i / dt`, min-max scaled to :math:`[-1, 1]` over the frames
   of that oscillator in that simulation (0 where it is constant: an
   uncoupled oscillator turns at exactly :math:`\omega_i`);
1. :math:`\sin \phi_i`;
2. the unwrapped phase :math:`\phi_i`, min-max scaled as feature 0;
3. :math:`\omega_i`, the same at every frame.

Deliberate differences from the reference generator:

* it integrates one simulation at a time with SciPy's adaptive
  Runge-Kutta 4(5) (``dopri5``, relative tolerance :math:`10^{-6}`) and
  reads it off at every time step; here all simulations advance together
  with the classical fourth-order Runge-Kutta scheme at the fixed step
  :math:`0.01` (vectorised, the only Python loop over time steps). Over
  the 99 frames of a trajectory it stays within :math:`10^{-5}` rad of a
  DOP853 integration at tolerance :math:`10^{-12}` (see the tests);
* :math:`d\phi_i / dt` is the right-hand side at the frame, not the
  forward difference :math:`(\phi_i(t + \Delta t) - \phi_i(t)) / \Delta t`
  of the reference, which is the derivative at :math:`t + \Delta t / 2`
  up to :math:`O(\Delta t^2)`;
* the per-oscillator scaling runs over the saved frames (the reference
  scales over one more frame, then drops it) and maps constant features
  to 0 (the reference zeroes feature 0 of the oscillators without
  coupling, the same oscillators when there is no observation noise);
* :math:`\omega_i` is kept in physical units: the reference maps
  :math:`[1, 10]` to :math:`[-1, 1]` and NRI's loader then refits every
  feature's minimum and maximum on the training split, which
  :class:`~torch_geometric_fnri.datasets.KuramotoDataset` does in one step.
"""
from dataclasses import dataclass, fields, replace
from typing import List, NamedTuple, Optional, Tuple, Union

import numpy as np

from .graph_families import GraphFamily
from .graph_sampling import BernoulliPairs
from .simulation import _check_positive_int

#: The time step of NRI's Kuramoto generator.
DT = 0.01
#: Time steps between saved frames in NRI's Kuramoto data.
SAMPLE_FREQ = 10
#: The features of every frame, in order (see the module docstring).
FEATURE_NAMES = ('phase_velocity', 'sin_phase', 'phase',
                 'intrinsic_frequency')


@dataclass(frozen=True)
class KuramotoSystem:
    r"""The constants of a Kuramoto system: the distribution of graphs and
    initial states, and the time step. Its :func:`repr` is part of the cache
    key of :class:`~torch_geometric_fnri.datasets.KuramotoDataset`.

    Args:
        name (str, optional): The name. (default: :obj:`'kuramoto'`)
        frequency_range (tuple of float, optional): :math:`\omega_i` is
            uniform on :obj:`[low, high)`. (default: :obj:`(1.0, 10.0)`)
        coupling_probability (float, optional): The probability that an
            unordered pair is coupled. (default: :obj:`0.5`)
        coupling_strength (float, optional): :math:`k_{ij}` of a coupled
            pair (non-zero). (default: :obj:`1.0`)
        dt (float, optional): The time step. (default: :obj:`0.01`)
        graph (GraphFamily, optional): Draws the coupled pairs from a
            family of graphs instead of each pair with
            :obj:`coupling_probability`, then unused (see
            :meth:`on_graph`).
            (default: :obj:`None`)
    """
    name: str = 'kuramoto'
    frequency_range: Tuple[float, float] = (1.0, 10.0)
    coupling_probability: float = 0.5
    coupling_strength: float = 1.0
    dt: float = DT
    graph: Optional[GraphFamily] = None

    def __post_init__(self):
        bounds = tuple(float(f) for f in self.frequency_range)
        if not (len(bounds) == 2 and np.isfinite(bounds).all()
                and bounds[0] < bounds[1]):
            raise ValueError(f"'frequency_range' must be two finite numbers "
                             f"(low, high) with low < high "
                             f"(got {self.frequency_range!r})")
        object.__setattr__(self, 'frequency_range', bounds)
        if not 0 <= self.coupling_probability <= 1:
            raise ValueError(f"'coupling_probability' must be in [0, 1] "
                             f"(got {self.coupling_probability!r})")
        if not (np.isfinite(self.coupling_strength)
                and self.coupling_strength != 0):
            raise ValueError(f"'coupling_strength' must be finite and "
                             f"non-zero (got {self.coupling_strength!r})")
        if not (np.isfinite(self.dt) and self.dt > 0):
            raise ValueError(f"'dt' must be a positive finite number "
                             f"(got {self.dt!r})")
        if self.graph is not None and not isinstance(self.graph,
                                                     GraphFamily):
            raise TypeError(f"'graph' must be a GraphFamily such as "
                            f"BarabasiAlbertGraph() "
                            f"(got {type(self.graph).__name__})")

    def __repr__(self) -> str:
        # Part of the cache key: without a graph family it is the repr the
        # system had before it could have one.
        shown = [f'{field.name}={getattr(self, field.name)!r}'
                 for field in fields(self)
                 if field.name != 'graph' or self.graph is not None]
        return f'{self.__class__.__name__}({", ".join(shown)})'

    def on_graph(self, graph: GraphFamily) -> 'KuramotoSystem':
        r"""Returns the system with its coupled pairs drawn from a family
        of graphs (every coupled pair with :obj:`coupling_strength`), named
        ``'<name>_<family name>'``, e.g.
        :obj:`KuramotoSystem().on_graph(WattsStrogatzGraph())` is
        ``'kuramoto_watts_strogatz'``.

        Args:
            graph (GraphFamily): The family, e.g.
                :class:`~torch_geometric_fnri.datasets.ErdosRenyiGraph`.
        """
        return replace(self, name=f'{self.name}_{graph.name}', graph=graph)

    @property
    def interaction_names(self) -> List[str]:
        return ['coupling']

    @property
    def num_edge_types(self) -> List[int]:
        r"""One binary layer: uncoupled (0) or coupled (1)."""
        return [2]

    @property
    def directed(self) -> bool:
        r"""Always :obj:`False`: every coupled pair acts both ways."""
        return False

    def sample(
        self,
        rng: np.random.Generator,
        num_simulations: int,
        num_oscillators: int,
    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Draws couplings (from :obj:`graph`, or each pair with
        :obj:`coupling_probability`), then intrinsic frequencies, then
        initial phases from :obj:`rng`.

        Shapes:
            - **output:** couplings :math:`(S, N, N)` (symmetric, zero
              diagonal), phases and frequencies :math:`(S, N)`, float64
        """
        sampler = (BernoulliPairs(self.coupling_probability)
                   if self.graph is None else self.graph)
        couplings = self.coupling_strength * sampler(rng, num_simulations,
                                                     num_oscillators)
        shape = (num_simulations, num_oscillators)
        frequencies = rng.uniform(*self.frequency_range, size=shape)
        phases = rng.uniform(0.0, 2 * np.pi, size=shape)
        return couplings, phases, frequencies

    def labels(self, couplings: np.ndarray) -> np.ndarray:
        r"""Labels every pair 1 where it is coupled, 0 elsewhere.

        Shapes:
            - **input:** :math:`(S, N, N)`
            - **output:** :math:`(S, 1, N, N)` int64
        """
        return (np.asarray(couplings) != 0).astype(np.int64)[:, None]


def get_kuramoto_system(system: Union[str, KuramotoSystem]) -> KuramotoSystem:
    r"""Returns :class:`KuramotoSystem` for :obj:`'kuramoto'` (a
    :class:`KuramotoSystem` is returned unchanged)."""
    if isinstance(system, KuramotoSystem):
        return system
    if system != 'kuramoto':
        raise ValueError(f"'system' must be 'kuramoto' or a KuramotoSystem "
                         f"(got {system!r})")
    return KuramotoSystem()


class KuramotoTrajectories(NamedTuple):
    r"""Simulated Kuramoto trajectories, oscillator-major.

    Attributes:
        phases (numpy.ndarray): Unwrapped phases :obj:`[S, N, T]` float64.
        rates (numpy.ndarray): :math:`d\phi / dt` :obj:`[S, N, T]` float64.
    """
    phases: np.ndarray
    rates: np.ndarray


def kuramoto_rates(phases: np.ndarray, couplings: np.ndarray,
                   frequencies: np.ndarray) -> np.ndarray:
    r"""The right-hand side :math:`d\phi_i / dt = \omega_i + \sum_j k_{ij}
    \sin(\phi_j - \phi_i)`, computed as :math:`\omega_i + \cos\phi_i
    \sum_j k_{ij} \sin\phi_j - \sin\phi_i \sum_j k_{ij} \cos\phi_j`.

    Shapes:
        - **input:** phases and frequencies :math:`(S, N)`, couplings
          :math:`(S, N, N)` indexed ``[receiver, sender]``
        - **output:** :math:`(S, N)`
    """
    sin, cos = np.sin(phases), np.cos(phases)
    return (frequencies + cos * np.einsum('sij,sj->si', couplings, sin) -
            sin * np.einsum('sij,sj->si', couplings, cos))


def _check_array(array, name: str, shape: Tuple[int, ...]) -> np.ndarray:
    array = np.asarray(array, dtype=np.float64)
    if array.shape != shape:
        raise ValueError(f"'{name}' must have shape {list(shape)} "
                         f"(got {list(array.shape)})")
    if not np.isfinite(array).all():
        raise ValueError(f"'{name}' must be finite (got NaN or inf)")
    return array


def simulate_kuramoto(
    couplings: np.ndarray,
    phases: np.ndarray,
    frequencies: np.ndarray,
    num_frames: int = 99,
    sample_freq: int = SAMPLE_FREQ,
    dt: float = DT,
) -> KuramotoTrajectories:
    r"""Integrates all simulations together with the classical fourth-order
    Runge-Kutta scheme and saves phases and rates every
    :obj:`sample_freq` steps, from the initial state on (frame :math:`k` at
    time :math:`k f \Delta t`, :math:`(T - 1) f` steps in all).

    Args:
        couplings (numpy.ndarray): :math:`k_{ij}`, indexed
            ``[receiver, sender]``.
        phases (numpy.ndarray): Initial phases :math:`\phi_i(0)`.
        frequencies (numpy.ndarray): Intrinsic frequencies
            :math:`\omega_i`.
        num_frames (int, optional): Saved frames :math:`T`.
            (default: :obj:`99`)
        sample_freq (int, optional): Steps :math:`f` between frames.
            (default: :obj:`10`)
        dt (float, optional): The time step :math:`\Delta t`.
            (default: :obj:`0.01`)

    Shapes:
        - **input:** couplings :math:`(S, N, N)`, phases and frequencies
          :math:`(S, N)`
        - **output:** :class:`KuramotoTrajectories` with phases and rates
          :math:`(S, N, T)`
    """
    _check_positive_int(num_frames, 'num_frames')
    _check_positive_int(sample_freq, 'sample_freq')
    if (isinstance(dt, bool) or not isinstance(dt, (int, float))
            or not (np.isfinite(dt) and dt > 0)):
        raise ValueError(f"'dt' must be a positive finite number "
                         f"(got {dt!r})")
    phases = np.asarray(phases, dtype=np.float64)
    if phases.ndim != 2 or phases.shape[1] < 1:
        raise ValueError(f"'phases' must have shape [S, N] "
                         f"(got {list(phases.shape)})")
    num_sims, num_oscillators = phases.shape
    phases = _check_array(phases, 'phases', (num_sims, num_oscillators))
    frequencies = _check_array(frequencies, 'frequencies',
                               (num_sims, num_oscillators))
    couplings = _check_array(couplings, 'couplings',
                             (num_sims, num_oscillators, num_oscillators))

    def rates(state):
        return kuramoto_rates(state, couplings, frequencies)

    out_phases = np.empty((num_sims, num_oscillators, num_frames))
    out_rates = np.empty_like(out_phases)
    state, rate = phases, rates(phases)
    out_phases[..., 0], out_rates[..., 0] = state, rate
    for step in range(1, (num_frames - 1) * sample_freq + 1):
        k2 = rates(state + 0.5 * dt * rate)
        k3 = rates(state + 0.5 * dt * k2)
        k4 = rates(state + dt * k3)
        state = state + dt / 6 * (rate + 2 * k2 + 2 * k3 + k4)
        rate = rates(state)  # The first stage of the next step.
        if step % sample_freq == 0:
            out_phases[..., step // sample_freq] = state
            out_rates[..., step // sample_freq] = rate
    return KuramotoTrajectories(out_phases, out_rates)


def _scale_per_oscillator(values: np.ndarray) -> np.ndarray:
    # Min-max scaling of every [S, N] row of `values` [S, N, T] over its
    # frames to [-1, 1]; a constant row becomes 0.
    low = values.min(-1, keepdims=True)
    span = values.max(-1, keepdims=True) - low
    constant = span == 0
    scaled = 2 * (values - low) / np.where(constant, 1, span) - 1
    return np.where(constant, 0.0, scaled)


def kuramoto_features(phases: np.ndarray, rates: np.ndarray,
                      frequencies: np.ndarray) -> np.ndarray:
    r"""The observed features of NRI's Kuramoto data (see the module
    docstring): the per-oscillator scaled rate, :math:`\sin\phi`, the
    per-oscillator scaled phase and :math:`\omega`.

    Shapes:
        - **input:** phases and rates :math:`(S, N, T)`, frequencies
          :math:`(S, N)`
        - **output:** :math:`(S, N, T, 4)` float64, in the order of
          :data:`FEATURE_NAMES`
    """
    phases = np.asarray(phases, dtype=np.float64)
    frequencies = np.broadcast_to(
        np.asarray(frequencies, dtype=np.float64)[..., None], phases.shape)
    return np.stack([
        _scale_per_oscillator(np.asarray(rates, dtype=np.float64)),
        np.sin(phases),
        _scale_per_oscillator(phases),
        frequencies,
    ], axis=-1)
