r"""Simulated Kuramoto oscillators as a cached PyG dataset."""
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .graph_families import GraphFamily
from .kuramoto import (
    FEATURE_NAMES,
    SAMPLE_FREQ,
    KuramotoSystem,
    get_kuramoto_system,
    kuramoto_features,
    simulate_kuramoto,
)
from .physics_system_dataset import PhysicsSystemDataset

# Bump when the Kuramoto simulation or its features change.
KURAMOTO_VERSION = 1


class KuramotoDataset(PhysicsSystemDataset):
    r"""Simulated phase-coupled Kuramoto oscillators with their ground-truth
    coupling graphs, the third system of NRI (see
    :mod:`~torch_geometric_fnri.datasets.kuramoto` for the equations,
    constants and features).

    The interface and caching are those of
    :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset`: one
    simulation is one graph with ``x`` :obj:`[N, T, 4]` float32 (the scaled
    :math:`d\phi/dt`, :math:`\sin\phi`, the scaled phase and
    :math:`\omega`, each feature mapped to :math:`[-1, 1]` by its own
    minimum and maximum over the training split, :attr:`stats`, as NRI's
    loader does), the fully connected ``edge_index`` and ``edge_type``
    :obj:`[N(N-1), 1]` int64 (1 where the pair is coupled); the three splits
    come from one seed and are cached under
    ``root/KuramotoDataset/kuramoto_<hash>``, the hash covering every
    generation parameter; ``root=None`` generates in memory. Split
    :math:`s` (0, 1, 2 for train, valid, test) draws its couplings,
    frequencies and initial phases with :meth:`KuramotoSystem.sample` from
    the stream :obj:`SeedSequence(seed, spawn_key=(s,))` (with a range of
    oscillator counts, the streams of :meth:`particle_counts`) and its
    observation noise, phases first, from
    :obj:`SeedSequence(seed, spawn_key=(s, 1))`.

    NRI trains encoder and decoder on frames 0-48 and tests with the
    encoder on frames 0-48 and the decoder on frames 50-98 of such
    99-frame trajectories (with :obj:`num_frames=99`, the trainer's
    :obj:`routine='nri'` training and its test evaluation).

    Args:
        root (str, optional): The cache root, or :obj:`None` for no files.
        system (str or KuramotoSystem, optional): :obj:`'kuramoto'` (NRI's
            constants) or a :class:`KuramotoSystem` with others.
            (default: :obj:`'kuramoto'`)
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        num_simulations (tuple or dict, optional): Simulations per split as
            ``(train, valid, test)`` or a dict with those keys; NRI uses
            :obj:`(50000, 10000, 10000)`. (default: :obj:`(1000, 200, 200)`)
        num_particles (int or tuple, optional): Oscillators
            :math:`N \geq 2` (NRI: 5 and 10), or a pair :obj:`(min, max)`
            drawn per simulation as in :class:`PhysicsSystemDataset`.
            (default: :obj:`5`)
        num_frames (int, optional): Saved frames :math:`T`, the first one
            the initial state. (default: :obj:`99`)
        sample_freq (int, optional): Time steps :math:`f` between frames.
            (default: :obj:`10`)
        seed (int, optional): The seed. (default: :obj:`42`)
        observation_noise (float, optional): Standard deviation of Gaussian
            noise added to the observed phases (rad) and rates (rad per time
            unit) before the features are computed from them (the
            simulation, the frequencies and the labels stay exact), drawn
            from a seed stream of its own. Part of the cache key when not
            zero. (default: :obj:`0.0`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
        pre_transform (callable, optional): Applied before saving.
            (default: :obj:`None`)
        force_reload (bool, optional): Regenerate even if cached.
            (default: :obj:`False`)
        log (bool, optional): Print progress while processing.
            (default: :obj:`True`)
        graph (GraphFamily, optional): Draw the coupling graphs from a
            random-graph family, e.g. :obj:`WattsStrogatzGraph()` (see
            :meth:`KuramotoSystem.on_graph`; part of the cache key).
            (default: :obj:`None`: each pair coupled with the system's
            :obj:`coupling_probability`)
    """
    #: Every feature has its own minimum and maximum (NRI's loader).
    normalization_groups = ()
    _get_system = staticmethod(get_kuramoto_system)
    #: Frame 0 is the initial state: :math:`(T - 1) f` steps.
    first_frame_is_initial_state = True

    def __init__(
        self,
        root: Optional[str] = None,
        system: Union[str, KuramotoSystem] = 'kuramoto',
        split: str = 'train',
        num_simulations: Union[Sequence[int], Dict[str, int]] = (1000, 200,
                                                                 200),
        num_particles: Union[int, Tuple[int, int]] = 5,
        num_frames: int = 99,
        sample_freq: int = SAMPLE_FREQ,
        seed: int = 42,
        observation_noise: float = 0.0,
        transform: Optional[Callable] = None,
        pre_transform: Optional[Callable] = None,
        force_reload: bool = False,
        log: bool = True,
        graph: Optional[GraphFamily] = None,
    ):
        super().__init__(root, system, split, num_simulations,
                         num_particles, num_frames, sample_freq, seed,
                         observation_noise, transform, pre_transform,
                         force_reload, num_workers=1, log=log, graph=graph)

    @property
    def feature_names(self) -> Tuple[str, ...]:
        r"""The name of every feature of a frame, in order
        (:data:`~torch_geometric_fnri.datasets.kuramoto.FEATURE_NAMES`)."""
        return FEATURE_NAMES

    def _simulator_parameters(self) -> dict:
        # The constants are in the system's repr.
        return {'kuramoto_version': KURAMOTO_VERSION}

    def _simulate_group(self, split: str, size: int, num_particles: int,
                        seed: np.random.SeedSequence,
                        noise: np.random.Generator) -> tuple:
        # (features [S, N, T, 4], labels [S, 1, N, N]) of `size` systems.
        couplings, phases, frequencies = self.system.sample(
            np.random.default_rng(seed), size, num_particles)
        phases, rates = simulate_kuramoto(couplings, phases, frequencies,
                                          self.num_frames, self.sample_freq,
                                          self.system.dt)
        if self.observation_noise:
            phases = phases + self.observation_noise * \
                noise.standard_normal(phases.shape)
            rates = rates + self.observation_noise * \
                noise.standard_normal(rates.shape)
        return (kuramoto_features(phases, rates, frequencies),
                self.system.labels(couplings))
