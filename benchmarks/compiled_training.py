r"""Training with ``TrainConfig(compile=True)`` against eager training.

The fast recipe (fNRI, I+C, the benchmarks' data: 10,000 training
simulations, data seed 42) trains for ``--updates`` optimiser steps twice
in this process, eager first, then with the training step compiled, from
the same seed. Per variant: the seconds until the first ``--warmup``
updates are done (the compiler's cost), the median milliseconds per update
over the updates after the switch to M = 10 (a rollout length the
compiled variant compiles once more for) and the end-of-epoch validations,
and the mean training loss over the last 200 updates (the two do not draw
the same Gumbel noise, so losses agree in distribution, not bit for bit).

    python benchmarks/compiled_training.py --updates 1500 --threads 1

Ends with one JSON line.
"""
import argparse
import json
import platform
import statistics
import sys
import time
from typing import Dict, Optional

import torch

from torch_geometric_fnri.training import Trainer, get_recipe, load_splits


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--updates', type=int, default=1500)
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--note', default='nothing else running')
    return parser.parse_args(argv)


def train(splits, seed: int, updates: int,
          model_overrides: Optional[Dict] = None, **overrides):
    r"""Trains the fast recipe's fNRI for :obj:`updates` updates from
    :obj:`seed`, with :obj:`model_overrides` of its model arguments and
    :class:`TrainConfig` :obj:`overrides`; returns the start time, every
    update's end time and every update's loss."""
    train, valid, test = splits
    recipe = get_recipe('fast', 'I+C')
    torch.manual_seed(seed)
    model = recipe.build_model('fnri', 'learned', train.num_edge_types,
                               train[0].x.size(1), **(model_overrides or {}))
    config = recipe.config(seed=seed, epochs=10**6, device='cpu',
                           progress=False, tensorboard=False, **overrides)
    trainer = Trainer(model, config, train, valid, test, run_dir=None)
    ends, losses = [], []

    def on_step_end(step):
        ends.append(time.perf_counter())
        losses.append(step['loss'])
        return step['updates'] >= updates

    start = time.perf_counter()
    trainer.fit(on_step_end=on_step_end)
    return start, ends, losses


def figures(args, start, ends, losses, switch: int):
    steps = [b - a for a, b in zip(ends, ends[1:])]
    after_switch = steps[switch + 1:]
    return {
        'seconds_to_warmup': round(ends[args.warmup - 1] - start, 2),
        'ms_per_update_median': round(
            1e3 * statistics.median(after_switch), 3),
        'seconds_total': round(ends[-1] - start, 2),
        'loss_mean_last_200': round(statistics.mean(losses[-200:]), 4),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    splits = load_splits('I+C', (10000, 2000, 2000), seed=42,
                         root=args.data_root)
    switch = get_recipe('fast').config().prediction_steps_schedule[0][0]
    if args.updates < switch + 200:
        raise SystemExit(f'--updates must be at least {switch + 200}: the '
                         f'steady state is read after the switch to M = 10 '
                         f'at update {switch}')
    results = {}
    for name, compile in (('eager', False), ('compiled', True)):
        results[name] = figures(args, *train(splits, args.seed, args.updates,
                                            compile=compile), switch)
        print(f'{name:>9}: {results[name]}', flush=True)
    speedup = (results['eager']['ms_per_update_median'] /
               results['compiled']['ms_per_update_median'])
    print(json.dumps({
        'benchmark': 'compiled_training', 'updates': args.updates,
        'recipe': 'fast', 'model': 'fnri', 'system': 'I+C',
        'machine': {'cpu': platform.machine(),
                    'threads': torch.get_num_threads(),
                    'torch': torch.__version__,
                    'cpu_capability': torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
        **results, 'steady_speedup': round(speedup, 3),
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
