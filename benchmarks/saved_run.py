r"""A trained run of ``time_to_accuracy.py`` read back for a benchmark
that scores it again (``refinement.py``, ``symmetry_ensemble.py``): its
log (whose first line holds the system, model, recipe, configuration and
model arguments), the state it saved with ``--save-state`` (its weights)
and its data, with the command-line options that name them."""
import argparse
import json
import os
import os.path as osp
import platform
import time
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

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
except ImportError:  # as benchmarks.saved_run
    from benchmarks.time_to_accuracy import DEFAULT_NUM_PARTICLES, data_folder

#: What the run's log header must hold.
HEADER_KEYS = ('system', 'model', 'mode', 'recipe', 'seed', 'config',
               'model_args')


class SavedRun(NamedTuple):
    r"""A run read back by :func:`load_saved_run`."""
    header: Dict
    config: TrainConfig
    splits: tuple  # (train, valid, test)
    model: torch.nn.Module
    num_particles: int
    graph: object  # The log's graph family name, or None.


def add_saved_run_arguments(parser: argparse.ArgumentParser) -> None:
    r"""The options that name the run and its data (the defaults are
    those of ``time_to_accuracy.py``), the threads and the note."""
    parser.add_argument('--log', required=True,
                        help="the run's time_to_accuracy.py log (.jsonl)")
    parser.add_argument('--state', required=True,
                        help='the state the run saved with --save-state')
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--num-valid', type=int, default=2000)
    parser.add_argument('--num-test', type=int, default=2000)
    parser.add_argument('--data-seed', type=int, default=42)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default=None)
    parser.add_argument('--note', default='nothing else of ours running',
                        help='what else was running on the machine')


def check_positive(parser: argparse.ArgumentParser,
                   args: argparse.Namespace, names: Sequence[str]) -> None:
    r"""Exits through :obj:`parser` unless every option of :obj:`names`
    that is set is positive."""
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be positive")


def read_header(path: str, modes: Sequence[str], why: str) -> Dict:
    r"""The first line of a ``time_to_accuracy.py`` log, checked to hold
    :data:`HEADER_KEYS`, a run of one of :obj:`modes` (:obj:`why` says
    why in the error) and a loadable system on the complete graph."""
    with open(path) as f:
        header = json.loads(f.readline())
    missing = [key for key in HEADER_KEYS if key not in header]
    if missing:
        raise ValueError(f"'{path}' is not a time_to_accuracy.py log: its "
                         f"first line lacks {missing}")
    if header['mode'] not in modes:
        raise ValueError(f"'{path}' holds a {header['mode']!r} run; {why}")
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
    model = make_model(header['model'], header['mode'], num_edge_types,
                       num_frames, model_args.pop('hidden_channels'),
                       frame_split=config.frame_split, **model_args)
    model.load_state_dict(state['model'])
    return model.eval()


def load_saved_run(args: argparse.Namespace, modes: Sequence[str],
                   why: str,
                   check_splits: Optional[Callable[[tuple], None]] = None
                   ) -> SavedRun:
    r"""Reads the run of :obj:`args` (:func:`add_saved_run_arguments`):
    its header (:func:`read_header`), configuration, data splits (passed
    to :obj:`check_splits`, which may raise, before the state is read)
    and model; sets the torch threads. Raises :class:`OSError`,
    :class:`ValueError` or :class:`RuntimeError` for a log or state that
    cannot be read or does not fit."""
    header = read_header(args.log, modes, why)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    config = TrainConfig.from_dict(header['config'])
    # Logs written before the header held the data: the papers'.
    num_particles = header.get('num_particles', DEFAULT_NUM_PARTICLES)
    graph = header.get('graph')
    splits = load_splits(
        header['system'], (args.num_train, args.num_valid, args.num_test),
        num_particles=num_particles, seed=args.data_seed,
        root=args.data_root, graph=graph_family(graph, header['system']))
    if check_splits is not None:
        check_splits(splits)
    model = load_model(header, args.state, splits[0].num_edge_types,
                       splits[0][0].x.size(1), config)
    return SavedRun(header, config, splits, model, num_particles, graph)


def run_record(saved: SavedRun, args: argparse.Namespace) -> Dict:
    r"""The run, data and machine entries of a benchmark's result."""
    header = saved.header
    return {
        'log': args.log, 'state': args.state,
        'run': {key: header[key] for key in ('system', 'model', 'recipe',
                                             'tag', 'seed')},
        'data': {'train': args.num_train, 'valid': args.num_valid,
                 'test': args.num_test, 'seed': args.data_seed,
                 'num_particles': saved.num_particles,
                 'graph': saved.graph},
        'machine': {'cpu': platform.processor() or platform.machine(),
                    'threads': torch.get_num_threads(),
                    'torch': torch.__version__,
                    'cpu_capability':
                        torch.backends.cpu.get_cpu_capability(),
                    'other_jobs': args.note},
    }


def score_split(model: torch.nn.Module, dataset, config: TrainConfig,
                mapping: Optional[Dict], batch_size: int,
                layer_names: List[str], **options: Any) -> Dict:
    r"""Edge metrics of :obj:`dataset` (test frames) under :obj:`mapping`
    (:obj:`None`: fitted on :obj:`dataset`) with :func:`evaluate`'s
    :obj:`options` (:obj:`refine`, :obj:`symmetries`): combined and
    per-layer accuracy, AUROC per layer, the seconds the pass took and
    the mapping used (:obj:`'edge_mapping'`)."""
    loader = make_loader(dataset, batch_size, shuffle=False)
    frames = config.frame_split.test_slices(dataset[0].x.size(1))
    start = time.perf_counter()
    out = evaluate(model, loader, config, *frames, layer_names=layer_names,
                   mapping=mapping, **options)
    seconds = time.perf_counter() - start
    return {'acc_combined': out['acc_combined'],
            'acc_layers': [out[f'acc_{name}'] for name in layer_names],
            'auroc_layers': [out[f'auroc_{name}'] for name in layer_names],
            'seconds': round(seconds, 1),
            'edge_mapping': out['edge_mapping']}


def write_result(saved: SavedRun, args: argparse.Namespace, folder: str,
                 result: Dict) -> None:
    r"""Prints :obj:`result` as one JSON line and writes it to
    :obj:`args.out`, by default
    ``results/<folder>/<data>/<log name>.json`` (``<data>`` the log's
    folder under ``results/time_to_accuracy/``)."""
    out = args.out or osp.join(
        'results', folder,
        data_folder(saved.header['system'], saved.num_particles,
                    saved.graph),
        osp.splitext(osp.basename(args.log))[0] + '.json')
    print(json.dumps(result), flush=True)
    os.makedirs(osp.dirname(out) or '.', exist_ok=True)
    write_json_atomic(out, result, indent=1, sort_keys=False)
