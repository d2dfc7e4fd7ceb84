r"""Classical structural-inference baselines on the learned models' splits
and metric: how much of the interaction graph simple statistics of the
trajectories already recover.

Every method scores every ordered pair of every simulation
(:mod:`torch_geometric_fnri.baselines`): Pearson correlation, partial
correlation from the inverse correlation matrix and from the graphical
lasso (its penalty chosen without labels by cross-validated likelihood on
validation series, unless ``--glasso-alpha`` is given), linear Granger
causality (a lag-``--lags`` vector autoregression per simulation and
channel, refitted without each sender; F statistic, directed) and mutual information (KSG estimator,
``--neighbors`` neighbours). Each is applied to every feature group of the
system (positions and velocities; Kuramoto: its time-varying features)
and to its frame differences, each x and y channel scored on its own and
the channel scores averaged. The frames are the learned encoder's, the
first half of every trajectory (``TrainConfig().frame_split``: frames 0-48
of 99), on the validation and test splits of ``load_splits`` that the
models are measured on.

Per method, feature and layer-graph, the edge presence (label not 0) is
measured as for the learned models: AUROC on the test split and precision,
recall and F1 at the threshold with the highest validation F1, for the
signed score as given, the signed score with the sign that has the higher
validation AUROC, and the mean magnitude.

    OMP_NUM_THREADS=1 python -m benchmarks.classical_baselines --system I+C
    OMP_NUM_THREADS=1 python -m benchmarks.classical_baselines \
        --system springs --num-particles 15 --graph ba

Prints a table of test AUROC and F1 and ends with one JSON line: every
figure, the settings (the chosen lasso penalties included) and the seconds
each method took on the validation and test splits. ``--out`` also writes
the JSON to a file.
"""
import argparse
import functools
import json
import os
import platform
import sys
import time
from typing import Dict

import numpy as np

from torch_geometric_fnri.baselines import (
    SCORE_VARIANTS,
    edge_scores,
    evaluate_edge_scores,
    feature_groups,
    feature_series,
    granger_causality,
    graphical_lasso_partial_correlation,
    mutual_information,
    partial_correlation,
    pearson_correlation,
    select_graphical_lasso_alpha,
    split_trajectories,
)
from torch_geometric_fnri.training import (
    GRAPH_CHOICES,
    LOADABLE_SYSTEMS,
    TrainConfig,
    graph_family,
    load_splits,
)
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

try:  # as a script: its folder is on sys.path
    from time_to_accuracy import data_label
except ImportError:  # as benchmarks.classical_baselines
    from benchmarks.time_to_accuracy import data_label

METHODS = ('pearson', 'partial_correlation', 'graphical_lasso', 'granger',
           'mutual_information')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--system', choices=LOADABLE_SYSTEMS, default='I+C')
    parser.add_argument('--methods', nargs='+', choices=METHODS,
                        default=list(METHODS))
    parser.add_argument('--num-train', type=int, default=10000,
                        help='training simulations (only the cache key and '
                        'the normalisation: the baselines do not train)')
    parser.add_argument('--num-valid', type=int, default=2000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--num-frames', type=int, default=99)
    parser.add_argument('--num-particles', type=int, default=5)
    parser.add_argument('--graph', choices=GRAPH_CHOICES,
                        default=None, help='the family of the latent '
                        'graphs, or the grid of --system swing, as in '
                        'time_to_accuracy.py (default: every pair '
                        'independently)')
    parser.add_argument('--data-seed', type=int, default=42)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--lags', type=int, default=2,
                        help='order of the Granger autoregression')
    parser.add_argument('--neighbors', type=int, default=3,
                        help='k of the mutual information estimator')
    parser.add_argument('--glasso-alpha', type=float, default=None,
                        help='graphical lasso penalty (default: chosen per '
                        'feature by cross-validation on validation series)')
    parser.add_argument('--glasso-cv-series', type=int, default=200,
                        help='validation series cross-validated to choose '
                        'the penalty')
    parser.add_argument('--note', default='nothing else of ours running',
                        help='what else ran on the machine (recorded)')
    parser.add_argument('--out', default=None,
                        help='also write the JSON figures to this file')
    args = parser.parse_args(argv)
    if args.num_particles < 2:
        parser.error(f'--num-particles must be at least 2, got '
                     f'{args.num_particles}')
    try:
        args.graph_family = graph_family(args.graph, args.system,
                                         args.num_particles)
    except (ValueError, ImportError) as error:
        parser.error(str(error))
    return args


def feature_specs(feature_names) -> Dict[str, dict]:
    r"""Every feature group of the dataset, as given and as frame
    differences: ``{name: {'channels': [...], 'increments': bool}}``."""
    specs = {}
    for increments in (False, True):
        for name, channels in feature_groups(feature_names).items():
            key = f'{name}_increments' if increments else name
            specs[key] = {'channels': list(channels),
                          'increments': increments}
    return specs


