r"""How much each layer-graph's edges tell a decoder: the signal a learned
encoder gets for it.

Trains a true-graph decoder (the model's decoder fed the ground-truth
multiplex graph, the fast recipe's loss and rollouts) for ``--updates``
optimiser steps, then measures its reconstruction loss on ``--eval-size``
validation simulations (the recipe's loss, Cauchy of scale 0.01, with
rollouts of M = 2 re-anchored on every other decoder frame) with the true
graph and with one layer-graph's edges removed at a time (every pair of
that layer given its first class, "no interaction"). A layer whose removal
barely changes the loss is one a jointly trained decoder can ignore, so
the encoder gets no gradient for it: the diagnosis that explained why the
I+C charges are learnt late (``docs/time-to-accuracy.md``). It also gives
the median size of each layer's effect on a predicted step beside the
decoder's own residual.

    python benchmarks/edge_signal.py --system I+C+F --updates 3000

Writes ``results/edge_signal/<system>-<model>-<updates>.json`` (``--out``
for another folder) and ends with the same figures as one JSON line: per
layer-graph, the loss with its edges removed over the loss with the true
graph, and the median and 90th percentile of the change in the predicted
frame.
"""
import argparse
import json
import os
import os.path as osp
import platform
import sys

import torch

from torch_geometric.data import Batch

from torch_geometric_fnri.losses import cauchy_nll
from torch_geometric_fnri.training import (
    SYSTEMS_WITHOUT_GRAPH,
    Trainer,
    get_recipe,
    load_splits,
)
from torch_geometric_fnri.utils.atomic_files import write_json_atomic


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--system', choices=SYSTEMS_WITHOUT_GRAPH,
                        default='I+C+F')
    parser.add_argument('--model', default='fnri')
    parser.add_argument('--updates', type=int, default=3000)
    parser.add_argument('--eval-size', type=int, default=1000)
    parser.add_argument('--prediction-steps', type=int, default=2,
                        help='M of the evaluation rollouts')
    parser.add_argument('--num-train', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--out', default=osp.join('results', 'edge_signal'))
    return parser.parse_args(argv)


def train_true_graph_decoder(args, splits):
    r"""The fast recipe's model in the true-graph mode, trained for
    :obj:`args.updates` steps; returns the trainer."""
    train, valid, test = splits
    recipe = get_recipe('fast', args.system)
    torch.manual_seed(args.seed)
    model = recipe.build_model(args.model, 'true_graph',
                               train.num_edge_types, train[0].x.size(1))
    config = recipe.config(mode='true_graph', seed=args.seed, epochs=10**6,
                           device='cpu', progress=False, tensorboard=False)
    trainer = Trainer(model, config, train, valid, test, run_dir=None)
    trainer.fit(on_step_end=lambda step: step['updates'] >= args.updates)
    return trainer


@torch.no_grad()
def layer_signal(trainer, valid, eval_size: int, steps: int):
    r"""Per layer-graph: the loss with that layer's edges removed over the
    true graph's, and the size of its effect on the predicted frames."""
    model, config = trainer.model.eval(), trainer.config
    batch = Batch.from_data_list([valid[i] for i in range(eval_size)])
    _, decoder_frames = trainer.frames
    x = batch.x[:, decoder_frames]

    def predict(edge_type):
        return model.decode(x, batch.edge_index,
                            model.edge_weight_from_labels(edge_type),
                            pred_steps=steps)

    def loss(pred):
        return float(cauchy_nll(pred, x[:, 1:], scale=config.cauchy_scale,
                                variance=config.variance))

    true = predict(batch.edge_type)
    true_loss = loss(true)
    residual = (true - x[:, 1:]).norm(dim=-1).flatten()
    out = {'true_graph_loss': true_loss,
           'residual_median': float(residual.median()), 'layers': {}}
    for col, name in enumerate(trainer.layer_names):
        edge_type = batch.edge_type.clone()
        has_edge = edge_type[:, col] != 0
        edge_type[:, col] = 0
        pred = predict(edge_type)
        # The change in the prediction at the receivers of the layer's
        # edges (where removing it can matter).
        nodes = batch.edge_index[1, has_edge].unique()
        change = (pred - true)[nodes].norm(dim=-1).flatten()
        out['layers'][name] = {
            'edge_share': float(has_edge.float().mean()),
            'loss_ratio': loss(pred) / true_loss,
            'change_median': float(change.median()),
            'change_p90': float(change.quantile(0.9)),
        }
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    splits = load_splits(args.system, (args.num_train, 2000, 2000),
                         seed=42, root=args.data_root)
    trainer = train_true_graph_decoder(args, splits)
    signal = layer_signal(trainer, splits[1], args.eval_size,
                          args.prediction_steps)
    for name, layer in signal['layers'].items():
        print(f"{name:>16}: loss x{layer['loss_ratio']:.3f} without its "
              f"edges; prediction change median {layer['change_median']:.2e}"
              f" (90 %: {layer['change_p90']:.2e}); decoder residual "
              f"median {signal['residual_median']:.2e}", flush=True)
    figures = {
        'benchmark': 'edge_signal', 'system': args.system,
        'model': args.model, 'updates': trainer.updates, 'seed': args.seed,
        'num_train': args.num_train, 'eval_size': args.eval_size,
        'prediction_steps': args.prediction_steps,
        'machine': {'cpu': platform.machine(),
                    'threads': torch.get_num_threads(),
                    'torch': torch.__version__},
        **signal,
    }
    os.makedirs(args.out, exist_ok=True)
    path = osp.join(args.out, f'{args.system}-{args.model}-'
                    f'{trainer.updates}.json')
    write_json_atomic(path, figures, indent=1, sort_keys=False)
    print(json.dumps(figures))
    return 0


if __name__ == '__main__':
    sys.exit(main())
