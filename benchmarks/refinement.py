r"""Semi-amortised inference against the encoder alone, on a trained run of
``time_to_accuracy.py``: how much refining each simulation's edge logits
(``refine_edge_logits``: Adam steps on that simulation's training loss over
the encoder's frames, the weights frozen) adds to the amortised encoder's
test accuracy, and what it costs.

The run is given by its log (``time_to_accuracy.py``'s ``.jsonl``, whose
first line holds the system, model, recipe, configuration and model
arguments) and the state it saved with ``--save-state`` (its weights):

    RUN=results/time_to_accuracy/I+C/fnri-fast-central-60min-seed2
    python benchmarks/refinement.py --log $RUN.jsonl \
        --state runs/states/fnri-fast-central-60min-seed2.pt \
        --steps 25 50 100 --lr 0.1 0.3 --threads 1

The refinement settings are chosen on validation and the test split is
scored once:

1. the label mapping is fitted on the whole validation split with the
   encoder alone (``Trainer.test``'s protocol);
2. every setting (``--steps`` x ``--lr``) refines the first
   ``--valid-size`` validation simulations; the one with the highest
   combined accuracy under that mapping wins (ties: fewer steps, then the
   smaller learning rate);
3. the test split is scored with the encoder alone and with the chosen
   setting, both under the validation mapping.

Writes ``--out`` (default ``results/refinement/<data>/<log name>.json``,
``<data>`` the log's folder under ``results/time_to_accuracy/``: the
system, with its graph family and particles when they are not the
papers'):
the run, the machine, the validation table of the settings and the two
test results with their wall times; ends with one JSON line of the same.
The data options must match the run's (the defaults are those of
``time_to_accuracy.py``).
"""
import argparse
import itertools
import json
import os
import os.path as osp
import platform
import sys
import time
from dataclasses import replace
from typing import Dict, List

import torch

from torch_geometric_fnri.training import (
    LOADABLE_SYSTEMS,
    TrainConfig,
    evaluate,
    graph_family,
    load_checkpoint,
    load_splits,
    make_model,
)
from torch_geometric_fnri.training.loaders import make_loader
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

try:  # as a script: its folder is on sys.path
    from time_to_accuracy import DEFAULT_NUM_PARTICLES, data_folder
except ImportError:  # as benchmarks.refinement
    from benchmarks.time_to_accuracy import DEFAULT_NUM_PARTICLES, data_folder

#: What the run's log header must hold.
HEADER_KEYS = ('system', 'model', 'mode', 'recipe', 'seed', 'config',
               'model_args')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--log', required=True,
                        help="the run's time_to_accuracy.py log (.jsonl)")
    parser.add_argument('--state', required=True,
                        help='the state the run saved with --save-state')
    parser.add_argument('--steps', type=int, nargs='+', default=[25, 50, 100])
    parser.add_argument('--lr', type=float, nargs='+', default=[0.1, 0.3])
    parser.add_argument('--valid-size', type=int, default=500,
                        help='validation simulations the settings are '
                        'chosen on')
    parser.add_argument('--batch-size', type=int, default=500,
                        help='simulations refined together')
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--num-valid', type=int, default=2000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--data-seed', type=int, default=42)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default=None)
    parser.add_argument('--note', default='nothing else of ours running',
                        help='what else was running on the machine')
    args = parser.parse_args(argv)
    for name in ('steps', 'lr'):
        if any(not value > 0 for value in getattr(args, name)):
            parser.error(f'--{name} must be positive')
    for name in ('valid_size', 'batch_size', 'num_train', 'num_valid',
                 'num_test', 'threads'):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    if args.valid_size > args.num_valid:
        parser.error('--valid-size must be at most --num-valid')
    return args


def read_header(path: str) -> Dict:
    r"""The first line of a ``time_to_accuracy.py`` log, checked to hold
    :data:`HEADER_KEYS` and a learned run of a loadable system."""
    with open(path) as f:
        header = json.loads(f.readline())
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise ValueError(f"'{path}' is not a time_to_accuracy.py log: its "
                         f"first line lacks {missing}")
    if header['mode'] != 'learned':
        raise ValueError(f"'{path}' holds a {header['mode']!r} run; only "
                         f"learned runs infer edges to refine")
    if header['system'] not in LOADABLE_SYSTEMS:
        raise ValueError(f"'{path}': unknown system {header['system']!r}")
    if header.get('candidates') is not None:
        raise ValueError(f"'{path}' holds a run on the candidate graph "
                         f"{header['candidates']}: not supported (the log "
                         f"names the candidate graph, not its settings)")
    return header


