"""The finished runs of a protocol in the layout of the paper's Tables 1
and 2: test edge accuracy (combined and per interaction type, %) and test
MSE at 1/10/20 steps (x 1e-5, normalised units, the fNRI block-averaged
definition that the paper's Table 2 uses), mean and standard error over
seeds, with the paper's numbers beside ours.

Accuracy is given twice: with one label mapping fitted on validation and
applied to test (ours), and with the mapping re-chosen on every test batch
of 128 using its labels (the reference code's, optimistic). Runs that
recorded them also get a table of test edge presence (label not 0) per
layer-graph under the first mapping: AUROC, F1, precision and recall (%),
mean and standard error over the seeds that recorded them."""
import json
import math
import os.path as osp
from dataclasses import asdict
from typing import Dict, List, Tuple

from torch_geometric_fnri.training.training_mode import STATIC_MODE

from .paper_tables import PAPER_ACCURACY, PAPER_MSE
from .protocols import Protocol, layer_names
from .run_files import finished, read_json, run_dir

#: The edge presence metrics of every layer-graph (keys
#: ``<metric>_<layer>``, see
#: :func:`~torch_geometric_fnri.metrics.edge_presence_metrics`) and their
#: headings, in table order.
PRESENCE_METRICS = {'auroc': 'AUROC', 'f1': 'F1', 'precision': 'precision',
                    'recall': 'recall'}


def mean_se(values: List[float]) -> Tuple[float, float]:
    """The mean and its standard error (NaN for one value)."""
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, float('nan')
    var = sum((v - mean)**2 for v in values) / (len(values) - 1)
    return mean, math.sqrt(var / len(values))


def fmt(values: List[float], scale: float, digits: int) -> str:
    """``mean ± standard error`` of :obj:`values` times :obj:`scale`."""
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
                if not protocol.has_run(model, mode):
                    continue
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
    """One table row from the (seed, test metrics, seconds, epochs) of
    its runs."""
    tests = [r[1] for r in runs]
    names = ['combined'] + layer_names(system)
    out = {'system': system, 'model': model, 'mode': mode,
           'seeds': [r[0] for r in runs], 'seconds': [r[2] for r in runs],
           'epochs': [r[3] for r in runs]}
    keys = [prefix + name for prefix in ('acc_', 'acc_batch_optimal_')
            for name in names]
    keys += [key for steps in (1, 10, 20)
             for key in (f'mse_block_{steps}', f'static_mse_block_{steps}')]
    keys += [f'{metric}_{name}' for metric in PRESENCE_METRICS
             for name in layer_names(system)]
    for key in keys:
        values = [t[key] for t in tests if key in t]
        if values:
            out[key] = values
    return out


def presence_table(system: str, rows: List[Dict]) -> List[str]:
    """The Markdown lines of the test edge presence table of
    :obj:`system` (see :data:`PRESENCE_METRICS`), one line per row that
    has any of its metrics, after an empty line; none when no row has
    them. "seeds" counts the runs that recorded them."""
    names = layer_names(system)
    keys = [f'{metric}_{name}' for metric in PRESENCE_METRICS
            for name in names]
    rows = [r for r in rows if any(key in r for key in keys)]
    if not rows:
        return []
    lines = ['', f'### {system}: test edge presence per layer-graph '
             '(AUROC, F1, precision, recall; %)', '',
             '| model | mode | seeds | ' +
             ' | '.join(f'{heading}: ' + ' | '.join(names)
                        for heading in PRESENCE_METRICS.values()) + ' |',
             '|' + '---|' * (3 + len(keys))]
    for r in rows:
        seeds = max(len(r.get(key, [])) for key in keys)
        cells = [fmt(r.get(key, []), 100, 1) for key in keys]
        lines.append(f"| {r['model']} | {r['mode']} | {seeds} | " +
                     ' | '.join(cells) + ' |')
    return lines


def report(protocol: Protocol, name: str, results: Dict) -> str:
    """The Markdown tables of :obj:`results` (see :func:`collect`); the
    minutes are the mean over the runs that recorded their time."""
    lines = [f'Protocol `{name}`: {json.dumps(asdict(protocol))}', '']
    for system in protocol.systems:
        names = ['combined'] + layer_names(system)
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
        lines += presence_table(system, rows)
        lines += ['', f'### {system}: test MSE / 1e-5 (block-averaged, '
                  'normalised units)', '',
                  '| model | mode | 1 | 10 | 20 | paper 1 | paper 10 | '
                  'paper 20 | minutes |', '|' + '---|' * 9]
        for r in rows:
            if 'mse_block_1' not in r:
                continue
            if r['mode'] == STATIC_MODE:  # One run per seed, not per model.
                label = ('static', '–')
                paper = PAPER_MSE.get((system, 'static'))
            else:
                label = (r['model'], r['mode'])
                paper = PAPER_MSE.get((system, r['model'], r['mode']))
            minutes = [s / 60 for s in r['seconds'] if not math.isnan(s)]
            lines.append(
                f'| {label[0]} | {label[1]} | ' +
                ' | '.join(fmt(r.get(f'mse_block_{s}', []), 1e5, 2)
                           for s in (1, 10, 20)) + ' | ' +
                (' | '.join(str(p) for p in paper) if paper else
                 '– | – | –') + f' | {fmt(minutes, 1, 1)} |')
        lines.append('')
    return '\n'.join(lines)
