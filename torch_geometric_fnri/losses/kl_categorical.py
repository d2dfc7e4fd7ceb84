from typing import List, Optional, Union

from torch import Tensor

from torch_geometric_fnri.utils.edge_type_counts import as_edge_type_counts


def kl_categorical(probs: Tensor, num_edge_types: Union[int, List[int]],
                   num_nodes: int,
                   log_prior: Optional[Tensor] = None) -> Tensor:
    r"""The KL divergence of per-layer categorical edge posteriors from a
    prior, summed over layer-graphs, with the NRI/fNRI normalisation:

    .. math::
        \mathcal{L} = \sum_{l} \frac{1}{|\mathcal{V}|} \sum_{e, k \in l}
        p_{ek} \left(\log(p_{ek} + 10^{-16}) - \log \pi_{k}\right)

    Without :obj:`log_prior` the prior term is dropped, which is the KL to
    the uniform prior up to the constant :math:`\sum_l |\mathcal{E}|
    \log K_l / |\mathcal{V}|` (as in the reference implementations).

    Args:
        probs (torch.Tensor): Per-layer probabilities :obj:`[E, sum(K)]`.
        num_edge_types (int or List[int]): The layer widths :math:`K_l`.
        num_nodes (int): The normaliser :math:`|\mathcal{V}|` (all nodes of
            the batch).
        log_prior (torch.Tensor, optional): Log prior probabilities of
            shape :obj:`[sum(K)]` (each layer block a log-distribution,
            *e.g.* a sparsity prior with more mass on the non-edge) or
            :obj:`[E, sum(K)]`. (default: :obj:`None`)

    Returns:
        A scalar tensor.
    """
    ks = as_edge_type_counts(num_edge_types)
    if probs.dim() != 2 or probs.size(1) != sum(ks):
        raise ValueError(f"'probs' must have shape [E, {sum(ks)}] for "
                         f"num_edge_types={ks} (got {tuple(probs.shape)})")
    if not num_nodes > 0:
        raise ValueError(f"'num_nodes' must be positive (got {num_nodes})")
    kl = probs * (probs + 1e-16).log()
    if log_prior is not None:
        if log_prior.shape not in (probs.shape[1:], probs.shape):
            raise ValueError(
                f"'log_prior' must have shape [{sum(ks)}] or "
                f"{list(probs.shape)} (got {tuple(log_prior.shape)})")
        kl = kl - probs * log_prior
    # The per-layer terms share the normaliser, so their sum is one sum.
    return kl.sum() / num_nodes
