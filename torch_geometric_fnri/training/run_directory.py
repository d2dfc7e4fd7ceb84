r"""The directory of a training run and its logs."""
import csv
import io
import json
import math
import os
import os.path as osp
import socket
import sys
import time
import weakref
from typing import Any, Dict, List, Optional

from torch_geometric_fnri.utils.atomic_files import (
    is_temporary_file,
    write_json_atomic,
    write_text_atomic,
)

try:
    import fcntl
except ImportError:  # Not POSIX: run directories are not locked.
    fcntl = None

# The run directory that holds the lock on each locked path in this process
# (by real path): a newer RunDirectory of the same path takes it over. Weak,
# so that a run directory nobody uses any more releases its lock.
_HOLDERS: 'weakref.WeakValueDictionary[str, RunDirectory]' = \
    weakref.WeakValueDictionary()


class RunDirectoryInUseError(FileExistsError):
    r"""Another process holds the lock of a run directory."""


class RunDirectory:
    r"""The files of one training run::

        <path>/config.json          run configuration (and model settings)
        <path>/log.csv              one row per finished epoch
        <path>/checkpoints/last.pt  written after every epoch
        <path>/checkpoints/best.pt  best epoch by the selection metric
        <path>/metrics.json         final validation and test metrics
        <path>/run.lock             who holds the directory (see :meth:`lock`)
        <path>/tensorboard/         only if TensorBoard is installed

    Every file is written atomically (a temporary file, then a rename; see
    :func:`~torch_geometric_fnri.utils.atomic_files.write_json_atomic`), so a
    failed write (a killed process, a full disk) leaves the previous file.
    One process at a time may write a run: :meth:`lock`.

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
        self._lock_file: Optional[io.TextIOWrapper] = None
        self._taken_over = False

    @property
    def lock_path(self) -> str:
        return osp.join(self.path, 'run.lock')

    def lock(self) -> None:
        r"""Makes this object the only writer of the directory until
        :meth:`close`: an exclusive :func:`fcntl.flock` on ``run.lock``,
        which the operating system releases when the process ends, so a
        killed run leaves no stale lock. Another process that holds it
        raises :class:`RunDirectoryInUseError` naming that process; a
        newer :class:`RunDirectory` of the same path in this process takes
        the lock over (re-running a notebook cell), and this one can then
        no longer write. Without :mod:`fcntl` (not POSIX) nothing is
        locked. Locks may not hold across machines on network file
        systems."""
        key = osp.realpath(self.path)
        holder = _HOLDERS.get(key)
        if holder is not None and holder is not self:
            holder._release(taken_over=True)
        if fcntl is None or self._lock_file is not None:
            _HOLDERS[key] = self
            return
        handle = open(self.lock_path, 'a+')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder_info = handle.read().strip() or 'an unknown process'
            handle.close()
            raise RunDirectoryInUseError(
                f"'{self.path}' is in use by another run ({holder_info}): "
                f"wait for it to finish or stop it, or choose another run "
                f"directory. The lock is the operating system's and ends "
                f"with its process, so it is never stale on this machine; "
                f"on a network file system shared with another machine, "
                f"check that machine") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({
            'pid': os.getpid(), 'host': socket.gethostname(),
            'since': time.strftime('%Y-%m-%d %H:%M:%S'),
            'command': ' '.join(sys.argv)[:200]}))
        handle.flush()
        self._lock_file = handle
        self._taken_over = False
        _HOLDERS[key] = self

    def check_writable(self) -> None:
        r"""Raises a :class:`RuntimeError` when a newer
        :class:`RunDirectory` of this path in this process took the lock
        over (see :meth:`lock`)."""
        if self._taken_over:
            raise RuntimeError(
                f"'{self.path}' was taken over by a newer run in this "
                f"process (a new Trainer on the same run directory): this "
                f"one can no longer write to it")

    def _release(self, taken_over: bool = False) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # Closing releases the flock.
            self._lock_file = None
        self._taken_over = taken_over
        key = osp.realpath(self.path)
        if _HOLDERS.get(key) is self:
            del _HOLDERS[key]

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
        killed process): ``*.tmp`` and ``*.tmp.<ext>`` here and in
        ``checkpoints/``. Returns their paths."""
        found = []
        for folder in (self.path, osp.join(self.path, 'checkpoints')):
            found += [osp.join(folder, name) for name in os.listdir(folder)
                      if is_temporary_file(name)]
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
        self.check_writable()
        path = osp.join(self.path, name)
        write_json_atomic(path, _jsonable(values))
        return path

    def read_log(self) -> List[Dict[str, str]]:
        r"""Returns the rows of ``log.csv`` (empty if there is none). A log
        that is not a CSV table with an integer :obj:`'epoch'` column in
        every row (damaged, empty, not text) raises a :class:`ValueError`
        that names the file."""
        if not osp.isfile(self.log_path):
            return []
        try:
            with open(self.log_path, newline='', encoding='utf-8') as f:
                reader = csv.DictReader(f)
                rows = list(reader)
                fields = reader.fieldnames
            if not fields or 'epoch' not in fields:
                raise ValueError("no header with an 'epoch' column")
            for row in rows:
                if None in row or None in row.values():
                    raise ValueError('a row with another number of columns')
                int(row['epoch'])
        except (ValueError, UnicodeDecodeError, csv.Error) as error:
            raise ValueError(
                f"'{self.log_path}' is not a readable run log ({error}): "
                f"restore it, or start the run again with overwrite=True "
                f"(--overwrite)") from None
        return rows

    def truncate_log(self, num_epochs: int) -> None:
        r"""Keeps only the rows of the first :obj:`num_epochs` epochs (a
        resumed run drops rows written after its last checkpoint)."""
        rows = self.read_log()
        if not rows:
            return
        self._write_log(list(rows[0].keys()),
                        [row for row in rows
                         if int(row['epoch']) < num_epochs])

    def _write_log(self, fields: List[str],
                   rows: List[Dict[str, Any]]) -> None:
        self.check_writable()
        text = io.StringIO(newline='')
        writer = csv.DictWriter(text, fieldnames=fields,
                                extrasaction='ignore')
        writer.writeheader()
        writer.writerows(rows)
        write_text_atomic(self.log_path, text.getvalue())

    def log_epoch(self, values: Dict[str, float]) -> None:
        r"""Adds one row to ``log.csv`` (the first row fixes the columns;
        the file is rewritten atomically) and to TensorBoard when enabled.
        :obj:`values` must hold :obj:`'epoch'`."""
        if 'epoch' not in values:
            raise ValueError(f"'values' must contain 'epoch' "
                             f"(got keys {sorted(values)})")
        rows = self.read_log()
        fields = list(rows[0].keys()) if rows else list(values.keys())
        self._write_log(fields, rows + [values])
        writer = self._tensorboard_writer()
        if writer is not None:
            for key, value in values.items():
                if key != 'epoch' and isinstance(value, (int, float)):
                    writer.add_scalar(key, value, int(values['epoch']))
            writer.flush()

    def close(self) -> None:
        r"""Closes the TensorBoard writer and releases the lock."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._release(taken_over=self._taken_over)

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
