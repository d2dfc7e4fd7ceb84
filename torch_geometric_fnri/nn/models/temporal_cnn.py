import math

import torch
import torch.nn.functional as F
from torch import Tensor

from torch_geometric_fnri.nn._validation import check_dropout


class TemporalCNN(torch.nn.Module):
    r"""The per-edge temporal convolution block of the NRI CNN encoder from
    the `"Neural Relational Inference for Interacting Systems"
    <https://arxiv.org/abs/1802.04687>`_ paper:
    :obj:`Conv1d(k=5) -> ReLU -> BatchNorm -> Dropout -> MaxPool(2) ->
    Conv1d(k=5) -> ReLU -> BatchNorm`, followed by an attention-weighted
    temporal mean of a :math:`1 \times 1` convolution (attention = softmax
    over time of another :math:`1 \times 1` convolution). Convolution weights
    are drawn from :math:`\mathcal{N}(0, 2 / (k \cdot C_{out}))`, biases are
    :obj:`0.1`.

    Its input is one sequence per row, :obj:`[E, T, C]` (a 2-D input is
    refused); see the tensor layout in :mod:`torch_geometric_fnri.nn`.

    Args:
        in_channels (int): Input channels per time step.
        hidden_channels (int): Channels of the convolutions.
        out_channels (int): Output channels.
        dropout (float, optional): Dropout probability. (default: :obj:`0.`)

    Shapes:
        - **input:** :math:`(E, T, C_{in})` with :math:`T \geq 14`
        - **output:** :math:`(E, C_{out})`
    """
    # The fewest frames T accepted: two convolutions of width 5 around a
    # max-pool of 2 leave floor((T - 4) / 2) - 4 >= 1.
    min_timesteps: int = 14

    def __init__(self, in_channels: int, hidden_channels: int,
                 out_channels: int, dropout: float = 0.):
        super().__init__()
        self.dropout = check_dropout(dropout)
        self.conv1 = torch.nn.Conv1d(in_channels, hidden_channels, 5)
        self.norm1 = torch.nn.BatchNorm1d(hidden_channels)
        self.conv2 = torch.nn.Conv1d(hidden_channels, hidden_channels, 5)
        self.norm2 = torch.nn.BatchNorm1d(hidden_channels)
        self.conv_predict = torch.nn.Conv1d(hidden_channels, out_channels, 1)
        self.conv_attention = torch.nn.Conv1d(hidden_channels, 1, 1)
        self.reset_parameters()

    def reset_parameters(self):
        r"""Resets all learnable parameters of the module."""
        for conv in (self.conv1, self.conv2, self.conv_predict,
                     self.conv_attention):
            std = math.sqrt(2.0 / (conv.kernel_size[0] * conv.out_channels))
            torch.nn.init.normal_(conv.weight, 0.0, std)
            torch.nn.init.constant_(conv.bias, 0.1)
        self.norm1.reset_parameters()
        self.norm2.reset_parameters()

    def forward(self, x: Tensor) -> Tensor:
        channels = self.conv1.in_channels
        if x.dim() != 3 or x.size(-1) != channels or \
                x.size(1) < self.min_timesteps:
            raise ValueError(
                f"'x' must have shape [E, T, {channels}] (one sequence of "
                f"T >= {self.min_timesteps} steps per row) (got "
                f"{tuple(x.shape)})")
        x = x.transpose(1, 2)  # [E, C, T]
        x = self.norm1(F.relu(self.conv1(x)))
        x = F.dropout(x, p=self.dropout, training=self.training)
        x = F.max_pool1d(x, kernel_size=2, stride=2)
        x = self.norm2(F.relu(self.conv2(x)))
        pred = self.conv_predict(x)
        attention = self.conv_attention(x).softmax(dim=-1)
        return (pred * attention).mean(dim=-1)
