r"""NetSim-style simulated fMRI: brain regions coupled by a linear neural
model and observed through the balloon model of the BOLD response, after
S. M. Smith et al., Network modelling methods for FMRI, NeuroImage 54,
875-891 (2011), the "NetSim" simulations on which ACD (Löwe et al.,
Amortized Causal Discovery, CLeaR 2022) reports 0.688 AUROC.

The constants are those of the code that generated NetSim: the FMRIB
network-modelling simulator with its MATLAB driver, published in the
repository ``cabal-cmu/Feedback-Discovery`` (folder ``simulations_code``:
``testing_thesis.m`` sets the network and the neural lag,
``nma_rsns_thesis.m`` the inputs, the haemodynamic variability and the
noise, ``balloon_defaults.m`` the balloon constants, and
``nma_2010_Feb23cut/model.cc`` integrates the equations); the released
NetSim networks and time series agree with them. Every node (region)
:math:`i` has a neural state :math:`z_i` with

.. math::
    \frac{dz_i}{dt} = \sigma \Big(-z_i + \sum_j W_{ij} z_j\Big) + u_i(t),

:math:`\sigma = 20` s⁻¹ (a neural lag of 50 ms), :math:`W_{ij}` the
strength of the connection :math:`j \to i`, drawn for every simulation
from :math:`\mathcal{N}(0.4, 0.1^2)` clipped to :math:`[0.2, 0.6]`, and
:math:`u_i` the region's own external input: a two-state process that
switches from "off" to "on" at rate 1/10 s⁻¹ and back at rate 1/2.5 s⁻¹
(mean durations 10 s and 2.5 s), at level 0 or
:math:`80 / \sum_{k=0}^{100} e^{-k/10} \approx 7.61` with Gaussian
neural noise of a twentieth of that level drawn at every 5 ms step. Each
region's BOLD signal follows the nonlinear balloon model (Friston et al.
2000, 2003) from its neural state, with vasodilatory signal :math:`s`,
flow :math:`f`, volume :math:`v` and deoxyhaemoglobin :math:`q`:

.. math::
    \dot s = z - \kappa s - \gamma (f - 1), \quad
    \dot f = s, \quad
    \tau \dot v = f - v^{1/\alpha}, \quad
    \tau \dot q = f \frac{1 - (1 - E_0)^{1/f}}{E_0}
    - v^{1/\alpha} \frac{q}{v},

    y = V_0 \big(k_1 (1 - q) + k_2 (1 - q / v) + k_3 (1 - v)\big),

integrated for :math:`\log f, \log v, \log q` (:math:`f` kept within
:math:`[1/8, 8]`), with :math:`V_0 = 4` (per cent), :math:`k_1 = 7E_0`,
:math:`k_2 = 2`, :math:`k_3 = 2E_0 - 0.2`. The haemodynamic constants of
every region are drawn for every simulation around the means
:math:`\kappa = 0.65, \gamma = 0.41, \tau = 0.98, \alpha = 0.32,
E_0 = 0.34` (Friston et al. 2003) with the generator's covariances, that
of :math:`(\tau, \alpha, E_0)` scaled by 4 ("about 0.5 s of variability
in the HRF delay"), each at least 0.1. The BOLD signal is sampled every
3 s for 600 s (200 scans), demeaned, given white noise of standard
deviation 1 (per cent: NetSim's "1 %" noise), filtered by the generator's
fourth-order Butterworth high-pass at 0.03 of the Nyquist frequency
(about 1/200 Hz; causal) and demeaned again.

Integration: forward Euler at 5 ms, as the generator (which falls back
to a local linearisation when its error estimate passes 0.01; at 5 ms
the neural step is :math:`\sigma \, dt = 0.1` and the haemodynamic time
constants are about a second, so this package keeps Euler throughout).
The state starts at rest (:math:`z = s = 0`, :math:`f = v = q = 1`) with
every input off, as in the generator.

The networks (:data:`NETSIM_NETWORKS`) are NetSim's: ``'sim1'``, five
regions with the connections 0→1, 1→2, 2→3, 3→4 and 0→4, and ``'sim3'``,
three copies of it (regions 0-4, 5-9, 10-14) joined by 2→7, 2→12 and
7→12, 18 directed connections among 15 regions.
"""
import math
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Tuple

import numpy as np
import scipy.signal

from .graph_families import random_relabelling
from .swing import _check_number

