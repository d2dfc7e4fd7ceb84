import torch.nn.functional as F
from torch import Tensor


def edge_type_bce(logits: Tensor, edge_type: Tensor,
                  sharpness: float = 1.0) -> Tensor:
    r"""The supervised-encoder loss of sfNRI: binary cross-entropy of
    :math:`\sigma(s \cdot h)` against the 0/1 labels of every factor, mean
    over all entries (computed from logits for numerical stability).

    Args:
        logits (torch.Tensor): Factor logits :obj:`[E, F]`.
        edge_type (torch.Tensor): 0/1 labels :obj:`[E, F]`.
        sharpness (float, optional): The sigmoid sharpness :math:`s`.
            (default: :obj:`1.0`)

    Returns:
        A scalar tensor.
    """
    if logits.shape != edge_type.shape:
        raise ValueError(f"'logits' and 'edge_type' must have the same "
                         f"shape [E, F] (got {tuple(logits.shape)} and "
                         f"{tuple(edge_type.shape)})")
    return F.binary_cross_entropy_with_logits(sharpness * logits,
                                              edge_type.to(logits.dtype))
