r"""One experiment of the fNRI paper: a simulated system, a model family
and a training mode, wired together the same way by
``examples/springs_charges.py`` and ``benchmarks/reproduce``."""
import functools
from typing import Callable, Dict, NamedTuple, Optional, Tuple, Union

from torch_geometric_fnri.datasets import (
    GRID_CASES,
    SYSTEM_NAMES,
    BarabasiAlbertGraph,
    ErdosRenyiGraph,
    GraphFamily,
    KuramotoDataset,
    NETSIM_NETWORKS,
    NetSimDataset,
    PowerGridDataset,
    REAL_NETWORKS,
    PhysicsSystemDataset,
    RealNetwork,
    StochasticBlockGraph,
    SwingSystem,
    WattsStrogatzGraph,
)
from torch_geometric_fnri.nn import RelationalInference, build_model

from .distributed import barrier
from .frame_split import FrameSplit
from .training_mode import (
    STATIC_DECODER,
    decoder_for_mode,
    get_training_mode,
)

#: Encoder dropout of the supervised baselines (the paper's p = 0.5).
SUPERVISED_DROPOUT = 0.5

#: Options of the MLP decoder that the static baseline, which has no
#: messages or forces to shape, leaves out of a recipe's settings.
MLP_DECODER_OPTIONS = ('relative_messages', 'central_forces',
                       'min_distance', 'checkpoint_decoder',
                       'pairwise_messages')


class NetworkSystem(NamedTuple):
    r"""A system that simulates one recorded network with a dataset of its
    own: its graph argument is required and names the network."""
    #: The dataset class (its :obj:`system` argument takes the network).
    dataset: type
    #: The names of its networks.
    networks: Tuple[str, ...]
    #: What a network is, for messages (*e.g.* "an IEEE test grid").
    kind: str
    #: The node count of a network.
    num_nodes: Callable[[str], int]


#: The systems whose graph argument names the network they simulate:
#: swing dynamics on an IEEE test grid
#: (:class:`~torch_geometric_fnri.datasets.PowerGridDataset`, needs
#: PYPOWER) and NetSim-style fMRI on one of NetSim's networks
#: (:class:`~torch_geometric_fnri.datasets.NetSimDataset`).
NETWORK_SYSTEMS: Dict[str, NetworkSystem] = {
    'swing': NetworkSystem(
        PowerGridDataset, GRID_CASES, 'an IEEE test grid',
        lambda name: SwingSystem(grid=name).num_particles),
    'netsim': NetworkSystem(
        NetSimDataset, tuple(NETSIM_NETWORKS), "one of NetSim's networks",
        lambda name: NETSIM_NETWORKS[name][0]),
}

#: The short names of the systems :func:`load_splits` simulates, for
#: command lines: the keys of :data:`SYSTEM_NAMES`, :obj:`'kuramoto'` and
#: those of :data:`NETWORK_SYSTEMS`.
LOADABLE_SYSTEMS: Tuple[str, ...] = (*SYSTEM_NAMES, 'kuramoto',
                                     *NETWORK_SYSTEMS)

#: The systems that need no graph argument: the choices of command lines
#: without :obj:`--graph`.
SYSTEMS_WITHOUT_GRAPH: Tuple[str, ...] = tuple(
    system for system in LOADABLE_SYSTEMS if system not in NETWORK_SYSTEMS)

#: The systems whose features are not positions and velocities (phases,
#: frequencies, BOLD signals): no central forces, no neighbours in space.
SYSTEMS_WITHOUT_POSITIONS: Tuple[str, ...] = ('kuramoto', *NETWORK_SYSTEMS)

#: The short names of the graph families, for command lines: the random
#: families and every recorded network of
#: :data:`~torch_geometric_fnri.datasets.REAL_NETWORKS` (*e.g.*
#: :obj:`'karate_club'`, whose simulations need its 34 particles).
GRAPH_FAMILIES: Dict[str, Callable[[], GraphFamily]] = {
    'er': ErdosRenyiGraph,
    'ba': BarabasiAlbertGraph,
    'ws': WattsStrogatzGraph,
    'sbm': StochasticBlockGraph,
    **{name: functools.partial(RealNetwork, name) for name in REAL_NETWORKS},
}

