"""Trains the runs that rows of ``benchmarks/time_to_accuracy.py`` runs
lack (:class:`~.run_rows.RunRow`): per row, the seeds without a finished
log, then the row's summary rebuilt from every finished log; it never
overwrites a finished log or one that may still be written. Used by
``python -m benchmarks.table1`` and ``python -m
benchmarks.method_comparison``."""
import argparse
import os.path as osp
import shlex
import time
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from .. import time_to_accuracy
from .run_rows import TIME_TO_ACCURACY_ROOT, RunRow, log_file, read_row

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
        row (RunRow): The row.
        train (Tuple[int, ...]): The seeds to train (none: the summary
            alone is rebuilt from finished logs).
        summarise (Tuple[int, ...]): The seeds of the rebuilt summary.
    """
    row: RunRow
    train: Tuple[int, ...]
    summarise: Tuple[int, ...]


def plan(rows: Sequence[RunRow], root: str = TIME_TO_ACCURACY_ROOT,
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
            '--out', osp.relpath(osp.join(root, row.folder)),
            *row.data_options, *row.options, *extra]
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
        print(f"{row.folder} {row.model} {row.mode}: train seeds "
              f"{list(step.train)}, summarise seeds {list(step.summarise)}",
              flush=True)
        for argv in commands(step, root, extra):
            print(command_line(argv), flush=True)
            if not dry_run:
                time_to_accuracy.main(argv)


def add_plan_arguments(parser: argparse.ArgumentParser,
                       report_help: str) -> None:
    """Adds the options of a command that completes rows with
    :func:`plan` and :func:`run`: ``--seeds``, the options passed on to
    every run (``--threads``, ``--note``, ``--data-root``; see
    :func:`passed_options`), ``--root``, ``--dry-run`` and ``--report``
    (:obj:`report_help` says what it rewrites). Check them with
    :func:`check_plan_arguments`."""
    parser.add_argument('--seeds', nargs='+', type=int,
                        help="only these of each row's seeds")
    parser.add_argument('--threads', type=int, default=None,
                        help='torch CPU threads per run')
    parser.add_argument('--note', default=None,
                        help="what else runs on the machine (the runs' "
                        "'other_jobs'; default: time_to_accuracy's)")
    parser.add_argument('--data-root', default=None,
                        help="default: time_to_accuracy's (data)")
    parser.add_argument('--root', default=TIME_TO_ACCURACY_ROOT,
                        help='where the runs are, one folder per data '
                        'setting')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the commands it would run, run none')
    parser.add_argument('--report', action='store_true', help=report_help)


def check_plan_arguments(parser: argparse.ArgumentParser,
                         args: argparse.Namespace) -> None:
    """Refuses the options of :func:`add_plan_arguments` that cannot
    work."""
    if args.threads is not None and args.threads < 1:
        parser.error('--threads must be positive')


def passed_options(args: argparse.Namespace,
                   names: Sequence[str] = ('threads', 'note', 'data_root')
                   ) -> List[str]:
    """The options :obj:`names` of :func:`add_plan_arguments` that are set
    in :obj:`args`, as arguments of the scripts the command runs (e.g.
    ``['--threads', '1', '--note', 'one other run']``)."""
    out = []
    for name in names:
        value = getattr(args, name)
        if value is not None:
            out += [f"--{name.replace('_', '-')}", str(value)]
    return out
