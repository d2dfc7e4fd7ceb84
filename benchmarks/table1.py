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
import sys
from dataclasses import replace
from typing import Sequence, Tuple

from torch_geometric_fnri.model_family import MODEL_FAMILIES

from benchmarks.reproduce.cpu_table1 import (
    CPU_TABLE1,
    TABLE1_MODES,
    cpu_table1_markdown,
)
from benchmarks.reproduce.protocols import PAPER_SYSTEMS
from benchmarks.reproduce.run_plan import (
    PlanError,
    add_plan_arguments,
    check_plan_arguments,
    passed_options,
    plan,
    run,
)
from benchmarks.reproduce.run_rows import TIME_TO_ACCURACY_ROOT, RunRow
from benchmarks.reproduce.studies import RESULTS_MD, results_markdown

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
    parser.add_argument('--minutes', type=float, default=None,
                        help='another budget per run, stored under the '
                        'tag <tag>-<minutes>min (not in docs/RESULTS.md)')
    add_plan_arguments(parser, 'train nothing: rewrite docs/RESULTS.md')
    args = parser.parse_args(argv)
    if args.minutes is not None and not args.minutes > 0:
        parser.error('--minutes must be positive')
    check_plan_arguments(parser, args)
    return args


def selected_rows(args: argparse.Namespace,
                  rows: Sequence[RunRow] = CPU_TABLE1
                  ) -> Tuple[RunRow, ...]:
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
    extra = passed_options(args)
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
