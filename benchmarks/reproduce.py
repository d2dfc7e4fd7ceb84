"""Reproduce the fNRI paper's Tables 1 and 2 with one command.

    python benchmarks/reproduce.py --protocol cpu            # ~3 h, 2 cores
    python benchmarks/reproduce.py --protocol paper --device cuda
    python benchmarks/reproduce.py --protocol cpu --systems I+C \\
        --models fnri --modes learned --seeds 0               # a subset
    python benchmarks/reproduce.py --protocol cpu --report-only
    python benchmarks/reproduce.py --protocol cpu --reevaluate  # test again

Every (system, model, mode, seed) is one run directory
``<out>/<system>/<model>-<mode>-seed<seed>/`` trained by
:class:`~torch_geometric_fnri.training.Trainer`. Rerunning the command skips
finished runs and resumes unfinished ones from their last checkpoint, so a
killed protocol loses at most one epoch. Every finished epoch prints one
line with its time and validation figures. The wall time of every run
(summed over resumptions, rewritten after every epoch so that a killed
invocation keeps its finished epochs' time) and the machine are kept in
``run_info.json``.

At the end (or with ``--report-only``) the finished runs are collected into
``<out>/results.md`` and ``<out>/results.json`` in the layout of the
paper's Tables 1 and 2: test edge accuracy (combined and per interaction
type, %) and test MSE at 1/10/20 steps (x 1e-5, normalised units, the fNRI
block-averaged definition that the paper's Table 2 uses), mean and
standard error over seeds, with the paper's numbers beside ours. Accuracy
is given twice: with one label mapping fitted on validation and applied to
test (ours), and with the mapping re-chosen on every test batch of 128
using its labels (the reference code's, optimistic). The last line is JSON.
"""
import argparse
import csv
import itertools
import json
import math
import os
import os.path as osp
import platform
import time
from dataclasses import asdict, dataclass, replace
from typing import Dict, List, Optional, Tuple

import torch

from torch_geometric_fnri.metrics import mapping_table
from torch_geometric_fnri.training import (
    TrainConfig,
    Trainer,
    load_splits,
    make_model,
)

MODELS = ('nri', 'fnri', 'sfnri')
MODES = ('learned', 'supervised', 'true_graph', 'static')
LAYERS = {'I+C': ['ideal_springs', 'charges'],
          'I+C+F': ['ideal_springs', 'charges', 'finite_springs']}

# The paper's Table 1 (accuracy %, combined then per layer) and Table 2
# (MSE / 1e-5 at 1, 10, 20 steps), mean only.
PAPER_ACCURACY = {
    ('I+C', 'nri', 'learned'): (89.1, 97.9, 91.0),
    ('I+C', 'fnri', 'learned'): (94.0, 98.0, 95.8),
    ('I+C', 'sfnri', 'learned'): (88.8, 97.6, 91.1),
    ('I+C', 'nri', 'supervised'): (98.3, 98.6, 99.7),
    ('I+C', 'fnri', 'supervised'): (98.3, 98.8, 99.4),
    ('I+C', 'sfnri', 'supervised'): (98.0, 98.3, 99.6),
    ('I+C+F', 'nri', 'learned'): (57.9, 88.5, 87.3, 70.7),
    ('I+C+F', 'fnri', 'learned'): (63.3, 86.9, 97.7, 69.2),
    ('I+C+F', 'sfnri', 'learned'): (45.1, 90.0, 98.2, 52.4),
    ('I+C+F', 'nri', 'supervised'): (80.9, 92.4, 99.0, 84.4),
    ('I+C+F', 'fnri', 'supervised'): (81.8, 93.3, 99.3, 85.8),
    ('I+C+F', 'sfnri', 'supervised'): (81.0, 92.9, 99.2, 85.2),
}
PAPER_MSE = {
    ('I+C', 'static'): (19.4, 283, 783),
    ('I+C', 'nri', 'learned'): (0.88, 4.05, 11.5),
    ('I+C', 'fnri', 'learned'): (0.80, 3.54, 9.93),
    ('I+C', 'sfnri', 'learned'): (1.03, 3.32, 9.68),
    ('I+C', 'nri', 'true_graph'): (0.85, 1.59, 3.20),
    ('I+C', 'fnri', 'true_graph'): (0.70, 1.30, 2.52),
    ('I+C', 'sfnri', 'true_graph'): (0.86, 1.32, 2.77),
    ('I+C+F', 'static'): (12.8, 274, 782),
    ('I+C+F', 'nri', 'learned'): (0.95, 8.67, 29.1),
    ('I+C+F', 'fnri', 'learned'): (0.81, 7.78, 26.8),
    ('I+C+F', 'sfnri', 'learned'): (0.77, 5.69, 19.3),
    ('I+C+F', 'nri', 'true_graph'): (0.75, 1.55, 3.43),
    ('I+C+F', 'fnri', 'true_graph'): (0.51, 0.97, 2.44),
    ('I+C+F', 'sfnri', 'true_graph'): (0.56, 0.89, 2.28),
}

