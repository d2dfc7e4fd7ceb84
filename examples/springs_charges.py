r"""Simulate interacting particles, train fNRI, report and plot the results.

``--system`` picks the simulated system: the particles of the fNRI paper
(``I+C``, the default, ``I+C+F``, ``springs``, ``charged``) or NRI's
Kuramoto oscillators (``kuramoto``, one coupling layer-graph).

By default the example trains with the library's ``fast`` recipe
(``torch_geometric_fnri.training.RECIPES['fast']``): hidden size 64, batch
32, Adam 1e-3, the decoder trained with 2-step rollouts (10-step after 500
updates) on random 12-frame windows of the prediction half under a robust
(Cauchy) loss, and symmetric edge logits. Its default run learns the I+C
springs in a few minutes on two CPU cores; the charges need about ten times
as many updates (``benchmarks/time_to_accuracy.py``). ``--recipe paper``
trains with the routine of the fNRI paper ("Factorised Neural Relational
Inference for Multi-Interaction Systems",
https://arxiv.org/abs/1905.08721: hidden 256, batch 128, Adam 5e-4, M = 10
over frames 50-98, Gaussian NLL) at the example's sizes, and ``--paper``
selects the paper's whole configuration (50,000 / 10,000 / 10,000
simulations, 500 epochs: days on a CPU). In every case the encoder sees
frames 0-48 and the decoder predicts frames 50-98 of 99.

    python examples/springs_charges.py                     # fast recipe
    python examples/springs_charges.py --recipe paper      # paper's routine
    python examples/springs_charges.py --model nri --epochs 30
    python examples/springs_charges.py --mode supervised
    python examples/springs_charges.py --encoder cnn       # NRI's CNN encoder
    python examples/springs_charges.py --system kuramoto   # oscillators
    python examples/springs_charges.py --resume            # continue a run
    python examples/springs_charges.py --overwrite         # replace a run
    torchrun --nproc_per_node=2 examples/springs_charges.py

Every ``--progress-every`` epochs it prints the updates so far and the
validation edge accuracy per layer-graph, so a run shows which
layer-graphs it has learnt.

Writes to ``--out``: config.json, log.csv, checkpoints/{last,best}.pt,
metrics.json, plots/graph_<i>.png and, for data whose features are x, y
positions (the particles, not Kuramoto), plots/trajectories.png.
"""
import argparse
import os.path as osp
import sys
import time

import torch

from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    constant_prediction_accuracy,
)
from torch_geometric_fnri.nn import VARIANTS, CNNEncoder, get_model_family
from torch_geometric_fnri.training import (
    LOADABLE_SYSTEMS,
    RECIPES,
    TrainConfig,
    Trainer,
    get_recipe,
    init_distributed,
    load_splits,
    shutdown_distributed,
)
from torch_geometric_fnri.transforms import POSITION_VELOCITY_FEATURES

#: Defaults of the fast recipe's run: about 3 minutes of training on two
#: CPU cores.
NUM_TRAIN = 5000
EPOCHS = 20
#: A layer-graph whose test accuracy is less than this above the
#: constant-prediction level is reported as not learnt.
NOT_LEARNT_MARGIN = 0.05
#: The paper's sizes and epochs (with the paper's recipe) for --paper.
PAPER = dict(recipe='paper', num_train=50000, num_valid=10000,
             num_test=10000, epochs=500, num_frames=99)


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected an integer, got {text!r}')
    if value < minimum:
        raise argparse.ArgumentTypeError(f'expected an integer >= {minimum}, '
                                         f'got {value}')
    return value


def positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def at_least_two_int(text: str) -> int:
    return _int_at_least(text, 2)


