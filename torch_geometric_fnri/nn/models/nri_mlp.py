import torch
import torch.nn.functional as F
from torch import Tensor

from torch_geometric_fnri.nn._validation import check_dropout


class NRIMLP(torch.nn.Module):
    r"""The two-layer MLP block of the NRI/fNRI encoders from the
    `"Neural Relational Inference for Interacting Systems"
    <https://arxiv.org/abs/1802.04687>`_ paper:
    :obj:`Linear -> ELU -> Dropout -> Linear -> ELU -> BatchNorm1d`.

    Batch normalisation uses the statistics of all rows of the input (all
    nodes or edges of all graphs in a mini-batch). Linear weights are
    initialised with Xavier-normal, biases with :obj:`0.1`.

    Args:
        in_channels (int): Size of each input sample.
        hidden_channels (int): Size of the hidden layer.
        out_channels (int): Size of each output sample.
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)

    Shapes:
        - **input:** :math:`(*, F_{in})`
        - **output:** :math:`(*, F_{out})`
    """
    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, dropout: float = 0.):
        super().__init__()
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.out_channels = out_channels
        self.dropout = check_dropout(dropout)
        self.lin1 = torch.nn.Linear(in_channels, hidden_channels)
        self.lin2 = torch.nn.Linear(hidden_channels, out_channels)
        self.norm = torch.nn.BatchNorm1d(out_channels)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for lin in (self.lin1, self.lin2):
            torch.nn.init.xavier_normal_(lin.weight)
            torch.nn.init.constant_(lin.bias, 0.1)
        self.norm.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        x = F.elu(self.lin1(x))
        x = F.dropout(x, p=self.dropout, training=self.training)
        x = F.elu(self.lin2(x))
        return self.norm(x.reshape(-1, x.size(-1))).view(x.shape)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}({self.in_channels}, '
                f'{self.hidden_channels}, {self.out_channels})')