def method_function(name: str, args, valid_x: np.ndarray,
                    spec: dict) -> tuple:
    r"""The score function of method :obj:`name` for one feature and its
    settings (the graphical lasso's penalty is chosen here, on the
    validation series of that feature, unless given)."""
    if name == 'pearson':
        return pearson_correlation, {}
    if name == 'partial_correlation':
        return partial_correlation, {}
    if name == 'granger':
        return functools.partial(granger_causality, lags=args.lags), {
            'lags': args.lags}
    if name == 'mutual_information':
        return functools.partial(mutual_information,
                                 n_neighbors=args.neighbors), {
                                     'n_neighbors': args.neighbors}
    alpha = args.glasso_alpha
    if alpha is None:
        series = feature_series(valid_x, spec['channels'],
                                spec['increments'])
        alpha = select_graphical_lasso_alpha(
            series.reshape(-1, *series.shape[2:]),
            num_series=args.glasso_cv_series)
    return functools.partial(graphical_lasso_partial_correlation,
                             alpha=alpha), {'alpha': alpha}


def run_method(name: str, args, splits: Dict[str, tuple],
               specs: Dict[str, dict], layer_names) -> dict:
    r"""Scores and evaluates one method on every feature; returns its
    figures, settings and seconds (validation, including any choice of the
    penalty, and test)."""
    out = {'results': {}, 'settings': {},
           'seconds': {'valid': 0.0, 'test': 0.0}}
    (valid_x, valid_labels), (test_x, test_labels) = (splits['valid'],
                                                      splits['test'])
    for feature, spec in specs.items():
        start = time.perf_counter()
        method, settings = method_function(name, args, valid_x, spec)
        valid_scores = edge_scores(valid_x, method, spec['channels'],
                                   spec['increments'])
        middle = time.perf_counter()
        test_scores = edge_scores(test_x, method, spec['channels'],
                                  spec['increments'])
        out['seconds']['valid'] += middle - start
        out['seconds']['test'] += time.perf_counter() - middle
        out['settings'][feature] = settings
        out['results'][feature] = evaluate_edge_scores(
            valid_scores, valid_labels, test_scores, test_labels,
            layer_names)
    return out


def print_table(figures: Dict[str, dict], layer_names,
                metric: str) -> None:
    r"""One row per method and feature, one column per layer-graph and
    score variant, of the test :obj:`metric` (``'auroc'`` or ``'f1'``)."""
    short = {'signed': 'signed', 'best_sign': 'best', 'absolute': '|s|'}
    header = ''.join(f'{layer[:20]:>21} ' for layer in layer_names)
    print(f'{"test " + metric:<21}{"feature":<22}{header}')
    print(f'{"":<43}' + ''.join(
        ' '.join(f'{short[v]:>6}' for v in SCORE_VARIANTS) + ' '
        for _ in layer_names))
    for method, method_figures in figures.items():
        for feature, result in method_figures['results'].items():
            cells = ''.join(
                ' '.join(f'{result[v][layer][metric]:6.3f}'
                         for v in SCORE_VARIANTS) + ' '
                for layer in layer_names)
            print(f'{method:<21}{feature:<22}{cells}')


def main(argv=None) -> int:
    args = parse_args(argv)
    datasets = load_splits(args.system,
                           (args.num_train, args.num_valid, args.num_test),
                           num_particles=args.num_particles,
                           num_frames=args.num_frames, seed=args.data_seed,
                           root=args.data_root, graph=args.graph_family)
    encoder_frames, _ = TrainConfig().frame_split.slices(args.num_frames)
    valid = datasets[1]
    layer_names = list(valid.interaction_names or [
        f'layer_{layer}' for layer in range(len(valid.num_edge_types))])
    splits = {'valid': split_trajectories(datasets[1], encoder_frames),
              'test': split_trajectories(datasets[2], encoder_frames)}
    specs = feature_specs(valid.feature_names)
    load_average = os.getloadavg()[0]
    system = data_label(args.system, args.num_particles, args.graph)
    print(f'classical baselines on {system}: {args.num_valid} '
          f'validation and {args.num_test} test simulations, frames '
          f'{encoder_frames.start}-{encoder_frames.stop - 1} of '
          f'{args.num_frames} (the encoder\'s)', flush=True)
    figures = {}
    for name in args.methods:
        figures[name] = run_method(name, args, splits, specs, layer_names)
        seconds = figures[name]['seconds']
        print(f'{name}: {seconds["valid"]:.1f} s validation, '
              f'{seconds["test"]:.1f} s test', flush=True)
    for metric in ('auroc', 'f1'):
        print()
        print_table(figures, layer_names, metric)
    result = {
        'benchmark': 'classical_baselines',
        'system': args.system,
        'data': {'train': args.num_train, 'valid': args.num_valid,
                 'test': args.num_test, 'seed': args.data_seed,
                 'num_frames': args.num_frames,
                 'num_particles': args.num_particles, 'graph': args.graph},
        'frames': [encoder_frames.start, encoder_frames.stop],
        'features': specs,
        'layer_names': layer_names,
        'variants': list(SCORE_VARIANTS),
        'machine': {'cpu': platform.processor() or platform.machine(),
                    'omp_num_threads': os.environ.get('OMP_NUM_THREADS'),
                    'load_average_at_start': load_average,
                    'other_jobs': args.note},
        'methods': figures,
    }
    if args.out is not None:
        write_json_atomic(args.out, result, indent=1, sort_keys=False)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