def _finite_float(text: str, zero_allowed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a number, got {text!r}')
    low_ok = value >= 0 if zero_allowed else value > 0
    if not (low_ok and value < float('inf')):
        bound = '>= 0' if zero_allowed else '> 0'
        raise argparse.ArgumentTypeError(f'expected a finite number {bound}, '
                                         f'got {value}')
    return value


def non_negative_float(text: str) -> float:
    return _finite_float(text, zero_allowed=True)


def positive_float(text: str) -> float:
    return _finite_float(text, zero_allowed=False)


def sparsity_prior(text: str) -> float:
    kind, _, value = text.partition(':')
    try:
        probability = float(value)
    except ValueError:
        probability = None
    if kind != 'sparsity' or probability is None or \
            not 0 < probability < 1:
        raise argparse.ArgumentTypeError(
            f'expected sparsity:P with 0 < P < 1, got {text!r}')
    return probability


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Train NRI / fNRI / sfNRI on simulated particles or '
        'Kuramoto oscillators.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', choices=VARIANTS, default='fnri')
    parser.add_argument('--recipe', choices=sorted(RECIPES), default='fast',
                        help="training recipe: 'fast' (minutes on a CPU) or "
                        "'paper' (the fNRI paper's routine); the flags "
                        'below override its settings')
    parser.add_argument('--system', choices=list(LOADABLE_SYSTEMS),
                        default='I+C', help="the simulated system: "
                        "particles ('I+C', ...) or Kuramoto oscillators "
                        "('kuramoto')")
    parser.add_argument('--mode', default='learned',
                        choices=['learned', 'supervised', 'true_graph',
                                 'static'])
    parser.add_argument('--num-train', type=positive_int, default=NUM_TRAIN)
    parser.add_argument('--num-valid', type=positive_int, default=500)
    parser.add_argument('--num-test', type=positive_int, default=1000)
    parser.add_argument('--num-particles', type=at_least_two_int,
                        default=5, help='particles (or oscillators) per '
                        'simulation')
    parser.add_argument('--num-frames', type=positive_int, default=99,
                        help='frames per simulation (encoder: first half)')
    parser.add_argument('--hidden', type=positive_int, default=None,
                        help='hidden size (fast: 64, paper: 256)')
    parser.add_argument('--encoder', choices=['mlp', 'cnn'], default=None,
                        help="the recipe's (the paper's fNRI uses the MLP "
                        "encoder; the fast recipe uses the CNN on "
                        "Kuramoto)")
    parser.add_argument('--split-point', type=int, choices=[0, 1, 2],
                        default=0, help='fNRI/sfNRI encoder: where the '
                        'per-layer-graph heads branch off (paper: 0)')
    parser.add_argument('--encoder-frames', type=positive_int, default=None,
                        help='frames the encoder reads (default: the first '
                        'half); the decoder starts one frame later')
    parser.add_argument('--decoder', choices=['mlp', 'rnn'], default='mlp',
                        help="the paper's models use the MLP decoder")
    parser.add_argument('--burn-in-steps', type=positive_int, default=None,
                        help='RNN decoder: train with ground truth inputs '
                        'for this many steps, then its own predictions')
    parser.add_argument('--checkpoint-decoder', action='store_true',
                        help='MLP decoder: recompute activations in the '
                        'backward pass (less memory for large graphs)')
    parser.add_argument('--tau', type=positive_float, default=0.5,
                        help='Gumbel-softmax temperature')
    parser.add_argument('--hard', action='store_true',
                        help='straight-through hard edge samples')
    parser.add_argument('--no-skip-first', action='store_true',
                        help='give the first edge type of every layer-graph '
                        'a message too (by default it is the non-edge)')
    parser.add_argument('--prior', type=sparsity_prior, default=None,
                        metavar='sparsity:P', help='KL to a prior with '
                        'probability P on the non-edge type (NRI/fNRI)')
    parser.add_argument('--batch-size', type=positive_int, default=None,
                        help='global batch size (fast: 32, paper: 128)')
    parser.add_argument('--epochs', type=positive_int, default=EPOCHS)
    parser.add_argument('--lr', type=positive_float, default=None,
                        help='Adam learning rate (fast: 1e-3, paper: 5e-4)')
    parser.add_argument('--prediction-steps', type=positive_int,
                        default=None, help='M, the training rollout '
                        'length (fast: 2, then 10 after 500 updates; '
                        'paper: 10); setting it replaces the curriculum')
    parser.add_argument('--seed', type=non_negative_int, default=42)
    parser.add_argument('--observation-noise', type=non_negative_float,
                        default=0.0, help='std of Gaussian noise on the '
                        'observed positions and velocities (physical units; '
                        'kuramoto: on the phases and their rates)')
    parser.add_argument('--data-root', default='data')
    parser.add_argument('--out', default=osp.join('runs', 'springs_charges'))
    parser.add_argument('--resume', action='store_true',
                        help='continue the run in --out from its last '
                        'checkpoint')
    parser.add_argument('--overwrite', action='store_true',
                        help='replace the run already in --out (without '
                        '--resume or --overwrite, an earlier run is never '
                        'touched)')
    parser.add_argument('--paper', action='store_true',
                        help="the paper's full configuration: the paper "
                        'recipe, 50k/10k/10k simulations, 500 epochs')
    parser.add_argument('--device', default='auto',
                        help="'auto', 'cpu', 'cuda', 'cuda:1', ...")
    parser.add_argument('--no-plots', action='store_true')
    parser.add_argument('--progress-every', type=non_negative_int,
                        default=5, help='print the validation accuracy '
                        'per layer-graph every this many epochs (0: never)')
    args = parser.parse_args(argv)
    if args.paper:
        for key, value in PAPER.items():
            setattr(args, key, value)
    recipe = get_recipe(args.recipe, args.system)
    if args.hidden is None:
        args.hidden = recipe.model['hidden_channels']
    if args.encoder is None:
        args.encoder = recipe.model.get('encoder', 'mlp')
    # An explicit --prediction-steps replaces the recipe's curriculum on M.
    args.prediction_steps_schedule = (
        None if args.prediction_steps is not None else
        recipe.config().prediction_steps_schedule)
    for flag, field in (('batch_size', 'batch_size'), ('lr', 'lr'),
                        ('prediction_steps', 'prediction_steps')):
        if getattr(args, flag) is None:
            setattr(args, flag, recipe.config().to_dict()[field])
    if args.device != 'auto':
        try:
            device = torch.device(args.device)
        except RuntimeError:
            parser.error(f'--device: unknown device {args.device!r}')
        if device.type == 'cuda' and not torch.cuda.is_available():
            parser.error('--device: CUDA is not available')
    family = get_model_family(args.model)
    if args.split_point and not family.has_split_heads:
        parser.error('--split-point: NRI has a single layer-graph; use '
                     '--model fnri or sfnri')
    if args.num_frames < 8:
        parser.error(f'--num-frames: need at least 8 frames, got '
                     f'{args.num_frames}')
    try:
        encoder, decoder = TrainConfig(
            encoder_frames=args.encoder_frames).frame_split(args.num_frames)
    except ValueError as error:
        parser.error(f'--encoder-frames: {error}')
    encoder_frames = encoder.stop - encoder.start
    decoder_frames = decoder.stop - decoder.start
    if (args.encoder == 'cnn' and args.mode in ('learned', 'supervised')
            and encoder_frames < CNNEncoder.min_timesteps):
        parser.error(f'--encoder cnn: the encoder sees the first '
                     f'{encoder_frames} frames but needs at least '
                     f'{CNNEncoder.min_timesteps}; use --num-frames '
                     f'{2 * CNNEncoder.min_timesteps} or more')
    if args.burn_in_steps is not None and args.decoder != 'rnn':
        parser.error('--burn-in-steps needs --decoder rnn')
    if args.checkpoint_decoder and (args.decoder != 'mlp'
                                    or args.mode == 'static'):
        parser.error('--checkpoint-decoder needs the MLP decoder (--decoder '
                     'mlp, not the static mode)')
    if args.decoder == 'rnn' and args.mode == 'static':
        parser.error('--decoder rnn: the static mode has its own decoder')
    if args.prior is not None and not family.has_kl:
        parser.error('--prior: sfNRI has no KL term; use --model nri or '
                     'fnri')
    window = recipe.config().decoder_window
    if window is not None and window > decoder_frames:
        parser.error(f'--num-frames: the {args.recipe} recipe trains the '
                     f'decoder on {window}-frame windows, but '
                     f'{args.num_frames} frames leave only {decoder_frames} '
                     f'decoder frames; use --num-frames {2 * window + 1} or '
                     f'more')
    limit = decoder_frames if window is None else window - 1
    if args.prediction_steps > limit:
        parser.error(f'--prediction-steps must be at most {limit} for '
                     f'{args.num_frames} frames and the {args.recipe} recipe,'
                     f' got {args.prediction_steps}')
    return args


