r"""Trains NRI / fNRI / sfNRI on a simulated system from the command line:
every model, mode, recipe and training option, resumable runs and DDP.

    python -m torch_geometric_fnri.train                  # fast recipe, I+C
    python -m torch_geometric_fnri.train --recipe paper   # paper's routine
    python -m torch_geometric_fnri.train --model nri --system I+C+F
    python -m torch_geometric_fnri.train --mode supervised
    python -m torch_geometric_fnri.train --encoder cnn    # NRI's CNN encoder
    python -m torch_geometric_fnri.train --system kuramoto
    python -m torch_geometric_fnri.train --system swing --graph case14 \
        --num-particles 14  # swing dynamics on the IEEE 14-bus grid
    python -m torch_geometric_fnri.train --system netsim --graph sim3 \
        --num-particles 15 --num-frames 200  # NetSim-style fMRI
    python -m torch_geometric_fnri.train --graph ba --num-particles 50 \
        --candidates knn --candidate-k 6  # springs on Barabási-Albert graphs
    python -m torch_geometric_fnri.train --paper          # the paper's setup
    python -m torch_geometric_fnri.train --resume         # continue a run
    python -m torch_geometric_fnri.train --overwrite      # replace a run
    torchrun --nproc_per_node=2 -m torch_geometric_fnri.train

(installed, also ``fnri-train``). ``--system`` picks the simulated system:
the particles of the fNRI paper (``I+C``, the default, ``I+C+F``,
``springs``, ``charged``), NRI's Kuramoto oscillators (``kuramoto``, one
coupling layer-graph) or swing dynamics on an IEEE test grid (``swing``,
one layer-graph of lines, the grid named by ``--graph``: ``case14`` to
``case300``, with ``--num-particles`` its bus count; needs PYPOWER, the
``grids`` extra) or NetSim-style fMRI (``netsim``, one directed
layer-graph of connections, the network named by ``--graph``: ``sim1``
or ``sim3``, 5 or 15 regions, NetSim's 200 scans with ``--num-frames
200``); ``--graph`` draws the springs (or couplings) from a
family of random graphs
(:data:`~torch_geometric_fnri.training.GRAPH_FAMILIES`: Erdős–Rényi,
Barabási–Albert, Watts–Strogatz, stochastic block model; mean degree about
4) or from a recorded network, its nodes relabelled in every simulation
(``karate_club``, ``les_miserables``, ``florentine_families``, with
``--num-particles`` its node count: 34, 77, 15). ``--candidates`` picks the pairs the encoder scores: all of them
(``full``, the default), or a candidate graph chosen from the encoder's
frames (``knn``: each particle's ``--candidate-k`` nearest particles;
``radius``: the pairs that come within ``--candidate-radius``, in
normalised units; ``correlation``: each particle's ``--candidate-k``
partners of the most strongly correlated velocities, or phase velocities
and sines for Kuramoto, frequencies and phase sines for swing, BOLD
signals for NetSim), made once when the data are cached and stored
with the run; the pairs left out count as predicted "no interaction" in
every metric, and the metrics report the share of the interactions they
miss.
``--recipe`` picks the training recipe
(:data:`~torch_geometric_fnri.training.RECIPES`: ``fast``, the default,
learns the I+C springs in minutes on a CPU; ``paper`` is the fNRI paper's
routine) and the flags override its settings; ``--paper`` selects the
paper's whole configuration (50,000 / 10,000 / 10,000 simulations, 500
epochs: days on a CPU). The defaults train the run of
``examples/springs_charges.py``.

Every ``--progress-every`` epochs it prints the updates so far and the
validation edge accuracy per layer-graph. Writes to ``--out``: config.json,
log.csv, checkpoints/{last,best}.pt, metrics.json, plots/graph_<i>.png and,
for data whose features are x, y positions (the particles, not Kuramoto),
plots/trajectories.png. Bad arguments exit with status 2 and a message.
"""
import argparse
import os.path as osp
import sys
import time
from typing import Any, Dict, List, Optional

