r"""The directory of a training run and its logs."""
import csv
import math
import os
import os.path as osp
from typing import Any, Dict, List

from torch_geometric_fnri.utils.atomic_json import write_json_atomic


class RunDirectory:
    r"""The files of one training run::

        <path>/config.json          run configuration (and model settings)
        <path>/log.csv              one row per finished epoch
        <path>/checkpoints/last.pt  written after every epoch
        <path>/checkpoints/best.pt  best epoch by the selection metric
        <path>/metrics.json         final validation and test metrics
        <path>/tensorboard/         only if TensorBoard is installed

    Every JSON file is written atomically
    (:func:`~torch_geometric_fnri.utils.atomic_json.write_json_atomic`).

    Args:
        path (str): The run directory (created if missing).
        tensorboard (bool, optional): Also write TensorBoard scalars when
            :mod:`torch.utils.tensorboard` can be imported.
            (default: :obj:`False`)
    """
    def __init__(self, path: str, tensorboard: bool = False):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"'path' must be a str (got {path!r})")
        self.path = str(path)
        os.makedirs(osp.join(self.path, 'checkpoints'), exist_ok=True)
        self._tensorboard = tensorboard
        self._writer = None

    @property
    def config_path(self) -> str:
        return osp.join(self.path, 'config.json')

    @property
    def log_path(self) -> str:
        return osp.join(self.path, 'log.csv')

    @property
    def metrics_path(self) -> str:
        return osp.join(self.path, 'metrics.json')

    @property
    def last_checkpoint(self) -> str:
        return osp.join(self.path, 'checkpoints', 'last.pt')

    @property
    def best_checkpoint(self) -> str:
        return osp.join(self.path, 'checkpoints', 'best.pt')

    def run_files(self) -> List[str]:
        r"""Returns the files of an earlier run in this directory
        (configuration, log, checkpoints, metrics) that exist."""
        paths = [self.config_path, self.log_path, self.last_checkpoint,
                 self.best_checkpoint, self.metrics_path]
        return [path for path in paths if osp.isfile(path)]

    def clear_temporary_files(self) -> List[str]:
        r"""Deletes the temporary files of writes that never finished (a
        killed process): ``*.tmp`` here and in ``checkpoints/``. Returns
        their paths."""
        found = []
        for folder in (self.path, osp.join(self.path, 'checkpoints')):
            found += [osp.join(folder, name) for name in os.listdir(folder)
                      if name.endswith('.tmp')]
        for path in found:
            os.remove(path)
        return sorted(found)

    def clear(self) -> None:
        r"""Deletes the files of an earlier run (see :meth:`run_files`) and
        temporary files."""
        for path in self.run_files():
            os.remove(path)
        self.clear_temporary_files()

    def write_json(self, name: str, values: Dict[str, Any]) -> str:
        r"""Writes :obj:`values` to :obj:`<path>/<name>` atomically; returns
        the file path."""
        path = osp.join(self.path, name)
        write_json_atomic(path, _jsonable(values))
        return path

    def read_log(self) -> List[Dict[str, str]]:
        r"""Returns the rows of ``log.csv`` (empty if there is none)."""
        if not osp.isfile(self.log_path):
            return []
        with open(self.log_path, newline='') as f:
            return list(csv.DictReader(f))

    def truncate_log(self, num_epochs: int) -> None:
        r"""Keeps only the rows of the first :obj:`num_epochs` epochs (a
        resumed run drops rows written after its last checkpoint)."""
        rows = self.read_log()
        if not rows:
            return
        fields = list(rows[0].keys())
        rows = [row for row in rows if int(row['epoch']) < num_epochs]
        tmp = f'{self.log_path}.{os.getpid()}.tmp'
        with open(tmp, 'w', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, self.log_path)

    def log_epoch(self, values: Dict[str, float]) -> None:
        r"""Appends one row to ``log.csv`` (the first row fixes the columns)
        and to TensorBoard when enabled. :obj:`values` must hold
        :obj:`'epoch'`."""
        if 'epoch' not in values:
            raise ValueError(f"'values' must contain 'epoch' "
                             f"(got keys {sorted(values)})")
        exists = osp.isfile(self.log_path)
        if exists:
            with open(self.log_path, newline='') as f:
                fields = next(csv.reader(f))
        else:
            fields = list(values.keys())
        with open(self.log_path, 'a', newline='') as f:
            writer = csv.DictWriter(f, fieldnames=fields,
                                    extrasaction='ignore')
            if not exists:
                writer.writeheader()
            writer.writerow(values)
        writer = self._tensorboard_writer()
        if writer is not None:
            for key, value in values.items():
                if key != 'epoch' and isinstance(value, (int, float)):
                    writer.add_scalar(key, value, int(values['epoch']))
            writer.flush()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _tensorboard_writer(self):
        if not self._tensorboard:
            return None
        if self._writer is None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                self._tensorboard = False
                return None
            self._writer = SummaryWriter(osp.join(self.path, 'tensorboard'))
        return self._writer

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}({self.path!r})'


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, 'tolist'):
        return _jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
