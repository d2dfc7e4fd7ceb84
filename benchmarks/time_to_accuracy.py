r"""Time to accuracy: how fast a training recipe recovers the interaction
graph, against the paper's routine on the same data.

For each recipe, mode and seed, one run after another, trains a model
(``Trainer`` with the recipe's model and configuration) until the budget
(``--minutes`` of training time or ``--updates`` optimiser steps) is spent:
in the ``learned`` mode (the default) encoder and decoder without the
labels, in the ``supervised`` mode the encoder alone on the labels (the
supervised baseline, encoder dropout 0.5; its decoder stays untrained).
Every ``--eval-every`` updates it measures the edge accuracy of the encoder
on a fixed validation subset (the first ``--eval-size`` simulations) under
one label mapping fitted on that subset by exact assignment (the test-time
metric, not the reference's per-batch search; a supervised encoder is read
without relabelling, as ``Trainer`` does). Evaluation time (these
probes and the trainer's end-of-epoch validation) is not counted in the
training minutes. At the end of the budget the final model
is tested the way ``Trainer.test`` does it: the mapping fitted on the whole
validation split and applied to the test split, with the trajectory
errors (none in the supervised mode).

    python benchmarks/time_to_accuracy.py --recipe fast paper --minutes 10 \
        --seeds 1 2 3 --system I+C

``--num-particles`` and ``--graph`` (springs or Kuramoto couplings drawn
from a family of random graphs) leave the papers' 5 particles with every
pair independent, *e.g.* NRI's second setting:

    python benchmarks/time_to_accuracy.py --recipe fast --system springs \
        --num-particles 10 --minutes 60 --seeds 1 --threads 1 --tag 60min

Writes to ``--out`` (default ``results/time_to_accuracy/<system>``, or
``<system>[-<graph>][-n<particles>]`` for other data, see
:func:`data_folder`):
``<model>-<recipe>[-<mode>][-<tag>]-seed<k>.jsonl`` (one line per
evaluation, then one line with the final metrics; the mode is named unless
it is ``learned``),
``<model>-<recipes>[-<modes>][-<tag>]-summary.json``
(the figures of the last line below) and ``...-accuracy.png``. ``--set``
with ``--tag`` overrides recipe settings for ablations; ``--tag`` alone names
runs with another budget. Ends with one JSON line: per recipe, mode and
seed the minutes and updates to reach 40/50/.../90 % validation combined
accuracy (null if not reached), the final test accuracy, the AUROC of
edge presence per layer-graph and the 10-step MSE (null in the supervised
mode); and the medians over seeds per recipe (and
mode, and model family, when there are several).

Kuramoto (``--system kuramoto``, one binary layer-graph): NRI as in its
paper, encoder and decoder on frames 0-48 (``--set routine=nri``; the test
split is always evaluated with the decoder on frames 50-98), learned and
supervised side by side, then one summary and plot of both beside the
constant-prediction level:

    python benchmarks/time_to_accuracy.py --system kuramoto --model nri \
        --recipe fast --mode learned --minutes 10 --seeds 1 2 3 \
        --threads 1 --set routine=nri --tag nri-routine
    python benchmarks/time_to_accuracy.py --system kuramoto --model nri \
        --recipe fast --mode supervised --minutes 10 --seeds 1 2 3 \
        --threads 1 --set routine=nri --tag nri-routine
    python benchmarks/time_to_accuracy.py --system kuramoto --model nri \
        --recipe fast --mode learned supervised --minutes 10 \
        --seeds 1 2 3 --set routine=nri --tag nri-routine --report-only

The fast recipe's M = 10 switch breaks the learned Kuramoto model and its
MLP encoder limits the supervised one; ``--set routine=nri encoder=cnn
prediction_steps_schedule=None`` learns the graph in minutes
(``docs/kuramoto.md``).

(or both modes in one process: ``--mode learned supervised`` without
``--report-only``). The box-symmetry augmentation and the decoder's
relative messages need (x, y, vx, vy) features and are refused there.
"""
import argparse
import inspect
import itertools
import json
import os
import os.path as osp
import platform
import statistics
import sys
import time
from typing import Dict, List, Optional

import torch

