from typing import List, Union

import torch.nn.functional as F
from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


def edge_type_cross_entropy(logits: Tensor, edge_type: Tensor,
                            num_edge_types: Union[int, List[int]]
                            ) -> Tensor:
    r"""The supervised-encoder loss of fNRI: the cross-entropy of every
    layer-graph's logits block against that layer's labels (mean over
    edges), summed over layer-graphs. One layer gives NRI's loss.

    Args:
        logits (torch.Tensor): Logits :obj:`[E, sum(K)]`.
        edge_type (torch.Tensor): Integer labels :obj:`[E, L]` (or
            :obj:`[E]` for one layer).
        num_edge_types (int or List[int]): The layer widths :math:`K_l`.

    Returns:
        A scalar tensor.
    """
    ks = as_edge_type_counts(num_edge_types)
    if edge_type.dim() == 1:
        edge_type = edge_type.unsqueeze(-1)
    if logits.dim() != 2 or logits.size(1) != sum(ks):
        raise ValueError(f"'logits' must have shape [E, {sum(ks)}] "
                         f"(got {tuple(logits.shape)})")
    if edge_type.shape != (logits.size(0), len(ks)):
        raise ValueError(f"'edge_type' must have shape "
                         f"[{logits.size(0)}, {len(ks)}] "
                         f"(got {tuple(edge_type.shape)})")
    blocks = logits.split(ks, dim=-1)
    return sum(F.cross_entropy(block, edge_type[:, l].long())
               for l, block in enumerate(blocks))