import torch

from torch_geometric_fnri.nn import MODEL_FAMILIES, CNNEncoder
from torch_geometric_fnri.training import (
    GRAPH_CHOICES,
    LOADABLE_SYSTEMS,
    MODES,
    RECIPES,
    SYSTEMS_WITHOUT_POSITIONS,
    Trainer,
    get_recipe,
    get_training_mode,
    graph_family,
    init_distributed,
    load_splits,
    load_trained,
    progress_printer,
    results_table,
    shutdown_distributed,
)
from torch_geometric_fnri.training.distributed import resolve_device
from torch_geometric_fnri.transforms import (
    POSITION_VELOCITY_FEATURES,
    CandidateGraph,
    CorrelationCandidateGraph,
    KNNCandidateGraph,
    RadiusCandidateGraph,
)

#: Defaults of the fast recipe's run: about 3 minutes of training on two
#: CPU cores.
NUM_TRAIN = 5000
EPOCHS = 20
#: The paper's sizes and epochs (with the paper's recipe) for --paper.
PAPER = dict(recipe='paper', num_train=50000, num_valid=10000,
             num_test=10000, epochs=500, num_frames=99)
#: The choices of --candidates.
CANDIDATES = ('full', 'knn', 'radius', 'correlation')
#: Neighbours or partners per particle of --candidates knn and correlation.
CANDIDATE_K = 4
#: The features whose correlation --candidates correlation uses on the
#: systems without positions: Kuramoto's phase velocity and sine of the
#: phase, swing's sine of the phase and frequency, NetSim's BOLD signal
#: (every other system: the velocities).
CORRELATED_FEATURES = {'kuramoto': (0, 1), 'swing': (0, 2), 'netsim': (0, )}


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
    r"""The command line; the recipe's values fill the flags left unset.
    Combinations that the library rejects when the model and trainer are
    built (*e.g.* :obj:`--split-point` with NRI) are reported by
    :func:`main`."""
    parser = argparse.ArgumentParser(
        prog='python -m torch_geometric_fnri.train',
        description='Train NRI / fNRI / sfNRI on simulated particles or '
        'Kuramoto oscillators.',
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('--model', choices=MODEL_FAMILIES, default='fnri',
                        help='the model family')
    parser.add_argument('--recipe', choices=sorted(RECIPES), default='fast',
                        help="training recipe: 'fast' (minutes on a CPU) or "
                        "'paper' (the fNRI paper's routine); the flags "
                        'below override its settings')
    parser.add_argument('--system', choices=list(LOADABLE_SYSTEMS),
                        default='I+C', help="the simulated system: "
                        "particles ('I+C', ...), Kuramoto oscillators "
                        "('kuramoto'), swing dynamics on the IEEE grid "
                        "of --graph ('swing') or NetSim-style fMRI on the "
                        "network of --graph ('netsim')")
    parser.add_argument('--mode', default='learned', choices=MODES)
    parser.add_argument('--num-train', type=positive_int, default=NUM_TRAIN)
    parser.add_argument('--num-valid', type=positive_int, default=500)
    parser.add_argument('--num-test', type=positive_int, default=1000)
    parser.add_argument('--num-particles', type=at_least_two_int,
                        default=5, help='particles (or oscillators) per '
                        'simulation')
    add_graph_arguments(parser)
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
    parser.add_argument('--refine-steps', type=non_negative_int,
                        default=None,
                        help='also test with the edge logits of every test '
                        'simulation refined by this many gradient steps on '
                        'its own training loss over the encoder frames, the '
                        'weights frozen (semi-amortised inference; learned '
                        'mode; 0: the encoder alone, as in the paper; '
                        'default: the recipe\'s)')
    parser.add_argument('--refine-lr', type=positive_float, default=None,
                        help='learning rate of that refinement (default: '
                        'the recipe\'s)')
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
                        'recipe, 50k/10k/10k simulations, 500 epochs; flags '
                        'given with it win (--paper --epochs 1: one epoch)')
    parser.add_argument('--device', default='auto',
                        help="'auto', 'cpu', 'cuda', 'cuda:1', ...")
    parser.add_argument('--no-plots', action='store_true')
    parser.add_argument('--progress-every', type=non_negative_int,
                        default=5, help='print the validation accuracy '
                        'per layer-graph every this many epochs (0: never)')
    args = parser.parse_args(argv)
    if args.paper:  # The paper's values as defaults: explicit flags win.
        parser.set_defaults(**PAPER)
        args = parser.parse_args(argv)
    if args.resume and args.overwrite:
        parser.error('--resume continues the run in --out and --overwrite '
                     'replaces it: give one of them')
    check_graph_options(parser, args)
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
    try:
        resolve_device(args.device)
    except ValueError as error:
        parser.error(f'--device: {error}')
    if args.num_frames < 8:
        parser.error(f'--num-frames: need at least 8 frames, got '
                     f'{args.num_frames}')
    try:
        encoder, decoder = recipe.config(
            encoder_frames=args.encoder_frames).frame_split.slices(
                args.num_frames)
    except ValueError as error:
        parser.error(f'--encoder-frames: {error}')
    # The library checks the CNN's frames and the decoder window only once
    # training has started, and the rollout length against them not at all.
    encoder_frames = encoder.stop - encoder.start
    decoder_frames = decoder.stop - decoder.start
    if (args.encoder == 'cnn' and get_training_mode(args.mode).uses_encoder
            and encoder_frames < CNNEncoder.min_timesteps):
        parser.error(f'--encoder cnn: the encoder sees the first '
                     f'{encoder_frames} frames but needs at least '
                     f'{CNNEncoder.min_timesteps}; use --num-frames '
                     f'{2 * CNNEncoder.min_timesteps} or more')
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