from torch_geometric_fnri.datasets import kuramoto, netsim, swing
from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    MissedPairs,
    graphs_constant_prediction_accuracy,
)
from torch_geometric_fnri.nn import MODEL_FAMILIES, build_model
from torch_geometric_fnri.train import (
    add_graph_arguments,
    candidate_label,
    check_graph_options,
    make_candidate_graph,
)
from torch_geometric_fnri.training import (
    LOADABLE_SYSTEMS,
    RECIPES,
    SYSTEMS_WITHOUT_POSITIONS,
    Trainer,
    get_recipe,
    graph_family,
    identity_mapping,
    load_splits,
    predict_edges,
)
from torch_geometric_fnri.training.loaders import make_loader
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

try:  # as a script: its folder is on sys.path
    from warm_start import save_training_state, state_path, warm_start
except ImportError:  # as benchmarks.time_to_accuracy (benchmarks/table1.py)
    from benchmarks.warm_start import (
        save_training_state,
        state_path,
        warm_start,
    )

THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)

#: Particles (or oscillators) per simulation unless ``--num-particles``
#: says otherwise: the papers' 5.
DEFAULT_NUM_PARTICLES = 5

#: Frames per simulation (the papers' 99).
NUM_FRAMES = 99

#: What the final line of a run with ``--set refine_steps=K`` adds: the
#: test split with the edge logits refined per simulation (the validation
#: mapping), and the minutes that pass took.
REFINED_KEYS = ('test_refined_acc_combined', 'test_refined_acc_layers',
                'test_refined_auroc_layers', 'refine_minutes')

#: What the final line of a run with ``--set symmetry_ensemble=True``
#: adds: the test split with the encoder's logits averaged over the box
#: symmetries (the mapping fitted on the ensemble's validation), its
#: validation accuracy, and the minutes both passes took.
SYMMETRISED_KEYS = ('test_symmetrised_acc_combined',
                    'test_symmetrised_acc_layers',
                    'test_symmetrised_auroc_layers',
                    'valid_symmetrised_acc_combined', 'symmetrise_minutes')

#: The training modes compared; runs and logs of the first leave the mode
#: out of their names (as before there were modes).
MODES = ('learned', 'supervised')

#: The model settings ``--set`` takes: the arguments of ``build_model``
#: beyond those the data and the mode fix.
MODEL_SETTINGS = tuple(
    name for name in inspect.signature(build_model).parameters
    if name not in ('family', 'num_edge_types', 'num_timesteps',
                    'in_channels', 'decoder', 'encoder_dropout'))

#: Recipe settings that need (x, y, vx, vy) features, refused on the
#: systems without positions (Kuramoto, swing, NetSim).
POSITION_VELOCITY_SETTINGS = ('box_symmetry_augmentation',
                              'symmetry_ensemble', 'relative_messages',
                              'central_forces')

