"""The files of the runs of a protocol: where they are and how to read
them.

Every run is a directory ``<out>/<system>/<run name>/`` (:func:`run_dir`)
holding ``config.json``, ``log.csv`` (none for the static baseline),
``metrics.json`` and ``run_info.json``; while training also
``checkpoints/``."""
import csv
import json
import os.path as osp
from typing import Dict, List, Optional

from torch_geometric_fnri.training.training_mode import STATIC_MODE

#: The repository's root folder.
ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: The stored runs: ``<RESULTS_ROOT>/<study>/<system>/<run name>/``.
RESULTS_ROOT = osp.join(ROOT, 'results', 'reproduce')


def run_name(model: str, mode: str, seed: int) -> str:
    """The name of a run's directory: ``<model>-<mode>-seed<seed>``, and
    ``static-seed<seed>`` for the static baseline, which has no model."""
    if mode == STATIC_MODE:
        return f'static-seed{seed}'
    return f'{model}-{mode}-seed{seed}'


def run_dir(out: str, system: str, model: str, mode: str, seed: int) -> str:
    """The directory of one run of a protocol written to :obj:`out`."""
    return osp.join(out, system, run_name(model, mode, seed))


def read_json(path: str) -> Optional[Dict]:
    """The contents of a JSON file, :obj:`None` if there is none."""
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)


def read_log(path: str) -> List[Dict[str, float]]:
    """The per-epoch rows of a run's ``log.csv`` (none if it is missing)."""
    if not osp.exists(path):
        return []
    with open(path) as f:
        return [{k: float(v) for k, v in row.items() if v != ''}
                for row in csv.DictReader(f)]


def finished(metrics: Optional[Dict], mode: str, epochs: int) -> bool:
    """Whether a run's ``metrics.json`` is the final test after
    :obj:`epochs` epochs (the static baseline trains none)."""
    return metrics is not None and bool(metrics.get('completed')) and (
        mode == STATIC_MODE or metrics['epochs_done'] >= epochs)