def progress_printer(args, names, updates_per_epoch: int):
    r"""A callback for :meth:`Trainer.fit` that prints one line per
    ``--progress-every`` epochs (and the last): updates, training minutes
    and the validation edge accuracy, combined and per layer-graph, so
    that a run shows which layer-graphs it has learnt so far."""
    minutes = 0.0

    def on_epoch_end(row):
        nonlocal minutes
        minutes += row['time'] / 60
        epoch = row['epoch'] + 1
        if 'valid_acc_combined' not in row or args.progress_every == 0 or (
                epoch % args.progress_every and epoch != args.epochs):
            return
        layers = ', '.join(f"{name} {row[f'valid_acc_{name}']:.3f}"
                           for name in names)
        print(f'epoch {epoch:>3}/{args.epochs}, '
              f'{epoch * updates_per_epoch:>6,} updates, {minutes:5.1f} min:'
              f" validation accuracy {row['valid_acc_combined']:.3f} "
              f'({layers})', flush=True)

    return on_epoch_end


def print_results(args, results, names, seconds, level):
    test = results['test']
    print(f"\n{args.model.upper()} on {args.system} ({args.mode}), "
          f"{test['num_graphs']} test simulations, "
          f"{results['epochs_done']} epochs in {seconds:.0f} s "
          f"(best epoch {results['best_epoch']})")
    if 'acc_combined' in test:
        constant = [level['combined']] + level['per_layer']
        print(f"\n{'edge accuracy':<24}{'valid-fitted':>14}"
              f"{'per-batch optimum':>20}{'constant level':>17}")
        for name, floor in zip(['combined'] + list(names), constant):
            print(f'  {name:<22}{test[f"acc_{name}"]:>14.3f}'
                  f'{test[f"acc_batch_optimal_{name}"]:>20.3f}'
                  f'{floor:>17.3f}')
        print('  (constant level: the accuracy of predicting one class for '
              'every edge)')
        weak = [name for name, floor in zip(names, level['per_layer'])
                if test[f'acc_{name}'] < floor + NOT_LEARNT_MARGIN]
        if weak:
            print(f"  not learnt in this run's {results['updates']:,} "
                  f"updates (within {NOT_LEARNT_MARGIN} of the constant "
                  f"level): {', '.join(weak)}\n  weak interactions need "
                  f"more updates (on I+C the charges: about 25,000, e.g. "
                  f"--num-train 10000 --epochs 100; "
                  f"docs/time-to-accuracy.md)")
        print(f"\n{'edge presence':<24}{'AUROC':>8}{'precision':>11}"
              f"{'recall':>8}{'F1':>8}")
        for name in names:
            print(f'  {name:<22}' + ''.join(
                f'{test[f"{key}_{name}"]:>{width}.3f}' for key, width in
                (('auroc', 8), ('precision', 11), ('recall', 8), ('f1', 8))))
    if 'mse_block_1' in test:
        print(f"\n{'trajectory MSE (normalised)':<34}{'model':>11}"
              f"{'static':>11}")
        for kind, label in (('block', 'fNRI block-averaged'),
                            ('step', 'NRI per-step')):
            for s in (1, 10, 20):
                key = f'mse_{kind}_{s}'
                if key in test:
                    print(f'  {label + f", {s} step":<32}'
                          f'{test[key]:>11.3e}{test["static_" + key]:>11.3e}')