#: :math:`\sigma`, the inverse neural lag (s⁻¹).
NEURAL_RATE = 20.0
#: The connection strengths: mean, standard deviation, lowest, highest.
WEIGHT_MEAN, WEIGHT_STD, WEIGHT_MIN, WEIGHT_MAX = 0.4, 0.1, 0.2, 0.6
#: Mean durations of the input's "off" and "on" states (s).
MEAN_OFF_SECONDS, MEAN_ON_SECONDS = 10.0, 2.5
#: The input's "on" level (the generator's ``in_strength``).
INPUT_LEVEL = 80.0 / sum(math.exp(-k / 10.0) for k in range(101))
#: Standard deviation of the neural noise on the input, every step.
INPUT_NOISE = INPUT_LEVEL / 20.0
#: The time step (s).
DT = 0.005
#: The repetition time: one scan every 3 s.
REPETITION_TIME = 3.0
#: Scans per simulation (600 s).
NUM_SCANS = 200
#: Means of the balloon constants (kappa, gamma, tau, alpha, E0).
BALLOON_MEAN = (0.65, 0.41, 0.98, 0.32, 0.34)
#: Covariance of (kappa, gamma).
SIGNAL_COVARIANCE = ((0.0148, -0.0001), (-0.0001, 0.0018))
#: Covariance of (tau, alpha, E0), before :data:`HRF_COVARIANCE_SCALE`.
TRANSIT_COVARIANCE = ((0.0514, 0.0021, 0.0018), (0.0021, 0.0002, 0.0001),
                      (0.0018, 0.0001, 0.0001))
#: The scale of :data:`TRANSIT_COVARIANCE` (the generator's ``HRF_covar``).
HRF_COVARIANCE_SCALE = 4.0
#: The least value of every drawn balloon constant.
BALLOON_FLOOR = 0.1
#: :math:`V_0`, the resting venous volume, in per cent.
RESTING_VOLUME = 4.0
#: Standard deviation of the thermal noise on the BOLD signal (per cent).
BOLD_NOISE = 1.0
#: The high-pass filter: order and cutoff (a fraction of Nyquist).
HIGHPASS_ORDER, HIGHPASS_CUTOFF = 4, 0.03
#: The feature of every frame.
FEATURE_NAMES = ('bold', )

_MODULE = ((0, 1), (1, 2), (2, 3), (3, 4), (0, 4))

#: NetSim's networks: (regions, directed connections as (source, target)).
NETSIM_NETWORKS: Dict[str, Tuple[int, Tuple[Tuple[int, int], ...]]] = {
    'sim1': (5, _MODULE),
    'sim3': (15, tuple((a + 5 * m, b + 5 * m) for m in range(3)
                       for a, b in _MODULE) + ((2, 7), (2, 12), (7, 12))),
}


