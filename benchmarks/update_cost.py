r"""What an update of the fast recipe costs under other settings.

The fast recipe (fNRI, I+C, the benchmarks' data: 10,000 training
simulations, data seed 42) trains ``--updates`` optimiser steps after
``--warmup`` more for every setting and thread count, in this process,
all from the same seed, in ``--rounds`` interleaved rounds (so that a
change of the machine's speed during the run shows as a spread between
rounds, not as a difference between settings). A setting is a list of
``KEY=VALUE`` overrides of the recipe, a :class:`TrainConfig` field or a
model argument as ``time_to_accuracy.py --set`` takes them (the empty
string is the recipe itself). The rollouts are M = 10 from the first
update: the recipe's steady state after its switch. Per setting, thread
count and round: the median milliseconds per update (the end-of-epoch
validations, which fall between some updates, are outliers the median
ignores).

    python benchmarks/update_cost.py --settings batch_size=32 batch_size=128 \
        --threads 1 2
    python benchmarks/update_cost.py --threads 1 --settings "" \
        hidden_channels=128 "encoder_hidden_channels=256 batch_size=64"

Ends with one JSON line.
"""
import argparse
import json
import platform
import statistics
import sys
from typing import Dict

import torch

from torch_geometric_fnri.training import load_splits

# The folder of this script is on sys.path when it runs as a script.
from compiled_training import train
from time_to_accuracy import parse_overrides


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--settings', nargs='+',
                        default=['batch_size=32', 'batch_size=128'],
                        help='one setting per item: space-separated '
                        'KEY=VALUE overrides ("" for the recipe itself)')
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--updates', type=int, default=200)
    parser.add_argument('--warmup', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--num-held-out', type=int, default=2000,
                        help='validation and test simulations each')
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--note', default='nothing else running')
    args = parser.parse_args(argv)
    repeated = sorted({text for text in args.settings
                       if args.settings.count(text) > 1})
    if repeated:
        # One row per setting: a repeat would be timed twice under one name.
        parser.error(f'--settings names {repeated} more than once')
    return args


def ms_per_update(args, splits, overrides: Dict[str, Dict]) -> float:
    r"""Trains ``args.warmup + args.updates`` updates with
    :obj:`overrides` (see :func:`time_to_accuracy.parse_overrides`);
    returns the median milliseconds per update after the warm-up."""
    train_overrides = {'prediction_steps': 10,
                       'prediction_steps_schedule': None,
                       **overrides['train']}
    _, ends, _ = train(splits, args.seed, args.warmup + args.updates,
                       model_overrides=overrides['model'], **train_overrides)
    steps = [b - a for a, b in zip(ends, ends[1:])][args.warmup - 1:]
    return round(1e3 * statistics.median(steps), 2)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.warmup < 1 or args.updates < 1 or args.rounds < 1:
        raise SystemExit('--warmup, --updates and --rounds must be positive')
    settings = {text: parse_overrides(text.split())
                for text in args.settings}
    splits = load_splits('I+C', (args.num_train, args.num_held_out,
                                 args.num_held_out),
                         seed=42, root=args.data_root)
    rows = []
    for round_ in range(args.rounds):
        for threads in args.threads:
            torch.set_num_threads(threads)
            for text, overrides in settings.items():
                rows.append({'round': round_, 'threads': threads,
                             'setting': text,
                             'ms_per_update': ms_per_update(
                                 args, splits, overrides)})
                print(rows[-1], flush=True)
    print(json.dumps({
        'benchmark': 'update_cost', 'recipe': 'fast', 'model': 'fnri',
        'system': 'I+C', 'prediction_steps': 10, 'updates': args.updates,
        'warmup': args.warmup,
        'machine': {'cpu': platform.machine(), 'torch': torch.__version__,
                    'cpu_capability': torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
        'rows': rows,
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
