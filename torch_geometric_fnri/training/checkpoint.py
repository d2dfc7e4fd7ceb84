r"""Atomic checkpoints and the random-number-generator state of a run."""
import os
import os.path as osp
import random
from typing import Any, Dict, Optional

import numpy as np
import torch


def rng_state(generator: Optional[torch.Generator] = None) -> Dict[str, Any]:
    r"""Captures the global torch (and CUDA), NumPy and Python RNG states
    and, if given, the state of :obj:`generator` (the loader's shuffling
    generator).

    Args:
        generator (torch.Generator, optional): An extra generator to capture.
            (default: :obj:`None`)
    """
    state = {
        'torch': torch.get_rng_state(),
        'numpy': np.random.get_state(),
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
    np.random.set_state(state['numpy'])
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

    Checkpoints hold NumPy and Python RNG states, so they are loaded with
    ``weights_only=False``: only load checkpoints you wrote yourself.

    Args:
        path (str): The checkpoint file.
        map_location (optional): Passed to :func:`torch.load`.
            (default: :obj:`'cpu'`)
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f"no checkpoint at '{path}'")
    return torch.load(path, map_location=map_location, weights_only=False)