#: Every name a command line's :obj:`--graph` takes: the families of
#: :data:`GRAPH_FAMILIES` and the networks of :data:`NETWORK_SYSTEMS`.
GRAPH_CHOICES: Tuple[str, ...] = (
    *sorted(GRAPH_FAMILIES),
    *(name for system in NETWORK_SYSTEMS.values()
      for name in system.networks))


def graph_family(name: Optional[str], system: str,
                 num_particles: Optional[int] = None
                 ) -> Union[GraphFamily, str, None]:
    r"""The graph family :obj:`name` (a key of :data:`GRAPH_FAMILIES`)
    with its default parameters for :obj:`system`'s springs (or Kuramoto
    couplings), for :func:`load_splits`; :obj:`None` for :obj:`None`
    (every pair independently, as in the papers). For a system of
    :data:`NETWORK_SYSTEMS`, :obj:`name` is required and is its network,
    returned as given. Raises :class:`ValueError` for an unknown family or
    network, a network of another system or such a system without one,
    the :obj:`'charged'` system, which has no springs, and a recorded
    network whose node count is not :obj:`num_particles` (when given; a
    grid's needs PYPOWER, whose absence raises :class:`ImportError`)."""
    if system in NETWORK_SYSTEMS:
        return _network(system, name, num_particles)
    if name is None:
        return None
    for other, network_system in NETWORK_SYSTEMS.items():
        if name in network_system.networks:
            raise ValueError(f"--graph {name} is {network_system.kind}: "
                             f"its dynamics are --system {other}")
    if name not in GRAPH_FAMILIES:
        raise ValueError(f'unknown graph family {name!r}; choose one of '
                         f'{sorted(GRAPH_FAMILIES)}')
    if SYSTEM_NAMES.get(system, system) == SYSTEM_NAMES['charged']:
        raise ValueError("--graph draws the springs, but the 'charged' "
                         "system has none (charges couple every pair of "
                         "charged particles)")
    family = GRAPH_FAMILIES[name]()
    if isinstance(family, RealNetwork) and num_particles is not None and \
            num_particles != family.num_nodes:
        raise ValueError(f'--graph {name} is a recorded network of '
                         f'{family.num_nodes} nodes: give --num-particles '
                         f'{family.num_nodes} (got {num_particles})')
    return family


def _network(system: str, name: Optional[str],
             num_particles: Optional[int]) -> str:
    # The network of a system of NETWORK_SYSTEMS, checked against the
    # particle count.
    network_system = NETWORK_SYSTEMS[system]
    if name not in network_system.networks:
        raise ValueError(f'--system {system} simulates {network_system.kind}'
                         f': give --graph one of '
                         f'{list(network_system.networks)} (got {name})')
    if num_particles is not None:
        num_nodes = network_system.num_nodes(name)
        if num_particles != num_nodes:
            raise ValueError(f'--graph {name} is {network_system.kind} of '
                             f'{num_nodes} nodes: give --num-particles '
                             f'{num_nodes} (got {num_particles})')
    return name


