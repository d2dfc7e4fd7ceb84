"""Table 1 on a CPU with one command: the test edge accuracy of NRI, fNRI
and sfNRI, learned and supervised, on I+C and I+C+F, beside the paper's
(run from the repository's root folder).

    python -m benchmarks.table1                  # every row, 3 seeds
    python -m benchmarks.table1 --systems I+C --models fnri --modes learned
    python -m benchmarks.table1 --dry-run        # the commands it would run
    python -m benchmarks.table1 --report         # rewrite docs/RESULTS.md

What each row trains (recipe, budget: 60 training minutes per run, seeds
1, 2, 3, and the tag its runs are stored under) is ``CPU_TABLE1`` in
``benchmarks/reproduce/cpu_table1.py``; change a row there
(``ROW_CHANGES``). For every row whose summary lacks a seed the command
runs ``benchmarks/time_to_accuracy.py`` (in this process) for the seeds
without a finished log (one that ends with its final metrics; those are
never run again), rebuilds the row's summary from the logs with
``--report-only``, and at the end rewrites ``docs/RESULTS.md``, whose
section "Table 1 on a CPU" reads those summaries alone. The runs go one
after another (12 rows of 60 training minutes: 12 hours per seed, plus
the evaluations and tests); two invocations for disjoint rows (e.g.
``--systems I+C`` and ``--systems I+C+F``, each with ``--threads 1``) use
two cores.

``--minutes`` trains for another budget under the tag
``<tag>-<minutes>min``, which the table does not read: the command then
prints the section for those runs instead of rewriting
``docs/RESULTS.md``. The command refuses to overwrite a log that another
process may still be writing (changed in the last ``BUSY_SECONDS``) and a
finished log trained for another budget than its row's.
"""
import argparse
import os.path as osp
import shlex
import sys
import time
from dataclasses import dataclass, replace
from typing import List, Optional, Sequence, Tuple

from torch_geometric_fnri.model_family import MODEL_FAMILIES

from benchmarks import time_to_accuracy
from benchmarks.reproduce.cpu_table1 import (
    CPU_TABLE1,
    TABLE1_MODES,
    TIME_TO_ACCURACY_ROOT,
    Table1Row,
    cpu_table1_markdown,
    log_file,
    read_row,
)
from benchmarks.reproduce.protocols import PAPER_SYSTEMS
from benchmarks.reproduce.studies import RESULTS_MD, results_markdown

#: The script the commands run.
SCRIPT = 'python benchmarks/time_to_accuracy.py'

#: An unfinished log changed this recently may belong to a run in
#: progress: the command stops rather than overwrite it.
BUSY_SECONDS = 300


class PlanError(RuntimeError):
    """A row that cannot be completed without losing or clobbering runs."""


@dataclass(frozen=True)
class Step:
    """What the command does for one row.

    Args:
        row (Table1Row): The row.
        train (Tuple[int, ...]): The seeds to train (none: the summary
            alone is rebuilt from finished logs).
        summarise (Tuple[int, ...]): The seeds of the rebuilt summary.
    """
    row: Table1Row
    train: Tuple[int, ...]
    summarise: Tuple[int, ...]


def plan(rows: Sequence[Table1Row], root: str = TIME_TO_ACCURACY_ROOT,
         seeds: Optional[Sequence[int]] = None,
         now: Optional[float] = None) -> List[Step]:
    """The steps that complete :obj:`rows` in :obj:`root`, only for
    :obj:`seeds` (all of each row's when :obj:`None`): per row whose
    summary lacks one of those seeds, a :class:`Step` that trains the
    seeds without a finished log and then summarises every seed of the row
    with one. Rows with nothing to do have no step. Raises
    :class:`PlanError` for a finished log trained for another budget than
    its row's, an unfinished log of a seed to train changed less than
    :data:`BUSY_SECONDS` before :obj:`now`, and a summarised seed whose log
    is gone (a rebuilt summary would lose it)."""
    now = time.time() if now is None else now
    steps = []
    for row in rows:
        _, runs = read_row(row, root)
        summarised = {r['seed'] for r in runs}
        wanted = [s for s in row.seeds if seeds is None or s in seeds]
        finished = []
        for seed in row.seeds:
            path = log_file(row, seed, root)
            log = time_to_accuracy.read_log(path)
            if time_to_accuracy.is_finished(log):
                if log[0].get('budget') != row.budget:
                    raise PlanError(
                        f"{path} was trained for {log[0].get('budget')}, "
                        f'its row for {row.budget}: give the row another '
                        f'tag or move the log')
                finished.append(seed)
            elif log and seed in wanted and seed not in summarised and \
                    now - osp.getmtime(path) < BUSY_SECONDS:
                raise PlanError(f'{path} is unfinished and changed '
                                f'{now - osp.getmtime(path):.0f} s ago: is '
                                f'it still training?')
        train = tuple(s for s in wanted
                      if s not in finished and s not in summarised)
        summarise = tuple(s for s in row.seeds
                          if s in finished or s in train)
        if not train and set(summarise) <= summarised:
            continue
        lost = summarised - set(summarise)
        if lost:
            raise PlanError(f'the summary of {row.key} holds seeds '
                            f'{sorted(lost)} without a log: rebuilding it '
                            f'would lose them')
        steps.append(Step(row, train, summarise))
    return steps