def add_graph_arguments(parser: argparse.ArgumentParser) -> None:
    r"""Adds :obj:`--graph` (the family of the latent graphs) and the
    candidate graph's options (:obj:`--candidates`, :obj:`--candidate-k`,
    :obj:`--candidate-radius`) to :obj:`parser`; check them with
    :func:`check_graph_options`. Shared with
    ``benchmarks/time_to_accuracy.py``."""
    parser.add_argument('--graph', choices=GRAPH_CHOICES,
                        default=None, help='draw the springs (or Kuramoto '
                        'couplings) from a family of random graphs: '
                        'Erdős–Rényi, Barabási–Albert, Watts–Strogatz or a '
                        'stochastic block model, or a recorded network '
                        '(karate_club, les_miserables, florentine_families; '
                        '--num-particles its node count); with --system '
                        'swing, the IEEE grid (case14 ... case300; '
                        '--num-particles its bus count), with --system '
                        'netsim, the network (sim1, sim3) (default: every '
                        'pair independently, as in the papers)')
    parser.add_argument('--candidates', choices=CANDIDATES, default='full',
                        help='the pairs the encoder scores: all, or a '
                        'candidate graph from the encoder\'s frames (k '
                        'nearest particles, a radius, or the k most '
                        'correlated); pairs left out count as predicted '
                        '"no interaction"')
    parser.add_argument('--candidate-k', type=positive_int, default=None,
                        help=f'--candidates knn and correlation: partners '
                        f'per particle (default: {CANDIDATE_K})')
    parser.add_argument('--candidate-radius', type=positive_float,
                        default=None, help='--candidates radius: the '
                        'largest closest approach of a pair, in normalised '
                        'units (positions in [-1, 1])')


def candidate_label(args: argparse.Namespace) -> Optional[str]:
    r"""The candidate graph of checked options (see
    :func:`check_graph_options`) in a name: :obj:`None` for all pairs,
    else the method and its parameter, *e.g.* :obj:`'knn4'` or
    :obj:`'radius0.3'`."""
    if args.candidates == 'full':
        return None
    parameter = (args.candidate_radius if args.candidates == 'radius' else
                 args.candidate_k)
    return f'{args.candidates}{parameter:g}'


