r"""Infer which simulated particles interact, and how, with fNRI.

Five steps: simulate particles joined by springs and charges (I+C: two
layer-graphs of interactions), build the model of a training recipe, train
it, report what it has learnt, and draw the graphs it infers and the
trajectories it predicts from them.

    python examples/springs_charges.py                    # fNRI, fast recipe
    python examples/springs_charges.py --model nri --epochs 40
    python examples/springs_charges.py --recipe paper     # paper's routine
    python examples/springs_charges.py --system kuramoto  # oscillators

The ``fast`` recipe (hidden 64, batch 32, Adam 1e-3, the decoder trained
with short rollouts on 12-frame windows under a robust loss, with learned
central forces and a KL weight of 0.1 for the first 2,000 updates; see the
README's Recipes) learns both I+C layer-graphs, the springs and the
charges, in 3 to 7 minutes on two CPU cores.
``--recipe paper`` is the fNRI paper's routine at these sizes. Every option
(training modes, model and loss settings, the paper's configuration,
``--resume``, torchrun) is in ``python -m torch_geometric_fnri.train``,
which trains the same model as this example for the same flags.

Writes to ``--out``: config.json, log.csv, checkpoints/{last,best}.pt,
metrics.json, plots/graph_<i>.png and, for particles (not Kuramoto),
plots/trajectories.png.
"""
import argparse
import os.path as osp
import time

import torch

from torch_geometric_fnri.nn import MODEL_FAMILIES
from torch_geometric_fnri.training import (
    SYSTEMS_WITHOUT_GRAPH,
    RECIPES,
    Trainer,
    get_recipe,
    load_splits,
    load_trained,
    progress_printer,
    results_table,
)
from torch_geometric_fnri.transforms import POSITION_VELOCITY_FEATURES
from torch_geometric_fnri.visualization import (
    plot_inferred_graphs,
    plot_trajectories,
)

SEED = 42


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', choices=MODEL_FAMILIES, default='fnri',
                        help='the model family')
    parser.add_argument('--recipe', choices=sorted(RECIPES), default='fast')
    parser.add_argument('--system', choices=SYSTEMS_WITHOUT_GRAPH, default='I+C',
                        help="particles ('I+C', 'I+C+F', 'springs', "
                        "'charged') or Kuramoto oscillators ('kuramoto')")
    parser.add_argument('--num-train', type=int, default=5000)
    parser.add_argument('--num-valid', type=int, default=500)
    parser.add_argument('--num-test', type=int, default=1000)
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--out', default=osp.join('runs', 'springs_charges'))
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the run already in --out')
    parser.add_argument('--no-plots', action='store_true')
    return parser.parse_args(argv)


def plot_test_systems(run_dir: str, test) -> list:
    r"""Draws the first three test simulations with the trained model, as
    :func:`~torch_geometric_fnri.training.load_trained` gives it back for
    inference: the graphs it infers, and its rollouts from them."""
    run = load_trained(run_dir)  # The best checkpoint, on the CPU.
    plots = osp.join(run_dir, 'plots')
    paths = plot_inferred_graphs(run, test, plots)  # run.infer_graphs
    if list(test.feature_names[:2]) != list(POSITION_VELOCITY_FEATURES[:2]):
        print(f'\nno trajectory plot: the features are not x, y positions '
              f'but {list(test.feature_names)}')
        return paths
    # The encoder reads frames 0-48, the decoder rolls out frames 50-98.
    enc, dec = run.config.frame_split.test_slices(run.num_frames)
    model = run.model
    systems = [test[i] for i in range(min(3, len(test)))]
    predictions = []
    with torch.no_grad():
        for data in systems:
            # encode -> sample -> decode, one simulation of N particles:
            logits = model.encode(data.x[:, enc], data.edge_index)  # [E, ΣK]
            edge_weight = model.sample(logits, deterministic=True)  # [E, ΣK]
            x_dec = data.x[:, dec]  # [N, 49, D]
            predictions.append(model.decode(  # [N, 48, D]: frames 51-98
                x_dec, data.edge_index, edge_weight,
                pred_steps=x_dec.size(1) - 1))
    paths.append(plot_trajectories(
        osp.join(plots, 'trajectories.png'),
        [data.x[:, dec][:, 1:] for data in systems], predictions,
        [data.x[:, enc] for data in systems],
        [f'system {i}' for i in range(len(systems))]))
    return paths


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()

    # 1. Data: one PyG graph per simulation, cached under data/, with
    # x [N, T, D] (N = 5 particles, T = 99 frames of x, y, vx, vy,
    # normalised by the training split) on the N (N - 1) candidate edges
    # edge_index [2, E] and their labels edge_type [E, L], one column per
    # layer-graph (I+C: ideal springs, charges).
    data = dict(system=args.system, seed=SEED, num_simulations=(
        args.num_train, args.num_valid, args.num_test))
    train, valid, test = load_splits(**data)

    # 2. Model: the recipe's encoder (trajectories -> edge logits), edge
    # sampler (logits -> one Gumbel-softmax per layer-graph) and decoder
    # (trajectories and sampled edges -> the next frames).
    torch.manual_seed(SEED)
    recipe = get_recipe(args.recipe, args.system)
    model = recipe.build_model(args.model, 'learned', train.num_edge_types,
                               train[0].x.size(1))

    # 3. Training: the recipe's TrainConfig; the trainer checkpoints every
    # epoch, keeps the epoch of the best validation loss and finally tests
    # it (edge accuracy per layer-graph, trajectory error).
    config = recipe.config(epochs=args.epochs, seed=SEED)
    trainer = Trainer(model, config, train, valid, test, run_dir=args.out,
                      overwrite=args.overwrite,
                      extra_config={'data': data, 'arguments': vars(args)})
    results = trainer.fit(on_epoch_end=progress_printer(trainer))
    trainer.close()

    # 4. Results: each layer-graph's accuracy beside the accuracy of
    # predicting one class for every edge (learnt or not?).
    print(results_table(results, trainer.layer_names, test,
                        f'{args.model.upper()} on {args.system} (learned)',
                        time.perf_counter() - start))

    # 5. Plots.
    if not args.no_plots:
        print('\nplots: ' + ', '.join(plot_test_systems(args.out, test)))
    print(f"metrics: {osp.join(args.out, 'metrics.json')}")
    return 0


if __name__ == '__main__':
    main()
