r"""Named training recipes: the paper's routine and a fast one.

A recipe is everything about a run except the data and the model family:
the model's sizes and options (:func:`~torch_geometric_fnri.nn.build_model`
arguments) and the :class:`TrainConfig` fields. ``'paper'`` is the fNRI
paper's routine; ``'fast'`` is tuned to recover the interaction graph in
minutes on a CPU (measured by ``benchmarks/time_to_accuracy.py``; every
difference from the paper is listed in :data:`RECIPES` and the README).

A recipe may carry settings for one system on top of its own
(:attr:`Recipe.systems`): ``get_recipe('fast', system='kuramoto')`` is the
fast recipe as it applies to Kuramoto oscillators.
"""
from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Mapping, Optional

from .config import TrainConfig
from .experiment import make_model
from .training_mode import get_training_mode

#: The :class:`TrainConfig` fields of the test-time refinement, which only
#: modes with inferred edges take.
REFINEMENT_SETTINGS = ('refine_steps', 'refine_lr')


@dataclass(frozen=True)
class Recipe:
    r"""A named training recipe.

    Args:
        name (str): The recipe's name.
        description (str): One line on what it is for.
        model (dict): Arguments of
            :func:`~torch_geometric_fnri.training.make_model` beyond the
            family, mode, edge types and frame count (at least
            :obj:`'hidden_channels'`).
        train (dict): :class:`TrainConfig` fields that differ from the
            defaults (the paper's).
        differences (List[str]): What differs from the paper's routine, one
            line each (empty for the paper).
        systems (dict, optional): Settings for one system on top of the
            recipe's, by system name (see :meth:`for_system`): a dict with
            the keys :obj:`'model'` and :obj:`'train'` (settings, as above)
            and :obj:`'differences'` (lines added to :obj:`differences`).
    """
    name: str
    description: str
    model: Mapping[str, Any]
    train: Mapping[str, Any]
    differences: List[str] = field(default_factory=list)
    systems: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def for_system(self, system: Optional[str]) -> 'Recipe':
        r"""The recipe as it applies to :obj:`system`: its settings for
        that system (:attr:`systems`) on top of its own, or the recipe
        itself when it has none (or :obj:`system` is :obj:`None`)."""
        extra = self.systems.get(system) if system is not None else None
        if extra is None:
            return self
        unknown = set(extra) - {'model', 'train', 'differences'}
        if unknown:
            raise ValueError(f"recipe {self.name!r}, system {system!r}: "
                             f"unknown keys {sorted(unknown)}")
        return replace(
            self,
            description=f'{self.description} (with its {system} settings)',
            model={**self.model, **extra.get('model', {})},
            train={**self.train, **extra.get('train', {})},
            differences=list(self.differences) + list(
                extra.get('differences', [])),
            systems={})

    def config(self, **overrides) -> TrainConfig:
        r"""The recipe's :class:`TrainConfig`, with :obj:`overrides`
        (*e.g.* :obj:`epochs`, :obj:`seed`, :obj:`device`) on top. A mode
        without inferred edges (supervised, true graph, static) leaves the
        recipe's test-time refinement (:data:`REFINEMENT_SETTINGS`) out
        unless :obj:`overrides` name it, and a mode without an encoder
        (true graph, static) its symmetry ensemble likewise."""
        settings = {**dict(self.train), **overrides}
        mode = get_training_mode(settings.get('mode', 'learned'))
        left_out = (() if mode.samples_edges else REFINEMENT_SETTINGS) + \
            (() if mode.uses_encoder else ('symmetry_ensemble', ))
        for key in left_out:
            if key not in overrides:
                settings.pop(key, None)
        return TrainConfig(**settings)

    def build_model(self, family: str, mode: str, num_edge_types,
                    num_frames: int, **overrides):
        r"""The recipe's model (see
        :func:`~torch_geometric_fnri.training.make_model`), with
        :obj:`overrides` of its arguments on top (*e.g.*
        :obj:`frame_split=config.frame_split`)."""
        kwargs: Dict[str, Any] = {**dict(self.model), **overrides}
        hidden = kwargs.pop('hidden_channels')
        return make_model(family, mode, num_edge_types, num_frames, hidden,
                          **kwargs)