def check_graph_options(parser: argparse.ArgumentParser,
                        args: argparse.Namespace) -> None:
    r"""Refuses the --graph and --candidates combinations that cannot
    work, and sets :obj:`args.candidate_k` of the candidate graphs that
    take one."""
    try:
        graph_family(args.graph, args.system, args.num_particles)
    except (ValueError, ImportError) as error:
        parser.error(str(error))
    if args.candidates in ('knn', 'radius') and \
            args.system in SYSTEMS_WITHOUT_POSITIONS:
        parser.error(f'--candidates {args.candidates} needs positions, '
                     f'which --system {args.system} lacks: use '
                     f'--candidates correlation')
    takes_k = args.candidates in ('knn', 'correlation')
    if args.candidate_k is not None and not takes_k:
        parser.error(f'--candidate-k is for --candidates knn and '
                     f'correlation, not {args.candidates}')
    if args.candidate_radius is not None and args.candidates != 'radius':
        parser.error(f'--candidate-radius is for --candidates radius, not '
                     f'{args.candidates}')
    if args.candidates == 'radius' and args.candidate_radius is None:
        parser.error('--candidates radius needs --candidate-radius')
    if takes_k and args.candidate_k is None:
        args.candidate_k = CANDIDATE_K


def make_candidate_graph(args: argparse.Namespace,
                         encoder_frames: slice) -> Optional[CandidateGraph]:
    r"""The candidate graph of --candidates on the encoder's frames, or
    :obj:`None` for all pairs."""
    if args.candidates == 'knn':
        return KNNCandidateGraph(args.candidate_k, frames=encoder_frames)
    if args.candidates == 'radius':
        return RadiusCandidateGraph(args.candidate_radius,
                                    frames=encoder_frames)
    if args.candidates == 'correlation':
        if args.system in CORRELATED_FEATURES:
            return CorrelationCandidateGraph(
                args.candidate_k, encoder_frames,
                features=CORRELATED_FEATURES[args.system])
        return CorrelationCandidateGraph(args.candidate_k, encoder_frames)
    return None


def refinement_flags(args: argparse.Namespace) -> Dict[str, Any]:
    r"""The refinement flags given (:obj:`--refine-steps`,
    :obj:`--refine-lr`) as :class:`TrainConfig` fields; those not given
    keep the recipe's."""
    given = {'refine_steps': args.refine_steps, 'refine_lr': args.refine_lr}
    return {key: value for key, value in given.items() if value is not None}


def build_trainer(args: argparse.Namespace, rank: int) -> Trainer:
    r"""The recipe's configuration and model with the flags on top, the
    data, and a :class:`Trainer` of them writing to :obj:`args.out`.
    Raises :class:`ValueError` for combinations the library rejects and
    :class:`FileExistsError` for a run directory that holds a run."""
    recipe = get_recipe(args.recipe, args.system)
    config = recipe.config(mode=args.mode, epochs=args.epochs,
                           batch_size=args.batch_size, lr=args.lr,
                           prediction_steps=args.prediction_steps,
                           prediction_steps_schedule=(
                               args.prediction_steps_schedule),
                           encoder_frames=args.encoder_frames,
                           non_edge_prior=args.prior,
                           burn_in_steps=args.burn_in_steps,
                           seed=args.seed, device=args.device,
                           **refinement_flags(args))
    data = dict(system=args.system, num_simulations=(
        args.num_train, args.num_valid, args.num_test),
        num_particles=args.num_particles, num_frames=args.num_frames,
        seed=args.seed, root=args.data_root,
        observation_noise=args.observation_noise)
    train, valid, test = load_splits(
        **data, rank=rank,
        graph=graph_family(args.graph, args.system),
        pre_transform=make_candidate_graph(
            args, config.frame_split.slices(args.num_frames)[0]))
    torch.manual_seed(args.seed)
    model = recipe.build_model(
        args.model, args.mode, train.num_edge_types, args.num_frames,
        hidden_channels=args.hidden, encoder=args.encoder,
        split_point=args.split_point, frame_split=config.frame_split,
        tau=args.tau, hard=args.hard, skip_first=not args.no_skip_first,
        checkpoint_decoder=args.checkpoint_decoder, decoder=args.decoder)
    # config.json records the data (load_splits's arguments) and the flags.
    return Trainer(model, config, train, valid, test, run_dir=args.out,
                   resume=args.resume, overwrite=args.overwrite,
                   extra_config={'data': data, 'arguments': vars(args)})


