r"""Training and evaluation of relational inference models: the paper's
routine, checkpoints that survive a killed run, run directories with logs,
and multi-process training with DistributedDataParallel."""
from .checkpoint import (
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from .config import TrainConfig
from .distributed import (
    DistributedInfo,
    init_distributed,
    shutdown_distributed,
)
from .edge_evaluation import identity_mapping, reference_batch_search
from .edge_prediction import predict_edges
from .evaluation import evaluate
from .frame_split import FrameSplit
from .experiment import (
    GRAPH_CHOICES,
    GRAPH_FAMILIES,
    LOADABLE_SYSTEMS,
    NETWORK_SYSTEMS,
    SYSTEM_NAMES,
    SYSTEMS_WITHOUT_GRAPH,
    SYSTEMS_WITHOUT_POSITIONS,
    graph_family,
    load_splits,
    make_model,
)
from .loaders import TensorBatchLoader, make_loader
from .logit_refinement import refine_edge_logits
from .symmetry_ensemble import symmetry_ensemble_logits
from .non_finite_loss import NonFiniteLossError
from .objective import TrainingObjective
from .progress_line import progress_printer
from .recipes import RECIPES, Recipe, get_recipe
from .results_table import NOT_LEARNT_MARGIN, results_table
from .run_directory import RunDirectory, RunDirectoryInUseError
from .trained_run import TrainedRun, load_trained, simulation_graph
from .trainer import Trainer
from .training_mode import MODES, TrainingMode, get_training_mode
from .weight_average import WeightAverage

__all__ = [
    'TrainConfig',
    'FrameSplit',
    'Trainer',
    'WeightAverage',
    'TrainingObjective',
    'TrainingMode',
    'MODES',
    'get_training_mode',
    'NonFiniteLossError',
    'evaluate',
    'predict_edges',
    'refine_edge_logits',
    'symmetry_ensemble_logits',
    'identity_mapping',
    'reference_batch_search',
    'RunDirectory',
    'RunDirectoryInUseError',
    'save_checkpoint',
    'load_checkpoint',
    'rng_state',
    'set_rng_state',
    'TensorBatchLoader',
    'make_loader',
    'DistributedInfo',
    'init_distributed',
    'shutdown_distributed',
    'SYSTEM_NAMES',
    'LOADABLE_SYSTEMS',
    'SYSTEMS_WITHOUT_GRAPH',
    'SYSTEMS_WITHOUT_POSITIONS',
    'NETWORK_SYSTEMS',
    'GRAPH_FAMILIES',
    'GRAPH_CHOICES',
    'graph_family',
    'load_splits',
    'make_model',
    'Recipe',
    'RECIPES',
    'get_recipe',
    'TrainedRun',
    'load_trained',
    'simulation_graph',
    'progress_printer',
    'results_table',
    'NOT_LEARNT_MARGIN',
]
