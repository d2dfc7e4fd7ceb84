r"""Write your own relational-inference model from the package's layers and
a standard PyG layer, and train it with a plain PyTorch loop.

The model infers which of a particle's nearest neighbours pull on it, and
how (I+C: ideal springs and charges, one layer-graph each):

* encoder: an embedding of every particle's observed trajectory, PyG's
  :class:`~torch_geometric.nn.GATConv` over the candidate graph, and the
  package's :class:`~torch_geometric_fnri.nn.NodeToEdgeConv`, which scores
  every candidate edge from its two endpoints (logits per layer-graph);
* :class:`~torch_geometric_fnri.nn.MultiplexEdgeSampler`: one
  Gumbel-softmax sample of an edge type per layer-graph;
* decoder: the package's
  :class:`~torch_geometric_fnri.nn.MultiplexMessageConv`, one message per
  sampled edge type, and an update that predicts the next frame.

The candidate graph is not fully connected: the package's
:class:`~torch_geometric_fnri.transforms.KNNCandidateGraph` links every
particle to its ``--k`` nearest particles at the first frame, both ways,
and keeps the labels of those edges, so each edge is a candidate
interaction (large systems cannot afford all N (N - 1)).

    python examples/custom_model.py
    python examples/custom_model.py --num-particles 10 --k 4 --epochs 30

Prints the training loss per epoch and, at the end, the validation edge
accuracy per layer-graph on the candidate edges.
"""
import argparse

import torch
from torch import Tensor
from torch.nn import Linear, ReLU, Sequential
from torch_geometric.loader import DataLoader
from torch_geometric.nn import GATConv

from torch_geometric_fnri.datasets import PhysicsSystemDataset
from torch_geometric_fnri.losses import gaussian_nll, kl_categorical
from torch_geometric_fnri.metrics import EdgeAccuracy, edge_type_argmax
from torch_geometric_fnri.nn import (
    MultiplexEdgeSampler,
    MultiplexMessageConv,
    NodeToEdgeConv,
)
from torch_geometric_fnri.transforms import KNNCandidateGraph

#: The encoder reads frames 0-48 of 99; the decoder predicts frames 51-98
#: from frame 50 on, re-anchored on the true frame every PREDICTION_STEPS.
ENCODER_FRAMES, DECODER_START, PREDICTION_STEPS = 49, 50, 10


class NeighbourhoodNRI(torch.nn.Module):
    r"""Encoder, edge sampler and decoder of trajectories :obj:`[N, T, D]`
    on a candidate graph of :obj:`E` edges, with :obj:`K[l]` edge types
    in layer-graph :obj:`l` (type 0: no interaction)."""
    def __init__(self, features: int, hidden: int, K: list):
        super().__init__()
        self.embed = Linear(ENCODER_FRAMES * features, hidden)
        self.gat = GATConv(hidden, hidden)
        self.score = NodeToEdgeConv(Sequential(
            Linear(2 * hidden, hidden), ReLU(), Linear(hidden, sum(K))))
        self.sampler = MultiplexEdgeSampler(K, tau=0.5)
        self.message = MultiplexMessageConv(features, hidden, hidden, K,
                                            skip_first=True)
        self.update = Sequential(Linear(features + hidden, hidden), ReLU(),
                                 Linear(hidden, features))

    def encode(self, x: Tensor, edge_index: Tensor) -> Tensor:
        h = self.embed(x.flatten(1)).relu()  # [N, H]
        h = self.gat(h, edge_index).relu()  # [N, H]
        return self.score(h, edge_index)  # logits [E, ΣK]

    def decode(self, x: Tensor, edge_index: Tensor, z: Tensor) -> Tensor:
        r"""Predicts frames 1, ..., T - 1 of :obj:`x` :obj:`[N, T, D]`,
        rolling out PREDICTION_STEPS steps from frames 0, M, 2M, ...
        under the edge values :obj:`z` :obj:`[E, ΣK]`."""
        current, steps = x[:, :-1:PREDICTION_STEPS], []  # [N, A, D]
        for _ in range(PREDICTION_STEPS):
            message = self.message(current, edge_index, z)  # [N, A, H]
            current = current + self.update(torch.cat([current, message],
                                                      dim=-1))
            steps.append(current)
        # [N, A, M, D] -> frames 1, 2, ... in order, those past T dropped.
        return torch.stack(steps, dim=2).flatten(1, 2)[:, :x.size(1) - 1]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--num-particles', type=int, default=8)
    parser.add_argument('--k', type=int, default=3,
                        help='nearest neighbours per particle')
    parser.add_argument('--num-train', type=int, default=1000)
    parser.add_argument('--num-valid', type=int, default=200)
    parser.add_argument('--hidden', type=int, default=64)
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--root', default='data')
    return parser.parse_args(argv)


def main(argv=None) -> list:
    r"""Trains the model; returns the training loss of every epoch."""
    args = parse_args(argv)
    torch.manual_seed(0)
    train, valid = (PhysicsSystemDataset(
        args.root, 'springs_charges', split,
        num_simulations=(args.num_train, args.num_valid, 1),
        num_particles=args.num_particles,
        transform=KNNCandidateGraph(args.k)) for split in ('train', 'valid'))
    K = train.num_edge_types  # [2, 2]
    model = NeighbourhoodNRI(train[0].x.size(-1), args.hidden, K)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    losses = []
    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for batch in DataLoader(train, batch_size=32, shuffle=True):
            x_enc = batch.x[:, :ENCODER_FRAMES]
            x_dec = batch.x[:, DECODER_START:]
            logits = model.encode(x_enc, batch.edge_index)
            z = model.sampler(logits)  # [E, ΣK], soft one-hot per layer
            pred = model.decode(x_dec, batch.edge_index, z)
            loss = gaussian_nll(pred, x_dec[:, 1:]) + kl_categorical(
                model.sampler.probabilities(logits), K, batch.num_nodes)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * batch.num_graphs
        losses.append(total / len(train))
        print(f'epoch {epoch + 1:>3}: training loss {losses[-1]:.1f}',
              flush=True)

    # Edge accuracy up to the relabelling of the inferred edge types.
    model.eval()
    metric = EdgeAccuracy(K, K)
    with torch.no_grad():
        for batch in DataLoader(valid, batch_size=128):
            logits = model.encode(batch.x[:, :ENCODER_FRAMES],
                                  batch.edge_index)
            metric.update(edge_type_argmax(logits, K),
                          batch.edge_type)  # [E, L] both
    accuracy = metric.compute()
    print(f'validation edge accuracy, {metric.num_edges:,} candidate '
          f'edges: combined {accuracy["combined"]:.3f}, ' + ', '.join(
              f'{name} {value:.3f}' for name, value in zip(
                  train.interaction_names, accuracy['per_layer'])))
    return losses


if __name__ == '__main__':
    main()
