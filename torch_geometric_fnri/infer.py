r"""Infers interaction graphs on new trajectories with a trained run.

    python -m torch_geometric_fnri.infer RUN_DIR DATA --out DIR

(installed, also ``fnri-infer``). ``RUN_DIR`` is a run directory written
by :class:`~torch_geometric_fnri.training.Trainer` (for example by
``examples/springs_charges.py`` or ``python -m
torch_geometric_fnri.train``). ``DATA`` is either

* a ``.npz`` file with ``loc`` and ``vel`` of shape ``[S, T, 2, N]`` (the
  layout of the NRI and fNRI generators), or else ``features`` of shape
  ``[S, N, T, D]`` (the library's layout), and optionally integer labels
  ``edges`` ``[S, L, N, N]`` (indexed ``[receiver, sender]``; the run's
  layers and classes); or
* a folder written by the NRI or fNRI generation scripts
  (``loc_<split>*.npy``, ``vel_...``, ``edges_...``; ``--split`` picks
  the split).

The trajectories are normalised with the run's training statistics and the
encoder reads the run's encoder frames; a run trained on a candidate graph
(:class:`~torch_geometric_fnri.transforms.CandidateGraph`, stored in its
run record) puts every simulation on it, and the pairs it leaves out are
predicted "no interaction". A warning names the features that then lie far
outside the run's training data (other units, another system, constant
trajectories). With ``--refine-steps K`` (learned runs) the encoder's
logits of every simulation are refined by K gradient steps on that
simulation's own training loss over the encoder frames, the weights frozen
(semi-amortised inference, see
:func:`~torch_geometric_fnri.training.refine_edge_logits`), and every
output is the refined one. With ``--symmetry-ensemble`` the encoder's
logits are averaged over the eight symmetries of the square box
(:func:`~torch_geometric_fnri.training.symmetry_ensemble_logits`). Bad
input ends with status 2 and one message.
Writes to
``--out``:

* ``graphs.npz``: ``edge_index`` ``[2, E]`` (sender, receiver) of one
  simulation, ``probabilities_<p>`` ``[S, E, C_p]`` per predicted factor,
  ``predicted`` ``[S, E, P]`` (the model's classes), ``edge_type``
  ``[S, E, L]`` (predicted labels in the data's layers, through the mapping
  fitted on the run's validation split, stored in its ``metrics.json``;
  without it, a note says what is left out); for a run on a candidate
  graph the edges of every simulation one after the other, as
  :meth:`~torch_geometric_fnri.training.TrainedRun.infer_graphs` returns
  them (``edge_index`` ``[2, E_0 + E_1 + ...]``, ``edge_ptr`` ``[S + 1]``,
  ``probabilities_<p>`` ``[E_0 + E_1 + ..., C_p]``, ...);
* ``graphs.json``: the same per simulation and edge, readable;
* ``graphml/system_<i>.graphml``: the predicted multiplex graph of the first
  ``--max-systems`` simulations as :mod:`networkx` GraphML;
* ``plots/system_<i>.png``: their pictures (beside the ground truth when the
  data has labels; needs matplotlib; ``--no-plots`` skips them);
* ``summary.json``: the run, its candidate graph, the data, and when the
  data has labels the edge accuracy and the AUROC, precision, recall and
  F1 of edge presence per layer over all pairs (on a candidate graph also
  the share of the interactions it misses, per layer).

Every file is written atomically (a failed write leaves the previous file
or none). An ``--out`` that already holds results is refused unless
``--overwrite`` is given, as training refuses a run directory that holds a
run.
"""
import argparse
import os
import os.path as osp
import sys
import warnings
from typing import Any, Dict, List, Optional

import networkx as nx
import numpy as np
import torch

from torch_geometric_fnri.datasets import from_arrays, load_reference_files
from torch_geometric_fnri.datasets.trajectory_dataset import read_numpy_file
from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    MissedPairs,
    edge_presence_metrics,
)
from torch_geometric_fnri.training import (
    TrainedRun,
    load_trained,
    simulation_graph,
)
from torch_geometric_fnri.training.distributed import resolve_device
from torch_geometric_fnri.utils.atomic_files import (
    atomic_file,
    write_json_atomic,
)
from torch_geometric_fnri.visualization import (
    plot_multiplex_graph,
    to_networkx_multiplex,
)


