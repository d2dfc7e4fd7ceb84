"""What each protocol trains: the paper's configuration and reduced ones."""
from dataclasses import dataclass
from typing import Dict, List, Tuple

from torch_geometric_fnri.datasets import (
    SYSTEM_NAMES,
    KuramotoSystem,
    NetSimSystem,
    SwingSystem,
    get_system,
)
from torch_geometric_fnri.model_family import MODEL_FAMILIES
from torch_geometric_fnri.training import TrainConfig
from torch_geometric_fnri.training.training_mode import MODES, STATIC_MODE

#: The systems of the paper's Tables 1 and 2 (keys of
#: :data:`~torch_geometric_fnri.datasets.SYSTEM_NAMES`).
PAPER_SYSTEMS = ('I+C', 'I+C+F')


def layer_names(system: str) -> List[str]:
    """The interaction types of :obj:`system` (a key of
    :data:`~torch_geometric_fnri.datasets.SYSTEM_NAMES` or
    :obj:`'kuramoto'`, :obj:`'swing'` or :obj:`'netsim'`), in label
    order."""
    others = {'kuramoto': KuramotoSystem, 'swing': SwingSystem,
              'netsim': NetSimSystem}
    if system in others:
        return list(others[system]().interaction_names)
    return get_system(SYSTEM_NAMES[system]).interaction_names


@dataclass(frozen=True)
class Protocol:
    """What one protocol trains; every field can be narrowed on the
    command line."""
    systems: Tuple[str, ...]
    models: Tuple[str, ...]
    modes: Tuple[str, ...]
    seeds: Tuple[int, ...]
    num_simulations: Tuple[int, int, int]
    hidden: int
    epochs: int
    batch_size: int = 128
    lr: float = 5e-4
    num_frames: int = 99
    data_seed: int = 42
    # The paper's L2 penalty on sfNRI for I+C (SFNRI_IC_WEIGHT_DECAY).
    sfnri_ic_weight_decay: bool = False

    def has_run(self, model: str, mode: str) -> bool:
        """Whether :obj:`model` in :obj:`mode` is a run of this protocol:
        the static baseline has no model, so it runs (and is listed) once
        per system and seed, under the first model."""
        return mode != STATIC_MODE or model == self.models[0]


# "To prevent exploding gradients in the encoder of the sfNRI model when
# training on the I+C system, a tiny amount of L2 regularisation was added"
# (the paper, section 7): Adam weight decay, the reference's --weight-decay.
SFNRI_IC_WEIGHT_DECAY = {'learned': 5e-8, 'supervised': 2e-5}

PROTOCOLS: Dict[str, Protocol] = {
    # Every row of the paper's tables with two seeds, on less data, a
    # smaller model, fewer epochs and a larger learning rate: measured at
    # about 3 hours on 2 CPU cores (I+C 87 min, I+C+F 97 min).
    'cpu': Protocol(systems=PAPER_SYSTEMS, models=MODEL_FAMILIES,
                    modes=MODES, seeds=(0, 1),
                    num_simulations=(4000, 1000, 1000), hidden=64,
                    epochs=25, batch_size=64, lr=1e-3),
    # The reference code's CPU learning curve (curves.REFERENCE_CURVE_FILE):
    # fNRI on I+C, 10k/2k/2k, hidden 256, batch 128, lr 5e-4, seed 1,
    # 15 epochs, to compare epoch by epoch and minute by minute.
    'reference-curve': Protocol(systems=('I+C',), models=('fnri',),
                                modes=('learned',), seeds=(1,),
                                num_simulations=(10000, 2000, 2000),
                                hidden=256, epochs=15),
    # The paper: 50k/10k/10k simulations, hidden 256, 500 epochs, its L2
    # penalty on sfNRI for I+C.
    'paper': Protocol(systems=PAPER_SYSTEMS, models=MODEL_FAMILIES,
                      modes=MODES, seeds=(0, 1, 2),
                      num_simulations=(50000, 10000, 10000), hidden=256,
                      epochs=500, sfnri_ic_weight_decay=True),
}


def train_config(protocol: Protocol, system: str, model: str, mode: str,
                 seed: int, device: str) -> TrainConfig:
    """The training configuration of one run of :obj:`protocol`."""
    weight_decay = 0.0
    if protocol.sfnri_ic_weight_decay and model == 'sfnri' and \
            system == 'I+C':
        weight_decay = SFNRI_IC_WEIGHT_DECAY.get(mode, 0.0)
    return TrainConfig(mode=mode, epochs=protocol.epochs,
                       batch_size=protocol.batch_size, lr=protocol.lr,
                       weight_decay=weight_decay, seed=seed, device=device,
                       progress=False)