def make_plots(args, trainer, results, test_set, out_dir):
    from torch_geometric_fnri.visualization import (
        plot_multiplex_graph,
        plot_trajectories,
    )
    model, config = trainer.model, trainer.config
    model.eval()
    enc, dec = config.frame_split(test_set[0].x.size(1), 'fnri')
    mapping = results['test'].get('edge_mapping')
    # The trajectory plot draws features 0 and 1 as x, y positions.
    features = list(test_set.feature_names)
    has_positions = features[:2] == list(POSITION_VELOCITY_FEATURES[:2])
    if not has_positions:
        print(f'\nno trajectory plot: it draws x, y positions but the '
              f'features are {features}')
    targets, preds, observed, titles = [], [], [], []
    paths = []
    for index in range(min(3, len(test_set))):
        data = test_set[index].to(trainer.device)
        x_dec = data.x[:, dec]
        with torch.no_grad():
            if config.mode in ('learned', 'supervised'):
                logits = model.encode(data.x[:, enc], data.edge_index)
                edge_weight = model.sample(logits, deterministic=True)
                pred_types = model.predict_edge_types(logits)
                metric = EdgeAccuracy(model.pred_num_classes,
                                      model.num_edge_types,
                                      family=model.family.accuracy_family)
                graph = metric.map_predictions(pred_types, mapping)
                paths.append(plot_multiplex_graph(
                    osp.join(out_dir, 'plots', f'graph_{index}.png'),
                    data.edge_index.cpu(), graph.clamp(min=0).cpu(),
                    data.edge_type.cpu(), layer_names=trainer.layer_names,
                    title=f'test system {index}'))
            else:
                edge_weight = model.edge_weight_from_labels(data.edge_type)
            if config.mode == 'supervised' or not has_positions:
                continue
            pred = model.decode(x_dec, data.edge_index, edge_weight,
                                pred_steps=x_dec.size(1) - 1)
        targets.append(x_dec[:, 1:].cpu())
        preds.append(pred.cpu())
        observed.append(data.x[:, enc].cpu())
        titles.append(f'system {index}')
    if targets:
        paths.append(plot_trajectories(
            osp.join(out_dir, 'plots', 'trajectories.png'), targets, preds,
            observed, titles))
    return paths


