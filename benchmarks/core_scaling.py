r"""Two CPU cores, four ways: how to spend them on training.

Runs the example's training (``python -m torch_geometric_fnri.train``,
which trains the model of ``examples/springs_charges.py``: the fast recipe,
its default data and model) for the same number of epochs in four
arrangements, one arrangement after another on an otherwise quiet machine:

- ``1 thread``: one process, ``OMP_NUM_THREADS=1`` and
  ``torch.set_num_threads(1)``;
- ``2 threads``: one process with two intra-op threads;
- ``2 DDP processes``: ``torch.distributed.run --nproc_per_node 2``, one
  thread each, the same global batch (so the same updates, each on half the
  batch per process, gradients averaged over gloo);
- ``2 one-thread runs``: two independent one-thread runs at the same time
  (seeds ``--seed`` and ``--seed + 1``), the throughput of running two
  experiments side by side.

Per arrangement: training seconds per epoch (the runs' ``log.csv``,
validation included, simulation excluded), updates and examples per second
(the two side-by-side runs counted together), and the validation accuracy
of each epoch against the cumulative training minutes, from which the last
line reads the accuracy at matched minutes (the last epoch finished by the
time the slowest arrangement finishes its first half of the epochs).

    python benchmarks/core_scaling.py --epochs 3          # throughput
    python benchmarks/core_scaling.py --epochs 20         # and accuracy

Writes the run directories under ``--runs`` (default
``runs/core_scaling``, not committed), the figures and the per-epoch
curves to ``--out`` (default ``results/core_scaling``) as
``core_scaling-<epochs>ep.json``, and ends with the figures as one JSON
line.
"""
import argparse
import csv
import json
import math
import os
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Dict, List

import torch

from torch_geometric_fnri.training import load_splits
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TRAIN_MODULE = 'torch_geometric_fnri.train'
ARRANGEMENTS = ('1 thread', '2 threads', '2 DDP processes',
                '2 one-thread runs')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--epochs', type=int, default=3)
    parser.add_argument('--num-train', type=int, default=5000)
    parser.add_argument('--batch-size', type=int, default=32,
                        help='global batch size in every arrangement')
    parser.add_argument('--seed', type=int, default=42)
    parser.add_argument('--arrangements', nargs='+', choices=ARRANGEMENTS,
                        default=list(ARRANGEMENTS))
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--runs', default=osp.join('runs', 'core_scaling'))
    parser.add_argument('--out', default=osp.join('results', 'core_scaling'))
    parser.add_argument('--note', default='nothing else running')
    return parser.parse_args(argv)


def train_command(args, out: str, seed: int, ddp: bool) -> List[str]:
    launcher = [sys.executable]
    if ddp:
        launcher += ['-m', 'torch.distributed.run', '--standalone',
                     '--nproc_per_node', '2']
    return launcher + [
        '-m', TRAIN_MODULE, '--epochs', str(args.epochs), '--num-train',
        str(args.num_train), '--batch-size', str(args.batch_size),
        '--seed', str(seed), '--data-root', args.data_root, '--out', out,
        '--overwrite', '--no-plots', '--device', 'cpu'
    ]


def start(command: List[str], threads: int, log_path: str):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    log = open(log_path, 'w')
    return subprocess.Popen(command, env=env, stdout=log,
                            stderr=subprocess.STDOUT, cwd=ROOT), log


def wait(process, log, command) -> None:
    code = process.wait()
    log.close()
    if code != 0:
        with open(log.name) as f:
            tail = f.read()[-2000:]
        raise RuntimeError(f'{" ".join(command)} exited with {code}:\n'
                           f'{tail}')


def read_run(out: str, updates_per_epoch: int, batch_size: int) -> Dict:
    r"""Per-epoch cumulative minutes and validation accuracy of one run
    from its ``log.csv``."""
    with open(osp.join(out, 'log.csv')) as f:
        rows = list(csv.DictReader(f))
    minutes, seconds = [], 0.0
    for row in rows:
        seconds += float(row['time'])
        minutes.append(seconds / 60)
    epochs = len(rows)
    return {
        'epochs': epochs,
        'seconds': seconds,
        'updates': epochs * updates_per_epoch,
        'examples': epochs * updates_per_epoch * batch_size,
        'minutes': minutes,
        'valid_combined': [float(row['valid_acc_combined']) for row in rows],
    }


