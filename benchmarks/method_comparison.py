"""Learned encoders against classical statistics: the test AUROC of edge
presence per layer-graph of every method on every system, on the same
splits, with one command (run from the repository's root folder).

    python -m benchmarks.method_comparison                # everything missing
    python -m benchmarks.method_comparison --systems kuramoto --parts classical
    python -m benchmarks.method_comparison --dry-run      # what it would run
    python -m benchmarks.method_comparison --report       # rewrite the doc

The systems and what each trains are :data:`COMPARISON_SYSTEMS`. Per
system the command runs what is missing, in this process:

- the classical baselines (``benchmarks/classical_baselines.py``: Pearson
  and partial correlation, the graphical lasso, Granger causality and
  mutual information on every feature, as given and as frame differences),
  whose figures go to ``results/classical_baselines/<folder>.json``
  (the folder of ``time_to_accuracy.data_folder``); a stored file is never
  recomputed;
- the learned and supervised runs of its rows, through the planner of
  Table 1 on a CPU (``benchmarks/reproduce/run_plan.py``: only seeds
  without a finished log, then the row's summary);

and at the end rewrites :data:`DOCUMENT` (``docs/method-comparison.md``)
from the stored files alone (what :func:`comparison_markdown` reads).

Every figure is the test AUROC of edge presence (label not 0) with the
edges of all test simulations pooled. A classical method's figure per
layer-graph is that of the feature and score variant (signed, sign chosen
on validation, magnitude) with the highest validation AUROC for that layer:
the choice is made on validation, the test is read once. Learned and
supervised rows give the mean over their seeds with its standard error
(sample standard deviation over the square root of the seeds); the
classical methods are deterministic functions of the data and have one
figure.
"""
import argparse
import math
import os
import os.path as osp
import shlex
import statistics
import sys
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from torch_geometric_fnri.utils.atomic_files import write_text_atomic

from benchmarks import classical_baselines, time_to_accuracy
from benchmarks.reproduce.cpu_table1 import (
    CPU_TABLE1,
    REFINEMENT_ROOT,
    TABLE1_MODES,
    refined_test,
    wrap,
)
from benchmarks.reproduce.protocols import layer_names
from benchmarks.reproduce.run_files import ROOT, read_json
from benchmarks.reproduce.run_plan import (
    PlanError,
    add_plan_arguments,
    check_plan_arguments,
    passed_options,
    plan,
    run,
)
from benchmarks.reproduce.run_rows import (
    TIME_TO_ACCURACY_ROOT,
    RunRow,
    data_options,
    read_row,
)

#: Where the classical baselines' figures are kept, one file per data
#: setting: ``<CLASSICAL_ROOT>/<folder>.json``.
CLASSICAL_ROOT = osp.join(ROOT, 'results', 'classical_baselines')

#: The generated document.
DOCUMENT = osp.join(ROOT, 'docs', 'method-comparison.md')

#: The command that makes the whole document.
COMMAND = 'python -m benchmarks.method_comparison'

#: The classical methods in the order of the table, with their names there.
CLASSICAL_METHODS = {
    'pearson': 'Pearson correlation',
    'partial_correlation': 'partial correlation',
    'graphical_lasso': 'graphical lasso',
    'granger': 'Granger causality',
    'mutual_information': 'mutual information',
}

#: Ends the name of a row's refined test in the table.
REFINED = ', refined'

#: The parts of a system the command can make.
PARTS = ('classical', 'learned')


@dataclass(frozen=True)
class ComparisonSystem:
    """One column group of the comparison: a system on its data and the
    runs of learned and supervised models trained on it.

    Args:
        name (str): Its short name on the command line and in the table.
        about (str): What it is, in a few words (Markdown).
        system (str): The ``--system`` of the scripts.
        num_particles (int): Particles (or oscillators) per simulation.
        graph (str, optional): The family of the latent graphs
            (``--graph``); :obj:`None`: every pair independently.
        rows (Tuple[RunRow, ...]): The learned and supervised runs on it.
    """
    name: str
    about: str
    system: str
    num_particles: int = time_to_accuracy.DEFAULT_NUM_PARTICLES
    graph: Optional[str] = None
    rows: Tuple[RunRow, ...] = field(default=())

    @property
    def folder(self) -> str:
        """Its data's folder name (``time_to_accuracy.data_folder``)."""
        return time_to_accuracy.data_folder(self.system, self.num_particles,
                                            self.graph)

    @property
    def data_options(self) -> Tuple[str, ...]:
        """The options of the scripts that give its data."""
        return ('--system', self.system,
                *data_options(self.num_particles, self.graph))


