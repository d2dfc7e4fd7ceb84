r"""What an update of the fast recipe costs at other batch sizes.

The fast recipe (fNRI, I+C, the benchmarks' data: 10,000 training
simulations, data seed 42) trains ``--updates`` optimiser steps after
``--warmup`` more for every batch size and thread count, in this process,
all from the same seed, in ``--rounds`` interleaved rounds (so that a
change of the machine's speed during the run shows as a spread between
rounds, not as a difference between batch sizes). The rollouts are M = 10
from the first update: the recipe's steady state after its switch. Per
configuration and round: the median milliseconds per update (the
end-of-epoch validations, which fall between some updates, are outliers
the median ignores).

    python benchmarks/batch_size_cost.py --batch-sizes 32 128 --threads 1 2

Ends with one JSON line.
"""
import argparse
import json
import platform
import statistics
import sys

import torch

from torch_geometric_fnri.training import load_splits

# The folder of this script is on sys.path when it runs as a script.
from compiled_training import train


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch-sizes', type=int, nargs='+',
                        default=[32, 128])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--updates', type=int, default=200)
    parser.add_argument('--warmup', type=int, default=20)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--note', default='nothing else running')
    return parser.parse_args(argv)


def ms_per_update(args, splits, batch_size: int) -> float:
    r"""Trains ``args.warmup + args.updates`` updates at
    :obj:`batch_size`; returns the median milliseconds per update after the
    warm-up."""
    _, ends, _ = train(splits, args.seed, args.warmup + args.updates,
                       batch_size=batch_size, prediction_steps=10,
                       prediction_steps_schedule=None)
    steps = [b - a for a, b in zip(ends, ends[1:])][args.warmup - 1:]
    return round(1e3 * statistics.median(steps), 2)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.warmup < 1 or args.updates < 1 or args.rounds < 1:
        raise SystemExit('--warmup, --updates and --rounds must be positive')
    splits = load_splits('I+C', (args.num_train, 2000, 2000), seed=42,
                         root=args.data_root)
    rows = []
    for round_ in range(args.rounds):
        for threads in args.threads:
            torch.set_num_threads(threads)
            for batch_size in args.batch_sizes:
                rows.append({'round': round_, 'threads': threads,
                             'batch_size': batch_size,
                             'ms_per_update': ms_per_update(
                                 args, splits, batch_size)})
                print(rows[-1], flush=True)
    print(json.dumps({
        'benchmark': 'batch_size_cost', 'recipe': 'fast', 'model': 'fnri',
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
