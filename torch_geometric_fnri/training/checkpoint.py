r"""Atomic checkpoints, the random-number-generator state of a run, and
the checkpoints of a training run (:class:`RunCheckpoints`: claiming a run
directory, saving, resuming, reloading the best epoch)."""
import copy
import os
import os.path as osp
import random
from typing import Any, Dict, Optional

import numpy as np
import torch

from .config import TrainConfig
from .distributed import (
    DistributedInfo,
    all_gather_objects,
    barrier,
    broadcast_object,
)
from .run_directory import RunDirectory, RunDirectoryInUseError
from .run_record import read_run_record, refuse_other_model
from .weight_average import WeightAverage

#: Settings that may change when a run is resumed; every other field of the
#: configuration must match the checkpoint.
RESUMABLE_SETTINGS = ('epochs', 'max_epochs', 'patience', 'progress',
                      'tensorboard', 'device', 'data_on_device', 'compile')

#: The progress of a run stored in its checkpoints.
PROGRESS_KEYS = ('epoch', 'updates', 'examples', 'best_value', 'best_epoch')


def rng_state(generator: Optional[torch.Generator] = None) -> Dict[str, Any]:
    r"""Captures the global torch (and CUDA), NumPy and Python RNG states
    and, if given, the state of :obj:`generator` (the loader's shuffling
    generator).

    Args:
        generator (torch.Generator, optional): An extra generator to capture.
            (default: :obj:`None`)
    """
    name, keys, pos, has_gauss, cached_gaussian = np.random.get_state()
    state = {
        'torch': torch.get_rng_state(),
        # Plain data (no NumPy objects), so that checkpoints load with
        # torch.load(..., weights_only=True).
        'numpy': {'bit_generator': str(name),
                  'keys': torch.from_numpy(keys.astype(np.int64)),
                  'pos': int(pos), 'has_gauss': int(has_gauss),
                  'cached_gaussian': float(cached_gaussian)},
        'python': random.getstate(),
        'generator': None if generator is None else generator.get_state(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, Any],
                  generator: Optional[torch.Generator] = None) -> None:
    r"""Restores a state captured by :func:`rng_state`.

    Args:
        state (dict): The captured state.
        generator (torch.Generator, optional): Receives the captured
            generator state. (default: :obj:`None`)
    """
    torch.set_rng_state(state['torch'])
    numpy_state = state['numpy']
    np.random.set_state((numpy_state['bit_generator'],
                         numpy_state['keys'].numpy().astype(np.uint32),
                         numpy_state['pos'], numpy_state['has_gauss'],
                         numpy_state['cached_gaussian']))
    random.setstate(state['python'])
    if generator is not None and state.get('generator') is not None:
        generator.set_state(state['generator'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def save_checkpoint(state: Dict[str, Any], path: str) -> None:
    r"""Writes :obj:`state` with :func:`torch.save` atomically: to a
    temporary file in the same directory, flushed to disk, then renamed over
    :obj:`path` with :func:`os.replace`, so a killed process leaves either
    the old or the new checkpoint, never a truncated one.

    Args:
        state (dict): The objects to save.
        path (str): The destination file.
    """
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    tmp = osp.join(directory, f'.{osp.basename(path)}.{os.getpid()}.tmp')
    try:
        with open(tmp, 'wb') as f:
            torch.save(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def load_checkpoint(path: str,
                    map_location: Any = 'cpu') -> Dict[str, Any]:
    r"""Loads a checkpoint written by :func:`save_checkpoint`.

    Checkpoints hold tensors and plain data only, and are loaded with
    ``torch.load(..., weights_only=True)``: a file that holds anything
    else (a pickle that would run code when loaded, a checkpoint of
    another program) is refused with a :class:`ValueError`, as is a
    damaged one.

    Args:
        path (str): The checkpoint file.
        map_location (optional): Passed to :func:`torch.load`.
            (default: :obj:`'cpu'`)
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f"no checkpoint at '{path}'")
    try:
        state = torch.load(path, map_location=map_location,
                           weights_only=True)
    except Exception as error:
        first_line = (str(error).splitlines() or [''])[0]
        # The weights-only unpickler names the first global it refuses;
        # any other failure is a damaged or foreign file.
        if 'GLOBAL' in str(error):
            raise ValueError(
                f"refusing to load '{path}': it holds objects other than "
                f"tensors and plain data, which a checkpoint of this "
                f"library never does (a file of another program, of an "
                f"earlier version of this library that stored NumPy "
                f"objects, or one crafted to run code when loaded)"
            ) from None
        raise ValueError(
            f"'{path}' is not a readable checkpoint: truncated, empty or "
            f"not a torch file ({type(error).__name__}: {first_line})"
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"'{path}' is not a checkpoint of this library "
                         f"(it holds a {type(state).__name__}, not a dict)")
    return state


def claim_run_directory(run_dir: RunDirectory, dist: DistributedInfo,
                        resume: bool, overwrite: bool) -> None:
    r"""Prepares :obj:`run_dir` for a run: rank 0 takes its lock
    (:meth:`RunDirectory.lock`; another process that holds it raises
    :class:`RunDirectoryInUseError`); a directory that holds an earlier
    run raises :class:`FileExistsError` unless :obj:`resume` (its stale
    ``*.tmp`` files are removed) or :obj:`overwrite` (its run files are
    deleted) is set. Rank 0 decides, so that no rank sees files another one
    wrote.

    Args:
        run_dir (RunDirectory): The run directory.
        dist (DistributedInfo): This process's rank and world size.
        resume (bool): Continue the run in :obj:`run_dir`.
        overwrite (bool): Delete the files of an earlier run.
    """
    error = None
    if dist.is_main:
        try:
            run_dir.lock()
        except RunDirectoryInUseError as busy:
            error = str(busy)
    error = broadcast_object(error)
    if error is not None:
        raise RunDirectoryInUseError(error)
    if dist.is_main:
        earlier = run_dir.run_files()
        if earlier and not (resume or overwrite):
            names = [osp.relpath(p, run_dir.path) for p in earlier]
            error = (f"'{run_dir.path}' already holds a run "
                     f"({names}): pass resume=True (--resume) to "
                     f"continue it, overwrite=True (--overwrite) to "
                     f"replace it, or another run directory")
        elif overwrite:
            run_dir.clear()
        else:
            run_dir.clear_temporary_files()
    error = broadcast_object(error)
    if error is not None:
        raise FileExistsError(error)


class RunCheckpoints:
    r"""The checkpoints of one training run: ``best.pt`` and ``last.pt`` of
    a :class:`RunDirectory` (written atomically by rank 0), or the best
    weights in memory without one. A checkpoint holds the model, optimiser
    and scheduler states, the progress (:data:`PROGRESS_KEYS`), the
    configuration, the data identity, the run record and the RNG states of
    every process.

    Args:
        run_dir (RunDirectory, optional): The run directory (:obj:`None`:
            the best weights are kept in memory).
        dist (DistributedInfo): This process's rank, world size and device.
        model (torch.nn.Module): The trained model.
        optimizer (torch.optim.Optimizer, optional): Its optimiser.
        scheduler (optional): Its learning-rate scheduler.
        generator (torch.Generator): The loader's shuffling generator.
        config (TrainConfig): The run configuration.
        data_identity (dict, optional): The training split's identity (see
            :func:`dataset_identity`); a resumed run must match it.
        run_record (dict): What rebuilds and uses the model.
        extra_config (dict): Further settings stored with the checkpoints.
        weight_average (WeightAverage, optional): The run's average of the
            weights, if it keeps one: every checkpoint stores it (key
            :obj:`'weight_average'`) and ``best.pt``'s :obj:`'model'` holds
            the averaged weights, those that were validated.
            (default: :obj:`None`)
    """
    def __init__(self, run_dir: Optional[RunDirectory],
                 dist: DistributedInfo, model: torch.nn.Module,
                 optimizer: Optional[torch.optim.Optimizer], scheduler: Any,
                 generator: torch.Generator, config: TrainConfig,
                 data_identity: Optional[Dict[str, Any]],
                 run_record: Dict[str, Any], extra_config: Dict[str, Any],
                 weight_average: Optional[WeightAverage] = None):
        self.run_dir = run_dir
        self.weight_average = weight_average
        self.dist = dist
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.generator = generator
        self.config = config
        self.data_identity = data_identity
        self.run_record = run_record
        self.extra_config = extra_config
        self._best_state: Optional[Dict[str, torch.Tensor]] = None

    def state(self, progress: Dict[str, Any]) -> Dict[str, Any]:
        r"""The checkpoint of the current weights and :obj:`progress` (a
        :obj:`dict` of :data:`PROGRESS_KEYS`), without the RNG states."""
        return {
            'model': self.model.state_dict(),
            'optimizer': (None if self.optimizer is None else
                          self.optimizer.state_dict()),
            'scheduler': (None if self.scheduler is None else
                          self.scheduler.state_dict()),
            **{key: progress[key] for key in PROGRESS_KEYS},
            'config': self.config.to_dict(),
            'extra_config': self.extra_config,
            'data': self.data_identity,
            'run': self.run_record,
            **({} if self.weight_average is None else
               {'weight_average': self.weight_average.state_dict()}),
        }

    def _best_weights(self) -> Dict[str, torch.Tensor]:
        # The weights that were validated: the average, if the run keeps
        # one.
        if self.weight_average is None:
            return copy.deepcopy(self.model.state_dict())
        return self.weight_average.averaged_state_dict(self.model)

    def save(self, progress: Dict[str, Any], improved: bool) -> None:
        r"""Saves the end of an epoch: ``last.pt``, and ``best.pt`` first
        when :obj:`improved` (a kill between the two writes leaves
        ``last.pt`` one epoch behind, that epoch is trained again, never a
        ``last.pt`` whose best epoch is newer than ``best.pt``). Called by
        every process (the RNG states are gathered)."""
        states = all_gather_objects(rng_state(self.generator))
        if self.run_dir is None:
            if improved:
                self._best_state = self._best_weights()
            return
        if not self.dist.is_main:
            return
        self.run_dir.check_writable()
        state = self.state(progress)
        state['rng'] = states
        if improved:
            save_checkpoint({**state, 'model': self._best_weights()},
                            self.run_dir.best_checkpoint)
        save_checkpoint(state, self.run_dir.last_checkpoint)

    def resume(self) -> Optional[Dict[str, Any]]:
        r"""Loads ``last.pt`` into the model, optimiser, scheduler and RNGs
        and returns its progress; :obj:`None` when the directory holds no
        run at all (a new run starts). Everything it reads is checked
        before any training: a directory with run files but no ``last.pt``,
        a damaged checkpoint or log, another configuration (beyond
        :data:`RESUMABLE_SETTINGS`), another model (its
        :attr:`~torch_geometric_fnri.nn.RelationalInference.config` beyond
        :data:`~.run_record.RESUMABLE_MODEL_SETTINGS`, or weights that do
        not fit) or other training data raise an error that says what to
        do (:class:`FileNotFoundError` for the missing ``last.pt``,
        :class:`ValueError` otherwise); nothing is changed then."""
        path = self.run_dir.last_checkpoint
        if not osp.isfile(path):
            earlier = self.run_dir.run_files()
            if earlier:
                names = [osp.relpath(p, self.run_dir.path) for p in earlier]
                last = osp.relpath(path, self.run_dir.path)
                raise FileNotFoundError(
                    f"cannot resume: '{self.run_dir.path}' holds a run "
                    f"({names}) but no '{last}' to continue from; restore "
                    f"it, or start the run again with overwrite=True "
                    f"(--overwrite)")
            return None
        self.run_dir.read_log()  # Raises on a damaged log, before training.
        try:
            state = load_checkpoint(path, map_location=self.dist.device)
        except Exception as error:
            raise ValueError(
                f"cannot resume: '{path}' is not a readable checkpoint "
                f"({type(error).__name__}: {error}). Checkpoints are written "
                f"atomically, so the file was damaged after it was written: "
                f"start again with overwrite=True (--overwrite), or replace "
                f"it by a copy of '{self.run_dir.best_checkpoint}' to "
                f"continue from the best epoch") from error
        again = ("resume with the run's settings (its config.json), or "
                 "start it again with overwrite=True (--overwrite)")
        saved = state['config']
        current = self.config.to_dict()
        differ = sorted(k for k in current if k not in RESUMABLE_SETTINGS
                        and saved.get(k) != current[k])
        if differ:
            raise ValueError(
                f"cannot resume from '{path}': the configuration differs in "
                f"{differ} (checkpoint: {[saved.get(k) for k in differ]}, "
                f"now: {[current[k] for k in differ]}); {again}")
        saved = (read_run_record(state.get('run')) or {}).get('model')
        refuse_other_model(saved, self.run_record['model'],
                           f"cannot resume from '{path}': the model differs",
                           ('checkpoint', 'now'), again)
        saved_data = state.get('data')
        if saved_data is not None and saved_data != self.data_identity:
            raise ValueError(
                f"cannot resume from '{path}': it was trained on other data "
                f"(checkpoint: {saved_data}, now: {self.data_identity})")
        try:
            self.model.load_state_dict(state['model'])
        except RuntimeError as error:  # Another module of another kind.
            raise ValueError(
                f"cannot resume from '{path}': its weights do not fit the "
                f"model ({str(error).splitlines()[0]} ...); {again}"
            ) from None
        if self.optimizer is not None:
            self.optimizer.load_state_dict(state['optimizer'])
            self.scheduler.load_state_dict(state['scheduler'])
        if self.weight_average is not None:
            self.weight_average.load_state_dict(state['weight_average'])
        progress = {
            'epoch': state['epoch'],
            'updates': state.get('updates', 0),
            'examples': state.get('examples', 0),
            'best_value': state['best_value'],
            'best_epoch': state['best_epoch'],
        }
        states = state['rng']
        if len(states) == self.dist.world_size:
            set_rng_state(states[self.dist.rank], self.generator)
        else:
            torch.manual_seed(self.config.seed + self.dist.rank +
                              1000 * progress['epoch'])
        if self.dist.is_main:
            self.run_dir.truncate_log(progress['epoch'])
        return progress

    def load_best(self) -> None:
        r"""Loads the weights of the best epoch (``best.pt``, or the copy
        in memory) into the model, if there is one; a weight average
        restarts at them (they are the average of that epoch)."""
        if self.run_dir is not None:
            barrier()  # Rank 0 has written the checkpoint.
            if not osp.isfile(self.run_dir.best_checkpoint):
                return
            state = load_checkpoint(self.run_dir.best_checkpoint,
                                    map_location=self.dist.device)
            self.model.load_state_dict(state['model'])
        elif self._best_state is not None:
            self.model.load_state_dict(self._best_state)
        else:
            return
        if self.weight_average is not None:
            self.weight_average.reset(self.model)