def load_splits(
    system: str,
    num_simulations: Tuple[int, int, int],
    num_particles: int = 5,
    num_frames: int = 99,
    seed: int = 42,
    root: str = 'data',
    rank: int = 0,
    observation_noise: float = 0.0,
    graph: Union[GraphFamily, str, None] = None,
    pre_transform: Optional[Callable] = None,
) -> Tuple[PhysicsSystemDataset, PhysicsSystemDataset,
           PhysicsSystemDataset]:
    r"""Simulates (or loads from the cache under :obj:`root`) the train,
    valid and test splits of a system. In a distributed run rank 0
    simulates first and the other ranks load its cache.

    Args:
        system (str): A key of :data:`SYSTEM_NAMES` (*e.g.* :obj:`'I+C'`), a
            dataset system name (*e.g.* :obj:`'springs_charges'`) or
            :obj:`'kuramoto'` (a
            :class:`~torch_geometric_fnri.datasets.KuramotoDataset`) or
            a key of :data:`NETWORK_SYSTEMS` (its dataset of the network
            :obj:`graph`).
        num_simulations (Tuple[int, int, int]): Train, valid, test sizes.
        num_particles (int, optional): Particles (or oscillators)
            :math:`N`. (default: 5)
        num_frames (int, optional): Frames per simulation. (default: 99)
        seed (int, optional): Simulation seed. (default: 42)
        root (str, optional): Cache root. (default: :obj:`'data'`)
        rank (int, optional): This process' rank. (default: 0)
        observation_noise (float, optional): Standard deviation of the
            Gaussian noise on the observed positions and velocities (see
            :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset`).
            (default: 0)
        graph (GraphFamily or str, optional): Draw the spring (or Kuramoto
            coupling) graphs from a family of random graphs (see
            :data:`GRAPH_FAMILIES`); for a system of
            :data:`NETWORK_SYSTEMS` its network (required;
            :obj:`num_particles` must be its node count).
            (default: :obj:`None`)
        pre_transform (callable, optional): Applied to every simulation
            before it is cached, *e.g.* a candidate graph (part of the
            cache key). (default: :obj:`None`)
    """
    kwargs = dict(num_simulations=tuple(num_simulations),
                  num_frames=num_frames, seed=seed,
                  observation_noise=observation_noise, log=False,
                  pre_transform=pre_transform)
    if system in NETWORK_SYSTEMS:
        dataset = NETWORK_SYSTEMS[system].dataset
        kwargs['system'] = _network(system, graph, num_particles)
    else:
        dataset = KuramotoDataset if system == 'kuramoto' else \
            PhysicsSystemDataset
        kwargs.update(system=SYSTEM_NAMES.get(system, system),
                      num_particles=num_particles, graph=graph)

    def load():
        return tuple(dataset(root, split=split, **kwargs)
                     for split in ('train', 'valid', 'test'))

    splits = load() if rank == 0 else None
    barrier()
    return splits if splits is not None else load()


def make_model(family: str, mode: str, num_edge_types, num_frames: int,
               hidden_channels: int, frame_split: FrameSplit = FrameSplit(),
               **kwargs) -> RelationalInference:
    r"""Builds the model of one row of the paper's Tables 1 and 2: the
    encoder sees the frames :obj:`frame_split` gives it (by default the
    first :math:`\lfloor T / 2 \rfloor`), the supervised baseline uses
    encoder dropout 0.5 and the static baseline a
    :class:`~torch_geometric_fnri.nn.StaticDecoder`.

    Args:
        family (str): The model family, :obj:`'nri'`, :obj:`'fnri'` or
            :obj:`'sfnri'`.
        mode (str): :obj:`'learned'`, :obj:`'supervised'`,
            :obj:`'true_graph'` or :obj:`'static'`.
        num_edge_types (List[int]): The data's label layers.
        num_frames (int): Frames per simulation :math:`T`.
        hidden_channels (int): Hidden size of encoder and decoder.
        frame_split (FrameSplit, optional): The frames the encoder reads;
            pass the run's :attr:`TrainConfig.frame_split`.
            (default: :obj:`FrameSplit()`)
        **kwargs (optional): Further arguments of
            :func:`~torch_geometric_fnri.nn.build_model` (*e.g.*
            :obj:`decoder='rnn'`; the static mode always has the static
            decoder, and leaves out :data:`MLP_DECODER_OPTIONS`).
    """
    supervised = get_training_mode(mode).supervises_encoder
    kwargs.setdefault('encoder_dropout',
                      SUPERVISED_DROPOUT if supervised else 0.0)
    decoder = decoder_for_mode(mode, kwargs.pop('decoder', 'mlp'))
    if decoder == STATIC_DECODER:
        for name in MLP_DECODER_OPTIONS:
            kwargs.pop(name, None)
    return build_model(family, list(num_edge_types),
                       num_timesteps=frame_split.num_encoder_frames(
                           num_frames),
                       hidden_channels=hidden_channels, decoder=decoder,
                       **kwargs)
