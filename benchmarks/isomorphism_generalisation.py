r"""Isomorphism generalisation: the edge accuracy of a trained model on
interaction graphs whose isomorphism class it met in training (*seen*)
against graphs of classes it never met (*unseen*).

Nearly every test simulation of the benchmark's data has a graph isomorphic
to a training one (99.85 % on I+C with 10,000 training simulations), so
the usual test accuracy cannot tell inferring the interactions from
recognising a graph met in training. This protocol separates the two on the
same simulations:

1. The pool: the train, valid and test splits of ``load_splits`` (the data
   of ``time_to_accuracy.py``) concatenated. The three come from one
   generator with independent seed streams and share the normalisation
   fitted on the original training split (minima and maxima of positions
   and velocities, nothing of the labels), so their boundaries mean nothing
   here; taking all three keeps the training set near the 10,000
   simulations of the other benchmarks.
2. *Unseen*: whole isomorphism classes holding about ``--unseen-fraction``
   of the pool, drawn by
   :func:`~torch_geometric_fnri.datasets.isomorphism_disjoint_split`
   with ``--split-seed``.
3. In the other classes, one random simulation per class stays in
   training, so that every class of the seen set occurs in training (a
   class with one simulation can only be trained on). Of the others, a
   random *seen* set as large as the unseen one and a validation subset of
   ``--valid-size`` simulations are drawn; the rest is the training set.
4. One model is trained as in ``time_to_accuracy.py`` (a named recipe,
   ``--set`` overrides, a budget of ``--minutes`` of training time or
   ``--updates`` optimiser steps; the trainer's end-of-epoch validation on
   the validation subset is not counted) and its encoder is read with one
   label mapping, fitted on the validation subset by exact assignment (a
   supervised encoder: the identity) and applied to both test sets (the
   validation subset's own accuracy, reported too, is therefore under the
   mapping fitted on it).

    python benchmarks/isomorphism_generalisation.py --recipe fast \
        --minutes 10 --seed 1 --threads 1

Writes ``--out`` (default ``results/isomorphism/<system>``)
``[<model>-]<recipe>[-<mode>][-<tag>]-seed<k>.json`` (the model is named
unless it is fnri, the mode unless it is learned) and prints the same JSON
as its last line. Per set (train, valid, seen, unseen) it holds the number
of simulations and classes and the leakage (the share of simulations whose
class occurs in training: 1 for valid and seen, 0 for unseen), and for
valid, seen and unseen the combined and per-layer edge accuracy, the
constant-prediction level and the accuracy by class size: the number of
pool simulations of a simulation's class, in buckets 1-4, 5-16, 17-64, ...,
which compares seen and unseen graphs of equally common classes.
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys
from collections.abc import Sequence
from typing import Dict, List, Tuple

import numpy as np
import torch
from torch import Tensor

from torch_geometric_fnri.datasets import (
    MAX_NUM_NODES,
    isomorphism_disjoint_split,
    isomorphism_leakage,
)
from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    constant_prediction_accuracy,
)
from torch_geometric_fnri.nn import MODEL_FAMILIES
from torch_geometric_fnri.training import (
    RECIPES,
    SYSTEMS_WITHOUT_GRAPH,
    SYSTEMS_WITHOUT_POSITIONS,
    Trainer,
    get_recipe,
    identity_mapping,
    load_splits,
    predict_edges,
)
from torch_geometric_fnri.training.loaders import make_loader

# The folder of this script is on sys.path when it runs as a script.
from time_to_accuracy import (
    MODES,
    TrainingClock,
    add_run_arguments,
    budget_of,
    check_run_arguments,
    mode_in_name,
    position_velocity_settings,
)

#: The model family left out of the output's name.
DEFAULT_MODEL = 'fnri'

#: The sets of the protocol, in the order of the output.
SETS = ('train', 'valid', 'seen', 'unseen')

#: The sets whose edge accuracy is measured.
EVALUATED_SETS = ('valid', 'seen', 'unseen')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--recipe', choices=sorted(RECIPES), default='fast')
    parser.add_argument('--model', choices=MODEL_FAMILIES,
                        default=DEFAULT_MODEL, help='the model family')
    parser.add_argument('--system', choices=SYSTEMS_WITHOUT_GRAPH, default='I+C')
    parser.add_argument('--mode', choices=MODES, default=MODES[0],
                        help='learned (encoder and decoder, no labels) or '
                        'supervised (the encoder alone on the labels)')
    parser.add_argument('--seed', type=int, default=1,
                        help='seed of the model and the training')
    parser.add_argument('--split-seed', type=int, default=0,
                        help='seed of the unseen classes and of the seen, '
                        'validation and training sets')
    parser.add_argument('--unseen-fraction', type=float, default=0.15,
                        help='share of the pool in unseen classes (whole '
                        'classes, so about this share)')
    parser.add_argument('--valid-size', type=int, default=1000,
                        help='simulations of the validation subset (the '
                        "trainer's validation and the label mapping)")
    parser.add_argument('--num-particles', type=int, default=5)
    add_run_arguments(
        parser, tag_help='names the run [<model>-]<recipe>[-<mode>]-'
        '<tag>-seed<k>.json: required with --set',
        num_train_help="simulations of load_splits' train split (the pool "
        'is all three splits)')
    parser.add_argument('--out', default=None)
    args = parser.parse_args(argv)
    check_run_arguments(parser, args)
    if args.valid_size < 1:
        parser.error('--valid-size must be positive')
    if not 2 <= args.num_particles <= MAX_NUM_NODES:
        parser.error(f'--num-particles must be between 2 and '
                     f'{MAX_NUM_NODES} (canonical forms enumerate all '
                     f'permutations)')
    if not 0 < args.unseen_fraction < 1:
        parser.error('--unseen-fraction must be between 0 and 1')
    if args.out is None:
        args.out = osp.join('results', 'isomorphism', args.system)
    used = position_velocity_settings(
        get_recipe(args.recipe, args.system), args.overrides)
    if args.system in SYSTEMS_WITHOUT_POSITIONS and used:
        parser.error(f'--system {args.system}: {used} need (x, y, vx, vy) '
                     f'features')
    return args


def run_name(args) -> str:
    r"""The name of the output file, without the extension."""
    parts = ([] if args.model == DEFAULT_MODEL else [args.model])
    parts += [args.recipe] + mode_in_name(args.mode)
    parts += [args.tag] if args.tag else []
    return '-'.join(parts + [f'seed{args.seed}'])


def isomorphism_protocol(class_ids: np.ndarray, unseen_fraction: float,
                         valid_size: int,
                         seed: int) -> Dict[str, np.ndarray]:
    r"""Splits a pool of simulations into the training, validation, seen
    and unseen sets of the module's protocol: whole classes with about
    :obj:`unseen_fraction` of the pool are unseen; in the other classes one
    random simulation per class stays in training, and of the rest a
    random seen set as large as the unseen one and :obj:`valid_size`
    validation simulations are drawn; training gets the remainder.

    Args:
        class_ids (numpy.ndarray): The isomorphism class of every simulation
            of the pool.
        unseen_fraction (float): The target share of the unseen set.
        valid_size (int): Simulations of the validation set.
        seed (int): Seed of the unseen classes (through
            :func:`isomorphism_disjoint_split`) and of the draws (the stream
            :obj:`SeedSequence(seed, spawn_key=(1,))`).

    Shapes:
        - **input:** class_ids :math:`(S)`
        - **output:** one sorted int64 index array per set of
          :data:`SETS`; together they hold every simulation once.
    """
    class_ids = np.asarray(class_ids)
    rest, unseen = isomorphism_disjoint_split(
        class_ids, (1 - unseen_fraction, unseen_fraction), seed)
    if len(unseen) == 0:
        raise ValueError(f'no class went to the unseen set (pool of '
                         f'{len(class_ids)} simulations, unseen fraction '
                         f'{unseen_fraction})')
    order = np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(1, ))).permutation(rest)
    # Every class's first simulation in this random order stays in
    # training.
    _, first = np.unique(class_ids[order], return_index=True)
    kept = np.zeros(len(order), dtype=bool)
    kept[first] = True
    spare = order[~kept]
    needed = len(unseen) + valid_size
    if len(spare) < needed:
        raise ValueError(
            f'the seen classes have {len(spare)} simulations beside the one '
            f'kept for training per class, fewer than the {len(unseen)} of '
            f'the seen set and the {valid_size} of the validation set')
    sets = {'train': np.concatenate([order[kept], spare[needed:]]),
            'valid': spare[len(unseen):needed],
            'seen': spare[:len(unseen)],
            'unseen': unseen}
    return {name: np.sort(sets[name]).astype(np.int64) for name in SETS}


class SimulationSubset(Sequence):
    r"""Some simulations of a pool, with the dataset attributes that
    :class:`~torch_geometric_fnri.training.Trainer` reads from its splits:
    the label layers (:obj:`num_edge_types`, :obj:`interaction_names`), the
    normalisation (:obj:`stats`), :obj:`feature_names` and
    :obj:`directed`.

    Args:
        graphs (Sequence[Data]): The pool.
        indices (Sequence[int]): The simulations of the subset, in order.
        source (PhysicsSystemDataset): A dataset of the pool, whose
            attributes the subset takes.
    """
    attributes = ('num_edge_types', 'interaction_names', 'stats',
                  'feature_names', 'directed')

    def __init__(self, graphs: Sequence, indices: Sequence[int], source):
        self.graphs = [graphs[index] for index in indices]
        for name in self.attributes:
            setattr(self, name, getattr(source, name))

    def __len__(self) -> int:
        return len(self.graphs)

    def __getitem__(self, index):
        return self.graphs[index]


def train_for_budget(trainer: Trainer,
                     budget: Dict[str, float]) -> Dict[str, float]:
    r"""Trains until the budget, :obj:`{'updates': n}` or
    :obj:`{'minutes': m}` of training time (the trainer's end-of-epoch
    validation not counted), is spent, printing every epoch's validation
    accuracy; returns the progress and the minutes."""
    clock = TrainingClock(trainer)

    def on_step_end(step) -> bool:
        if 'updates' in budget:
            return step['updates'] >= budget['updates']
        return clock.minutes >= budget['minutes']

    def on_epoch_end(row) -> None:
        print(f"  epoch {row['epoch']}: {trainer.updates} updates "
              f"{clock.train_seconds / 60:6.2f} min  valid combined "
              f"{row.get('valid_acc_combined', float('nan')):.3f}",
              flush=True)

    trainer.fit(on_epoch_end=on_epoch_end, on_step_end=on_step_end)
    clock.pause()
    return {'updates': trainer.updates, 'examples': trainer.examples,
            'epochs_done': trainer.epoch, 'minutes': clock.minutes,
            'epoch_validation_minutes': clock.validation_seconds / 60}


@torch.no_grad()
def edge_predictions(model: torch.nn.Module, graphs: Sequence,
                     batch_size: int, device: torch.device,
                     encoder_frames: slice) -> Tuple[Tensor, Tensor, Tensor]:
    r"""The encoder's predicted classes of every edge of :obj:`graphs`
    (in evaluation mode, as :func:`~torch_geometric_fnri.training.evaluate`
    reads them), the labels and each edge's simulation.

    Args:
        model (torch.nn.Module): A :class:`RelationalInference` model.
        graphs (Sequence[Data]): The simulations.
        batch_size (int): Simulations per batch.
        device (torch.device): Where the batches are kept.
        encoder_frames (slice): The frames the encoder reads.

    Shapes:
        - **output:** predictions :math:`(E, P)`, labels :math:`(E, L)`,
          simulations :math:`(E)` (the index in :obj:`graphs`)
    """
    loader = make_loader(graphs, batch_size, shuffle=False, on_device=True,
                         device=device)
    predictions, labels, simulations = [], [], []
    offset = 0
    for batch, _, predicted in predict_edges(model, loader, encoder_frames):
        predictions.append(predicted.cpu())
        labels.append(batch.edge_type.cpu())
        simulations.append(batch.batch[batch.edge_index[1]].cpu() + offset)
        offset += batch.num_graphs
    return torch.cat(predictions), torch.cat(labels), torch.cat(simulations)


def class_size_buckets(sizes: np.ndarray) -> np.ndarray:
    r"""The largest class size of every bucket (4, 16, 64, ...: bucket
    :math:`b` holds the sizes :math:`4^b < s \leq 4^{b + 1}`), up to the
    largest of :obj:`sizes`."""
    bounds = [4]
    while bounds[-1] < sizes.max():
        bounds.append(4 * bounds[-1])
    return np.array(bounds)


def accuracy_report(metric: EdgeAccuracy, mapping: Dict,
                    predictions: Tuple[Tensor, Tensor, Tensor],
                    class_sizes: np.ndarray, bounds: np.ndarray,
                    keys: List) -> Dict:
    r"""The edge accuracy of one set under :obj:`mapping`: combined and
    per layer, the constant-prediction level, and by class size bucket.

    Args:
        metric (EdgeAccuracy): An empty metric of the model.
        mapping (dict): The label mapping.
        predictions (tuple): The set's :func:`edge_predictions`.
        class_sizes (numpy.ndarray): Per simulation of the set, the size of
            its class in the pool.
        bounds (numpy.ndarray): The largest size of each bucket.
        keys (list): Per simulation of the set, its class key.
    """
    pred, labels, simulations = predictions
    metric.update(pred, labels)
    accuracy = metric.compute(mapping)
    correct = metric.map_predictions(pred, mapping) == labels
    bucket_of_simulation = np.searchsorted(bounds, class_sizes)
    edge_bucket = torch.from_numpy(bucket_of_simulation)[simulations]
    by_size = []
    for bucket, high in enumerate(bounds.tolist()):
        members = np.flatnonzero(bucket_of_simulation == bucket)
        if len(members) == 0:
            continue
        mine = correct[edge_bucket == bucket]
        by_size.append({
            'class_size': [high // 4 + 1 if bucket else 1, high],
            'simulations': len(members),
            'classes': len({keys[i] for i in members}),
            'acc_combined': float(mine.all(-1).double().mean()),
            'acc_per_layer': mine.double().mean(0).tolist(),
        })
    return {'acc_combined': accuracy['combined'],
            'acc_per_layer': accuracy['per_layer'],
            'constant_level': constant_prediction_accuracy(
                labels, metric.num_edge_types),
            'by_class_size': by_size}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    splits = load_splits(args.system,
                         (args.num_train, args.num_valid, args.num_test),
                         num_particles=args.num_particles,
                         seed=args.data_seed, root=args.data_root)
    split_keys = [split.isomorphism_classes()[1] for split in splits]
    keys = [key for part in split_keys for key in part]
    class_of_key = {}
    class_ids = np.array([class_of_key.setdefault(key, len(class_of_key))
                          for key in keys], dtype=np.int64)
    protocol = isomorphism_protocol(class_ids, args.unseen_fraction,
                                    args.valid_size, args.split_seed)
    graphs = [split[i] for split in splits for i in range(len(split))]
    sets = {name: SimulationSubset(graphs, indices, splits[0])
            for name, indices in protocol.items()}
    set_keys = {name: [keys[i] for i in indices]
                for name, indices in protocol.items()}
    print(f'{args.model} {args.recipe} {args.mode} on {args.system}: '
          + ', '.join(f'{name} {len(sets[name])}' for name in SETS),
          flush=True)

    recipe = get_recipe(args.recipe, args.system)
    num_frames = graphs[0].x.size(1)
    config = recipe.config(**{**args.overrides['train'], 'mode': args.mode,
                              'seed': args.seed, 'epochs': 10**6,
                              'device': args.device, 'progress': False,
                              'tensorboard': False})
    torch.manual_seed(args.seed)
    model = recipe.build_model(args.model, args.mode,
                               splits[0].num_edge_types, num_frames,
                               frame_split=config.frame_split,
                               **args.overrides['model'])
    trainer = Trainer(model, config, sets['train'], sets['valid'],
                      run_dir=None)
    machine = {
        'cpu': platform.processor() or platform.machine(),
        'threads': torch.get_num_threads(), 'torch': torch.__version__,
        'cpu_capability': torch.backends.cpu.get_cpu_capability(),
        'load_average_at_start': os.getloadavg()[0],
        'other_jobs': args.note}
    training = train_for_budget(trainer, budget_of(args))

    encoder_frames, _ = trainer.frames
    predictions = {name: edge_predictions(
        trainer.model, sets[name], config.accuracy_batch_size,
        trainer.device, encoder_frames) for name in EVALUATED_SETS}

    def new_metric() -> EdgeAccuracy:
        return EdgeAccuracy(model.pred_num_classes, model.num_edge_types,
                            family=model.family.accuracy_family)

    if args.mode == 'supervised':
        mapping = identity_mapping(model)
    else:
        fitting = new_metric()
        fitting.update(*predictions['valid'][:2])
        mapping = fitting.fit()
    pool_sizes = np.bincount(class_ids)
    bounds = class_size_buckets(pool_sizes)
    report = {}
    for name in SETS:
        indices = protocol[name]
        report[name] = {'simulations': len(indices),
                        'classes': len(set(set_keys[name]))}
        if name == 'train':
            continue
        report[name]['leakage'] = isomorphism_leakage(
            set_keys['train'], set_keys[name])._asdict()
        report[name].update(accuracy_report(
            new_metric(), mapping, predictions[name],
            pool_sizes[class_ids[indices]], bounds, set_keys[name]))

    result = {
        'benchmark': 'isomorphism_generalisation',
        'system': args.system, 'model': args.model, 'mode': args.mode,
        'recipe': args.recipe, 'tag': args.tag, 'seed': args.seed,
        'split_seed': args.split_seed,
        'data': {'train': args.num_train, 'valid': args.num_valid,
                 'test': args.num_test, 'seed': args.data_seed,
                 'num_particles': args.num_particles,
                 'pool': 'train + valid + test of load_splits',
                 'pool_classes': len(pool_sizes)},
        'original_split_test_leakage': isomorphism_leakage(
            split_keys[0], split_keys[2])._asdict(),
        'protocol': {'unseen_fraction': args.unseen_fraction,
                     'valid_size': args.valid_size,
                     'class_size': 'simulations of the class in the pool'},
        'budget': budget_of(args),
        'training': training,
        'layer_names': trainer.layer_names,
        'edge_mapping': mapping,
        'sets': report,
        'seen_minus_unseen_combined': (report['seen']['acc_combined'] -
                                       report['unseen']['acc_combined']),
        'config': config.to_dict(),
        'model_args': {**recipe.model, **args.overrides['model']},
        'overrides': args.overrides,
        'machine': machine,
    }
    os.makedirs(args.out, exist_ok=True)
    with open(osp.join(args.out, f'{run_name(args)}.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
