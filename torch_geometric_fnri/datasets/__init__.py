"""Simulated physics systems and trajectory datasets."""
from .graph_families import (
    BarabasiAlbertGraph,
    ErdosRenyiGraph,
    GraphFamily,
    StochasticBlockGraph,
    WattsStrogatzGraph,
)
from .graph_isomorphism import (
    MAX_NUM_NODES,
    IsomorphismLeakage,
    canonical_form,
    class_histogram,
    isomorphism_classes,
    isomorphism_disjoint_split,
    isomorphism_leakage,
)
from .graph_sampling import (
    BernoulliPairs,
    CategoricalPairs,
    DirectedBernoulliPairs,
    RandomSignCharges,
    UniformCountCharges,
    UniformCountPairs,
)
from .interactions import Coulomb, FiniteSpring, IdealSpring, Interaction
from .kuramoto import (
    KuramotoSystem,
    KuramotoTrajectories,
    kuramoto_features,
    kuramoto_rates,
    simulate_kuramoto,
)
from .kuramoto_dataset import KuramotoDataset
from .netsim import (
    NETSIM_NETWORKS,
    NetSimSystem,
    NetSimTrajectories,
    simulate_netsim,
)
from .netsim_dataset import NetSimDataset
from .physics_system_dataset import PhysicsSystemDataset
from .power_grids import GRID_CASES, PowerGrid, load_power_grid
from .real_networks import REAL_NETWORKS, RealNetwork
from .simulation import (
    Trajectories,
    sample_initial_state,
    simulate,
    simulate_system,
)
from .systems import (
    SYSTEM_NAMES,
    SYSTEMS,
    InteractionLayer,
    PhysicsSystem,
    get_system,
)
from .structinfer import (
    ADJACENCY_ORIENTATIONS,
    from_structinfer_arrays,
    load_structinfer_files,
)
from .swing import (
    SwingSystem,
    SwingTrajectories,
    simulate_swing,
    swing_features,
)
from .swing_dataset import PowerGridDataset
from .trajectory_dataset import (
    TrajectoryDataset,
    from_arrays,
    load_reference_files,
)

__all__ = [
    'PhysicsSystemDataset',
    'KuramotoDataset',
    'PowerGridDataset',
    'NetSimDataset',
    'NetSimSystem',
    'NetSimTrajectories',
    'simulate_netsim',
    'NETSIM_NETWORKS',
    'TrajectoryDataset',
    'from_arrays',
    'load_reference_files',
    'from_structinfer_arrays',
    'load_structinfer_files',
    'ADJACENCY_ORIENTATIONS',
    'simulate',
    'simulate_system',
    'sample_initial_state',
    'Trajectories',
    'KuramotoSystem',
    'KuramotoTrajectories',
    'simulate_kuramoto',
    'kuramoto_rates',
    'kuramoto_features',
    'SwingSystem',
    'SwingTrajectories',
    'simulate_swing',
    'swing_features',
    'PowerGrid',
    'load_power_grid',
    'GRID_CASES',
    'PhysicsSystem',
    'InteractionLayer',
    'SYSTEMS',
    'SYSTEM_NAMES',
    'get_system',
    'Interaction',
    'IdealSpring',
    'FiniteSpring',
    'Coulomb',
    'BernoulliPairs',
    'CategoricalPairs',
    'DirectedBernoulliPairs',
    'UniformCountPairs',
    'UniformCountCharges',
    'RandomSignCharges',
    'GraphFamily',
    'ErdosRenyiGraph',
    'BarabasiAlbertGraph',
    'WattsStrogatzGraph',
    'StochasticBlockGraph',
    'RealNetwork',
    'REAL_NETWORKS',
    'canonical_form',
    'isomorphism_classes',
    'class_histogram',
    'isomorphism_leakage',
    'isomorphism_disjoint_split',
    'IsomorphismLeakage',
    'MAX_NUM_NODES',
]