def load_data(path: str, run: TrainedRun, split: str = 'test'):
    r"""Reads ``DATA`` (see the module docstring), normalised with the
    run's statistics. Labels must have the run's layers and classes."""
    if run.normalizer is None:
        raise ValueError(f"the run in '{run.path}' stores no normalisation "
                         f"statistics: its training data had none")
    if osp.isdir(path):
        dataset = load_reference_files(path, split=split,
                                       stats=run.normalizer)
    elif not osp.isfile(path):
        raise FileNotFoundError(f"no data at '{path}'")
    elif not path.endswith('.npz'):
        raise ValueError(f"'{path}': DATA must be a .npz file or a folder "
                         f"of NRI/fNRI .npy files")
    else:
        arrays = read_numpy_file(path)
        if not isinstance(arrays, dict):
            raise ValueError(f"'{path}' holds one unnamed array: save named "
                             f"arrays with numpy.savez (loc=..., vel=... or "
                             f"features=...)")
        if 'features' not in arrays and not {'loc', 'vel'} <= set(arrays):
            raise ValueError(f"'{path}' must hold 'loc' and 'vel' (or "
                             f"'features'); it holds {sorted(arrays)}")
        dataset = from_arrays(arrays.get('loc'), arrays.get('vel'),
                              arrays.get('edges'),
                              features=arrays.get('features'),
                              stats=run.normalizer)
    check_labels(run, dataset)
    return dataset


def check_labels(run: TrainedRun, dataset) -> None:
    r"""Raises a :class:`ValueError` when the labels of :obj:`dataset` (if
    any) have other layers or classes than the run's."""
    if getattr(dataset[0], 'edge_type', None) is None:
        return
    labels = torch.cat([dataset[i].edge_type for i in range(len(dataset))])
    names, counts = run.layer_names, run.model.num_edge_types
    if labels.size(-1) != len(names):
        raise ValueError(
            f"the labels have {labels.size(-1)} layer(s) but the run was "
            f"trained on {len(names)} ({names}): give labels of those "
            f"layers, in that order, or none")
    for name, k, high in zip(names, counts, labels.max(0).values.tolist()):
        if high >= k:
            raise ValueError(
                f"the labels of layer {name!r} go up to {high} but the run "
                f"knows its classes 0..{k - 1}: give labels of the run's "
                f"classes, or none")


def edge_accuracy(run: TrainedRun, result: Dict[str, Any],
                  dataset) -> Optional[Dict[str, float]]:
    r"""The edge accuracy (combined and per layer), and the AUROC,
    precision, recall and F1 of edge presence per layer, of the inferred
    graphs under the run's mapping, when the data (on the run's candidate
    graph: :meth:`TrainedRun.on_candidate_graph
    <torch_geometric_fnri.training.TrainedRun.on_candidate_graph>`) has
    labels; over all pairs, those outside the candidate graph predicted "no
    interaction"."""
    if run.edge_mapping is None or getattr(dataset[0], 'edge_type',
                                           None) is None:
        return None
    graphs = [dataset[i] for i in range(len(dataset))]
    labels = torch.cat([data.edge_type for data in graphs])
    missed = MissedPairs.total(MissedPairs.read(data) for data in graphs)
    model = run.model
    metric = EdgeAccuracy(model.pred_num_classes, model.num_edge_types,
                          family=model.family.accuracy_family)
    predicted = result['predicted']
    metric.update(predicted.reshape(-1, predicted.size(-1)), labels, missed)
    accuracy = metric.compute(run.edge_mapping)
    out = {'combined': float(accuracy['combined'])}
    for name, value in zip(run.layer_names, accuracy['per_layer']):
        out[name] = float(value)
    presence = edge_presence_metrics(
        [p.reshape(-1, p.size(-1)) for p in result['probabilities']],
        labels, run.edge_mapping, model.pred_num_classes,
        model.num_edge_types, run.layer_names, missed)
    out.update(presence)
    return out