def run_arrangement(args, name: str, updates_per_epoch: int) -> Dict:
    folder = osp.join(args.runs, name.replace(' ', '-'))
    os.makedirs(folder, exist_ok=True)
    seeds = [args.seed, args.seed + 1] if name == '2 one-thread runs' \
        else [args.seed]
    threads = 2 if name == '2 threads' else 1
    ddp = name == '2 DDP processes'
    started = []
    wall = time.perf_counter()
    for seed in seeds:
        out = osp.join(folder, f'seed{seed}')
        command = train_command(args, out, seed, ddp)
        process, log = start(command, threads, out + '.log')
        started.append((process, log, command, out))
    for process, log, command, _ in started:
        wait(process, log, command)
    wall = time.perf_counter() - wall
    runs = [read_run(out, updates_per_epoch, args.batch_size)
            for *_, out in started]
    seconds = max(run['seconds'] for run in runs)
    updates = sum(run['updates'] for run in runs)
    return {
        'runs': runs,
        'seconds_per_epoch': seconds / args.epochs,
        'updates_per_second': updates / seconds,
        'examples_per_second': updates * args.batch_size / seconds,
        'wall_seconds': wall,
    }


def accuracy_at(run: Dict, minutes: float):
    r"""The validation accuracy of the last epoch finished by
    :obj:`minutes` (None if none was)."""
    done = [acc for t, acc in zip(run['minutes'], run['valid_combined'])
            if t <= minutes]
    return done[-1] if done else None


def main(argv=None) -> int:
    args = parse_args(argv)
    updates_per_epoch = math.ceil(args.num_train / args.batch_size)
    # Simulate the runs' data (--seed is also the data seed) once,
    # before anything is timed.
    for seed in (args.seed, args.seed + 1):
        load_splits('I+C', (args.num_train, 500, 1000), seed=seed,
                    root=osp.join(ROOT, args.data_root))
    results = {}
    for name in args.arrangements:
        results[name] = run_arrangement(args, name, updates_per_epoch)
        print(f"{name:>20}: {results[name]['seconds_per_epoch']:.1f} s per "
              f"epoch, {results[name]['updates_per_second']:.1f} updates/s "
              f"({results[name]['examples_per_second']:.0f} examples/s)",
              flush=True)
    # Matched minutes: half the training time of the slowest run.
    matched = min(run['minutes'][-1] for result in results.values()
                  for run in result['runs']) / 2
    baseline = results.get('1 thread')
    figures = {
        'benchmark': 'core_scaling',
        'workload': f'python -m {TRAIN_MODULE} (the example\'s training), '
                    f'fast recipe, I+C, '
                    f'{args.num_train} training simulations, global batch '
                    f'{args.batch_size}, {args.epochs} epochs',
        'machine': {'cpu': platform.processor() or platform.machine(),
                    'cores': os.cpu_count(), 'torch': torch.__version__,
                    'cpu_capability':
                    torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
        'matched_minutes': round(matched, 3),
        'arrangements': {
            name: {
                'seconds_per_epoch': round(r['seconds_per_epoch'], 2),
                'updates_per_second': round(r['updates_per_second'], 2),
                'examples_per_second': round(r['examples_per_second'], 1),
                'speedup_over_1_thread': None if baseline is None else round(
                    r['updates_per_second'] /
                    baseline['updates_per_second'], 3),
                'valid_combined_at_matched_minutes': [
                    accuracy_at(run, matched) for run in r['runs']],
                'valid_combined_last': [run['valid_combined'][-1]
                                        for run in r['runs']],
            }
            for name, r in results.items()
        },
    }
    os.makedirs(args.out, exist_ok=True)
    path = osp.join(args.out, f'core_scaling-{args.epochs}ep.json')
    write_json_atomic(path, {'figures': figures, 'runs': results},
                      indent=1, sort_keys=False)
    print(json.dumps(figures))
    return 0


if __name__ == '__main__':
    sys.exit(main())
