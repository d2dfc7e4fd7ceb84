"""Table 1 on a CPU: the paper's Table 1 (the test edge accuracy of NRI,
fNRI and sfNRI, learned and supervised, on I+C and I+C+F) from runs of
``benchmarks/time_to_accuracy.py`` under a fixed training budget per run,
every row beside the paper's figures.

:data:`CPU_TABLE1` says what each row trains (recipe, budget, seeds and
the tag its runs are stored under); change a row in :data:`ROW_CHANGES`.
``python -m benchmarks.table1`` trains the runs that are missing and
rebuilds each row's summary; :func:`cpu_table1_markdown` renders the table
for ``docs/RESULTS.md`` from those summaries alone
(:func:`summary_file`)."""
import os.path as osp
import statistics
import textwrap
from dataclasses import replace
from typing import Dict, List, Optional, Tuple

from torch_geometric_fnri.model_family import MODEL_FAMILIES

from .. import time_to_accuracy
from .paper_tables import PAPER_ACCURACY
from .protocols import PAPER_SYSTEMS, layer_names
from .run_files import ROOT, read_json
from .run_rows import (
    TIME_TO_ACCURACY_ROOT,
    RunRow,
    log_file,
    read_row,
    summary_file,
)

#: Where ``benchmarks/refinement.py`` keeps the refined test of a saved
#: run, one folder per system: ``<system>/<log name>.json``.
REFINEMENT_ROOT = osp.join(ROOT, 'results', 'refinement')

#: Where ``benchmarks/symmetry_ensemble.py`` keeps the test of a saved run
#: with the encoder averaged over the box symmetries, one folder per
#: system: ``<system>/<log name>.json``.
SYMMETRY_ENSEMBLE_ROOT = osp.join(ROOT, 'results', 'symmetry_ensemble')

#: The command that makes the whole table (``benchmarks/table1.py``).
COMMAND = 'python -m benchmarks.table1'


#: The fast recipe's settings of the KL weight before its warm-up
#: (2026-12-08): the paper's weight 1 throughout.
KL_WEIGHT_ONE = ('beta=1.0', 'beta_schedule=None')

#: Changes to single rows of :data:`CPU_TABLE1` by (system, model, mode),
#: e.g. ``{('I+C', 'fnri', 'learned'): {'tag': 'table1-lrstep',
#: 'options': ('--set', 'lr_decay_epochs=320', 'lr_gamma=0.1')}}``.
ROW_CHANGES: Dict[Tuple[str, str, str], Dict] = {
    # The 60-minute settings of docs/time-to-accuracy.md: on I+C the bound
    # 0.01 of the central forces' inverse distance that the stored runs
    # were trained with, on I+C+F M = 20 from update 6,000 on 22-frame
    # windows; the test refines each simulation's graph with 100 steps at
    # the recipe's lr 0.3 (chosen on validation by benchmarks/refinement.py).
    # NRI and fNRI keep the KL weight 1 throughout, as their stored runs
    # were trained (the recipe's warm-up dates from 2026-12-08).
    **{('I+C', model, 'learned'): {
        'tag': 'central-60min',
        'options': ('--set', 'min_distance=0.01', *KL_WEIGHT_ONE,
                    'refine_steps=100')}
       for model in MODEL_FAMILIES},
    **{('I+C+F', model, 'learned'): {
        'tag': 'm20-60min',
        'options': ('--set', 'decoder_window=22',
                    'prediction_steps_schedule=[[500,10],[6000,20]]',
                    *KL_WEIGHT_ONE, 'refine_steps=100')}
       for model in MODEL_FAMILIES},
    # fNRI learned on I+C without the Gumbel noise and without the central
    # forces (docs/time-to-accuracy.md, "fNRI without Gumbel noise"): the
    # charges after about 12,000 updates, a validation plateau of 0.90-0.92
    # from 20,000 on where the noisy samples with the central forces sit at
    # 0.85; with the central forces and no noise the springs collapse. The
    # weights averaged from update 30,000 on (decay 0.9998): symmetrised
    # validation median 0.9428 against 0.9396 without (seeds 1-3; the
    # rule of docs/time-to-accuracy.md, 2026-12-08).
    ('I+C', 'fnri', 'learned'): {
        'tag': 'nocentral-noise0-ema30k-60min',
        'options': ('--set', 'central_forces=False', 'noise_scale=0',
                    'weight_average_decay=0.9998',
                    'weight_average_start=30000', *KL_WEIGHT_ONE,
                    'refine_steps=100')},
    # sfNRI learned without the central forces: with them its encoder
    # collapses to one output for every edge within 200 updates on I+C
    # (test 0.300, the constant level, through 24 minutes; 6-minute
    # probes: the paper's weight decay 5e-8 does not prevent it, dropping
    # the central forces does: validation 0.53 after 2.3 minutes). On
    # I+C+F a 6-minute probe with them learnt the charges at once but
    # both springs layers scored at chance (0.243 after 4,609 updates,
    # against 0.237 without them at the same count; the ideal springs'
    # factor learnt upside down, AUROC 0.097), so I+C+F takes the same
    # change and sfNRI is one model on both systems.
    ('I+C', 'sfnri', 'learned'): {
        'tag': 'nocentral-60min',
        'options': ('--set', 'central_forces=False', 'refine_steps=100')},
    ('I+C+F', 'sfnri', 'learned'): {
        'tag': 'm20-nocentral-60min',
        'options': ('--set', 'central_forces=False', 'decoder_window=22',
                    'prediction_steps_schedule=[[500,10],[6000,20]]',
                    'refine_steps=100')},
}