# The reference fNRI code's learning curve on a 2-core CPU, stored as data
# with its provenance (the public code and commit, configuration, machine):
# I+C, fNRI [2, 2], 10k/2k/2k, hidden 256, batch 128, lr 5e-4, seed 1. Per
# epoch: cumulative wall minutes, validation accuracy (combined, springs,
# charges; layer order chosen per batch of 128) and validation M-step MSE.
REFERENCE_CURVE_FILE = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'results', 'reference',
    'fnri-reference-code-I+C-cpu.json')


def reference_curve() -> List[Tuple[float, ...]]:
    """The rows of :data:`REFERENCE_CURVE_FILE` (epoch, minutes, combined,
    springs, charges, M-step MSE)."""
    with open(REFERENCE_CURVE_FILE) as f:
        return [tuple(row) for row in json.load(f)['curve']]


@dataclass(frozen=True)
class Protocol:
    """What one protocol trains; every field can be narrowed on the
    command line."""
    systems: Tuple[str, ...]
    models: Tuple[str, ...]
    modes: Tuple[str, ...]
    seeds: Tuple[int, ...]
    num_simulations: Tuple[int, int, int]
    hidden: int
    epochs: int
    batch_size: int = 128
    lr: float = 5e-4
    num_frames: int = 99
    data_seed: int = 42
    # The paper's L2 penalty on sfNRI for I+C (SFNRI_IC_WEIGHT_DECAY).
    sfnri_ic_weight_decay: bool = False


# "To prevent exploding gradients in the encoder of the sfNRI model when
# training on the I+C system, a tiny amount of L2 regularisation was added"
# (the paper, section 7): Adam weight decay, the reference's --weight-decay.
SFNRI_IC_WEIGHT_DECAY = {'learned': 5e-8, 'supervised': 2e-5}

PROTOCOLS = {
    # Every row of the paper's tables with two seeds, on less data, a
    # smaller model, fewer epochs and a larger learning rate: measured at
    # about 3 hours on 2 CPU cores (I+C 87 min, I+C+F 97 min).
    'cpu': Protocol(systems=('I+C', 'I+C+F'), models=MODELS, modes=MODES,
                    seeds=(0, 1), num_simulations=(4000, 1000, 1000),
                    hidden=64, epochs=25, batch_size=64, lr=1e-3),
    # The reference code's CPU learning curve (REFERENCE_CURVE_FILE):
    # fNRI on I+C, 10k/2k/2k, hidden 256, batch 128, lr 5e-4, seed 1,
    # 15 epochs, to compare epoch by epoch and minute by minute.
    'reference-curve': Protocol(systems=('I+C',), models=('fnri',),
                                modes=('learned',), seeds=(1,),
                                num_simulations=(10000, 2000, 2000),
                                hidden=256, epochs=15),
    # The paper: 50k/10k/10k simulations, hidden 256, 500 epochs, its L2
    # penalty on sfNRI for I+C.
    'paper': Protocol(systems=('I+C', 'I+C+F'), models=MODELS, modes=MODES,
                      seeds=(0, 1, 2), num_simulations=(50000, 10000, 10000),
                      hidden=256, epochs=500, sfnri_ic_weight_decay=True),
}


def machine() -> Dict[str, str]:
    info = {'platform': platform.platform(), 'processor':
            platform.processor() or platform.machine(),
            'cpus': str(os.cpu_count()), 'torch': torch.__version__}
    if torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name()
    return info


def run_dir(out: str, system: str, model: str, mode: str, seed: int) -> str:
    return osp.join(out, system, f'{model}-{mode}-seed{seed}')


def read_json(path: str) -> Optional[Dict]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_json(path: str, obj: Dict) -> None:
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