RECIPES: Dict[str, Recipe] = {
    'paper': Recipe(
        name='paper',
        description="the fNRI paper's routine (Section 7): hidden 256, "
        'batch 128, Adam 5e-4, M = 10, decoder on all of frames 50-98',
        model={'hidden_channels': 256},
        train={},
    ),
    'fast': Recipe(
        name='fast',
        description='recovers the graph in minutes on a CPU: hidden 64, '
        'batch 32, Adam 1e-3, M = 2 (M = 10 after 500 updates) on random '
        '12-frame windows of frames 50-98, a robust (Cauchy) reconstruction '
        'loss, symmetric edges, learned central forces in the decoder',
        model={'hidden_channels': 64, 'symmetric': True,
               'central_forces': True, 'min_distance': 0.05},
        train={'batch_size': 32, 'lr': 1e-3, 'prediction_steps': 2,
               'prediction_steps_schedule': ((500, 10),),
               'decoder_window': 12, 'cauchy_scale': 0.01,
               'sfnri_loss': 'nll', 'refine_steps': 30, 'refine_lr': 0.3,
               'symmetry_ensemble': True, 'beta': 0.1,
               'beta_schedule': ((2000, 1.0), )},
        differences=[
            'hidden size 64 instead of 256 (4x cheaper updates)',
            'batch 32 and learning rate 1e-3 instead of 128 and 5e-4',
            'the decoder is trained on a random window of 12 consecutive '
            'frames of frames 50-98 per batch, not on all 49',
            'training rollouts of M = 2 steps for the first 500 updates, '
            'then M = 10 (a curriculum; the paper trains with M = 10 '
            'throughout); the validation loss that selects the checkpoint '
            'keeps M = 2',
            'a Cauchy reconstruction loss of scale 0.01 (normalised units) '
            'instead of the Gaussian NLL, so that the velocity reversals at '
            'the walls do not drown the interactions',
            'symmetric edge logits (each edge averaged with its reverse)',
            'the decoder adds learned pairwise central forces (one radial '
            'profile per edge type, CentralForceConv) to its velocity '
            'step: the charges are learnt after thousands of updates '
            'instead of tens of thousands; their inverse distance is '
            'bounded at 0.05 (normalised units, a quarter of a unit of the '
            'simulated box), which keeps the first updates stable',
            'NRI and fNRI: the KL weight 0.1 for the first 2,000 updates, '
            'then the paper\'s 1 (the validation loss that selects the '
            'checkpoint keeps 0.1): with 1 throughout, one layer-graph\'s '
            'posterior can collapse to uniform before the decoder models '
            'its interaction (the I+C charges of the example: learnt on 3 '
            'of 4 seeds instead of 0 of 4 at 3,140 updates)',
            'sfNRI is trained with that loss too, not with the mean '
            'squared error of the reference code',
            'the test also scores the graphs with the encoder\'s logits of '
            'every simulation refined by 30 Adam steps (learning rate 0.3) '
            'on its own training loss over the encoder frames, the weights '
            'frozen (semi-amortised inference, not in the papers; '
            '\'test_refined\' beside the encoder\'s own \'test\')',
            'the test also scores the graphs with the encoder\'s logits '
            'averaged over the eight symmetries of the square box (a '
            'test-time ensemble of each simulation\'s rotated and mirrored '
            'copies, not in the papers; \'test_symmetrised\' beside '
            '\'test\')',
        ],
        systems={
            # docs/kuramoto.md: the MLP encoder limits even the supervised
            # model on oscillators and the switch to M = 10 makes the
            # learned one collapse to the constant level. Its features
            # are phases and frequencies, not positions: no central forces.
            'kuramoto': {
                'model': {'encoder': 'cnn', 'central_forces': False},
                'train': {'routine': 'nri',
                          'prediction_steps_schedule': None,
                          'symmetry_ensemble': False,
                          'beta': 1.0, 'beta_schedule': None},
                'differences': [
                    "Kuramoto: NRI's CNN encoder, NRI's routine (encoder "
                    'and decoder on the first half; the test split is '
                    'decoded on the second) and M = 2 throughout',
                    'Kuramoto: no central forces and no box symmetries '
                    '(the features are not positions and velocities), and '
                    'the KL weight 1 throughout (its warm-up is measured on '
                    'I+C only)',
                ],
            },
            # Swing dynamics on a power grid (sines, cosines and
            # frequencies of the phases): no positions.
            'swing': {
                'model': {'central_forces': False},
                'train': {'symmetry_ensemble': False,
                          'beta': 1.0, 'beta_schedule': None},
                'differences': [
                    'swing: no central forces and no box symmetries (the '
                    'features are not positions and velocities), and the '
                    'KL weight 1 throughout (its warm-up is measured on I+C '
                    'only)',
                ],
            },
            # NetSim's BOLD signals: no positions, and directed
            # connections.
            'netsim': {
                'model': {'central_forces': False, 'symmetric': False},
                'train': {'symmetry_ensemble': False,
                          'beta': 1.0, 'beta_schedule': None},
                'differences': [
                    'netsim: no central forces and no box symmetries (the '
                    'features are not positions and velocities), and the '
                    'KL weight 1 throughout (its warm-up is measured on I+C '
                    'only)',
                    'netsim: edge logits not averaged with their reverse '
                    '(the connections are directed)',
                ],
            },
        },
    ),
}


def get_recipe(name: str, system: Optional[str] = None) -> Recipe:
    r"""Returns the recipe called :obj:`name` (a key of :data:`RECIPES`),
    as it applies to :obj:`system` when one is given (see
    :meth:`Recipe.for_system`)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of "
                         f"{sorted(RECIPES)}")
    return RECIPES[name].for_system(system)