#: The features of the systems without positions, for the message that
#: refuses those settings.
NON_SPATIAL_FEATURES = {'kuramoto': kuramoto.FEATURE_NAMES,
                        'swing': swing.FEATURE_NAMES,
                        'netsim': netsim.FEATURE_NAMES}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--recipe', nargs='+', choices=sorted(RECIPES),
                        default=['fast', 'paper'])
    parser.add_argument('--model', nargs='+', choices=MODEL_FAMILIES,
                        default=['fnri'], help='one or more model '
                        'families, run one after another (with '
                        '--report-only: combine their logs into one '
                        'summary and plot)')
    parser.add_argument('--system', choices=LOADABLE_SYSTEMS,
                        default='I+C')
    parser.add_argument('--mode', nargs='+', choices=MODES,
                        default=[MODES[0]], help='learned (encoder and '
                        'decoder, no labels) and/or supervised (the encoder '
                        'alone on the labels), run one after another')
    parser.add_argument('--num-particles', type=int,
                        default=DEFAULT_NUM_PARTICLES, help='particles (or '
                        'oscillators) per simulation')
    add_graph_arguments(parser)
    parser.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    parser.add_argument('--eval-every', type=int, default=50,
                        help='updates between validation evaluations')
    parser.add_argument('--eval-size', type=int, default=1000,
                        help='validation simulations evaluated every '
                        '--eval-every updates')
    add_run_arguments(
        parser, tag_help='names the runs <model>-<recipe>-<tag>-seed<k>'
        '.jsonl: required with --set, also for a budget other than the '
        'default (e.g. 60min)')
    parser.add_argument('--out', default=None)
    parser.add_argument('--reference', default=None, metavar='JSON',
                        help='a stored learning curve to draw beside the '
                        'runs, e.g. results/reference/'
                        'fnri-reference-code-I+C-cpu.json')
    parser.add_argument('--save-state', default=None, metavar='PATTERN',
                        help='at the end of each run, save its weights, '
                        'Adam state and progress to PATTERN ({seed} '
                        'replaced by the seed; e.g. runs/states/'
                        'fnri-fast-70k-seed{seed}.pt), for --init-from')
    parser.add_argument('--init-from', default=None, metavar='PATTERN',
                        help='start each run from a state saved with '
                        '--save-state ({seed} replaced by the seed): '
                        'weights, Adam moments and progress continue, the '
                        'learning rate and every other training setting '
                        "are this run's (the data and the model settings "
                        "must be the saved run's); the budget counts this "
                        "run's updates or minutes only")
    parser.add_argument('--no-plot', action='store_true')
    parser.add_argument('--report-only', action='store_true',
                        help='train nothing: rebuild the summary, the plot '
                        'and the JSON line from the logs already in --out '
                        '(to combine recipes run in separate processes)')
    args = parser.parse_args(argv)
    check_run_arguments(parser, args)
    if args.init_from is not None:
        for seed in args.seeds:
            if not osp.isfile(state_path(args.init_from, seed)):
                parser.error(f'--init-from: no saved state '
                             f'{state_path(args.init_from, seed)!r} for '
                             f'seed {seed}')
    for name in ('eval_every', 'eval_size'):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.eval_size > args.num_valid:
        parser.error(f'--eval-size ({args.eval_size}) must be at most '
                     f'--num-valid ({args.num_valid})')
    if args.num_particles < 2:
        parser.error(f'--num-particles must be at least 2, got '
                     f'{args.num_particles}')
    check_graph_options(parser, args)
    args.candidate_label = candidate_label(args)
    if args.out is None:
        args.out = osp.join('results', 'time_to_accuracy', data_folder(
            args.system, args.num_particles, args.graph,
            args.candidate_label))
    frames = []  # The encoder's frames under each recipe.
    for name in args.recipe:  # The configurations the runs will train with.
        try:
            config = get_recipe(name, args.system).config(
                **args.overrides['train'])
        except (TypeError, ValueError) as error:
            parser.error(f"--set {' '.join(args.set)}: {error} (recipe "
                         f"{name!r})")
        frames.append(config.frame_split.slices(NUM_FRAMES)[0])
    if args.candidate_label is not None and len(
            {(f.start, f.stop, f.step) for f in frames}) > 1:
        parser.error(f'--candidates {args.candidates}: the recipes '
                     f'{args.recipe} give the encoder different frames, '
                     f'so one candidate graph cannot serve them all')
    args.encoder_frames = frames[0]
    if args.system in SYSTEMS_WITHOUT_POSITIONS:
        for name in args.recipe:
            used = position_velocity_settings(get_recipe(name, args.system),
                                              args.overrides)
            if used:
                parser.error(f"--system {args.system}: {used} (recipe "
                             f"{name!r}) need (x, y, vx, vy) features but "
                             f"its features are "
                             f"{list(NON_SPATIAL_FEATURES[args.system])}")
    return args


def data_folder(system: str, num_particles: int = DEFAULT_NUM_PARTICLES,
                graph: Optional[str] = None,
                candidates: Optional[str] = None) -> str:
    r"""The folder of ``results/time_to_accuracy/`` that holds the runs on
    :obj:`system` with :obj:`num_particles`, springs from the family
    :obj:`graph` and the encoder on the candidate graph :obj:`candidates`
    (a ``candidate_label`` of ``torch_geometric_fnri.train``, *e.g.*
    ``knn4``): ``<system>[-<graph>][-n<num_particles>][-<candidates>]``,
    the parts named unless they are the papers' (5 particles, every pair
    independently, all pairs scored); *e.g.* ``I+C``, ``springs-n10``,
    ``springs-ba-n1000-knn4``."""
    return '-'.join([system] + ([graph] if graph else []) + (
        [f'n{num_particles}'] if num_particles != DEFAULT_NUM_PARTICLES
        else []) + ([candidates] if candidates else []))


def data_label(system: str, num_particles: int = DEFAULT_NUM_PARTICLES,
               graph: Optional[str] = None,
               candidates: Optional[str] = None) -> str:
    r""":obj:`system` as the printed lines and the plot's title name it,
    with its particles, graph family and candidate graph when they are not
    the papers'."""
    parts = ([f'{num_particles} particles']
             if num_particles != DEFAULT_NUM_PARTICLES else []) + (
        [f'{graph} graphs'] if graph else []) + (
        [f'{candidates} candidates'] if candidates else [])
    return system + (f" ({', '.join(parts)})" if parts else '')


