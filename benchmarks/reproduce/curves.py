"""Validation learning curves: ours beside the reference code's, and our
learned models side by side."""
import itertools
import json
import os.path as osp
from typing import List, Tuple

from torch_geometric_fnri.model_family import MODEL_FAMILIES

from .protocols import layer_names
from .run_files import ROOT, read_log, run_dir

# The reference fNRI code's learning curve on a 2-core CPU, stored as data
# with its provenance (the public code and commit, configuration, machine):
# I+C, fNRI [2, 2], 10k/2k/2k, hidden 256, batch 128, lr 5e-4, seed 1. Per
# epoch: cumulative wall minutes, validation accuracy (combined, springs,
# charges; layer order chosen per batch of 128) and validation M-step MSE.
REFERENCE_CURVE_FILE = osp.join(ROOT, 'results', 'reference',
                                'fnri-reference-code-I+C-cpu.json')

#: The log.csv columns of the per-epoch validation accuracy the curves
#: show: the mapping chosen per batch of 128, as the reference code does.
ACCURACY_KEY = 'valid_acc_batch_optimal_'


def reference_curve() -> List[Tuple[float, ...]]:
    """The rows of :data:`REFERENCE_CURVE_FILE` (epoch, minutes, combined,
    springs, charges, M-step MSE)."""
    with open(REFERENCE_CURVE_FILE) as f:
        return [tuple(row) for row in json.load(f)['curve']]


def curve_report(out: str, seed: int) -> str:
    """Our fNRI learning curve beside the reference code's, at matched
    epochs and at matched wall time."""
    rows = read_log(osp.join(run_dir(out, 'I+C', 'fnri', 'learned', seed),
                             'log.csv'))
    if not rows:
        return ''
    minutes = list(itertools.accumulate(r['time'] / 60 for r in rows))
    key = ACCURACY_KEY
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
                                 'log.csv')) for m in MODEL_FAMILIES}
    logs = {m: rows for m, rows in logs.items() if rows}
    if len(logs) < 2:
        return ''
    key = ACCURACY_KEY
    columns = ['combined'] + layer_names(system)
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