def classical_file(system: ComparisonSystem,
                   root: str = CLASSICAL_ROOT) -> str:
    """Where the classical baselines' figures of :obj:`system` are."""
    return osp.join(root, f'{system.folder}.json')


def classical_arguments(system: ComparisonSystem,
                        root: str = CLASSICAL_ROOT,
                        extra: Sequence[str] = ()) -> List[str]:
    """The arguments of ``classical_baselines.py`` that make
    :func:`classical_file`."""
    return [*system.data_options, *extra, '--out',
            osp.relpath(classical_file(system, root))]


def _comparison_rows(system: str, minutes: float, tag: str,
                     options: Tuple[str, ...] = ('--eval-every', '500'),
                     **data) -> Tuple[RunRow, ...]:
    # NRI, learned and supervised, on systems of one layer-graph (where
    # fNRI would be the same model).
    return tuple(RunRow(system, 'nri', mode, minutes=minutes, tag=tag,
                        options=options, **data)
                 for mode in ('learned', 'supervised'))


#: The budget of the learned and supervised runs on the systems that are
#: not the paper's: training minutes per run, one thread.
MINUTES = 10.0

#: Every system of the comparison, in the order of the document.
COMPARISON_SYSTEMS: Tuple[ComparisonSystem, ...] = (
    ComparisonSystem(
        'I+C', "the fNRI paper's ideal springs and charges, 5 particles",
        'I+C', rows=tuple(r for r in CPU_TABLE1 if r.system == 'I+C')),
    ComparisonSystem(
        'I+C+F', "the fNRI paper's ideal springs, charges and finite "
        'springs, 5 particles', 'I+C+F',
        rows=tuple(r for r in CPU_TABLE1 if r.system == 'I+C+F')),
    ComparisonSystem(
        'kuramoto', "NRI's Kuramoto oscillators, 5 oscillators", 'kuramoto',
        rows=_comparison_rows('kuramoto', MINUTES, 'preset',
                              ('--eval-every', '250'))),
    ComparisonSystem(
        'springs-er', 'springs on Erdős–Rényi graphs, 15 particles',
        'springs', 15, 'er',
        rows=_comparison_rows('springs', MINUTES, 'compare',
                              num_particles=15, graph='er')),
    ComparisonSystem(
        'springs-ba', 'springs on Barabási–Albert graphs, 15 particles',
        'springs', 15, 'ba',
        rows=_comparison_rows('springs', MINUTES, 'compare',
                              num_particles=15, graph='ba')),
    ComparisonSystem(
        'karate', "springs on Zachary's karate club (34 members, 78 ties), "
        'relabelled per simulation', 'springs', 34, 'karate_club',
        rows=_comparison_rows('springs', MINUTES, 'compare',
                              num_particles=34, graph='karate_club')),
    ComparisonSystem(
        'florentine', 'Kuramoto oscillators on the Florentine families '
        '(15 families, 20 marriages), relabelled per simulation',
        'kuramoto', 15, 'florentine_families',
        rows=_comparison_rows('kuramoto', MINUTES, 'compare',
                              num_particles=15,
                              graph='florentine_families')),
    ComparisonSystem(
        'grid-case14', 'swing dynamics on the IEEE 14-bus grid (14 buses, '
        '20 lines), relabelled per simulation', 'swing', 14, 'case14',
        rows=_comparison_rows('swing', MINUTES, 'compare',
                              num_particles=14, graph='case14')),
    ComparisonSystem(
        'netsim-sim3', "NetSim-style fMRI on NetSim's sim3 network (15 "
        'regions, 18 directed connections), relabelled per simulation',
        'netsim', 15, 'sim3',
        rows=_comparison_rows('netsim', MINUTES, 'compare',
                              num_particles=15, graph='sim3')),
)


