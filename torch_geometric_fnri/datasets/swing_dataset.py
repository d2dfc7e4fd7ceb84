r"""Swing dynamics on IEEE test grids as a cached PyG dataset."""
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .graph_families import relabel_simulations
from .physics_system_dataset import PhysicsSystemDataset
from .swing import (
    FEATURE_NAMES,
    SAMPLE_FREQ,
    SwingSystem,
    get_swing_system,
    simulate_swing,
    swing_features,
)

# Bump when the swing simulation, its features or the grid reading change.
SWING_VERSION = 1


class PowerGridDataset(PhysicsSystemDataset):
    r"""Swing dynamics (second-order Kuramoto oscillators) on an IEEE test
    grid with its lines as the ground-truth graph (see
    :mod:`~torch_geometric_fnri.datasets.swing` for the equations,
    constants and features, and
    :mod:`~torch_geometric_fnri.datasets.power_grids` for how the grid is
    read). Needs the optional :mod:`pypower` package
    (``pip install 'torch_geometric_fnri[grids]'``).

    The interface and caching are those of
    :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset`: one
    simulation is one graph of the grid's :math:`N` buses with ``x``
    :obj:`[N, T, 4]` float32 (:math:`\sin\theta`, :math:`\cos\theta`,
    :math:`\omega`, :math:`P`, each feature mapped to :math:`[-1, 1]` by
    its own minimum and maximum over the training split, :attr:`stats`),
    the fully connected ``edge_index`` and ``edge_type`` :obj:`[N(N-1), 1]`
    int64 (1 where a line joins the buses); the three splits come from one
    seed and are cached under ``root/PowerGridDataset/swing_<grid>_<hash>``,
    the hash covering every generation parameter and a digest of the grid
    data; ``root=None`` generates in memory. Split :math:`s` (0, 1, 2 for
    train, valid, test) draws the relabelling of the buses and the initial
    disturbances with :meth:`SwingSystem.sample` from the stream
    :obj:`SeedSequence(seed, spawn_key=(s,))` and its observation noise,
    phases first, from :obj:`SeedSequence(seed, spawn_key=(s, 1))`.

    Every simulation is the same grid, its buses relabelled at random (so
    that a bus's index says nothing about its place in the grid); what
    differs between simulations is the disturbance.

    Args:
        root (str, optional): The cache root, or :obj:`None` for no files.
        system (str or SwingSystem, optional): A grid of
            :data:`~torch_geometric_fnri.datasets.power_grids.GRID_CASES`
            (the default constants) or a :class:`SwingSystem`.
            (default: :obj:`'case14'`)
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        num_simulations (tuple or dict, optional): Simulations per split as
            ``(train, valid, test)`` or a dict with those keys.
            (default: :obj:`(1000, 200, 200)`)
        num_frames (int, optional): Saved frames :math:`T`, the first one
            the initial state. (default: :obj:`99`)
        sample_freq (int, optional): Time steps :math:`f` between frames.
            (default: :obj:`20`: 20 ms at the default time step)
        seed (int, optional): The seed. (default: :obj:`42`)
        observation_noise (float, optional): Standard deviation of Gaussian
            noise added to the observed phases (rad) and frequencies (rad/s)
            before the features are computed from them (the simulation, the
            powers and the labels stay exact). Part of the cache key when
            not zero. (default: :obj:`0.0`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
        pre_transform (callable, optional): Applied before saving.
            (default: :obj:`None`)
        force_reload (bool, optional): Regenerate even if cached.
            (default: :obj:`False`)
        log (bool, optional): Print progress while processing.
            (default: :obj:`True`)
    """
    #: Every feature has its own minimum and maximum.
    normalization_groups = ()
    _get_system = staticmethod(get_swing_system)
    #: Frame 0 is the initial state: :math:`(T - 1) f` steps.
    first_frame_is_initial_state = True

    def __init__(
        self,
        root: Optional[str] = None,
        system: Union[str, SwingSystem] = 'case14',
        split: str = 'train',
        num_simulations: Union[Sequence[int], Dict[str, int]] = (1000, 200,
                                                                 200),
        num_frames: int = 99,
        sample_freq: int = SAMPLE_FREQ,
        seed: int = 42,
        observation_noise: float = 0.0,
        transform: Optional[Callable] = None,
        pre_transform: Optional[Callable] = None,
        force_reload: bool = False,
        log: bool = True,
    ):
        system = get_swing_system(system)
        super().__init__(root, system, split, num_simulations,
                         system.num_particles, num_frames, sample_freq,
                         seed, observation_noise, transform, pre_transform,
                         force_reload, num_workers=1, log=log)

    @property
    def feature_names(self) -> Tuple[str, ...]:
        r"""The name of every feature of a frame, in order
        (:data:`~torch_geometric_fnri.datasets.swing.FEATURE_NAMES`)."""
        return FEATURE_NAMES

    def _simulator_parameters(self) -> dict:
        # The constants are in the system's repr, the grid in its digest.
        return {'swing_version': SWING_VERSION,
                'grid_sha256': self.system.power_grid.digest}

    def _simulate_group(self, split: str, size: int, num_particles: int,
                        seed: np.random.SeedSequence,
                        noise: np.random.Generator) -> tuple:
        # (features [S, N, T, 4], labels [S, 1, N, N]) of `size` disturbed
        # copies of the grid, each relabelled.
        system = self.system
        relabel, phases, frequencies = system.sample(
            np.random.default_rng(seed), size)
        power = system.power_grid.net_power
        phases, frequencies = simulate_swing(
            system.couplings(), power, phases, frequencies, system.inertia,
            system.damping, self.num_frames, self.sample_freq, system.dt)
        if self.observation_noise:
            phases = phases + self.observation_noise * \
                noise.standard_normal(phases.shape)
            frequencies = frequencies + self.observation_noise * \
                noise.standard_normal(frequencies.shape)
        return relabel_simulations(
            relabel, swing_features(phases, frequencies, power),
            system.labels())