def load_model(header: Dict, state_file: str, num_edge_types,
               num_frames: int, config: TrainConfig) -> torch.nn.Module:
    r"""The run's model (built from the log's model arguments) with the
    weights of :obj:`state_file`, whose header must name the same system,
    model, mode and seed, in evaluation mode."""
    state = load_checkpoint(state_file)
    saved = state.get('header', {})
    for key in ('system', 'model', 'mode', 'seed'):
        if saved.get(key) != header[key]:
            raise ValueError(f"'{state_file}' holds a run with {key} "
                             f"{saved.get(key)!r}, the log says "
                             f"{header[key]!r}")
    # The log's model arguments alone, build_model's defaults for the rest:
    # the recipe's current settings may have changed since the run.
    model_args = dict(header['model_args'])
    model = make_model(header['model'], 'learned', num_edge_types,
                       num_frames, model_args.pop('hidden_channels'),
                       frame_split=config.frame_split, **model_args)
    model.load_state_dict(state['model'])
    return model.eval()


def score(model, dataset, config: TrainConfig, mapping, batch_size: int,
          layer_names: List[str], refine: bool) -> Dict:
    r"""Edge metrics of :obj:`dataset` (test frames) under
    :obj:`mapping`, with the encoder alone or refined, and the seconds the
    pass took."""
    loader = make_loader(dataset, batch_size, shuffle=False)
    frames = config.frame_split.test_slices(dataset[0].x.size(1))
    start = time.perf_counter()
    out = evaluate(model, loader, config, *frames, layer_names=layer_names,
                   mapping=mapping, refine=refine)
    seconds = time.perf_counter() - start
    return {'acc_combined': out['acc_combined'],
            'acc_layers': [out[f'acc_{name}'] for name in layer_names],
            'auroc_layers': [out[f'auroc_{name}'] for name in layer_names],
            'seconds': round(seconds, 1)}


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        header = read_header(args.log)
    except (OSError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    config = TrainConfig.from_dict(header['config'])
    # Logs written before the header held the data: the papers'.
    num_particles = header.get('num_particles', DEFAULT_NUM_PARTICLES)
    graph = header.get('graph')
    train, valid, test = load_splits(
        header['system'], (args.num_train, args.num_valid, args.num_test),
        num_particles=num_particles, seed=args.data_seed,
        root=args.data_root, graph=graph_family(graph, header['system']))
    try:
        model = load_model(header, args.state, train.num_edge_types,
                           train[0].x.size(1), config)
    except (OSError, ValueError, RuntimeError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    names = list(train.interaction_names)
    amortised = replace(config, refine_steps=0)
    fitted = evaluate(model, make_loader(valid, args.batch_size, False),
                      amortised,
                      *amortised.frame_split.test_slices(valid[0].x.size(1)),
                      layer_names=names)
    mapping = fitted['edge_mapping']
    subset = [valid[i] for i in range(args.valid_size)]
    table = [{'steps': 0, 'lr': None, **score(
        model, subset, amortised, mapping, args.batch_size, names, False)}]
    print(f"valid ({args.valid_size}): encoder alone "
          f"{table[0]['acc_combined']:.4f}", flush=True)
    for steps, lr in itertools.product(sorted(args.steps), sorted(args.lr)):
        setting = replace(config, refine_steps=steps, refine_lr=lr)
        row = {'steps': steps, 'lr': lr, **score(
            model, subset, setting, mapping, args.batch_size, names, True)}
        table.append(row)
        print(f"valid ({args.valid_size}): {steps} steps, lr {lr}: "
              f"{row['acc_combined']:.4f} ({row['seconds']} s)", flush=True)
    best = max(table[1:], key=lambda r: (r['acc_combined'], -r['steps'],
                                         -r['lr']))
    chosen = replace(config, refine_steps=best['steps'], refine_lr=best['lr'])
    result = {
        'benchmark': 'refinement',
        'log': args.log, 'state': args.state,
        'run': {key: header[key] for key in ('system', 'model', 'recipe',
                                             'tag', 'seed')},
        'data': {'train': args.num_train, 'valid': args.num_valid,
                 'test': args.num_test, 'seed': args.data_seed,
                 'num_particles': num_particles, 'graph': graph},
        'machine': {'cpu': platform.processor() or platform.machine(),
                    'threads': torch.get_num_threads(),
                    'torch': torch.__version__,
                    'cpu_capability':
                        torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
        'layer_names': names,
        'batch_size': args.batch_size,
        'valid_size': args.valid_size,
        'valid': table,
        'chosen': {'steps': best['steps'], 'lr': best['lr']},
        'test_encoder': score(model, test, amortised, mapping,
                              args.batch_size, names, False),
        'test_refined': score(model, test, chosen, mapping,
                              args.batch_size, names, True),
    }
    out = args.out or osp.join(
        'results', 'refinement',
        data_folder(header['system'], num_particles, graph),
        osp.splitext(osp.basename(args.log))[0] + '.json')
    print(json.dumps(result), flush=True)
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    write_json_atomic(out, result, indent=1, sort_keys=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