#: The modes of the table (those of ``time_to_accuracy.py``).
TABLE1_MODES = time_to_accuracy.MODES

#: Every row of Table 1 on a CPU, in the order of the table: per system,
#: model and mode.
CPU_TABLE1: Tuple[RunRow, ...] = tuple(
    replace(RunRow(system, model, mode),
            **ROW_CHANGES.get((system, model, mode), {}))
    for system in PAPER_SYSTEMS for model in MODEL_FAMILIES
    for mode in TABLE1_MODES)


def row_command(row: RunRow) -> str:
    """The command that makes :obj:`row` alone."""
    return (f'{COMMAND} --systems {row.system} --models {row.model} '
            f'--modes {row.mode}')


def variant_test(row: RunRow, run: Dict, variant: str,
                 root: str) -> Optional[Dict]:
    """The test figures of :obj:`run` (a run of :obj:`row`'s summary) under
    an inference :obj:`variant` (``'refined'``, ``'symmetrised'``),
    ``{'acc_combined': float, 'auroc_layers': [float, ...] or None}``:
    the run's own test (``test_<variant>_*``), else the one the variant's
    benchmark stored for its saved state
    (``<root>/<folder>/<log name>.json``), else :obj:`None`."""
    key = f'test_{variant}'
    if f'{key}_acc_combined' in run:
        return {'acc_combined': run[f'{key}_acc_combined'],
                'auroc_layers': run.get(f'{key}_auroc_layers')}
    log_name = osp.basename(log_file(row, run['seed']))[:-len('.jsonl')]
    stored = read_json(osp.join(root, row.folder, f'{log_name}.json'))
    if stored is None:
        return None
    return {'acc_combined': stored[key]['acc_combined'],
            'auroc_layers': stored[key].get('auroc_layers')}


def refined_test(row: RunRow, run: Dict,
                 refinement_root: str = REFINEMENT_ROOT) -> Optional[Dict]:
    """:func:`variant_test` of every test simulation's graph refined
    through the trained decoder (``benchmarks/refinement.py``)."""
    return variant_test(row, run, 'refined', refinement_root)


def variant_accuracy(row: RunRow, run: Dict, variant: str,
                     root: str) -> Optional[float]:
    """The combined test accuracy of :func:`variant_test`, :obj:`None`
    without one."""
    found = variant_test(row, run, variant, root)
    return None if found is None else found['acc_combined']


def variant_cells(values: List[Optional[float]]) -> List[str]:
    """The median (over the seeds that have one) and per-seed cells of an
    inference variant's combined accuracies (dashes without any)."""
    found = [value for value in values if value is not None]
    if not found:
        return ['–', '–']
    return [f'{100 * statistics.median(found):.1f}',
            ' / '.join('–' if value is None else f'{100 * value:.1f}'
                       for value in values)]


