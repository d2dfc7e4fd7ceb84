"""Training one run of a protocol, resuming it, and keeping its time."""
import os
import os.path as osp
import platform
import time
from dataclasses import asdict
from typing import Dict

import torch

from torch_geometric_fnri.training import Trainer, load_splits, make_model
from torch_geometric_fnri.training.training_mode import STATIC_MODE
from torch_geometric_fnri.utils.atomic_files import write_json_atomic

from .protocols import Protocol, train_config
from .run_files import finished, read_json, run_dir


def machine() -> Dict[str, str]:
    """The platform, processor, CPU count, torch version and GPU."""
    info = {'platform': platform.platform(), 'processor':
            platform.processor() or platform.machine(),
            'cpus': str(os.cpu_count()), 'torch': torch.__version__}
    if torch.cuda.is_available():
        info['gpu'] = torch.cuda.get_device_name()
    return info


class RunClock:
    """The wall time of one run, summed over the invocations that trained
    it, in ``<run>/run_info.json`` with the machine.

    :meth:`record` rewrites the file with the time so far, so an invocation
    that is killed keeps the time up to its last record.

    Args:
        path (str): The run directory.
    """

    def __init__(self, path: str):
        self.path = osp.join(path, 'run_info.json')
        self.before = (read_json(self.path) or {}).get('seconds', 0.0)
        self.start = time.perf_counter()

    def record(self) -> None:
        write_json_atomic(self.path, {
            'seconds': self.before + time.perf_counter() - self.start,
            'machine': machine()
        })


def run_one(protocol: Protocol, out: str, system: str, model: str,
            mode: str, seed: int, device: str, data_root: str,
            reevaluate: bool = False) -> Dict:
    """Trains (or resumes) one run and returns its metrics.json. With
    :obj:`reevaluate`, a finished run is tested again from its best
    checkpoint (after a change to the evaluation) and its training time is
    left as it was."""
    path = run_dir(out, system, model, mode, seed)
    done = read_json(osp.join(path, 'metrics.json'))
    trained = finished(done, mode, protocol.epochs)
    if trained and not reevaluate:
        return done
    if trained and mode != STATIC_MODE and not all(
            osp.isfile(osp.join(path, 'checkpoints', name))
            for name in ('last.pt', 'best.pt')):
        print(f'{path}: no checkpoints, not re-evaluated', flush=True)
        return done
    os.makedirs(path, exist_ok=True)
    clock = None if trained else RunClock(path)
    train, valid, test = load_splits(system, protocol.num_simulations,
                                     num_frames=protocol.num_frames,
                                     seed=protocol.data_seed,
                                     root=data_root)
    torch.manual_seed(seed)
    net = make_model(model, mode, train.num_edge_types, protocol.num_frames,
                     protocol.hidden)
    config = train_config(protocol, system, model, mode, seed, device)
    trainer = Trainer(net, config, train, valid, test, run_dir=path,
                      resume=True, extra_config={
                          'protocol': asdict(protocol), 'system': system,
                          'model': model
                      })
    label = f'{system} {model} {mode} seed {seed}'

    def end_epoch(row: Dict) -> None:
        clock.record()
        accuracy = row.get('valid_acc_combined')
        print(f"{label}: epoch {int(row['epoch']) + 1}/{protocol.epochs} "
              f"in {row['time']:.1f} s, valid M-step MSE "
              f"{row.get('valid_mse_m', float('nan')):.3e}" +
              (f', valid combined accuracy {accuracy:.3f}'
               if accuracy is not None else ''), flush=True)

    if trained:  # Re-evaluating: no epoch to train, config.json kept.
        trainer.load_best()
        results = trainer.test(stopped_early=done['stopped_early'])
    else:
        results = trainer.fit(on_epoch_end=end_epoch)
    trainer.close()
    if clock is not None:
        clock.record()
    return results