class RunClock:
    """The wall time of one run, summed over the invocations that trained
    it, in ``<run>/run_info.json`` with the machine.

    :meth:`record` rewrites the file with the time so far, so an invocation
    that is killed keeps the time up to its last record."""

    def __init__(self, path: str):
        self.path = osp.join(path, 'run_info.json')
        self.before = (read_json(self.path) or {}).get('seconds', 0.0)
        self.start = time.perf_counter()

    def record(self) -> None:
        write_json(self.path, {
            'seconds': self.before + time.perf_counter() - self.start,
            'machine': machine()
        })


def finished(metrics: Optional[Dict], mode: str, epochs: int) -> bool:
    """Whether a run's metrics.json is the final test after :obj:`epochs`
    epochs (the static baseline trains none)."""
    return metrics is not None and bool(metrics.get('completed')) and (
        mode == 'static' or metrics['epochs_done'] >= epochs)


def train_config(protocol: Protocol, system: str, model: str, mode: str,
                 seed: int, device: str) -> TrainConfig:
    """The training configuration of one run of :obj:`protocol`."""
    weight_decay = 0.0
    if protocol.sfnri_ic_weight_decay and model == 'sfnri' and \
            system == 'I+C':
        weight_decay = SFNRI_IC_WEIGHT_DECAY.get(mode, 0.0)
    return TrainConfig(mode=mode, epochs=protocol.epochs,
                       batch_size=protocol.batch_size, lr=protocol.lr,
                       weight_decay=weight_decay, seed=seed, device=device,
                       progress=False)


def run_one(protocol: Protocol, out: str, system: str, model: str,
            mode: str, seed: int, device: str, data_root: str,
            reevaluate: bool = False) -> Dict:
    """Trains (or resumes) one run and returns its metrics.json. With
    :obj:`reevaluate`, a finished run is tested again from its best
    checkpoint (after a change to the evaluation) and its training time is
    left as it was."""
    path = run_dir(out, system, model, mode, seed)
    done = read_json(osp.join(path, 'metrics.json'))
    trained = finished(done, mode, protocol.epochs)
    if trained and not reevaluate:
        return done
    if trained and mode != 'static' and not all(
            osp.isfile(osp.join(path, 'checkpoints', name))
            for name in ('last.pt', 'best.pt')):
        print(f'{path}: no checkpoints, not re-evaluated', flush=True)
        return done
    os.makedirs(path, exist_ok=True)
    clock = None if trained else RunClock(path)
    train, valid, test = load_splits(system, protocol.num_simulations,
                                     num_frames=protocol.num_frames,
                                     seed=protocol.data_seed,
                                     root=data_root)
    torch.manual_seed(seed)
    net = make_model(model, mode, train.num_edge_types, protocol.num_frames,
                     protocol.hidden)
    config = train_config(protocol, system, model, mode, seed, device)
    trainer = Trainer(net, config, train, valid, test, run_dir=path,
                      resume=True, extra_config={
                          'protocol': asdict(protocol), 'system': system,
                          'model': model
                      })
    label = f'{system} {model} {mode} seed {seed}'

    def end_epoch(row: Dict) -> None:
        clock.record()
        accuracy = row.get('valid_acc_combined')
        print(f"{label}: epoch {int(row['epoch']) + 1}/{protocol.epochs} "
              f"in {row['time']:.1f} s, valid M-step MSE "
              f"{row.get('valid_mse_m', float('nan')):.3e}" +
              (f', valid combined accuracy {accuracy:.3f}'
               if accuracy is not None else ''), flush=True)

    if trained:  # Re-evaluating: no epoch to train, config.json kept.
        trainer.load_best()
        results = trainer.test(stopped_early=done['stopped_early'])
    else:
        results = trainer.fit(on_epoch_end=end_epoch)
    trainer.close()
    if clock is not None:
        clock.record()
    return results


def mean_se(values: List[float]) -> Tuple[float, float]:
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float('nan')
    var = sum((v - mean)**2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var / len(values))


def fmt(values: List[float], scale: float, digits: int) -> str:
    if not values:
        return '–'
    mean, se = mean_se([v * scale for v in values])
    if math.isnan(se):
        return f'{mean:.{digits}f}'
    return f'{mean:.{digits}f} ± {se:.{digits}f}'


