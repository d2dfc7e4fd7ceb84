r"""How the graph inference of one trained run degrades with observation
noise.

Loads a run written by ``examples/springs_charges.py`` or
``python -m torch_geometric_fnri.train`` (any
:class:`~torch_geometric_fnri.training.Trainer` run whose ``config.json``
records its data as the arguments of
:func:`~torch_geometric_fnri.training.load_splits`, ``'data'``), takes the
test split of its data, adds Gaussian noise of standard deviation σ
(physical units, to positions and velocities; the simulation and the labels
stay exact) for every ``--levels`` value, and measures the edge accuracy
(one mapping: the run's, fitted on its clean validation split) and the
AUROC of edge presence per layer-graph.

    python examples/springs_charges.py --out runs/noise
    python benchmarks/noise_robustness.py runs/noise --levels 0 0.01 0.03 0.1

Writes ``results/noise_robustness/<system>/<run name>.json`` and ends with
one JSON line.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

import torch

from torch_geometric_fnri.infer import edge_accuracy
from torch_geometric_fnri.training import load_splits, load_trained


def noisy_copy(dataset, stats, sigma: float, generator: torch.Generator):
    r"""The simulations of :obj:`dataset` with noise of standard deviation
    :obj:`sigma` added in physical units (normalised with :obj:`stats`);
    unchanged copies for :obj:`sigma` 0."""
    out = []
    for i in range(len(dataset)):
        data = dataset[i].clone()
        if sigma == 0:
            out.append(data)
            continue
        physical = stats.denormalize(data.x)
        noise = torch.randn(physical.shape, generator=generator,
                            dtype=physical.dtype)
        data.x = stats.normalize(physical + sigma * noise)
        out.append(data)
    return out


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('run_dir')
    parser.add_argument('--levels', type=float, nargs='+',
                        default=[0.0, 0.01, 0.03, 0.1, 0.3])
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the noise')
    parser.add_argument('--out', default=None)
    args = parser.parse_args(argv)
    if any(not 0 <= level < float('inf') for level in args.levels):
        parser.error('--levels must be finite and >= 0')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    run = load_trained(args.run_dir)
    with open(osp.join(args.run_dir, 'config.json')) as f:
        config = json.load(f)
    data_arguments = config.get('data')
    if data_arguments is None:
        print("error: the run's config.json does not record its data (the "
              "arguments of load_splits, 'data', which "
              'examples/springs_charges.py and torch_geometric_fnri.train '
              'write)', file=sys.stderr)
        return 2
    test = load_splits(**data_arguments)[2]
    if test.stats != run.normalizer:
        print("error: the run's normalisation differs from its data's",
              file=sys.stderr)
        return 2
    generator = torch.Generator().manual_seed(args.seed)
    rows = []
    for level in args.levels:
        data = noisy_copy(test, test.stats, level, generator)
        # The encoder alone, as the stored figures (a fast-recipe run
        # would otherwise refine by its own refine_steps and average over
        # the box symmetries).
        result = run.infer_graphs(data, refine_steps=0,
                                  symmetry_ensemble=False)
        metrics = edge_accuracy(run, result, data)
        rows.append({'observation_noise': level, **metrics})
        print(f"σ = {level:<6} combined {metrics['combined']:.3f}  " +
              '  '.join(f"{name} {metrics[name]:.3f} (AUROC "
                        f"{metrics['auroc_' + name]:.3f})"
                        for name in run.layer_names), flush=True)
    out_dir = args.out or osp.join('results', 'noise_robustness',
                                   data_arguments['system'])
    os.makedirs(out_dir, exist_ok=True)
    name = osp.basename(osp.normpath(args.run_dir))
    result = {
        'benchmark': 'noise_robustness', 'run': name,
        'model': run.model.family.name,
        'recipe': config.get('arguments', {}).get('recipe'),
        'system': data_arguments['system'], 'epochs_trained': run.epoch,
        'num_test': len(test), 'noise_seed': args.seed,
        'noise': 'Gaussian, standard deviation in physical units, on '
                 'positions and velocities of the test split',
        'rows': rows, 'seconds': round(time.perf_counter() - start, 1),
    }
    with open(osp.join(out_dir, f'{name}.json'), 'w') as f:
        json.dump(result, f, indent=1)
    print(json.dumps(result))
    return 0


if __name__ == '__main__':
    sys.exit(main())