def commands(step: Step, root: str = TIME_TO_ACCURACY_ROOT,
             extra: Sequence[str] = ()) -> List[List[str]]:
    """The arguments of ``time_to_accuracy.py`` for :obj:`step`: one
    training invocation for its seeds to train (when there are any, without
    a plot), then one ``--report-only`` invocation that writes the row's
    summary and plot; :obj:`extra` (e.g. ``--threads 1``) is passed to
    both."""
    row = step.row
    budget = (['--updates', str(row.updates)] if row.updates else
              ['--minutes', f'{row.minutes:g}'])
    base = ['--system', row.system, '--model', row.model, '--recipe',
            row.recipe, '--mode', row.mode, *budget, '--tag', row.tag,
            '--out', osp.relpath(osp.join(root, row.system)),
            *row.options, *extra]
    out = []
    if step.train:
        out.append(base + ['--seeds', *map(str, step.train), '--no-plot'])
    out.append(base + ['--seeds', *map(str, step.summarise),
                       '--report-only'])
    return out


def command_line(argv: Sequence[str]) -> str:
    """The shell command of ``time_to_accuracy.py`` with :obj:`argv`."""
    return f'{SCRIPT} {shlex.join(argv)}'


def run(steps: Sequence[Step], root: str = TIME_TO_ACCURACY_ROOT,
        extra: Sequence[str] = (), dry_run: bool = False) -> None:
    """Prints and (unless :obj:`dry_run`) runs, in this process, the
    commands of :obj:`steps` (see :func:`commands`)."""
    for step in steps:
        row = step.row
        print(f"{row.system} {row.model} {row.mode}: train seeds "
              f"{list(step.train)}, summarise seeds {list(step.summarise)}",
              flush=True)
        for argv in commands(step, root, extra):
            print(command_line(argv), flush=True)
            if not dry_run:
                time_to_accuracy.main(argv)


def parse_args(argv=None) -> argparse.Namespace:
    """The options of the command line :obj:`argv`."""
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.table1',
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--systems', nargs='+', choices=PAPER_SYSTEMS)
    parser.add_argument('--models', nargs='+', choices=MODEL_FAMILIES,
                        help='model families')
    parser.add_argument('--modes', nargs='+', choices=TABLE1_MODES)
    parser.add_argument('--seeds', nargs='+', type=int,
                        help="only these of each row's seeds")
    parser.add_argument('--minutes', type=float, default=None,
                        help='another budget per run, stored under the '
                        'tag <tag>-<minutes>min (not in docs/RESULTS.md)')
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads per run')
    parser.add_argument('--note', default=None,
                        help="what else runs on the machine (the runs' "
                        "'other_jobs'; default: time_to_accuracy's)")
    parser.add_argument('--data-root', default=None,
                        help="default: time_to_accuracy's (data)")
    parser.add_argument('--root', default=TIME_TO_ACCURACY_ROOT,
                        help='where the runs are, one folder per system')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands it would run, run none')
    parser.add_argument('--report', action='store_true',
                        help='train nothing: rewrite docs/RESULTS.md')
    args = parser.parse_args(argv)
    if args.minutes is not None and not args.minutes > 0:
        parser.error('--minutes must be positive')
    if args.threads is not None and args.threads < 1:
        parser.error('--threads must be positive')
    return args


def selected_rows(args: argparse.Namespace,
                  rows: Sequence[Table1Row] = CPU_TABLE1
                  ) -> Tuple[Table1Row, ...]:
    """The rows of :obj:`rows` that :obj:`args` selects, with the budget of
    ``--minutes`` (and its tag) when it is not the row's."""
    out = []
    for row in rows:
        if any(value is not None and getattr(row, key) not in value
               for key, value in (('system', args.systems),
                                  ('model', args.models),
                                  ('mode', args.modes))):
            continue
        if args.minutes is not None and \
                row.budget != {'minutes': args.minutes}:
            row = replace(row, minutes=args.minutes, updates=None,
                          tag=f'{row.tag}-{args.minutes:g}min')
        out.append(row)
    return tuple(out)


def main(argv=None) -> int:
    """Trains and summarises the rows selected on the command line
    :obj:`argv` that lack runs, then rewrites ``docs/RESULTS.md`` (or
    prints the section of rows the table does not read); returns 0, or 1
    (and says why) when :func:`plan` refuses."""
    args = parse_args(argv)
    rows = selected_rows(args)
    # The table reads the runs of CPU_TABLE1 in the default root alone.
    rewrite = (osp.abspath(args.root) == TIME_TO_ACCURACY_ROOT and
               all(row in CPU_TABLE1 for row in rows))
    try:
        steps = [] if args.report else plan(rows, args.root, args.seeds)
    except PlanError as error:
        print(f'table1: {error}', file=sys.stderr)
        return 1
    extra = []
    for flag, value in (('--threads', args.threads), ('--note', args.note),
                        ('--data-root', args.data_root)):
        if value is not None:
            extra += [flag, str(value)]
    run(steps, args.root, extra, args.dry_run)
    if not steps and not args.report:
        print('every selected row is complete')
    if args.dry_run:
        return 0
    if rewrite:
        with open(RESULTS_MD, 'w') as f:
            f.write(results_markdown())
        print(f'wrote {RESULTS_MD}')
    else:
        print(cpu_table1_markdown(args.root, rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