def collect(protocol: Protocol, out: str) -> Dict:
    """Gathers the runs of a protocol finished at its number of epochs
    into table rows."""
    rows = []
    for system in protocol.systems:
        for model in protocol.models:
            for mode in protocol.modes:
                runs = []
                for seed in protocol.seeds:
                    path = run_dir(out, system, model, mode, seed)
                    metrics = read_json(osp.join(path, 'metrics.json'))
                    if not finished(metrics, mode, protocol.epochs):
                        continue
                    info = read_json(osp.join(path, 'run_info.json')) or {}
                    runs.append((seed, metrics['test'],
                                 info.get('seconds', float('nan')),
                                 metrics.get('epochs_done')))
                if runs:
                    rows.append(row(system, model, mode, runs))
    return {'rows': rows}


def row(system: str, model: str, mode: str, runs) -> Dict:
    tests = [r[1] for r in runs]
    names = ['combined'] + LAYERS[system]
    out = {'system': system, 'model': model, 'mode': mode,
           'seeds': [r[0] for r in runs], 'seconds': [r[2] for r in runs],
           'epochs': [r[3] for r in runs]}
    for prefix in ('acc_', 'acc_batch_optimal_'):
        for name in names:
            key = prefix + name
            values = [t[key] for t in tests if key in t]
            if values:
                out[key] = values
    for steps in (1, 10, 20):
        for key in (f'mse_block_{steps}', f'static_mse_block_{steps}'):
            values = [t[key] for t in tests if key in t]
            if values:
                out[key] = values
    return out


def report(protocol: Protocol, name: str, results: Dict) -> str:
    lines = [f'Protocol `{name}`: {json.dumps(asdict(protocol))}', '']
    for system in protocol.systems:
        names = ['combined'] + LAYERS[system]
        rows = [r for r in results['rows'] if r['system'] == system]
        if not rows:
            continue
        lines += [f'### {system}: test edge accuracy (%)', '',
                  '| model | mode | seeds | ' + ' | '.join(names) +
                  ' | per-batch optimum: ' + ' | '.join(names) +
                  ' | paper: ' + ' | '.join(names) + ' |',
                  '|' + '---|' * (3 + 3 * len(names))]
        for r in rows:
            if 'acc_combined' not in r:
                continue
            paper = PAPER_ACCURACY.get((system, r['model'], r['mode']))
            cells = [fmt(r.get(f'acc_{n}', []), 100, 1) for n in names]
            cells += [fmt(r.get(f'acc_batch_optimal_{n}', []), 100, 1)
                      for n in names]
            cells += [str(p) for p in paper] if paper else ['–'] * len(names)
            lines.append(f"| {r['model']} | {r['mode']} | "
                         f"{len(r['seeds'])} | " + ' | '.join(cells) + ' |')
        lines += ['', f'### {system}: test MSE / 1e-5 (block-averaged, '
                  'normalised units)', '',
                  '| model | mode | 1 | 10 | 20 | paper 1 | paper 10 | '
                  'paper 20 | minutes |', '|' + '---|' * 9]
        for r in rows:
            if 'mse_block_1' not in r:
                continue
            if r['mode'] == 'static':  # One run per seed, not per model.
                label = ('static', '–')
                paper = PAPER_MSE.get((system, 'static'))
            else:
                label = (r['model'], r['mode'])
                paper = PAPER_MSE.get((system, r['model'], r['mode']))
            minutes = [s / 60 for s in r['seconds']]
            lines.append(
                f'| {label[0]} | {label[1]} | ' +
                ' | '.join(fmt(r.get(f'mse_block_{s}', []), 1e5, 2)
                           for s in (1, 10, 20)) + ' | ' +
                (' | '.join(str(p) for p in paper) if paper else
                 '– | – | –') + f' | {fmt(minutes, 1, 1)} |')
        lines.append('')
    return '\n'.join(lines)


def read_log(path: str) -> List[Dict[str, float]]:
    """The per-epoch rows of a run's ``log.csv``."""
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [{k: float(v) for k, v in row.items() if v != ''}
                for row in csv.DictReader(f)]


