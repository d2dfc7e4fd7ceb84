r"""What identifies the data of a run, so that a resumed run can check that
it continues on the same data."""
import hashlib
import json
from typing import Any, Dict, Optional, Sequence

import torch


def dataset_identity(dataset: Optional[Sequence],
                     num_checked: int = 8) -> Optional[Dict[str, Any]]:
    r"""Returns a JSON-able identity of a split: its size, the generation
    parameters of a
    :class:`~torch_geometric_fnri.datasets.PhysicsSystemDataset` (its cache
    key) when it has them, and a SHA-256 digest of the features
    and labels of its first and last :obj:`num_checked` graphs (any
    :class:`~torch_geometric.data.Data` sequence).

    Args:
        dataset (Sequence[Data], optional): The split (:obj:`None` gives
            :obj:`None`).
        num_checked (int, optional): Graphs hashed at each end.
            (default: :obj:`8`)
    """
    if dataset is None:
        return None
    size = len(dataset)
    digest = hashlib.sha256()
    indices = sorted(set(range(min(num_checked, size))) |
                     set(range(max(size - num_checked, 0), size)))
    for index in indices:
        data = dataset[index]
        for key in ('x', 'edge_index', 'edge_type'):
            value = getattr(data, key, None)
            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().contiguous()
                digest.update(key.encode())
                digest.update(str(tuple(value.shape)).encode())
                digest.update(value.numpy().tobytes())
    identity: Dict[str, Any] = {'size': size, 'sha256': digest.hexdigest()}
    parameters = getattr(dataset, 'generation_parameters', None)
    if parameters is not None:
        identity['generation_parameters'] = json.loads(
            json.dumps(parameters, sort_keys=True, default=str))
        identity['split'] = getattr(dataset, 'split', None)
    return identity