def write_outputs(out: str, run: TrainedRun, result: Dict[str, Any],
                  dataset, max_systems: int, plots: bool) -> List[str]:
    r"""Writes the files listed in the module docstring; returns their
    paths."""
    os.makedirs(out, exist_ok=True)
    arrays = {key: result[key].numpy()
              for key in ('edge_index', 'edge_ptr', 'predicted', 'edge_type')
              if result.get(key) is not None}
    for p, probs in enumerate(result['probabilities']):
        arrays[f'probabilities_{p}'] = probs.numpy()
    paths = [osp.join(out, 'graphs.npz')]
    with atomic_file(paths[0]) as tmp:
        with open(tmp, 'wb') as f:
            np.savez(f, **arrays)

    graphs = [simulation_graph(result, s) for s in range(len(dataset))]
    systems = []
    for s, graph in enumerate(graphs):
        edges = []
        sender, receiver = graph['edge_index'].tolist()
        for e in range(len(sender)):
            edge = {'sender': sender[e], 'receiver': receiver[e],
                    'probabilities': [
                        [round(v, 6) for v in probs[e].tolist()]
                        for probs in graph['probabilities']],
                    'predicted': graph['predicted'][e].tolist()}
            if graph['edge_type'] is not None:
                edge['edge_type'] = dict(zip(
                    result['layer_names'], graph['edge_type'][e].tolist()))
            edges.append(edge)
        systems.append({'system': s, 'edges': edges})
    paths.append(osp.join(out, 'graphs.json'))
    write_json_atomic(paths[-1], {'layer_names': result['layer_names'],
                                  'systems': systems},
                      indent=None, sort_keys=False)

    if result['edge_type'] is None:
        return paths
    os.makedirs(osp.join(out, 'graphml'), exist_ok=True)
    for s, graph in enumerate(graphs[:max_systems]):
        num_nodes = dataset[s].x.size(0)
        multiplex = to_networkx_multiplex(
            graph['edge_index'], graph['edge_type'].clamp(min=0),
            num_nodes, result['layer_names'])
        paths.append(osp.join(out, 'graphml', f'system_{s}.graphml'))
        with atomic_file(paths[-1]) as tmp:
            nx.write_graphml(multiplex, tmp)
        if plots:
            try:
                truth = getattr(dataset[s], 'edge_type', None)
                png = osp.join(out, 'plots', f'system_{s}.png')
                os.makedirs(osp.dirname(png), exist_ok=True)
                with atomic_file(png) as tmp:
                    plot_multiplex_graph(
                        tmp, graph['edge_index'],
                        graph['edge_type'].clamp(min=0), truth,
                        num_nodes, result['layer_names'],
                        title=f'system {s}')
                paths.append(png)
            except ImportError as error:
                print(f'no plots: {error}', file=sys.stderr)
                plots = False
    return paths


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='python -m torch_geometric_fnri.infer',
        description='Infer interaction graphs with a trained run.')
    parser.add_argument('run_dir', help='a run directory written by Trainer')
    parser.add_argument('data', help='a .npz file (loc and vel, or '
                        'features; optional edges) or a folder of NRI/fNRI '
                        '.npy files')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--split', default='test',
                        choices=['train', 'valid', 'test'],
                        help='the split of an NRI/fNRI folder')
    parser.add_argument('--checkpoint', default='best',
                        choices=['best', 'last'])
    parser.add_argument('--device', default='cpu',
                        help="'cpu', 'cuda', 'cuda:1' or 'auto'")
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--max-systems', type=int, default=10,
                        help='simulations exported as GraphML and plots')
    parser.add_argument('--refine-steps', type=int, default=None,
                        help='refine the edge logits of every simulation by '
                        'this many gradient steps on its own training loss '
                        'over the encoder frames, the weights frozen '
                        '(semi-amortised inference; 0: the encoder alone; '
                        'default: the run\'s refine_steps)')
    parser.add_argument('--refine-lr', type=float, default=None,
                        help='learning rate of the refinement (default: '
                        'the run\'s refine_lr)')
    parser.add_argument('--symmetry-ensemble',
                        action=argparse.BooleanOptionalAction, default=None,
                        help='average the encoder over the eight '
                        'symmetries of the square box (particle systems; '
                        'default: the run\'s symmetry_ensemble)')
    parser.add_argument('--no-plots', action='store_true')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the results already in --out')
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.max_systems < 0:
        parser.error('--batch-size must be positive and --max-systems '
                     'non-negative')
    try:
        resolve_device(args.device)
    except ValueError as error:
        parser.error(f'--device: {error}')
    if osp.exists(args.out) and not osp.isdir(args.out):
        parser.error(f"--out '{args.out}' is a file, not a folder")
    earlier = earlier_results(args.out)
    if earlier and not args.overwrite:
        parser.error(f"--out '{args.out}' already holds results ({earlier}):"
                     f" pass --overwrite to replace them, or choose another "
                     f"folder")
    return args


