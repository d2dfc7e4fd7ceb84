from typing import Optional

from torch import Tensor


def gaussian_nll(pred: Tensor, target: Tensor, variance: float = 5e-5,
                 num_nodes: Optional[int] = None) -> Tensor:
    r"""The Gaussian negative log-likelihood of the NRI/fNRI reconstruction
    term, with the reference normalisation (no constant term):

    .. math::
        \mathcal{L} = \frac{1}{|\mathcal{V}|} \sum_{i, t, d}
        \frac{(\hat{x}_{itd} - x_{itd})^2}{2 \sigma^2}

    *i.e.* summed over time and features, averaged over all nodes of the
    batch (the reference's division by batch size times particles).

    Args:
        pred (torch.Tensor): Predictions :obj:`[N, T, D]`.
        target (torch.Tensor): Targets of the same shape.
        variance (float, optional): The fixed variance :math:`\sigma^2`.
            (default: :obj:`5e-5`)
        num_nodes (int, optional): The normaliser; defaults to
            :obj:`pred.size(0)`. (default: :obj:`None`)

    Returns:
        A scalar tensor.
    """
    num_nodes = check_reconstruction_inputs(pred, target, variance,
                                            num_nodes)
    return (pred - target).pow(2).sum() / (2 * variance * num_nodes)


def check_reconstruction_inputs(pred: Tensor, target: Tensor,
                                variance: float,
                                num_nodes: Optional[int]) -> int:
    r"""Checks the arguments of a reconstruction loss and returns the
    normaliser (:obj:`num_nodes`, by default :obj:`pred.size(0)`)."""
    if pred.shape != target.shape:
        raise ValueError(f"'pred' and 'target' must have the same shape "
                         f"(got {tuple(pred.shape)} and "
                         f"{tuple(target.shape)})")
    if not variance > 0:
        raise ValueError(f"'variance' must be positive (got {variance})")
    return pred.size(0) if num_nodes is None else num_nodes
