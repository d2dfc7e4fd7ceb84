"""A row of runs of ``benchmarks/time_to_accuracy.py``: one model, mode,
recipe, budget and data setting over several seeds, and where its logs and
summary are. The rows of Table 1 on a CPU (:mod:`.cpu_table1`) and of the
method comparison (``benchmarks/method_comparison.py``) are such rows;
:mod:`.run_plan` trains the runs a row lacks."""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .. import time_to_accuracy
from .protocols import layer_names
from .run_files import ROOT, read_json

#: Where ``benchmarks/time_to_accuracy.py`` keeps its runs, one folder per
#: data setting (``time_to_accuracy.data_folder``).
TIME_TO_ACCURACY_ROOT = osp.join(ROOT, 'results', 'time_to_accuracy')


@dataclass(frozen=True)
class RunRow:
    """What one row trains: every seed one run of
    ``benchmarks/time_to_accuracy.py`` with these settings.

    Args:
        system (str): A system of ``time_to_accuracy.py`` (``--system``).
        model (str): One of ``MODEL_FAMILIES`` (``nri``, ``fnri``, ``sfnri``).
        mode (str): ``learned`` or ``supervised``.
        recipe (str): The training recipe (``--recipe``).
        minutes (float, optional): Training minutes per run
            (``--minutes``), or :obj:`None` with :obj:`updates`.
        updates (int, optional): Optimiser updates per run (``--updates``)
            instead of minutes.
        seeds (Tuple[int, ...]): The seeds of the row.
        tag (str): Names the runs and the summary (``--tag``).
        options (Tuple[str, ...]): Further options of
            ``time_to_accuracy.py``, e.g. ``('--set', 'lr_gamma=0.1')``
            for a recipe variant (then give the row a tag of its own).
        num_particles (int): Particles per simulation
            (``--num-particles``).
        graph (str, optional): The family of the latent graphs
            (``--graph``); :obj:`None`: every pair independently.
    """
    system: str
    model: str
    mode: str
    recipe: str = 'fast'
    minutes: Optional[float] = 60.0
    updates: Optional[int] = None
    seeds: Tuple[int, ...] = (1, 2, 3)
    tag: str = 'table1'
    options: Tuple[str, ...] = ()
    num_particles: int = time_to_accuracy.DEFAULT_NUM_PARTICLES
    graph: Optional[str] = None

    @property
    def budget(self) -> Dict[str, float]:
        """The budget per run as a log and a summary record it:
        ``{'minutes': m}`` or ``{'updates': n}``."""
        return ({'updates': self.updates} if self.updates else
                {'minutes': self.minutes})

    @property
    def key(self) -> Tuple[str, str, str]:
        """(system, model, mode): the row's key in Table 1's
        ``ROW_CHANGES`` and ``PAPER_ACCURACY``."""
        return (self.system, self.model, self.mode)

    @property
    def folder(self) -> str:
        """The folder of the row's runs under the root of
        ``time_to_accuracy.py``'s runs (*e.g.* ``I+C``,
        ``springs-er-n15``)."""
        return time_to_accuracy.data_folder(self.system, self.num_particles,
                                            self.graph)

    @property
    def data_options(self) -> Tuple[str, ...]:
        """The options of ``time_to_accuracy.py`` that give the row's
        data: its particles and graph family where they are not the
        papers' (:func:`data_options`)."""
        return data_options(self.num_particles, self.graph)


def data_options(num_particles: int,
                 graph: Optional[str] = None) -> Tuple[str, ...]:
    """``--num-particles`` and ``--graph`` of the scripts for
    :obj:`num_particles` and :obj:`graph`, each left out where it is the
    papers' (5 particles, every pair independently)."""
    out = ()
    if num_particles != time_to_accuracy.DEFAULT_NUM_PARTICLES:
        out += ('--num-particles', str(num_particles))
    if graph is not None:
        out += ('--graph', graph)
    return out


def log_file(row: RunRow, seed: int,
             root: str = TIME_TO_ACCURACY_ROOT) -> str:
    """The log of :obj:`row`'s run with :obj:`seed`:
    ``<root>/<folder>/<model>-<recipe>[-supervised]-<tag>-seed<k>.jsonl``.
    """
    name = time_to_accuracy.run_name(row.model, row.recipe, row.mode,
                                     row.tag)
    return osp.join(root, row.folder, f'{name}-seed{seed}.jsonl')


def summary_file(row: RunRow, root: str = TIME_TO_ACCURACY_ROOT) -> str:
    """The summary of :obj:`row`'s runs that ``time_to_accuracy.py``
    writes: ``<root>/<folder>/<model>-<recipe>[-supervised]-<tag>-summary
    .json``."""
    stem = time_to_accuracy.summary_stem([row.model], [row.recipe],
                                         [row.mode], row.tag)
    return osp.join(root, row.folder, f'{stem}-summary.json')


def read_row(row: RunRow, root: str = TIME_TO_ACCURACY_ROOT
             ) -> Tuple[Optional[Dict], List[Dict]]:
    """The summary of :obj:`row` (:obj:`None` if there is none) and its
    runs of the row's model, mode, recipe and seeds, in the row's seed
    order. Raises :class:`ValueError` when the summary's budget, layer
    names or data are not the row's."""
    path = summary_file(row, root)
    summary = read_json(path)
    if summary is None:
        return None, []
    if summary.get('budget') != row.budget:
        raise ValueError(f'{path}: budget {summary.get("budget")}, the row '
                         f'says {row.budget}')
    names = summary.get('layer_names')
    if names is not None and names != layer_names(row.system):
        raise ValueError(f'{path}: layers {names}, not those of '
                         f'{row.system} ({layer_names(row.system)})')
    data = summary.get('data', {})
    for key, value in (('num_particles', row.num_particles),
                       ('graph', row.graph)):
        if key in data and data[key] != value:
            raise ValueError(f'{path}: {key} {data[key]!r}, the row says '
                             f'{value!r}')
    runs = {r['seed']: r for r in summary['runs']
            if (r['model'], r['mode'], r['recipe']) ==
            (row.model, row.mode, row.recipe)}
    return summary, [runs[seed] for seed in row.seeds if seed in runs]