#: What :func:`write_outputs` and :func:`main` write in ``--out``.
OUTPUTS = ('summary.json', 'graphs.npz', 'graphs.json', 'graphml', 'plots')


def earlier_results(out: str) -> List[str]:
    r"""The outputs of an earlier inference (:data:`OUTPUTS`) that
    :obj:`out` holds."""
    return [name for name in OUTPUTS if osp.exists(osp.join(out, name))]


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            run = load_trained(args.run_dir, args.checkpoint, args.device)
            dataset = run.on_candidate_graph(
                load_data(args.data, run, args.split))
            result = run.infer_graphs(
                dataset, args.batch_size, args.refine_steps, args.refine_lr,
                args.symmetry_ensemble)
        for warning in caught:
            print(f'warning: {warning.message}', file=sys.stderr)
        if run.edge_mapping is None:
            print("note: the run has no label mapping (its metrics.json, "
                  "written when training ends, is missing): no edge_type, "
                  "GraphML, plots or accuracy, only the model's classes "
                  "('predicted'); finish the run (--resume) to get them",
                  file=sys.stderr)
        accuracy = edge_accuracy(run, result, dataset)
        paths = write_outputs(args.out, run, result, dataset,
                              args.max_systems, not args.no_plots)
        summary = {'run_dir': args.run_dir, 'checkpoint': args.checkpoint,
                   'epoch': run.epoch, 'data': args.data,
                   'num_simulations': len(dataset),
                   'num_particles': int(dataset[0].x.size(0)),
                   'encoder_frames': [run.encoder_frames.start,
                                      run.encoder_frames.stop],
                   'candidate_graph': (None if run.candidate_graph is None
                                       else run.candidate_graph.config),
                   'edge_mapping': run.edge_mapping,
                   'refine_steps': (run.config.refine_steps
                                    if args.refine_steps is None
                                    else args.refine_steps),
                   'symmetry_ensemble': (run.config.symmetry_ensemble
                                         if args.symmetry_ensemble is None
                                         else args.symmetry_ensemble),
                   'edge_accuracy': accuracy}
        write_json_atomic(osp.join(args.out, 'summary.json'), summary,
                          sort_keys=False)
    except (ValueError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    except MemoryError as error:
        print(f'error: not enough memory ({error or "MemoryError"}): infer '
              f'fewer simulations at a time, or use a smaller --batch-size',
              file=sys.stderr)
        return 2
    print(f'{len(dataset)} simulations, graphs written to {args.out} '
          f'({len(paths) + 1} files)')
    if accuracy is not None:
        print('edge accuracy: ' + ', '.join(
            f'{name} {accuracy[name]:.3f}'
            for name in ['combined'] + run.layer_names))
        print('edge AUROC: ' + ', '.join(
            f"{name} {accuracy['auroc_' + name]:.3f}"
            for name in run.layer_names))
        if run.candidate_graph is not None:
            print(f'interactions outside the candidate graph '
                  f'{run.candidate_graph}: ' + ', '.join(
                      f"{name} {accuracy['missed_share_' + name]:.1%}"
                      for name in run.layer_names))
    return 0


if __name__ == '__main__':
    sys.exit(main())
