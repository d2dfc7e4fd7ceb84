from typing import Optional

from torch import Tensor
from torch_geometric.nn import MessagePassing
from torch_geometric.utils import scatter

from torch_geometric_fnri.nn._validation import check_edge_index


class EdgeToNodeConv(MessagePassing):
    r"""The edge-to-node operation :math:`e \to v` of the
    `"Neural Relational Inference for Interacting Systems"
    <https://arxiv.org/abs/1802.04687>`_ paper, which sums the embeddings of
    the incoming edges of every node, optionally divided by the number of
    nodes of the node's graph (the normalisation of the NRI/fNRI encoders):

    .. math::
        \mathbf{x}_i = \frac{1}{n_i} \sum_{j \in \mathcal{N}(i)}
        \mathbf{e}_{j \to i}, \qquad n_i = \begin{cases}
        |\mathcal{V}_{g(i)}| & \text{if } \mathrm{normalize} \\
        1 & \text{otherwise} \end{cases}

    The graph size :math:`|\mathcal{V}_{g(i)}|` of node :math:`i` is taken
    from :obj:`batch` if given (the number of nodes that share node
    :math:`i`'s graph assignment, so batches of graphs of different sizes
    are handled). Without :obj:`batch` it is the in-degree of node
    :math:`i` plus one, which equals the graph size for fully connected
    graphs without self-loops (the NRI setting) in any batch, but not for
    other graphs — pass :obj:`batch` for those. Nodes without incoming edges
    get zeros.

    Args:
        normalize (bool, optional): If set to :obj:`True`, divides the sum
            by the graph size. (default: :obj:`False`)
        **kwargs (optional): Additional arguments of
            :class:`torch_geometric.nn.conv.MessagePassing`.

    Shapes:
        - **input:**
          edge features :math:`(|\mathcal{E}|, F)` or
          :math:`(|\mathcal{E}|, T, F)`,
          edge indices :math:`(2, |\mathcal{E}|)`,
          batch vector :math:`(|\mathcal{V}|)` *(optional)*
        - **output:** node features :math:`(|\mathcal{V}|, F)` or
          :math:`(|\mathcal{V}|, T, F)`
    """
    def __init__(self, normalize: bool = False, **kwargs):
        kwargs.setdefault('aggr', 'sum')
        kwargs.setdefault('node_dim', 0)
        super().__init__(**kwargs)
        self.normalize = normalize

    def forward(self, edge_attr: Tensor, edge_index: Tensor, num_nodes: int,
                batch: Optional[Tensor] = None) -> Tensor:
        r"""Runs the layer.

        Args:
            edge_attr (torch.Tensor): Edge features :obj:`[E, *, F]`.
            edge_index (torch.Tensor): The edge indices :obj:`[2, E]`.
            num_nodes (int): The number of nodes :math:`|\mathcal{V}|`.
            batch (torch.Tensor, optional): The graph assignment of every
                node, used for the graph sizes if :obj:`normalize=True`.
                (default: :obj:`None`)
        """
        check_edge_index(edge_index, num_nodes)
        if edge_attr.dim() < 2 or edge_attr.size(0) != edge_index.size(1):
            raise ValueError(
                f"'edge_attr' must have shape [E, *, F] with "
                f"E={edge_index.size(1)} (got {tuple(edge_attr.shape)})")
        # propagate_type: (edge_attr: Tensor)
        out = self.propagate(edge_index, edge_attr=edge_attr,
                             size=(num_nodes, num_nodes))
        if self.normalize:
            size = self.graph_size(edge_index, num_nodes, batch)
            size = size.to(out.dtype).view((-1, ) + (1, ) * (out.dim() - 1))
            out = out / size
        return out

    @staticmethod
    def graph_size(edge_index: Tensor, num_nodes: int,
                   batch: Optional[Tensor] = None) -> Tensor:
        r"""Returns the size of every node's graph, shape
        :obj:`[num_nodes]` (see the class docstring)."""
        if batch is not None:
            if batch.dim() != 1 or batch.numel() != num_nodes:
                raise ValueError(f"'batch' must have shape [{num_nodes}] "
                                 f"(got {tuple(batch.shape)})")
            # Counted into num_nodes slots (an upper bound on the graphs),
            # not by bincount, whose data-dependent length breaks the graph
            # of a compiled step.
            counts = scatter(batch.new_ones(num_nodes), batch, 0,
                             dim_size=num_nodes)
            return counts[batch]
        ones = edge_index.new_ones(edge_index.size(1))
        return scatter(ones, edge_index[1], 0, dim_size=num_nodes) + 1

    def message(self, edge_attr: Tensor) -> Tensor:
        return edge_attr

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(normalize={self.normalize})'
