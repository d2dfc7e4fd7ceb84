r"""Semi-amortised inference against the encoder alone, on a trained run of
``time_to_accuracy.py``: how much refining each simulation's edge logits
(``refine_edge_logits``: Adam steps on that simulation's training loss over
the encoder's frames, the weights frozen) adds to the amortised encoder's
test accuracy, and what it costs.

The run is given by its log (``time_to_accuracy.py``'s ``.jsonl``, whose
first line holds the system, model, recipe, configuration and model
arguments) and the state it saved with ``--save-state`` (its weights):

    RUN=results/time_to_accuracy/I+C/fnri-fast-central-60min-seed2
    python benchmarks/refinement.py --log $RUN.jsonl \
        --state runs/states/fnri-fast-central-60min-seed2.pt \
        --steps 25 50 100 --lr 0.1 0.3 --threads 1

The refinement settings are chosen on validation and the test split is
scored once:

1. the label mapping is fitted on the whole validation split with the
   encoder alone (``Trainer.test``'s protocol);
2. every setting (``--steps`` x ``--lr``) refines the first
   ``--valid-size`` validation simulations; the one with the highest
   combined accuracy under that mapping wins (ties: fewer steps, then the
   smaller learning rate);
3. the test split is scored with the encoder alone and with the chosen
   setting, both under the validation mapping.

Writes ``--out`` (default ``results/refinement/<data>/<log name>.json``,
``<data>`` the log's folder under ``results/time_to_accuracy/``: the
system, with its graph family and particles when they are not the
papers'):
the run, the machine, the validation table of the settings and the two
test results with their wall times; ends with one JSON line of the same.
The data options must match the run's (the defaults are those of
``time_to_accuracy.py``).
"""
import argparse
import itertools
import sys
from dataclasses import replace
from typing import Dict, List

from torch_geometric_fnri.training import TrainConfig

try:  # as a script: its folder is on sys.path
    import saved_run
except ImportError:  # as benchmarks.refinement
    from benchmarks import saved_run


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    saved_run.add_saved_run_arguments(parser)
    parser.add_argument('--steps', type=int, nargs='+', default=[25, 50, 100])
    parser.add_argument('--lr', type=float, nargs='+', default=[0.1, 0.3])
    parser.add_argument('--valid-size', type=int, default=500,
                        help='validation simulations the settings are '
                        'chosen on')
    parser.add_argument('--batch-size', type=int, default=500,
                        help='simulations refined together')
    args = parser.parse_args(argv)
    for name in ('steps', 'lr'):
        if any(not value > 0 for value in getattr(args, name)):
            parser.error(f'--{name} must be positive')
    saved_run.check_positive(parser, args, (
        'valid_size', 'batch_size', 'num_train', 'num_valid', 'num_test',
        'threads'))
    if args.valid_size > args.num_valid:
        parser.error('--valid-size must be at most --num-valid')
    return args


def score(model, dataset, config: TrainConfig, mapping, batch_size: int,
          layer_names: List[str], refine: bool) -> Dict:
    r"""Edge metrics of :obj:`dataset` (test frames) under
    :obj:`mapping`, with the encoder alone or refined, and the seconds the
    pass took (:func:`score_split`)."""
    out = saved_run.score_split(model, dataset, config, mapping,
                                batch_size, layer_names, refine=refine)
    out.pop('edge_mapping')
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        saved = saved_run.load_saved_run(
            args, ('learned', ), 'only learned runs infer edges to refine')
    except (OSError, ValueError, RuntimeError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    config, model = saved.config, saved.model
    train, valid, test = saved.splits
    names = list(train.interaction_names)
    amortised = replace(config, refine_steps=0)
    mapping = saved_run.score_split(model, valid, amortised, None,
                                    args.batch_size, names)['edge_mapping']
    subset = [valid[i] for i in range(args.valid_size)]
    table = [{'steps': 0, 'lr': None, **score(
        model, subset, amortised, mapping, args.batch_size, names, False)}]
    print(f"valid ({args.valid_size}): encoder alone "
          f"{table[0]['acc_combined']:.4f}", flush=True)
    for steps, lr in itertools.product(sorted(args.steps), sorted(args.lr)):
        setting = replace(config, refine_steps=steps, refine_lr=lr)
        row = {'steps': steps, 'lr': lr, **score(
            model, subset, setting, mapping, args.batch_size, names, True)}
        table.append(row)
        print(f"valid ({args.valid_size}): {steps} steps, lr {lr}: "
              f"{row['acc_combined']:.4f} ({row['seconds']} s)", flush=True)
    best = max(table[1:], key=lambda r: (r['acc_combined'], -r['steps'],
                                         -r['lr']))
    chosen = replace(config, refine_steps=best['steps'], refine_lr=best['lr'])
    result = {
        'benchmark': 'refinement',
        **saved_run.run_record(saved, args),
        'layer_names': names,
        'batch_size': args.batch_size,
        'valid_size': args.valid_size,
        'valid': table,
        'chosen': {'steps': best['steps'], 'lr': best['lr']},
        'test_encoder': score(model, test, amortised, mapping,
                              args.batch_size, names, False),
        'test_refined': score(model, test, chosen, mapping,
                              args.batch_size, names, True),
    }
    saved_run.write_result(saved, args, 'refinement', result)
    return 0


if __name__ == '__main__':
    sys.exit(main())