def make_plots(trainer: Trainer, out_dir: str) -> List[str]:
    r"""Draws the first three test simulations to ``out_dir/plots``: the
    inferred multiplex graphs (modes with an encoder) and, for particles,
    the decoder's rollouts from the inferred graph (learned), the true
    graph (true_graph) or no graph (static)."""
    from torch_geometric_fnri.visualization import (
        plot_inferred_graphs,
        plot_trajectories,
    )
    config, model, test = trainer.config, trainer.model, trainer.test_dataset
    mode = config.training_mode
    plots = osp.join(out_dir, 'plots')
    paths = []
    if mode.uses_encoder:
        paths += plot_inferred_graphs(load_trained(out_dir), test, plots)
    # The trajectory plot draws features 0 and 1 as x, y positions.
    features = list(test.feature_names)
    if features[:2] != list(POSITION_VELOCITY_FEATURES[:2]):
        print(f'\nno trajectory plot: it draws x, y positions but the '
              f'features are {features}')
        return paths
    if not mode.uses_decoder:
        return paths
    model.eval()
    enc, dec = config.frame_split.test_slices(test[0].x.size(1))
    targets, preds, observed, titles = [], [], [], []
    for index in range(min(3, len(test))):
        data = test[index].to(trainer.device)
        x_dec = data.x[:, dec]  # [N, T_dec, D]
        with torch.no_grad():
            if mode.samples_edges:
                logits = model.encode(data.x[:, enc], data.edge_index)
                edge_weight = model.sample(logits, deterministic=True)
            else:
                edge_weight = model.edge_weight_from_labels(data.edge_type)
            pred = model.decode(x_dec, data.edge_index, edge_weight,
                                pred_steps=x_dec.size(1) - 1)
        targets.append(x_dec[:, 1:].cpu())
        preds.append(pred.cpu())
        observed.append(data.x[:, enc].cpu())
        titles.append(f'system {index}')
    paths.append(plot_trajectories(osp.join(plots, 'trajectories.png'),
                                   targets, preds, observed, titles))
    return paths


def main(argv=None) -> int:
    args = parse_args(argv)
    dist = init_distributed(args.device)
    start = time.perf_counter()
    try:
        trainer = build_trainer(args, dist.rank)
        results = trainer.fit(
            on_epoch_end=progress_printer(trainer, args.progress_every))
    except (ValueError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    except MemoryError as error:
        print(f'error: not enough memory ({error or "MemoryError"}): use '
              f'fewer or smaller simulations, or a smaller --batch-size',
              file=sys.stderr)
        return 2
    trainer.close()
    shutdown_distributed()
    if not dist.is_main:
        return 0
    print(results_table(results, trainer.layer_names, trainer.test_dataset,
                        f'{args.model.upper()} on {args.system} '
                        f'({args.mode})', time.perf_counter() - start))
    if not args.no_plots:
        try:
            paths = make_plots(trainer, args.out)
        except ImportError as error:
            print(f'\nno plots: {error}')
        else:
            if paths:
                print('\nplots: ' + ', '.join(paths))
    print(f"metrics: {osp.join(args.out, 'metrics.json')}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