def machine_text(machine: Optional[Dict]) -> str:
    """One run's machine as the table gives it: the CPU capability torch
    reports, its threads and what else ran (``not recorded`` for a log
    without one)."""
    if not machine:
        return 'not recorded'
    threads = machine.get('threads')
    other = str(machine.get('other_jobs', '–')).replace('|', '\\|')
    return (f"{machine.get('cpu_capability', '–')}, {threads} "
            f"thread{'' if threads == 1 else 's'}, {other}")


def row_cells(row: RunRow, summary: Optional[Dict],
              runs: List[Dict], refinement_root: str = REFINEMENT_ROOT,
              symmetry_root: str = SYMMETRY_ENSEMBLE_ROOT) -> List[str]:
    """The Markdown cells of :obj:`row` from its :obj:`summary` and
    :obj:`runs` (see :func:`read_row`): model, mode, recipe, budget, seeds,
    median accuracies (%, combined then per layer), every seed's combined
    accuracy, the refined and the symmetrised combined accuracies (each
    median and per seed, dashes for a seed without one;
    :func:`variant_accuracy`), the paper's accuracies, median minutes and
    updates per run and the machines; ``not run`` and dashes when no run
    was found."""
    names = layer_names(row.system)
    recipe = ' '.join([row.recipe] + ([f"`{' '.join(row.options)}`"]
                                      if row.options else []))
    budget = (f'{row.updates:,} updates' if row.updates else
              f'{row.minutes:g} min')
    paper = PAPER_ACCURACY.get(row.key)
    paper_cells = ([str(p) for p in paper] if paper else
                   ['–'] * (1 + len(names)))
    cells = [row.model, row.mode, recipe, budget]
    if not runs:
        return cells + ['not run'] + ['–'] * (6 + len(names)) + \
            paper_cells + ['–'] * 3
    seeds = ', '.join(str(r['seed']) for r in runs)
    if len(runs) < len(row.seeds):
        seeds += f" (of {', '.join(str(s) for s in row.seeds)})"
    combined = statistics.median(r['test_acc_combined'] for r in runs)
    per_layer = time_to_accuracy.median_layers(
        r['test_acc_layers'] for r in runs)
    name = time_to_accuracy.run_name(row.model, row.recipe, row.mode,
                                     row.tag)
    variants = [variant_cells([variant_accuracy(row, r, variant, root)
                               for r in runs])
                for variant, root in (('refined', refinement_root),
                                      ('symmetrised', symmetry_root))]
    machines = dict.fromkeys(
        machine_text(summary.get('machine', {}).get(f"{name} seed "
                                                    f"{r['seed']}"))
        for r in runs)
    return cells + [
        seeds, f'{100 * combined:.1f}',
        *[f'{100 * v:.1f}' for v in per_layer],
        ' / '.join(f"{100 * r['test_acc_combined']:.1f}" for r in runs),
        *variants[0], *variants[1],
        *paper_cells,
        f"{statistics.median(r['final_minutes'] for r in runs):.1f}",
        f"{statistics.median(r['final_updates'] for r in runs):,.0f}",
        '; '.join(machines)]


def constant_level_text(system: str, summaries: Dict[str, Dict]) -> str:
    """The sentence that gives the constant-prediction level of
    :obj:`system`'s test split from :obj:`summaries` (by file); raises
    :class:`ValueError` when they disagree (different test data)."""
    levels = {}
    for path, summary in summaries.items():
        level = summary['constant_level_test']
        levels.setdefault(
            (level['combined'], tuple(level['per_layer'])), path)
    if not levels:
        return ('Constant prediction (every edge of a layer given its most '
                'frequent type): known once a row has run.')
    if len(levels) > 1:
        raise ValueError(f'the summaries of {system} give different '
                         f'constant levels (different test data): '
                         f'{sorted(levels.values())}')
    combined, per_layer = next(iter(levels))
    parts = [f'combined {100 * combined:.1f}'] + [
        f'{name} {100 * value:.1f}'
        for name, value in zip(layer_names(system), per_layer)]
    return ('Constant prediction (every edge of a layer given its most '
            'frequent type on this test split): ' + ', '.join(parts) + '.')


def wrap(text: str) -> str:
    """:obj:`text` wrapped at 75 characters without breaking its
    hyphenated file names."""
    return textwrap.fill(text, 75, break_on_hyphens=False,
                         break_long_words=False)


