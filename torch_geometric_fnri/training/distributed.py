r"""Helpers for multi-process training with
:class:`torch.nn.parallel.DistributedDataParallel`.

A script started by ``torchrun --nproc_per_node=K`` finds ``WORLD_SIZE``,
``RANK`` and ``LOCAL_RANK`` in its environment; :func:`init_distributed`
then joins the process group (``nccl`` on CUDA, ``gloo`` otherwise). A
plain ``python`` start runs as a single process and all helpers degrade to
no-ops.
"""
import os
from dataclasses import dataclass
from typing import Any, List

import torch
import torch.distributed as dist


@dataclass
class DistributedInfo:
    r"""Rank, world size and device of this process."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device('cpu')

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def resolve_device(device: str) -> torch.device:
    r"""Maps :obj:`'auto'` to CUDA when available, else CPU; raises a
    :class:`ValueError` that says what to use for a device that is unknown
    or not on this machine (CUDA without a GPU, a GPU index beyond the
    GPUs, a CPU index: there is one CPU device)."""
    if device == 'auto':
        return torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}: use 'auto', 'cpu', "
                         f"'cuda' or 'cuda:<index>'") from None
    if resolved.type == 'cpu' and resolved.index not in (None, 0):
        raise ValueError(f"device {device!r}: there is one CPU device, "
                         f"'cpu' (its threads: torch.set_num_threads or "
                         f"OMP_NUM_THREADS)")
    if resolved.type == 'cuda':
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r}: CUDA is not available on "
                             f"this machine (no GPU, or PyTorch without "
                             f"CUDA); use 'cpu' or 'auto'")
        if resolved.index is not None and \
                resolved.index >= torch.cuda.device_count():
            raise ValueError(f"device {device!r}: this machine has "
                             f"{torch.cuda.device_count()} GPU(s), "
                             f"'cuda:0' to 'cuda:"
                             f"{torch.cuda.device_count() - 1}'")
    return resolved


def init_distributed(device: str = 'auto') -> DistributedInfo:
    r"""Joins the process group described by the torchrun environment
    variables (if any) and picks this process's device (``cuda:LOCAL_RANK``
    on GPUs).

    Args:
        device (str, optional): The requested device or :obj:`'auto'`.
            (default: :obj:`'auto'`)
    """
    world_size = int(os.environ.get('WORLD_SIZE', '1'))
    base = resolve_device(device)
    if world_size <= 1 and not dist.is_initialized():
        return DistributedInfo(device=base)
    local_rank = int(os.environ.get('LOCAL_RANK', '0'))
    if base.type == 'cuda':
        base = torch.device('cuda', local_rank)
        torch.cuda.set_device(base)
    if not dist.is_initialized():
        backend = 'nccl' if base.type == 'cuda' else 'gloo'
        dist.init_process_group(backend=backend)
    return DistributedInfo(rank=dist.get_rank(),
                           world_size=dist.get_world_size(),
                           local_rank=local_rank, device=base)


def all_reduce_sum(tensor: torch.Tensor) -> torch.Tensor:
    r"""Sums :obj:`tensor` over all processes (identity when not
    distributed); returns a new tensor on :obj:`tensor`'s device. Under
    ``nccl``, which reduces CUDA tensors only, a CPU tensor (*e.g.* a
    confusion matrix) is reduced through this process's CUDA device."""
    if not (dist.is_available() and dist.is_initialized()):
        return tensor.clone()
    if dist.get_backend() == 'nccl' and tensor.device.type != 'cuda':
        out = tensor.to(torch.device('cuda', torch.cuda.current_device()))
    else:
        out = tensor.clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out.to(tensor.device)


def all_gather_objects(obj: Any) -> List[Any]:
    r"""Collects one picklable object from every process, in rank order."""
    if not (dist.is_available() and dist.is_initialized()):
        return [obj]
    out: List[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(out, obj)
    return out


def broadcast_object(obj: Any) -> Any:
    r"""Returns rank 0's :obj:`obj` on every process."""
    if not (dist.is_available() and dist.is_initialized()):
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier() -> None:
    r"""Waits for all processes (no-op when not distributed)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def shutdown_distributed() -> None:
    r"""Leaves the process group: waits for every process, then destroys
    the group (no-op when not distributed). Call it after
    :meth:`Trainer.close`, which drops the trainer's
    :class:`~torch.nn.parallel.DistributedDataParallel` wrapper, so that
    the group is freed here, on every rank at once. A group freed later, at
    interpreter exit and after another rank has already exited, can leave
    gloo's threads waiting for the gone peer: the process never exits and
    ``torchrun`` never returns.
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