def best_classical(figures: Dict, method: str,
                   layer: str) -> Optional[Dict]:
    """The test figures of :obj:`method` on :obj:`layer` for the feature
    and score variant with the highest validation AUROC (ties: the first
    in the file's order), with ``feature`` and ``variant`` added;
    :obj:`None` if the method was not run or has no defined validation
    AUROC."""
    if method not in figures.get('methods', {}):
        return None
    best = None
    for feature, result in figures['methods'][method]['results'].items():
        for variant, layers in result.items():
            figure = layers[layer]
            if math.isnan(figure['valid_auroc']):
                continue
            if best is None or figure['valid_auroc'] > best['valid_auroc']:
                best = dict(figure, feature=feature, variant=variant)
    return best


def mean_and_error(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    """The mean of :obj:`values` and its standard error (:obj:`None` for
    one value)."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, None
    return mean, statistics.stdev(values) / math.sqrt(len(values))


def auroc_text(values: Sequence[float]) -> str:
    """``mean ± error`` of AUROCs (×100, one decimal), with the number of
    seeds when it is not 3."""
    mean, error = mean_and_error(values)
    text = f'{100 * mean:.1f}'
    if error is not None:
        text += f' ± {100 * error:.1f}'
    if len(values) != 3:
        text += f' ({len(values)} seed{"" if len(values) == 1 else "s"})'
    return text


#: The model families as the papers write them.
MODEL_NAMES = {'nri': 'NRI', 'fnri': 'fNRI', 'sfnri': 'sfNRI'}


def row_label(row: RunRow) -> str:
    """A learned or supervised row's name in the table."""
    return f'{MODEL_NAMES[row.model]} {row.mode}'


def learned_cells(system: ComparisonSystem, names: List[str],
                  root: str = TIME_TO_ACCURACY_ROOT,
                  refinement_root: str = REFINEMENT_ROOT
                  ) -> Tuple[Dict[str, List[str]], Dict[str, Dict]]:
    """Per learned or supervised row of :obj:`system` (and the refined
    test of its runs, where some have one: ``refined_test`` of Table 1 on
    a CPU), the cells of every layer and the budget; and the mean AUROC
    per layer of every row that ran, for the findings."""
    cells, means = {}, {}

    def add(label: str, aurocs: List[List[float]], budget: str) -> None:
        # One table row from per-run AUROCs [runs][layers].
        per_layer = [[run[i] for run in aurocs] for i in range(len(names))]
        cells[label] = [auroc_text(values) for values in per_layer] + [
            budget]
        means[label] = {name: mean_and_error(values)[0]
                        for name, values in zip(names, per_layer)}

    for row in system.rows:
        _, runs = read_row(row, root)
        label = row_label(row)
        budget = f'{row.minutes:g} min' if row.minutes else \
            f'{row.updates:,} updates'
        if not runs:
            cells[label] = ['not run'] * len(names) + [budget]
            continue
        updates = statistics.median(r['final_updates'] for r in runs)
        budget += f', {updates:,.0f} updates'
        add(label, [r['test_auroc_layers'] for r in runs], budget)
        refined = [test['auroc_layers'] for test in (
            refined_test(row, r, refinement_root) for r in runs)
            if test is not None and test['auroc_layers'] is not None]
        if refined:
            add(label + REFINED, refined,
                budget + ', + test-time refinement')
    return cells, means


def classical_cells(figures: Optional[Dict], names: List[str]
                    ) -> Tuple[Dict[str, List[str]], Dict[str, Dict]]:
    """Per classical method, the cells of every layer (the test AUROC of
    the choice made on validation, with that feature and variant) and the
    seconds it took on validation and test; and the test AUROC per layer
    of every method that ran."""
    cells, values = {}, {}
    for method, label in CLASSICAL_METHODS.items():
        if figures is None or method not in figures['methods']:
            cells[label] = ['not run'] * len(names) + ['–']
            continue
        seconds = figures['methods'][method]['seconds']
        row, values[label] = [], {}
        for name in names:
            best = best_classical(figures, method, name)
            if best is None:
                row.append('–')
                continue
            values[label][name] = best['auroc']
            variant = {'signed': '', 'best_sign': ', sign fitted',
                       'absolute': ', magnitude'}[best['variant']]
            row.append(f"{100 * best['auroc']:.1f} "
                       f"({best['feature'].replace('_', ' ')}{variant})")
        cells[label] = row + [
            f"{seconds['valid'] + seconds['test']:.1f} s"]
    return cells, values


def findings(system: ComparisonSystem, names: List[str],
             learned: Dict[str, Dict], classical: Dict[str, Dict]
             ) -> List[str]:
    """Per layer-graph of :obj:`system` where both kinds ran: the best
    learned or supervised row, its encoder alone (not refined at test
    time, which the classical methods have no counterpart of), against
    the best classical method."""
    out = []
    for name in names:
        trained = {k: v[name] for k, v in learned.items()
                   if name in v and not k.endswith(REFINED)}
        stats = {k: v[name] for k, v in classical.items() if name in v}
        if not trained or not stats:
            continue
        best_trained = max(trained, key=trained.get)
        best_stat = max(stats, key=stats.get)
        verdict = ('ahead of every classical method'
                   if trained[best_trained] > stats[best_stat] else
                   'behind the best classical method')
        out.append(f'- {system.name}, {name}: {best_trained} '
                   f'{100 * trained[best_trained]:.1f}, {verdict} '
                   f'({best_stat} {100 * stats[best_stat]:.1f}).')
    return out


def system_section(system: ComparisonSystem,
                   root: str = TIME_TO_ACCURACY_ROOT,
                   classical_root: str = CLASSICAL_ROOT) -> List[str]:
    """The section of :obj:`system`: its table (one row per method, one
    column per layer-graph, the budget or seconds last), the commands of
    what is missing and its findings."""
    names = layer_names(system.system)
    figures = read_json(classical_file(system, classical_root))
    learned, learned_means = learned_cells(system, names, root)
    classical, classical_values = classical_cells(figures, names)
    lines = [f'### {system.name}: {system.about}', '',
             '| method | ' + ' | '.join(names) + ' | budget or time |',
             '|---|' + '---|' * (len(names) + 1)]
    lines += [f'| {label} | ' + ' | '.join(cells) + ' |'
              for label, cells in {**learned, **classical}.items()]
    missing = [row for row in system.rows
               if row_label(row) not in learned_means]
    if figures is None or missing:
        lines += ['', 'Not run yet: `' + f'{COMMAND} --systems '
                  f'{system.name}' + '`.']
    if figures is not None:
        lines += ['', wrap(
            f"Classical: {figures['data']['valid']:,} validation and "
            f"{figures['data']['test']:,} test simulations, frames "
            f"{figures['frames'][0]}–{figures['frames'][1] - 1} (the "
            f"encoder's); machine: {figures['machine']['cpu']}, "
            f"OMP_NUM_THREADS={figures['machine']['omp_num_threads']}, "
            f"{figures['machine']['other_jobs']}.")]
    found = findings(system, names, learned_means, classical_values)
    if found:
        lines += [''] + found
    return lines + ['']


def intro() -> str:
    """The paragraph that opens the document."""
    return (
        'Which recovers the interaction graph better: the encoders this '
        'library trains, or the statistics a user already has? Every '
        'figure is the test AUROC (%) of edge presence (label not 0) per '
        'layer-graph, the edges of all test simulations pooled, on the '
        'splits the models are trained and tested on (10,000 / 2,000 / '
        '2,000 simulations, data seed 42). Learned (encoder and decoder, '
        'no labels) and supervised (the encoder on the labels) rows: '
        'mean ± standard error over seeds 1–3 (the number of seeds is '
        'given when it is not 3), each run trained by '
        '`benchmarks/time_to_accuracy.py` for the budget given (training '
        'minutes on one thread, evaluation not counted; I+C and I+C+F: '
        'the rows of Table 1 on a CPU in `docs/RESULTS.md`); "refined": '
        'the same runs with every test graph refined through the frozen '
        'decoder. Classical rows (`benchmarks/classical_baselines.py`): '
        'per layer-graph the feature (positions, velocities, their frame '
        'differences; Kuramoto: phase velocity, sine of the phase, phase) '
        'and score (as given, sign chosen on validation, magnitude) with '
        'the highest validation AUROC, given in brackets, and its test '
        'AUROC; they are deterministic, so one figure; "time": seconds on '
        'the validation and test splits together. The document is '
        'generated from `results/time_to_accuracy/` and '
        '`results/classical_baselines/` by:')


def comparison_markdown(systems: Sequence[ComparisonSystem] =
                        COMPARISON_SYSTEMS,
                        root: str = TIME_TO_ACCURACY_ROOT,
                        classical_root: str = CLASSICAL_ROOT) -> str:
    """The document: the introduction and one section per system."""
    lines = ['# Learned encoders against classical baselines', '',
             '<!-- Generated by `python -m benchmarks.method_comparison '
             '--report`; do not edit. -->', '', wrap(intro()), '',
             '```bash', COMMAND, '```', '']
    for system in systems:
        lines += system_section(system, root, classical_root)
    return '\n'.join(lines).rstrip() + '\n'


def parse_args(argv=None) -> argparse.Namespace:
    """The options of the command line :obj:`argv`."""
    parser = argparse.ArgumentParser(
        prog=COMMAND, description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--systems', nargs='+',
                        choices=[s.name for s in COMPARISON_SYSTEMS],
                        help='only these systems (default: all)')
    parser.add_argument('--modes', nargs='+', choices=TABLE1_MODES,
                        help='only the rows of these training modes')
    parser.add_argument('--parts', nargs='+', choices=PARTS,
                        default=list(PARTS),
                        help='make only the classical figures or only the '
                        'learned and supervised runs')
    add_plan_arguments(parser, 'run nothing: rewrite the document')
    parser.add_argument('--classical-root', default=CLASSICAL_ROOT,
                        help="where the classical baselines' figures are")
    args = parser.parse_args(argv)
    check_plan_arguments(parser, args)
    return args


def main(argv=None) -> int:
    """Makes what the selected systems lack, then rewrites
    :data:`DOCUMENT` (with other roots than the defaults: prints it);
    returns 0, or 1 (and says why) when the planner refuses a row."""
    args = parse_args(argv)
    systems = [s for s in COMPARISON_SYSTEMS
               if args.systems is None or s.name in args.systems]
    extra = passed_options(args, ('note', 'data_root'))
    if not args.report and 'classical' in args.parts:
        for system in systems:
            if osp.exists(classical_file(system, args.classical_root)):
                continue
            argv = classical_arguments(system, args.classical_root, extra)
            print(f'python -m benchmarks.classical_baselines '
                  f'{shlex.join(argv)}', flush=True)
            if not args.dry_run:
                os.makedirs(args.classical_root, exist_ok=True)
                classical_baselines.main(argv)
    if not args.report and 'learned' in args.parts:
        rows = [row for system in systems for row in system.rows
                if args.modes is None or row.mode in args.modes]
        try:
            steps = plan(rows, args.root, seeds=args.seeds)
        except PlanError as error:
            print(f'method_comparison: {error}', file=sys.stderr)
            return 1
        run(steps, args.root, passed_options(args), dry_run=args.dry_run)
    if args.dry_run:
        return 0
    text = comparison_markdown(COMPARISON_SYSTEMS, args.root,
                               args.classical_root)
    if (osp.abspath(args.root), osp.abspath(args.classical_root)) == (
            TIME_TO_ACCURACY_ROOT, CLASSICAL_ROOT):
        write_text_atomic(DOCUMENT, text)
        print(f'wrote {DOCUMENT}')
    else:
        print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