def add_run_arguments(parser: argparse.ArgumentParser, tag_help: str,
                      num_train_help: Optional[str] = None) -> None:
    r"""Adds the options of a training run that this script shares with
    ``isomorphism_generalisation.py``: the budget, the data, the machine
    and the recipe overrides (checked by :func:`check_run_arguments`)."""
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument('--minutes', type=float, default=None,
                        help='training minutes per run (default 10)')
    budget.add_argument('--updates', type=int, default=None,
                        help='optimiser steps per run')
    parser.add_argument('--num-train', type=int, default=10000,
                        help=num_train_help)
    parser.add_argument('--num-valid', type=int, default=2000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--data-seed', type=int, default=42,
                        help='simulation seed (the same data for every run)')
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads (default: torch decides)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--set', nargs='+', default=[], metavar='KEY=VALUE',
                        help='override a recipe setting for an ablation: a '
                        'TrainConfig field or a model argument (e.g. '
                        'prediction_steps=10 symmetric=False); needs --tag')
    parser.add_argument('--tag', default=None, help=tag_help)
    parser.add_argument('--note', default='nothing else of ours running',
                        help='what else was running on the machine')


def check_run_arguments(parser: argparse.ArgumentParser,
                        args: argparse.Namespace) -> None:
    r"""Checks the options of :func:`add_run_arguments` (with
    :obj:`parser.error`), gives the budget its default (10 minutes) and
    sets :obj:`args.overrides` (see :func:`parse_overrides`)."""
    if args.minutes is None and args.updates is None:
        args.minutes = 10.0
    if (args.minutes is not None and not args.minutes > 0) or (
            args.updates is not None and args.updates < 1):
        parser.error('the budget must be positive')
    for name in ('num_train', 'num_valid', 'num_test', 'threads'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.set and not args.tag:
        parser.error('--set needs --tag (names the overridden runs)')
    try:
        args.overrides = parse_overrides(args.set)
    except ValueError as error:
        parser.error(f'--set: {error}')
    if 'mode' in args.overrides['train']:
        parser.error('--set: give the training mode with --mode')


def parse_overrides(items: List[str]) -> Dict[str, Dict]:
    r"""Splits :obj:`KEY=VALUE` items into TrainConfig and model
    overrides; values are Python literals (:obj:`None`, numbers, booleans).
    """
    import ast
    import dataclasses

    from torch_geometric_fnri.training import TrainConfig
    fields = {field.name for field in dataclasses.fields(TrainConfig)}
    model_keys = set(MODEL_SETTINGS)
    out: Dict[str, Dict] = {'train': {}, 'model': {}}
    for item in items:
        key, sep, text = item.partition('=')
        if not sep:
            raise ValueError(f'expected KEY=VALUE, got {item!r}')
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text
        if key in fields:
            out['train'][key] = value
        elif key in model_keys:
            out['model'][key] = value
        else:
            raise ValueError(f'unknown setting {key!r}: a TrainConfig field '
                             f'or one of {sorted(model_keys)}')
    return out


def position_velocity_settings(recipe,
                               overrides: Dict[str, Dict]) -> List[str]:
    r"""The settings of :data:`POSITION_VELOCITY_SETTINGS` that
    :obj:`recipe` with :obj:`overrides` (see :func:`parse_overrides`)
    turns on."""
    settings = {**recipe.train, **recipe.model, **overrides['train'],
                **overrides['model']}
    return [key for key in POSITION_VELOCITY_SETTINGS if settings.get(key)]


class EdgeAccuracyProbe:
    r"""Edge accuracy of a model's encoder on a fixed set of simulations,
    with the mapping fitted on that set (exact assignment) or a fixed one
    (the identity for a supervised encoder): call it with the model and
    that :obj:`mapping` (:obj:`None`: fitted).

    Args:
        dataset (Sequence[Data]): The simulations.
        batch_size (int): Simulations per batch.
        device (torch.device): Where the batches are kept.
        encoder_frames (slice): The frames the encoder reads.
    """
    def __init__(self, dataset, batch_size: int, device: torch.device,
                 encoder_frames: slice):
        self.loader = make_loader(dataset, batch_size, shuffle=False,
                                  on_device=True, device=device)
        self.encoder_frames = encoder_frames

    @torch.no_grad()
    def __call__(self, model,
                 mapping: Optional[Dict] = None) -> Dict[str, object]:
        metric = EdgeAccuracy(model.pred_num_classes, model.num_edge_types,
                              family=model.family.accuracy_family)
        for batch, _, predicted in predict_edges(model, self.loader,
                                                 self.encoder_frames):
            # Pairs outside a candidate graph: predicted "no interaction".
            metric.update(predicted, batch.edge_type,
                          MissedPairs.read(batch))
        out = metric.compute(mapping)
        return {'combined': out['combined'], 'per_layer': out['per_layer']}


class TrainingClock:
    r"""The training time of a :class:`Trainer` from now on: wall time
    without the trainer's end-of-epoch validation (timed apart, in
    :attr:`validation_seconds`) and without the spans between
    :meth:`pause` and :meth:`resume`."""
    def __init__(self, trainer: Trainer):
        self.train_seconds = 0.0
        self.validation_seconds = 0.0
        self._since: Optional[float] = time.perf_counter()
        validate = trainer.validate

        def untimed_validate():
            self.pause()
            start = time.perf_counter()
            out = validate()
            self.validation_seconds += time.perf_counter() - start
            self.resume()
            return out
        trainer.validate = untimed_validate

    def pause(self) -> None:
        if self._since is not None:
            self.train_seconds += time.perf_counter() - self._since
            self._since = None

    def resume(self) -> None:
        self._since = time.perf_counter()

    @property
    def minutes(self) -> float:
        r"""Training minutes so far."""
        running = (0.0 if self._since is None else
                   time.perf_counter() - self._since)
        return (self.train_seconds + running) / 60


def budget_of(args) -> Dict[str, float]:
    r"""The training budget per run given on the command line."""
    return ({'updates': args.updates} if args.updates else
            {'minutes': args.minutes})


def mode_in_name(mode: str) -> List[str]:
    r"""The part of a run's name that gives its mode: nothing for the
    first of :data:`MODES` (the names of the runs before there were
    modes), else the mode."""
    return [] if mode == MODES[0] else [mode]


def run_name(family: str, recipe: str, mode: str,
             tag: Optional[str]) -> str:
    r"""The name of the runs of one model family, recipe, mode and tag:
    ``<model>-<recipe>[-<mode>][-<tag>]`` (see :func:`mode_in_name`); the
    log of seed :obj:`k` is ``<name>-seed<k>.jsonl``."""
    return summary_stem([family], [recipe], [mode], tag)


def summary_stem(families: List[str], recipes: List[str], modes: List[str],
                 tag: Optional[str]) -> str:
    r"""The stem of the summary and plot of the runs of :obj:`families`,
    :obj:`recipes` and :obj:`modes` under :obj:`tag`:
    ``<models>-<recipes>[-<modes>][-<tag>]``, the modes named unless they
    are the first of :data:`MODES` alone (so the stem of one family,
    recipe and mode is its :func:`run_name`); the summary is
    ``<stem>-summary.json``."""
    named = [] if list(modes) == [MODES[0]] else list(modes)
    return '-'.join(list(families) + list(recipes) + named +
                    ([tag] if tag else []))


def read_log(path: str) -> List[Dict]:
    r"""The rows of a run's log :obj:`path` (its header, one row per
    evaluation and, once the run has finished, the final metrics); none
    when there is no log."""
    if not osp.isfile(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def is_finished(rows: List[Dict]) -> bool:
    r"""Whether the log :obj:`rows` (see :func:`read_log`) ends with the
    final metrics of its run."""
    return bool(rows) and bool(rows[-1].get('final'))


def run_one(args, family: str, recipe_name: str, mode: str, seed: int,
            splits, path: str) -> None:
    r"""Trains one model family, recipe, mode and seed for the budget and
    writes its log to :obj:`path`."""
    train, valid, test = splits
    recipe = get_recipe(recipe_name, args.system)
    num_frames = train[0].x.size(1)
    config = recipe.config(**{**args.overrides['train'], 'mode': mode,
                              'seed': seed, 'epochs': 10**6,
                              'device': args.device, 'progress': False,
                              'tensorboard': False})
    torch.manual_seed(seed)
    model = recipe.build_model(family, mode, train.num_edge_types,
                               num_frames, frame_split=config.frame_split,
                               in_channels=train[0].x.size(-1),
                               **args.overrides['model'])
    trainer = Trainer(model, config, train, valid, test, run_dir=None)
    header = {'recipe': recipe_name, 'tag': args.tag, 'model': family,
              'mode': mode, 'seed': seed, 'system': args.system,
              'num_particles': args.num_particles, 'graph': args.graph,
              'candidates': args.candidate_label,
              'config': config.to_dict(),
              'model_args': {**recipe.model, **args.overrides['model']},
              'budget': budget_of(args), 'machine': args.machine}
    if args.init_from is not None:
        try:
            header['init_from'] = warm_start(
                trainer, state_path(args.init_from, seed), header)
        except ValueError as error:
            print(f'--init-from: {error}', file=sys.stderr)
            raise SystemExit(2)
    start_updates = trainer.updates
    encoder_frames, _ = trainer.frames
    probe = EdgeAccuracyProbe([valid[i] for i in range(args.eval_size)],
                              config.accuracy_batch_size, trainer.device,
                              encoder_frames)
    mapping = identity_mapping(model) if mode == 'supervised' else None
    label = ' '.join([recipe_name] + mode_in_name(mode))
    log = open(path, 'w')

    def write(row):
        log.write(json.dumps(row) + '\n')
        log.flush()

    write(header)
    clock = TrainingClock(trainer)

    def evaluate_now(step):
        clock.pause()
        with trainer.evaluation_weights():  # the average, if kept
            acc = probe(trainer.model, mapping)
        row = {'updates': step['updates'], 'examples': step['examples'],
               'epoch': step['epoch'], 'minutes': clock.minutes,
               'loss': step['loss'], 'valid_combined': acc['combined'],
               'valid_per_layer': acc['per_layer']}
        write(row)
        print(f"  {label} seed {seed}: {row['updates']:6d} updates "
              f"{row['minutes']:6.2f} min  valid combined "
              f"{row['valid_combined']:.3f}  layers "
              f"{[round(v, 3) for v in acc['per_layer']]}", flush=True)
        clock.resume()

    def on_step_end(step):
        due = step['updates'] % args.eval_every == 0
        done = (step['updates'] - start_updates >= args.updates
                if args.updates else
                clock.minutes >= args.minutes)
        if due or done:
            evaluate_now(step)
        return done

    trainer.fit(on_step_end=on_step_end)
    clock.pause()
    results = trainer.test()
    final = {
        'final': True,
        'updates': trainer.updates,
        'examples': trainer.examples,
        'minutes': clock.minutes,
        'epoch_validation_minutes': clock.validation_seconds / 60,
        'test_acc_combined': results['test']['acc_combined'],
        'test_acc_layers': [results['test'][f'acc_{name}']
                            for name in trainer.layer_names],
        'test_auroc_layers': [results['test'][f'auroc_{name}']
                              for name in trainer.layer_names],
        'valid_acc_combined': results['valid']['acc_combined'],
        'test_mse_block_10': results['test'].get('mse_block_10'),
        'test_mse_step_10': results['test'].get('mse_step_10'),
        'layer_names': trainer.layer_names,
    }
    if 'test_refined' in results:
        refined = results['test_refined']
        final.update(test_figures('refined', refined, trainer.layer_names))
        final['refine_minutes'] = refined['refine_seconds'] / 60
    if 'test_symmetrised' in results:
        final.update(test_figures('symmetrised', results['test_symmetrised'],
                                  trainer.layer_names))
        final['valid_symmetrised_acc_combined'] = \
            results['valid_symmetrised']['acc_combined']
        final['symmetrise_minutes'] = (
            results['valid_symmetrised']['seconds'] +
            results['test_symmetrised']['seconds']) / 60
    write(final)
    log.close()
    if args.save_state is not None:
        save_training_state(trainer, state_path(args.save_state, seed),
                            header)


def test_figures(variant: str, out: Dict, layer_names: List[str]) -> Dict:
    r"""The final line's test accuracy (combined and per layer) and AUROC
    per layer of an inference :obj:`variant` (``'refined'``,
    ``'symmetrised'``) from :func:`evaluate`'s :obj:`out`."""
    return {
        f'test_{variant}_acc_combined': out['acc_combined'],
        f'test_{variant}_acc_layers': [out[f'acc_{name}']
                                       for name in layer_names],
        f'test_{variant}_auroc_layers': [out[f'auroc_{name}']
                                         for name in layer_names]}


def summarise(recipe: str, seed: int, rows: List[Dict], final: Dict) -> Dict:
    reach: Dict[str, Optional[Dict[str, float]]] = {}
    for threshold in THRESHOLDS:
        hit = next((r for r in rows if r['valid_combined'] >= threshold),
                   None)
        reach[f'{round(100 * threshold)}'] = None if hit is None else {
            'minutes': round(hit['minutes'], 3), 'updates': hit['updates']}
    return {'recipe': recipe, 'seed': seed, 'reach': reach,
            'final_updates': final['updates'],
            'final_examples': final['examples'],
            'final_minutes': round(final['minutes'], 3),
            'test_acc_combined': final['test_acc_combined'],
            'test_acc_layers': final['test_acc_layers'],
            # Logs written before AUROC was recorded have none.
            'test_auroc_layers': final.get('test_auroc_layers'),
            'test_mse_block_10': final['test_mse_block_10'],
            # Runs with refine_steps: the test split with refined logits;
            # with symmetry_ensemble: with the ensemble's logits.
            **{key: final[key] for key in REFINED_KEYS + SYMMETRISED_KEYS
               if key in final}}


def median_or_none(values) -> Optional[float]:
    r"""The median of :obj:`values`, :obj:`None` when one of them is
    :obj:`None` (the MSE of a supervised run, whose decoder is
    untrained)."""
    values = list(values)
    return None if None in values else statistics.median(values)


def median_layers(values) -> Optional[List[float]]:
    r"""The per-layer medians of lists of per-layer values, :obj:`None`
    when one of the lists is :obj:`None` (a log without that figure)."""
    values = list(values)
    if None in values:
        return None
    return [statistics.median(layer) for layer in zip(*values)]


def medians(runs: List[Dict]) -> Dict:
    r"""Per group of runs (the recipe, with the family when the runs hold
    several families and the mode when it is not learned): median test
    accuracy and 10-step MSE (null for supervised runs); the median
    minutes and updates to each threshold (null when fewer than half of
    the seeds reached it: an unreached threshold counts as infinite)."""
    out = {}
    for group in dict.fromkeys(r.get('group', r['recipe']) for r in runs):
        mine = [r for r in runs if r.get('group', r['recipe']) == group]
        reach = {}
        for key in mine[0]['reach']:
            for unit in ('minutes', 'updates'):
                values = [float('inf') if r['reach'][key] is None else
                          r['reach'][key][unit] for r in mine]
                value = statistics.median(values)
                reach.setdefault(key, {})[unit] = (
                    None if value == float('inf') else value)
            if reach[key]['minutes'] is None:
                reach[key] = None
        out[group] = {
            'seeds': [r['seed'] for r in mine],
            'reach': reach,
            'test_acc_combined': statistics.median(
                r['test_acc_combined'] for r in mine),
            'test_acc_layers': median_layers(
                r['test_acc_layers'] for r in mine),
            'test_auroc_layers': median_layers(
                r.get('test_auroc_layers') for r in mine),
            'test_mse_block_10': median_or_none(
                r['test_mse_block_10'] for r in mine),
        }
        for variant in ('refined', 'symmetrised'):
            key = f'test_{variant}_acc'
            if all(f'{key}_combined' in r for r in mine):
                out[group][f'{key}_combined'] = statistics.median(
                    r[f'{key}_combined'] for r in mine)
                out[group][f'{key}_layers'] = median_layers(
                    r[f'{key}_layers'] for r in mine)
    return out


def plot(path: str, logs: Dict[str, List[Dict]], level: float,
         title: str, reference: Optional[str] = None) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    colours = {}
    for label, rows in logs.items():
        recipe = label.split(' ')[0]
        colour = colours.setdefault(recipe, f'C{len(colours)}')
        ax.plot([r['minutes'] for r in rows],
                [r['valid_combined'] for r in rows], color=colour,
                alpha=0.85, label=label)
    if reference is not None:
        with open(reference) as f:
            stored = json.load(f)
        columns = stored['columns']
        minutes = [row[columns.index('wall_minutes')]
                   for row in stored['curve']]
        accuracy = [row[columns.index('valid_combined')]
                    for row in stored['curve']]
        ax.plot(minutes, accuracy, color='black', marker='o', markersize=3,
                label='reference fNRI code (its per-batch metric)')
    ax.axhline(level, color='grey', linestyle='--',
               label=f'constant prediction ({level:.3f})')
    ax.set_xlabel('training minutes')
    ax.set_ylabel('validation combined edge accuracy')
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    splits = load_splits(args.system,
                         (args.num_train, args.num_valid, args.num_test),
                         num_particles=args.num_particles,
                         num_frames=NUM_FRAMES, seed=args.data_seed,
                         root=args.data_root,
                         graph=graph_family(args.graph, args.system),
                         pre_transform=make_candidate_graph(
                             args, args.encoder_frames))
    test = splits[2]
    level = graphs_constant_prediction_accuracy(
        [test[i] for i in range(len(test))], test.num_edge_types)
    args.machine = {
        'cpu': platform.processor() or platform.machine(),
        'threads': torch.get_num_threads(), 'torch': torch.__version__,
        'cpu_capability': torch.backends.cpu.get_cpu_capability(),
        'load_average_at_start': os.getloadavg()[0],
        'other_jobs': args.note}
    budget = (f'{args.updates} updates' if args.updates else
              f'{args.minutes} minutes')
    # Named in the title and the summary's name unless all runs are learned.
    modes = [] if args.mode == [MODES[0]] else args.mode
    models = ' '.join(args.model + modes)
    system = data_label(args.system, args.num_particles, args.graph,
                        args.candidate_label)
    print(f'{models} on {system}: {args.num_train} training '
          f'simulations, budget {budget} per run', flush=True)
    runs, logs, machines, budgets = [], {}, {}, []
    # One system: one list of layer names (none in logs written before
    # the final line held them).
    layer_names = None
    for family, recipe, mode, seed in itertools.product(
            args.model, args.recipe, args.mode, args.seeds):
        name = run_name(family, recipe, mode, args.tag)
        path = osp.join(args.out, f'{name}-seed{seed}.jsonl')
        if not args.report_only:
            run_one(args, family, recipe, mode, seed, splits, path)
        rows = read_log(path)
        if not rows:
            raise FileNotFoundError(f'no log {path}')
        # Logs written before the header held the mode: learned runs.
        logged = rows[0].get('mode', MODES[0])
        if logged != mode:
            raise ValueError(f'{path} holds a {logged!r} run, not a '
                             f'{mode!r} one')
        # Logs written before the header held the data: the papers'.
        data = (rows[0].get('num_particles', DEFAULT_NUM_PARTICLES),
                rows[0].get('graph'), rows[0].get('candidates'))
        if data != (args.num_particles, args.graph, args.candidate_label):
            logged_system = data_label(args.system, *data)
            raise ValueError(f'{path} holds a run on {logged_system}, not '
                             f'on {system}')
        machines[f'{name} seed {seed}'] = rows[0].get('machine')
        # Logs written before the header held the budget: the command line.
        budgets.append(rows[0].get('budget', budget_of(args)))
        evaluations = [row for row in rows
                       if 'valid_combined' in row and 'final' not in row]
        summary = summarise(recipe, seed, evaluations, rows[-1])
        summary['tag'] = args.tag
        summary['model'] = family
        summary['mode'] = mode
        # Medians are per recipe, with the family when there are several
        # and the mode when it is not learned.
        summary['group'] = '-'.join(
            ([family] if len(args.model) > 1 else []) + [recipe] +
            mode_in_name(mode))
        runs.append(summary)
        logs[f'{name} seed {seed}'] = evaluations
        layer_names = layer_names or rows[-1].get('layer_names')
    result = {
        'benchmark': 'time_to_accuracy',
        'model': args.model[0] if len(args.model) == 1 else args.model,
        'mode': args.mode[0] if len(args.mode) == 1 else args.mode,
        'system': args.system,
        'budget': (budgets[0] if all(b == budgets[0] for b in budgets)
                   else budgets),
        'data': {'train': args.num_train, 'valid': args.num_valid,
                 'test': args.num_test, 'seed': args.data_seed,
                 'num_particles': args.num_particles, 'graph': args.graph,
                 'candidates': args.candidate_label},
        'eval': {'every_updates': args.eval_every,
                 'valid_subset': args.eval_size,
                 'metric': 'combined edge accuracy, one mapping fitted by '
                 'exact assignment (supervised: the identity)'},
        'constant_level_test': level,
        'layer_names': layer_names,
        'machine': machines,
        'runs': runs,
        'medians': medians(runs),
    }
    stem = summary_stem(args.model, args.recipe, args.mode, args.tag)
    result['overrides'] = args.overrides
    write_json_atomic(osp.join(args.out, f'{stem}-summary.json'), result,
                      indent=1, sort_keys=False)
    if not args.no_plot:
        try:
            plot(osp.join(args.out, f'{stem}-accuracy.png'), logs,
                 level['combined'],
                 f'{models} on {system}, {args.num_train} training '
                 f'simulations',
                 args.reference)
        except ImportError as error:
            print(f'no plot: {error}', file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