def main(argv=None) -> int:
    args = parse_args(argv)
    dist = init_distributed(args.device)
    start = time.perf_counter()
    train, valid, test = load_splits(
        args.system, (args.num_train, args.num_valid, args.num_test),
        num_particles=args.num_particles, num_frames=args.num_frames,
        seed=args.seed, root=args.data_root, rank=dist.rank,
        observation_noise=args.observation_noise)
    torch.manual_seed(args.seed)
    recipe = get_recipe(args.recipe, args.system)
    config = recipe.config(mode=args.mode, epochs=args.epochs,
                           batch_size=args.batch_size, lr=args.lr,
                           prediction_steps=args.prediction_steps,
                           prediction_steps_schedule=(
                               args.prediction_steps_schedule),
                           encoder_frames=args.encoder_frames,
                           non_edge_prior=args.prior,
                           burn_in_steps=args.burn_in_steps,
                           seed=args.seed, device=args.device)
    encoder_frames = config.frame_split(args.num_frames)[0]
    model = recipe.build_model(
        args.model, args.mode, train.num_edge_types, args.num_frames,
        hidden_channels=args.hidden, encoder=args.encoder,
        split_point=args.split_point,
        encoder_frames=encoder_frames.stop - encoder_frames.start,
        tau=args.tau, hard=args.hard, skip_first=not args.no_skip_first,
        checkpoint_decoder=args.checkpoint_decoder, decoder=args.decoder)
    try:
        trainer = Trainer(model, config, train, valid, test,
                          run_dir=args.out, resume=args.resume,
                          overwrite=args.overwrite,
                          extra_config={'example': vars(args)})
    except FileExistsError as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    results = trainer.fit(on_epoch_end=progress_printer(
        args, trainer.layer_names, len(trainer.train_loader)))
    trainer.close()
    shutdown_distributed()
    if not dist.is_main:
        return 0
    level = constant_prediction_accuracy(
        torch.cat([test[i].edge_type for i in range(len(test))]),
        test.num_edge_types)
    print_results(args, results, trainer.layer_names,
                  time.perf_counter() - start, level)
    if not args.no_plots:
        try:
            paths = make_plots(args, trainer, results, test, args.out)
        except ImportError as error:
            print(f'\nno plots: {error}')
        else:
            if paths:
                print('\nplots: ' + ', '.join(paths))
    print(f"metrics: {osp.join(args.out, 'metrics.json')}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