def curve_report(out: str, seed: int) -> str:
    """Our fNRI learning curve beside the reference code's, at matched
    epochs and at matched wall time."""
    rows = read_log(osp.join(run_dir(out, 'I+C', 'fnri', 'learned', seed),
                             'log.csv'))
    if not rows:
        return ''
    minutes = list(itertools.accumulate(r['time'] / 60 for r in rows))
    key = 'valid_acc_batch_optimal_'
    lines = ['### fNRI learning curve beside the reference code (I+C, '
             'validation)', '',
             '| epoch | ours: minutes | combined | springs | charges | '
             'M-step MSE | reference: minutes | combined | springs | '
             'charges | M-step MSE |', '|' + '---|' * 11]
    curve = reference_curve()
    reference = {r[0]: r for r in curve}
    for r, m in zip(rows, minutes):
        epoch = int(r['epoch'])
        ours = (f"| {epoch} | {m:.1f} | {r[key + 'combined']:.3f} | "
                f"{r[key + 'ideal_springs']:.3f} | {r[key + 'charges']:.3f} "
                f"| {r['valid_mse_m']:.2e} |")
        ref = reference.get(epoch)
        lines.append(ours + (
            f' {ref[1]} | {ref[2]:.3f} | {ref[3]:.3f} | {ref[4]:.3f} | '
            f'{ref[5]:.2e} |' if ref else ' | | | | |'))
    lines += ['', 'At matched wall time (our last epoch finished by the '
              "reference's minute mark):", '',
              '| minutes | reference epoch | reference combined | '
              'our epoch | our combined |', '|---|---|---|---|---|']
    for ref in curve:
        done = [i for i, m in enumerate(minutes) if m <= ref[1]]
        if not done:
            cells = '– | –'
        else:
            r = rows[done[-1]]
            cells = f"{int(r['epoch'])} | {r[key + 'combined']:.3f}"
        lines.append(f'| {ref[1]} | {ref[0]} | {ref[2]:.3f} | {cells} |')
    lines.append('')
    return '\n'.join(lines)


def models_curve_report(out: str, system: str, seed: int) -> str:
    """Our learned models' validation curves on ``system`` side by side at
    matched epochs (the fNRI >= NRI claim where the encoders learn); empty
    unless at least two models have a log."""
    logs = {m: read_log(osp.join(run_dir(out, system, m, 'learned', seed),
                                 'log.csv')) for m in MODELS}
    logs = {m: rows for m, rows in logs.items() if rows}
    if len(logs) < 2:
        return ''
    key = 'valid_acc_batch_optimal_'
    columns = ['combined'] + LAYERS[system]
    header = ' | '.join(f'{m}: minutes | ' + ' | '.join(
        c.replace('ideal_', '') for c in columns) for m in logs)
    lines = [f'### Our learned models side by side ({system}, validation)',
             '', f'| epoch | {header} |',
             '|' + '---|' * (1 + (1 + len(columns)) * len(logs))]
    minutes = {m: list(itertools.accumulate(r['time'] / 60 for r in rows))
               for m, rows in logs.items()}
    for epoch in range(max(len(rows) for rows in logs.values())):
        cells = []
        for m, rows in logs.items():
            if epoch < len(rows):
                cells.append(' | '.join(
                    [f'{minutes[m][epoch]:.1f}'] +
                    [f'{rows[epoch][key + c]:.3f}' for c in columns]))
            else:
                cells.append(' '.join('|' * len(columns)))
        lines.append(f'| {epoch} | ' + ' | '.join(cells) + ' |')
    lines.append('')
    return '\n'.join(lines)