def intro() -> str:
    """The paragraph that opens the section: what the rows are and how
    they were made, with ``time_to_accuracy.py``'s data."""
    data = time_to_accuracy.parse_args([])
    return (
        "The paper's Table 1 on a CPU: every model learned (encoder and "
        "decoder, no labels) and supervised (the encoder alone on the "
        "labels), each run trained by `benchmarks/time_to_accuracy.py` "
        "for the row's budget (training minutes, evaluation not counted, "
        f"or updates) on {data.num_train:,} / {data.num_valid:,} / "
        f"{data.num_test:,} simulations (data seed {data.data_seed}) "
        "and tested with one label mapping fitted on validation "
        "(supervised: the labels as they are). What each row trains is "
        "`CPU_TABLE1` in `benchmarks/reproduce/cpu_table1.py`; the table "
        "reads only the summaries named there, "
        "`results/time_to_accuracy/<system>/<model>-<recipe>[-supervised]"
        "-<tag>-summary.json`. Test edge accuracy (%): the median over "
        "the seeds found, and the combined accuracy of every seed in the "
        "order of \"seeds\"; \"refined\": the same trained models with "
        "every test simulation's edge logits refined by Adam steps on its "
        "own training loss through the frozen decoder (semi-amortised "
        "inference, not in the paper; the run's own test or "
        "`benchmarks/refinement.py` on its saved state, "
        "`results/refinement/<system>/<log name>.json`), median over the "
        "seeds that have one and per seed; \"symmetrised\": the same "
        "trained models with the encoder's logits averaged over the eight "
        "symmetries of the square box (a test-time ensemble of one "
        "simulation's eight mirror images, not in the paper; the run's "
        "own test or `benchmarks/symmetry_ensemble.py` on its saved "
        "state, `results/symmetry_ensemble/<system>/<log name>.json`), "
        "likewise; "
        "the paper's figures beside (means over its "
        "runs; its learned accuracies choose the label mapping on every "
        "test batch with the labels). \"minutes\" and \"updates\": the "
        "median training minutes and optimiser updates per run; "
        "\"machine\": the CPU capability torch reports, the torch threads "
        "per run and what else ran. The command trains the runs that are "
        "missing (finished runs are skipped), rebuilds each row's summary "
        "and rewrites this file:")


def cpu_table1_markdown(root: str = TIME_TO_ACCURACY_ROOT,
                        rows: Tuple[RunRow, ...] = CPU_TABLE1,
                        refinement_root: str = REFINEMENT_ROOT,
                        symmetry_root: str = SYMMETRY_ENSEMBLE_ROOT) -> str:
    """The section "Table 1 on a CPU" of ``docs/RESULTS.md``: per system
    the constant-prediction level and one line per row of :obj:`rows`
    (see :func:`row_cells`) from the summaries in :obj:`root`
    (:func:`summary_file`) and the refined and symmetrised tests in
    :obj:`refinement_root` and :obj:`symmetry_root`, then the command of
    every row not run yet."""
    lines = ['## Table 1 on a CPU', '', wrap(intro()), '',
             '```bash', COMMAND, '```', '']
    for system in dict.fromkeys(row.system for row in rows):
        names = layer_names(system)
        found = [(row, *read_row(row, root)) for row in rows
                 if row.system == system]
        summaries = {summary_file(row, root): summary
                     for row, summary, _ in found if summary is not None}
        lines += [f'### {system}: test edge accuracy (%)', '',
                  wrap(constant_level_text(system, summaries)), '',
                  '| model | mode | recipe | budget | seeds | median: '
                  'combined | ' + ' | '.join(names) + ' | per seed: '
                  'combined | refined: combined | refined per seed | '
                  'symmetrised: combined | symmetrised per seed | '
                  'paper: combined | ' + ' | '.join(names) +
                  ' | minutes | updates | machine |',
                  '|' + '---|' * (15 + 2 * len(names))]
        lines += ['| ' + ' | '.join(row_cells(row, summary, runs,
                                              refinement_root,
                                              symmetry_root)) + ' |'
                  for row, summary, runs in found]
        missing = [row for row, _, runs in found if not runs]
        if missing:
            lines += ['', 'Not run yet, and the command that makes each:',
                      '']
            lines += [f'- {row.model} {row.mode}: `{row_command(row)}`'
                      for row in missing]
        lines.append('')
    return '\n'.join(lines)
