"""Reproduce the fNRI paper's Tables 1 and 2 with one command (run from the
repository's root folder).

    python -m benchmarks.reproduce --protocol cpu           # ~3 h, 2 cores
    python -m benchmarks.reproduce --protocol paper --device cuda
    python -m benchmarks.reproduce --protocol cpu --systems I+C \\
        --models fnri --modes learned --seeds 0              # a subset
    python -m benchmarks.reproduce --protocol cpu --report-only
    python -m benchmarks.reproduce --protocol cpu --reevaluate  # test again
    python -m benchmarks.reproduce --report   # rewrite docs/RESULTS.md

Every (system, model, mode, seed) is one run directory
``<out>/<system>/<model>-<mode>-seed<seed>/`` (``static-seed<seed>`` for
the static baseline, which has no model) trained by
:class:`~torch_geometric_fnri.training.Trainer`. Rerunning the command
skips finished runs and resumes unfinished ones from their last
checkpoint, so a killed protocol loses at most one epoch. Every finished
epoch prints one line with its time and validation figures. The wall time
of every run (summed over resumptions, rewritten after every epoch so that
a killed invocation keeps its finished epochs' time) and the machine are
kept in ``run_info.json``.

At the end (or with ``--report-only``) the finished runs are collected into
``<out>/results.md`` and ``<out>/results.json`` in the layout of the
paper's Tables 1 and 2 (:mod:`.tables`); the last line printed is JSON.
``--report`` rebuilds ``docs/RESULTS.md`` from the studies stored in
``results/reproduce/`` (:mod:`.studies`), after "Table 1 on a CPU" from
the summaries of ``benchmarks/time_to_accuracy.py`` that
:mod:`.cpu_table1` names (made by ``python -m benchmarks.table1``).

Modules: :mod:`.protocols` (what each protocol trains),
:mod:`.paper_tables` (the paper's figures), :mod:`.runs` (training and
resuming one run), :mod:`.run_files` (where a run's files are and how to
read them), :mod:`.tables`, :mod:`.curves`, :mod:`.confusion` and
:mod:`.protocol_report` (the reports), :mod:`.studies` (the stored runs
and ``docs/RESULTS.md``), :mod:`.cpu_table1` (Table 1 on a CPU: its rows
and its section of ``docs/RESULTS.md``), :mod:`.run_rows` (a row of runs
of ``benchmarks/time_to_accuracy.py`` and its files), :mod:`.run_plan`
(training the runs rows lack), :mod:`.cli` (the command line).
"""
from .cli import main
from .confusion import confusion_report
from .cpu_table1 import (
    CPU_TABLE1,
    ROW_CHANGES,
    cpu_table1_markdown,
    row_command,
)
from .curves import (
    REFERENCE_CURVE_FILE,
    curve_report,
    models_curve_report,
    reference_curve,
)
from .paper_tables import PAPER_ACCURACY, PAPER_MSE
from .protocol_report import protocol_report
from .protocols import (
    PAPER_SYSTEMS,
    PROTOCOLS,
    SFNRI_IC_WEIGHT_DECAY,
    Protocol,
    layer_names,
    train_config,
)
from .run_files import (
    RESULTS_ROOT,
    finished,
    read_json,
    read_log,
    run_dir,
    run_name,
)
from .run_rows import (
    TIME_TO_ACCURACY_ROOT,
    RunRow,
    log_file,
    read_row,
    summary_file,
)
from .runs import RunClock, machine, run_one
from .studies import RESULTS_MD, STUDIES, Study, command, results_markdown
from .tables import collect, report

__all__ = [
    'main',
    'Protocol',
    'PROTOCOLS',
    'PAPER_SYSTEMS',
    'SFNRI_IC_WEIGHT_DECAY',
    'layer_names',
    'train_config',
    'PAPER_ACCURACY',
    'PAPER_MSE',
    'run_name',
    'run_dir',
    'read_json',
    'read_log',
    'finished',
    'RESULTS_ROOT',
    'machine',
    'RunClock',
    'run_one',
    'collect',
    'report',
    'REFERENCE_CURVE_FILE',
    'reference_curve',
    'curve_report',
    'models_curve_report',
    'confusion_report',
    'protocol_report',
    'Study',
    'STUDIES',
    'command',
    'results_markdown',
    'RESULTS_MD',
    'RunRow',
    'CPU_TABLE1',
    'ROW_CHANGES',
    'TIME_TO_ACCURACY_ROOT',
    'summary_file',
    'log_file',
    'read_row',
    'row_command',
    'cpu_table1_markdown',
]