@dataclass(frozen=True)
class NetSimSystem:
    r"""The constants of NetSim-style fMRI on one of NetSim's networks
    (see the module docstring). Its :func:`repr` is part of the cache key
    of :class:`~torch_geometric_fnri.datasets.NetSimDataset`.

    Args:
        network (str, optional): A key of :data:`NETSIM_NETWORKS`.
            (default: :obj:`'sim3'`)
        neural_rate (float, optional): :math:`\sigma` (s⁻¹).
            (default: :obj:`20.0`)
        bold_noise (float, optional): The thermal noise (per cent).
            (default: :obj:`1.0`)
        hrf_covariance_scale (float, optional): The scale of the
            haemodynamic variability (0: every region has the mean
            constants). (default: :obj:`4.0`)
        highpass (bool, optional): Whether to high-pass filter the BOLD
            signal. (default: :obj:`True`)
        dt (float, optional): The time step (s). (default: :obj:`0.005`)
    """
    network: str = 'sim3'
    neural_rate: float = NEURAL_RATE
    bold_noise: float = BOLD_NOISE
    hrf_covariance_scale: float = HRF_COVARIANCE_SCALE
    highpass: bool = True
    dt: float = DT

    def __post_init__(self):
        if self.network not in NETSIM_NETWORKS:
            raise ValueError(f"'network' must be one of "
                             f"{list(NETSIM_NETWORKS)} (got "
                             f"{self.network!r})")
        for name, positive in (('neural_rate', True), ('bold_noise', False),
                               ('hrf_covariance_scale', False),
                               ('dt', True)):
            object.__setattr__(self, name, _check_number(
                name, getattr(self, name), positive))
        if not isinstance(self.highpass, bool):
            raise ValueError(f"'highpass' must be a bool (got "
                             f"{self.highpass!r})")
        steps = REPETITION_TIME / self.dt
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(f"'dt' must divide the repetition time "
                             f"{REPETITION_TIME} s (got {self.dt})")

    @property
    def name(self) -> str:
        r"""``'netsim_<network>'``, e.g. ``'netsim_sim3'``."""
        return f'netsim_{self.network}'

    @property
    def num_particles(self) -> int:
        r"""The regions :math:`N` of the network."""
        return NETSIM_NETWORKS[self.network][0]

    @property
    def interaction_names(self) -> List[str]:
        return ['connection']

    @property
    def num_edge_types(self) -> List[int]:
        r"""One binary layer: no connection (0) or a connection (1)."""
        return [2]

    @property
    def directed(self) -> bool:
        r"""Always :obj:`True`: :math:`j \to i` does not imply
        :math:`i \to j`."""
        return True

    def labels(self) -> np.ndarray:
        r"""The network's connections, indexed ``[receiver, sender]``.

        Shapes:
            - **output:** :math:`(1, N, N)` int64
        """
        num_regions, edges = NETSIM_NETWORKS[self.network]
        labels = np.zeros((1, num_regions, num_regions), dtype=np.int64)
        for source, target in edges:
            labels[0, target, source] = 1
        return labels

    def sample(self, rng: np.random.Generator, num_simulations: int
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        r"""Draws the relabelling of the regions
        (:func:`~.graph_families.random_relabelling`), then the connection
        strengths, then the balloon constants of every region from
        :obj:`rng`, in the network's region order.

        Shapes:
            - **output:** relabelling :math:`(S, N)` int64 (region
              :math:`u` becomes node ``relabel[s, u]``), strengths
              :math:`(S, N, N)` float64 indexed ``[receiver, sender]``
              (0 without a connection) and balloon constants
              :math:`(S, N, 5)` float64 (:math:`\kappa, \gamma, \tau,
              \alpha, E_0`)
        """
        num_regions = self.num_particles
        relabel = random_relabelling(rng, num_simulations, num_regions)
        mask = self.labels()[0].astype(bool)
        weights = np.zeros((num_simulations, num_regions, num_regions))
        draws = rng.normal(WEIGHT_MEAN, WEIGHT_STD,
                           (num_simulations, int(mask.sum())))
        weights[:, mask] = np.clip(draws, WEIGHT_MIN, WEIGHT_MAX)
        shape = (num_simulations, num_regions)
        signal = rng.multivariate_normal(BALLOON_MEAN[:2], SIGNAL_COVARIANCE,
                                         shape)
        transit = rng.multivariate_normal(
            BALLOON_MEAN[2:],
            self.hrf_covariance_scale * np.asarray(TRANSIT_COVARIANCE),
            shape)
        balloon = np.maximum(np.concatenate([signal, transit], -1),
                             BALLOON_FLOOR)
        return relabel, weights, balloon


def get_netsim_system(system) -> NetSimSystem:
    r"""Returns :obj:`NetSimSystem(network=system)` for a key of
    :data:`NETSIM_NETWORKS` (a :class:`NetSimSystem` is returned
    unchanged)."""
    if isinstance(system, NetSimSystem):
        return system
    if system not in NETSIM_NETWORKS:
        raise ValueError(f"'system' must be one of {list(NETSIM_NETWORKS)} "
                         f"or a NetSimSystem (got {system!r})")
    return NetSimSystem(network=system)


class NetSimTrajectories(NamedTuple):
    r"""Simulated NetSim-style scans, region-major.

    Shapes:
        - **bold:** :math:`(S, N, T)` the processed BOLD signal (per cent)
        - **neural:** :math:`(S, N, T)` the neural states at the scans
    """
    bold: np.ndarray
    neural: np.ndarray


def balloon_derivatives(z: np.ndarray, s: np.ndarray, log_f: np.ndarray,
                        log_v: np.ndarray, log_q: np.ndarray,
                        balloon: np.ndarray) -> Tuple[np.ndarray, ...]:
    r"""The time derivatives of :math:`s, \log f, \log v, \log q` of the
    balloon model driven by the neural state :obj:`z`.

    Shapes:
        - **input:** states :math:`(*)`, balloon constants :math:`(*, 5)`
        - **output:** four arrays :math:`(*)`
    """
    kappa, gamma, tau, alpha, e0 = np.moveaxis(balloon, -1, 0)
    f, v, q = np.exp(log_f), np.exp(log_v), np.exp(log_q)
    outflow = v ** (1.0 / alpha)
    extraction = (1.0 - (1.0 - e0) ** (1.0 / f)) / e0
    return (z - kappa * s - gamma * (f - 1.0), s / f,
            (f - outflow) / (tau * v),
            (f * extraction - outflow * q / v) / (tau * q))


def bold_signal(log_v: np.ndarray, log_q: np.ndarray,
                e0: np.ndarray) -> np.ndarray:
    r"""The BOLD signal (per cent) of volume and deoxyhaemoglobin, with
    :math:`V_0 = 4`, :math:`k_1 = 7E_0`, :math:`k_2 = 2`,
    :math:`k_3 = 2E_0 - 0.2`; 0 at rest."""
    v, q = np.exp(log_v), np.exp(log_q)
    return RESTING_VOLUME * (7.0 * e0 * (1.0 - q) + 2.0 * (1.0 - q / v) +
                             (2.0 * e0 - 0.2) * (1.0 - v))


def simulate_netsim(system: NetSimSystem, weights: np.ndarray,
                    balloon: np.ndarray, rng: np.random.Generator,
                    num_scans: int = NUM_SCANS) -> NetSimTrajectories:
    r"""Integrates NetSim-style fMRI of several simulations at once (see
    the module docstring): the inputs, neural noise and thermal noise are
    drawn from :obj:`rng`.

    Args:
        system (NetSimSystem): The constants.
        weights (numpy.ndarray): Connection strengths, ``[receiver,
            sender]``.
        balloon (numpy.ndarray): Balloon constants of every region
            (:math:`\kappa, \gamma, \tau, \alpha, E_0`).
        rng (numpy.random.Generator): The random stream.
        num_scans (int, optional): Scans :math:`T` (one every 3 s).
            (default: :obj:`200`)

    Shapes:
        - **input:** weights :math:`(S, N, N)`, balloon :math:`(S, N, 5)`
        - **output:** :class:`NetSimTrajectories` of :math:`(S, N, T)`
    """
    weights = np.asarray(weights, dtype=np.float64)
    balloon = np.asarray(balloon, dtype=np.float64)
    if weights.ndim != 3 or weights.shape[1] != weights.shape[2]:
        raise ValueError(f"'weights' must have shape [S, N, N] (got "
                         f"{list(weights.shape)})")
    if balloon.shape != weights.shape[:2] + (5, ):
        raise ValueError(f"'balloon' must have shape "
                         f"{list(weights.shape[:2]) + [5]} (got "
                         f"{list(balloon.shape)})")
    if not isinstance(num_scans, int) or num_scans < 1:
        raise ValueError(f"'num_scans' must be a positive int (got "
                         f"{num_scans!r})")
    shape = weights.shape[:2]
    dt, rate = system.dt, system.neural_rate
    steps_per_scan = int(round(REPETITION_TIME / dt))
    switch_on, switch_off = dt / MEAN_OFF_SECONDS, dt / MEAN_ON_SECONDS
    # The drive of z: sigma (W - I) z, as one matrix per simulation.
    drive = rate * (weights - np.eye(shape[1]))
    z, s = np.zeros(shape), np.zeros(shape)
    log_f, log_v, log_q = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    on = np.zeros(shape, dtype=bool)
    bold = np.empty(shape + (num_scans, ))
    neural = np.empty(shape + (num_scans, ))
    limit = math.log(8.0)
    for scan in range(num_scans):
        for _ in range(steps_per_scan):
            u = np.where(on, INPUT_LEVEL, 0.0) + INPUT_NOISE * \
                rng.standard_normal(shape)
            dz = np.einsum('sij,sj->si', drive, z) + u
            ds, dlf, dlv, dlq = balloon_derivatives(z, s, log_f, log_v,
                                                    log_q, balloon)
            z = z + dt * dz
            s = s + dt * ds
            log_f = np.clip(log_f + dt * dlf, -limit, limit)
            log_v = log_v + dt * dlv
            log_q = log_q + dt * dlq
            flip = rng.random(shape) < np.where(on, switch_off, switch_on)
            on = on ^ flip
        bold[..., scan] = bold_signal(log_v, log_q, balloon[..., 4])
        neural[..., scan] = z
    bold = bold - bold.mean(-1, keepdims=True)
    bold = bold + system.bold_noise * rng.standard_normal(bold.shape)
    if system.highpass:
        b, a = scipy.signal.butter(HIGHPASS_ORDER, HIGHPASS_CUTOFF, 'high')
        bold = scipy.signal.lfilter(b, a, bold, axis=-1)
    bold = bold - bold.mean(-1, keepdims=True)
    return NetSimTrajectories(bold, neural)
