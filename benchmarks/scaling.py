r"""What N costs: training-step time and peak memory against the number of
particles, for fully connected and k-nearest-neighbour candidate graphs.

A step is the fast recipe's learned fNRI update (MLP encoder on frames
0-48, Gumbel-softmax edge samples, MLP decoder rollout of
``--prediction-steps`` steps on a random 12-frame window of frames 50-98,
Cauchy reconstruction loss + KL, backward, Adam), run by
:class:`~torch_geometric_fnri.training.Trainer` with its data loader, on
springs systems whose interaction graphs are Barabási–Albert graphs with
:math:`m = 2` (mean degree near 4 at every N; see
``docs/graph-families.md``). The candidate graphs:

- ``full``: all :math:`N (N - 1)` directed pairs, the datasets' own graph;
- ``knn``: :class:`~torch_geometric_fnri.transforms.KNNCandidateGraph` with
  ``--k`` neighbours, by closest approach over the frames the encoder
  reads, made symmetric (the recipe's symmetric logits need every edge's
  reverse), applied once when the data is cached (``pre_transform``).

A batch holds ``--particles-per-batch`` particles: ``max(1, P // N)``
simulations. The training split has exactly the ``--warmup`` +
``--updates`` batches, simulated (few, as large N simulates slowly) and
cached under ``--data-root``; validation and test splits hold one
simulation each and are never evaluated (training stops after its last
update, before the end of the epoch).

Every (N, candidates) runs in a fresh subprocess whose address space is
capped at ``--memory-cap-gb`` (``RLIMIT_AS``, which also counts mapped but
untouched memory, so it bites a little before the resident size gets
there; the worker is also the kernel's first choice should memory run out
all the same); a configuration that does not fit is reported with
``seconds_per_update`` and ``peak_memory_gb`` null and the error in
``failure``. ``seconds_per_update`` is the median over the updates after
the warm-up of the time between the ends of consecutive updates (so it
includes loading the batch); ``peak_memory_gb`` is the subprocess' peak
resident size (``ru_maxrss``, GB of 10^9 bytes, interpreter and data
included).

    python benchmarks/scaling.py --num-particles 10 30 100 300 1000 \
        --candidates full knn --threads 1

Writes ``scaling.json`` and the plot ``scaling.png`` to ``--out`` (default
``results/scaling``) and ends with one JSON line.
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Dict, List

import torch

from torch_geometric_fnri.datasets import (
    BarabasiAlbertGraph,
    PhysicsSystemDataset,
)
from torch_geometric_fnri.training import TrainConfig, Trainer, get_recipe
from torch_geometric_fnri.transforms import KNNCandidateGraph
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

CANDIDATES = ('full', 'knn')
SYSTEM = 'springs'
GRAPH = BarabasiAlbertGraph(m=2)
NUM_FRAMES = 99
GB = 10**9
OOM_SCORE_ADJ = '/proc/self/oom_score_adj'
#: The keys of every row of the final JSON line.
ROW_KEYS = ('num_particles', 'candidates', 'batch_size', 'edges_per_graph',
            'seconds_per_update', 'peak_memory_gb', 'failure')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--num-particles', type=int, nargs='+',
                        default=[10, 30, 100, 300, 1000])
    parser.add_argument('--candidates', nargs='+', choices=CANDIDATES,
                        default=list(CANDIDATES))
    parser.add_argument('--k', type=int, default=4,
                        help='nearest neighbours of every particle (knn)')
    parser.add_argument('--particles-per-batch', type=int, default=1000)
    parser.add_argument('--prediction-steps', type=int, default=10,
                        help="M of the rollout (the recipe's M after its "
                        'first 500 updates)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='updates left out of the timing (at least 1)')
    parser.add_argument('--updates', type=int, default=5,
                        help='timed updates')
    parser.add_argument('--memory-cap-gb', type=float, default=16.0)
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--data-seed', type=int, default=42)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--out', default=osp.join('results', 'scaling'))
    parser.add_argument('--note', default='nothing else running')
    parser.add_argument('--worker', action='store_true',
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup < 1 or args.updates < 1:
        parser.error('--warmup and --updates must be at least 1')
    if min(args.num_particles) < 3:
        parser.error('--num-particles must be at least 3 (Barabási–Albert '
                     'graphs with m = 2)')
    return args


def batch_size(args, num_particles: int) -> int:
    r"""Simulations per batch: :obj:`--particles-per-batch` particles."""
    return max(1, args.particles_per_batch // num_particles)


def train_config(args, num_particles: int) -> TrainConfig:
    r"""The fast recipe's configuration at one rollout length and the
    batch size of :obj:`num_particles`."""
    return get_recipe('fast').config(
        seed=args.seed, epochs=1, device='cpu', progress=False,
        tensorboard=False, batch_size=batch_size(args, num_particles),
        prediction_steps=args.prediction_steps,
        prediction_steps_schedule=None)


def load_data(args, num_particles: int, candidates: str) -> List:
    r"""The train, valid and test splits of one configuration (simulated
    on first use, then read from the cache)."""
    config = train_config(args, num_particles)
    encoder_frames = config.frame_split.slices(NUM_FRAMES)[0]
    transform = (KNNCandidateGraph(args.k, frames=encoder_frames)
                 if candidates == 'knn' else None)
    num_train = config.batch_size * (args.warmup + args.updates)
    return [PhysicsSystemDataset(
        args.data_root, SYSTEM, split, num_simulations=(num_train, 1, 1),
        num_particles=num_particles, num_frames=NUM_FRAMES,
        seed=args.data_seed, pre_transform=transform, log=False,
        graph=GRAPH) for split in ('train', 'valid', 'test')]


def edges_per_graph(dataset) -> float:
    r"""The mean number of candidate edges of the graphs of a split."""
    return sum(dataset[i].num_edges for i in range(len(dataset))) / len(
        dataset)


def time_updates(args, num_particles: int, candidates: str) -> float:
    r"""Trains one configuration in this process; returns the median
    seconds per update after the warm-up."""
    if args.threads:
        torch.set_num_threads(args.threads)
    splits = load_data(args, num_particles, candidates)
    config = train_config(args, num_particles)
    recipe = get_recipe('fast')
    torch.manual_seed(args.seed)
    model = recipe.build_model('fnri', 'learned', splits[0].num_edge_types,
                               NUM_FRAMES, frame_split=config.frame_split)
    trainer = Trainer(model, config, *splits)
    ends = []

    def on_step_end(step):
        ends.append(time.perf_counter())
        return step['updates'] >= args.warmup + args.updates

    trainer.fit(on_step_end=on_step_end)
    timed = ends[args.warmup - 1:]
    return statistics.median(b - a for a, b in zip(timed, timed[1:]))


def worker(args) -> None:
    r"""Prints the time and peak memory of one configuration as JSON."""
    seconds = time_updates(args, args.num_particles[0], args.candidates[0])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({'seconds_per_update': round(seconds, 4),
                      'peak_memory_gb': round(peak / GB, 3)}))


def worker_command(args, num_particles: int, candidates: str) -> List[str]:
    r"""The command line of the subprocess that measures one
    configuration."""
    options = {'--k': args.k, '--particles-per-batch':
               args.particles_per_batch, '--prediction-steps':
               args.prediction_steps, '--warmup': args.warmup,
               '--updates': args.updates, '--seed': args.seed,
               '--data-seed': args.data_seed, '--data-root': args.data_root,
               '--num-particles': num_particles, '--candidates': candidates}
    if args.threads:
        options['--threads'] = args.threads
    command = [sys.executable, osp.abspath(__file__), '--worker']
    for key, value in options.items():
        command += [key, str(value)]
    return command


def measure(args, num_particles: int, candidates: str) -> Dict:
    r"""One row: simulates the data here (if not cached), then trains in a
    subprocess capped at :obj:`--memory-cap-gb`."""
    train = load_data(args, num_particles, candidates)[0]
    row = {'num_particles': num_particles, 'candidates': candidates,
           'batch_size': batch_size(args, num_particles),
           'edges_per_graph': round(edges_per_graph(train), 1),
           'seconds_per_update': None, 'peak_memory_gb': None,
           'failure': None}
    del train
    cap = int(args.memory_cap_gb * GB)

    def limit_memory():
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        resource.setrlimit(resource.RLIMIT_AS, (
            cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))
        # Should memory run out all the same, the kernel ends the worker
        # first, not a process beside it.
        if osp.exists(OOM_SCORE_ADJ):
            with open(OOM_SCORE_ADJ, 'w') as f:
                f.write('1000')

    result = subprocess.run(worker_command(args, num_particles, candidates),
                            capture_output=True, text=True,
                            preexec_fn=limit_memory)
    if result.returncode == 0:
        row.update(json.loads(result.stdout.strip().splitlines()[-1]))
    else:
        lines = result.stderr.strip().splitlines() or [
            f'exit status {result.returncode}']
        row['failure'] = lines[-1][:300]
    return row


def plot(path: str, rows: List[Dict], cap_gb: float) -> None:
    r"""Seconds per update and peak memory against N (log-log), one line
    per candidate graph; a configuration that did not fit is a cross on
    the memory cap."""
    from torch_geometric_fnri.visualization._matplotlib import (
        new_figure,
        save_figure,
    )
    fig = new_figure(1, 2, panel_size=4.0)
    time_ax, memory_ax = fig.axes
    for index, candidates in enumerate(CANDIDATES):
        colour = f'C{index}'
        mine = [r for r in rows if r['candidates'] == candidates]
        fitted = [r for r in mine if r['seconds_per_update'] is not None]
        failed = [r['num_particles'] for r in mine
                  if r['seconds_per_update'] is None]
        if fitted:
            for ax, key in ((time_ax, 'seconds_per_update'),
                            (memory_ax, 'peak_memory_gb')):
                ax.plot([r['num_particles'] for r in fitted],
                        [r[key] for r in fitted], marker='o', color=colour,
                        label=candidates)
        if failed:
            memory_ax.plot(failed, [cap_gb] * len(failed), 'x', color=colour,
                           markersize=10, label=f'{candidates}: does not fit')
    memory_ax.axhline(cap_gb, color='grey', linestyle='--',
                      label=f'cap {cap_gb:g} GB')
    for ax, label in ((time_ax, 'seconds per update'),
                      (memory_ax, 'peak memory (GB)')):
        ax.set_xlabel('particles N')
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which='both')
        if ax.lines:  # An empty log axis cannot autoscale.
            ax.set_xscale('log')
            ax.set_yscale('log')
            ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    rows = []
    print(f'{"N":>5} {"candidates":>10} {"batch":>5} {"edges/graph":>12} '
          f'{"s/update":>9} {"peak GB":>8}', flush=True)
    for num_particles in args.num_particles:
        for candidates in args.candidates:
            row = measure(args, num_particles, candidates)
            rows.append(row)
            fitted = row['seconds_per_update'] is not None
            print(f'{num_particles:>5} {candidates:>10} '
                  f'{row["batch_size"]:>5} {row["edges_per_graph"]:>12.1f} '
                  + (f'{row["seconds_per_update"]:>9.3f} '
                     f'{row["peak_memory_gb"]:>8.2f}' if fitted else
                     f'{"-":>9} {"-":>8}  {row["failure"]}'), flush=True)
    out = {
        'benchmark': 'scaling', 'recipe': 'fast', 'model': 'fnri',
        'system': f'{SYSTEM} on {GRAPH!r}', 'k': args.k,
        'particles_per_batch': args.particles_per_batch,
        'prediction_steps': args.prediction_steps, 'warmup': args.warmup,
        'updates': args.updates, 'memory_cap_gb': args.memory_cap_gb,
        'machine': {'cpu': platform.processor() or platform.machine(),
                    'cpu_count': os.cpu_count(),
                    'memory_gb': round(os.sysconf('SC_PAGE_SIZE') *
                                       os.sysconf('SC_PHYS_PAGES') / GB, 1),
                    'threads': args.threads or torch.get_num_threads(),
                    'torch': torch.__version__,
                    'cpu_capability':
                    torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
        'rows': rows,
    }
    os.makedirs(args.out, exist_ok=True)
    write_json_atomic(osp.join(args.out, 'scaling.json'), out)
    plot(osp.join(args.out, 'scaling.png'), rows, args.memory_cap_gb)
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
