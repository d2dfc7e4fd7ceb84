r"""NetSim-style simulated fMRI as a cached PyG dataset."""
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .graph_families import relabel_simulations
from .netsim import (
    FEATURE_NAMES,
    NUM_SCANS,
    REPETITION_TIME,
    NetSimSystem,
    get_netsim_system,
    simulate_netsim,
)
from .physics_system_dataset import PhysicsSystemDataset

# Bump when the NetSim simulation or its features change.
NETSIM_VERSION = 1


class NetSimDataset(PhysicsSystemDataset):
    r"""NetSim-style fMRI of brain regions (Smith et al. 2011) with the
    directed connections of one of NetSim's networks as the ground-truth
    graph (see :mod:`~torch_geometric_fnri.datasets.netsim` for the
    equations, the constants and their source).

    The interface and caching are those of
    :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset`: one
    simulation (a NetSim "subject") is one graph of the network's :math:`N`
    regions with ``x`` :obj:`[N, T, 1]` float32 (the BOLD signal, mapped to
    :math:`[-1, 1]` by its minimum and maximum over the training split,
    :attr:`stats`), the fully connected ``edge_index`` and ``edge_type``
    :obj:`[N(N-1), 1]` int64 (1 where a connection runs from the sender to
    the receiver; directed); the three splits come from one seed and are
    cached under ``root/NetSimDataset/netsim_<network>_<hash>``;
    ``root=None`` generates in memory. Split :math:`s` (0, 1, 2 for train,
    valid, test) draws the relabelling, the connection strengths and the
    balloon constants with :meth:`NetSimSystem.sample`, then the inputs
    and noise of :func:`simulate_netsim`, from the stream
    :obj:`SeedSequence(seed, spawn_key=(s,))`, and its observation noise
    from :obj:`SeedSequence(seed, spawn_key=(s, 1))`.

    Every simulation is the same network with its regions relabelled at
    random (so that a node's index says nothing about its place in the
    network) and its own connection strengths, haemodynamics and inputs.
    (ACD trains and scores one labelling on five NetSim subjects; here
    the test simulations are held out.)

    Args:
        root (str, optional): The cache root, or :obj:`None` for no files.
        system (str or NetSimSystem, optional): A network of
            :data:`~torch_geometric_fnri.datasets.netsim.NETSIM_NETWORKS`
            (the default constants) or a :class:`NetSimSystem`.
            (default: :obj:`'sim3'`)
        split (str, optional): ``'train'``, ``'valid'`` or ``'test'``.
            (default: :obj:`'train'`)
        num_simulations (tuple or dict, optional): Simulations per split as
            ``(train, valid, test)`` or a dict with those keys.
            (default: :obj:`(1000, 200, 200)`)
        num_frames (int, optional): Scans :math:`T`, one every 3 s.
            (default: :obj:`200`, NetSim's 10 minutes)
        seed (int, optional): The seed. (default: :obj:`42`)
        observation_noise (float, optional): Standard deviation of further
            Gaussian noise on the processed BOLD signal (per cent; NetSim's
            own thermal noise is the system's :obj:`bold_noise`). Part of
            the cache key when not zero. (default: :obj:`0.0`)
        transform (callable, optional): Applied on access.
            (default: :obj:`None`)
        pre_transform (callable, optional): Applied before saving.
            (default: :obj:`None`)
        force_reload (bool, optional): Regenerate even if cached.
            (default: :obj:`False`)
        log (bool, optional): Print progress while processing.
            (default: :obj:`True`)
    """
    normalization_groups = ()
    _get_system = staticmethod(get_netsim_system)

    def __init__(
        self,
        root: Optional[str] = None,
        system: Union[str, NetSimSystem] = 'sim3',
        split: str = 'train',
        num_simulations: Union[Sequence[int], Dict[str, int]] = (1000, 200,
                                                                 200),
        num_frames: int = NUM_SCANS,
        seed: int = 42,
        observation_noise: float = 0.0,
        transform: Optional[Callable] = None,
        pre_transform: Optional[Callable] = None,
        force_reload: bool = False,
        log: bool = True,
    ):
        system = get_netsim_system(system)
        steps_per_scan = int(round(REPETITION_TIME / system.dt))
        super().__init__(root, system, split, num_simulations,
                         system.num_particles, num_frames, steps_per_scan,
                         seed, observation_noise, transform, pre_transform,
                         force_reload, num_workers=1, log=log)

    @property
    def feature_names(self) -> Tuple[str, ...]:
        r"""``('bold', )``."""
        return FEATURE_NAMES

    def _simulator_parameters(self) -> dict:
        # The constants are in the system's repr.
        return {'netsim_version': NETSIM_VERSION}

    def _simulate_group(self, split: str, size: int, num_particles: int,
                        seed: np.random.SeedSequence,
                        noise: np.random.Generator) -> tuple:
        # (features [S, N, T, 1], labels [S, 1, N, N]) of `size` subjects,
        # each relabelled.
        rng = np.random.default_rng(seed)
        relabel, weights, balloon = self.system.sample(rng, size)
        bold = simulate_netsim(self.system, weights, balloon, rng,
                               self.num_frames).bold
        if self.observation_noise:
            bold = bold + self.observation_noise * \
                noise.standard_normal(bold.shape)
        return relabel_simulations(relabel, bold[..., None],
                                   self.system.labels())