def confusion_report(out: str, system: str, seed: int, epochs: int) -> str:
    """Each learned model's test edges after :obj:`epochs` epochs: for every
    true type combination (a column, one digit per layer, layer 0 first)
    the share predicted as each class (a row, named by the combination the
    validation mapping gives it). Shows which combinations an encoder
    merges; leaves out runs not finished at :obj:`epochs` and runs without
    ``edge_confusion`` in their ``metrics.json``."""
    layers = LAYERS[system]
    combos = [''.join(str(d) for d in digits) for digits in
              itertools.product((0, 1), repeat=len(layers))]
    parts = []
    for model in MODELS:
        metrics = read_json(osp.join(run_dir(out, system, model, 'learned',
                                             seed), 'metrics.json'))
        if not finished(metrics, 'learned', epochs) or \
                'edge_confusion' not in metrics['test']:
            continue
        test = metrics['test']
        confusion = torch.tensor(test['edge_confusion'], dtype=torch.float64)
        pred_num_classes = ([confusion.size(0)] if model == 'nri' else
                            [2] * len(layers))
        table = mapping_table(test['edge_mapping'], pred_num_classes,
                              [2] * len(layers))
        share = 100 * confusion / confusion.sum(0).clamp(min=1)
        parts += [f'### {model}: test edges of each true combination by '
                  f'predicted class ({system}, %)', '',
                  f"Combinations: one digit per layer ({', '.join(layers)})"
                  '; the row is the predicted class, named by the '
                  'combination it is mapped to.', '',
                  '| predicted as | ' + ' | '.join(combos) + ' |',
                  '|' + '---|' * (1 + len(combos))]
        for index, mapped in enumerate(table):
            name = combos[mapped] if mapped >= 0 else f'class {index} (none)'
            parts.append(f'| {name} | ' + ' | '.join(
                f'{v:.1f}' for v in share[index].tolist()) + ' |')
        parts.append('')
    return '\n'.join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(
        description='Reproduce the fNRI paper tables (resumable).')
    parser.add_argument('--protocol', choices=list(PROTOCOLS),
                        default='cpu')
    parser.add_argument('--systems', nargs='+', choices=list(LAYERS))
    parser.add_argument('--models', nargs='+', choices=MODELS)
    parser.add_argument('--modes', nargs='+', choices=MODES)
    parser.add_argument('--seeds', nargs='+', type=int)
    parser.add_argument('--epochs', type=int)
    parser.add_argument('--num-simulations', type=int, nargs=3,
                        metavar=('TRAIN', 'VALID', 'TEST'))
    parser.add_argument('--hidden', type=int)
    parser.add_argument('--num-frames', type=int)
    parser.add_argument('--out', default=None,
                        help='default: runs/reproduce-<protocol>')
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--device', default='auto')
    parser.add_argument('--report-only', action='store_true')
    parser.add_argument('--reevaluate', action='store_true',
                        help='test finished runs again from their best '
                        'checkpoint (runs without checkpoints are kept)')
    args = parser.parse_args()

    protocol = PROTOCOLS[args.protocol]
    overrides = {k: tuple(getattr(args, k)) for k in
                 ('systems', 'models', 'modes', 'seeds')
                 if getattr(args, k)}
    for key in ('epochs', 'hidden', 'num_frames'):
        value = getattr(args, key)
        if value is not None:
            if value < 1:
                parser.error(f"--{key.replace('_', '-')} must be positive, "
                             f'got {value}')
            overrides[key] = value
    if args.num_simulations is not None:
        if min(args.num_simulations) < 1:
            parser.error(f'--num-simulations must be positive, got '
                         f'{args.num_simulations}')
        overrides['num_simulations'] = tuple(args.num_simulations)
    protocol = replace(protocol, **overrides)
    out = args.out or osp.join('runs', f'reproduce-{args.protocol}')
    os.makedirs(out, exist_ok=True)

    start = time.perf_counter()
    if not args.report_only:
        for system in protocol.systems:
            for seed in protocol.seeds:
                for model in protocol.models:
                    for mode in protocol.modes:
                        if mode == 'static' and model != protocol.models[0]:
                            continue  # The static baseline has no model.
                        t = time.perf_counter()
                        res = run_one(protocol, out, system, model, mode,
                                      seed, args.device, args.data_root,
                                      args.reevaluate)
                        acc = res['test'].get('acc_combined')
                        mse = res['test'].get('mse_block_10')
                        info = read_json(osp.join(
                            run_dir(out, system, model, mode, seed),
                            'run_info.json')) or {}
                        print(f'{system} {model} {mode} seed {seed}: '
                              f"{info.get('seconds', 0.0):.0f} s in all "
                              f'({time.perf_counter() - t:.0f} s in this '
                              f'invocation), '
                              f'test combined accuracy {acc}, '
                              f'mse_block_10 {mse}',
                              flush=True)
    results = collect(protocol, out)
    results.update({'protocol': asdict(protocol), 'machine': machine(),
                    'seconds_this_invocation': time.perf_counter() - start})
    text = report(protocol, args.protocol, results)
    if args.protocol == 'reference-curve':
        sections = []
        for seed in protocol.seeds:
            sections.append(curve_report(out, seed))
            for system in protocol.systems:
                sections += [models_curve_report(out, system, seed),
                             confusion_report(out, system, seed,
                                              protocol.epochs)]
        text += '\n' + '\n'.join(s for s in sections if s)
    with open(osp.join(out, 'results.md'), 'w') as f:
        f.write(text + '\n')
    write_json(osp.join(out, 'results.json'), results)
    print(text)
    print(json.dumps({'protocol': args.protocol, 'out': out,
                      'runs': sum(len(r['seeds']) for r in results['rows']),
                      'seconds': results['seconds_this_invocation']}))


if __name__ == '__main__':
    main()
