"""Input checks shared by the layers and models (private)."""
import warnings

import torch
from torch import Tensor

from torch_geometric_fnri.utils.int_checks import is_int


def is_compiling() -> bool:
    r"""Returns :obj:`True` while :func:`torch.compile` traces the code."""
    return torch.compiler.is_compiling()


def check_dropout(p: float, name: str = 'dropout') -> float:
    r"""Returns the dropout probability :obj:`p` as a float; raises a
    :class:`ValueError` unless it is in :math:`[0, 1)`."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) \
            or not 0 <= p < 1:
        raise ValueError(f"'{name}' must be a probability in [0, 1) "
                         f"(got {p!r})")
    return float(p)


def check_node_features(x: Tensor, name: str = 'x',
                        allowed_dims=(2, 3)) -> None:
    r"""Checks that node features are a floating tensor of an allowed rank;
    warns when they hold NaN or inf (:func:`warn_if_not_finite`)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"'{name}' must be a torch.Tensor "
                        f"(got {type(x).__name__})")
    if x.dim() not in allowed_dims:
        shapes = ' or '.join(
            {2: '[N, F]', 3: '[N, T, F]'}[d] for d in allowed_dims)
        raise ValueError(f"'{name}' must have shape {shapes} "
                         f"(got {tuple(x.shape)})")
    if not x.is_floating_point():
        raise ValueError(f"'{name}' must be a floating point tensor "
                         f"(got {x.dtype})")
    warn_if_not_finite(x, name)


def warn_if_not_finite(values: Tensor, name: str) -> None:
    r"""Warns (outside of compilation) when :obj:`values` hold NaN or inf,
    which the layers would pass on to their output."""
    if is_compiling():
        return
    values = values.detach()
    # A finite sum means finite values; the exact check only runs when the
    # sum is not finite (an overflow of the sum alone is no NaN).
    if bool(torch.isfinite(values.sum())) or bool(
            torch.isfinite(values).all()):
        return
    warnings.warn(f"'{name}' holds NaN or inf values, which make the "
                  f"output NaN or inf: clean the data (or, in training, "
                  f"lower the learning rate of a model that diverged)",
                  RuntimeWarning, stacklevel=3)


# The attribute that marks an edge_index whose values were checked, with the
# version counter and node count they were checked at: a model checks the
# edge_index of a batch once, not in every layer and rollout step (each
# check syncs with the device).
_CHECKED = '_fnri_checked_for'


def check_edge_index(edge_index: Tensor, num_nodes: int) -> None:
    r"""Checks shape, dtype and (outside of compilation) the index range of
    :obj:`edge_index`, and that it holds no self-loops and no duplicate
    edges. The value checks run once per tensor and node count (again
    after an in-place change of the tensor)."""
    if not isinstance(edge_index, Tensor):
        raise TypeError(f"'edge_index' must be a torch.Tensor "
                        f"(got {type(edge_index).__name__})")
    if edge_index.dim() != 2 or edge_index.size(0) != 2:
        raise ValueError(f"'edge_index' must have shape [2, E] "
                         f"(got {tuple(edge_index.shape)})")
    if edge_index.dtype != torch.long:
        raise ValueError(f"'edge_index' must be of dtype torch.long "
                         f"(got {edge_index.dtype})")
    if is_compiling() or edge_index.numel() == 0:
        return
    stamp = (edge_index._version, num_nodes)
    if getattr(edge_index, _CHECKED, None) == stamp:
        return
    _check_edge_index_values(edge_index, num_nodes)
    setattr(edge_index, _CHECKED, stamp)


def _check_edge_index_values(edge_index: Tensor, num_nodes: int) -> None:
    low, high = int(edge_index.min()), int(edge_index.max())
    if low < 0 or high >= num_nodes:
        raise ValueError(
            f"'edge_index' must contain node indices in [0, {num_nodes - 1}]"
            f" for {num_nodes} nodes (got values in [{low}, {high}])")
    sender, receiver = edge_index
    loops = sender == receiver
    if bool(loops.any()):
        node = int(sender[loops][0])
        raise ValueError(
            f"'edge_index' must not hold self-loops (got an edge from node "
            f"{node} to itself): interactions are between two nodes; drop "
            f"them, e.g. with torch_geometric.utils.remove_self_loops")
    key = (sender * num_nodes + receiver).sort().values
    if bool((key[1:] == key[:-1]).any()):
        repeated = int(key[1:][key[1:] == key[:-1]][0])
        raise ValueError(
            f"'edge_index' must not hold duplicate edges (got the edge "
            f"{repeated // num_nodes} -> {repeated % num_nodes} more than "
            f"once), which would count twice in every aggregation; drop "
            f"them, e.g. with torch_geometric.utils.coalesce")


def check_edge_values(values: Tensor, num_edges: int, width: int,
                      name: str) -> None:
    r"""Checks that per-edge values have shape :obj:`[num_edges, width]`;
    warns when they hold NaN or inf (:func:`warn_if_not_finite`)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"'{name}' must be a torch.Tensor "
                        f"(got {type(values).__name__})")
    if values.dim() != 2 or values.size(0) != num_edges \
            or values.size(1) != width:
        raise ValueError(f"'{name}' must have shape [{num_edges}, {width}] "
                         f"(one row per edge, sum of edge types columns) "
                         f"(got {tuple(values.shape)})")
    warn_if_not_finite(values, name)


def check_decoder_inputs(x: Tensor, edge_index: Tensor,
                         edge_weight: Tensor, in_channels: int, width: int,
                         pred_steps: int) -> None:
    r"""Checks the common inputs of the decoders."""
    check_node_features(x, allowed_dims=(3, ))
    if x.size(-1) != in_channels or x.size(1) < 2:
        raise ValueError(f"'x' must have shape [N, T, {in_channels}] with "
                         f"T >= 2 (got {tuple(x.shape)})")
    if not is_int(pred_steps) or not 1 <= pred_steps <= x.size(1):
        raise ValueError(f"'pred_steps' must be an int in [1, T={x.size(1)}]"
                         f" (got {pred_steps!r})")
    check_edge_index(edge_index, x.size(0))
    if edge_weight is not None:
        check_edge_values(edge_weight, edge_index.size(1), width,
                          'edge_weight')
