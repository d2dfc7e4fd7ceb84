r"""The encoder averaged over the eight symmetries of the square box
against the encoder alone, on a trained run of ``time_to_accuracy.py``:
how much the ensemble of the eight views of each simulation
(``symmetry_ensemble_logits``: test-time augmentation, no training, no
labels) adds to the amortised encoder's accuracy, and what it costs.

The run is given by its log and the state it saved with ``--save-state``:

    RUN=results/time_to_accuracy/I+C/fnri-fast-nocentral-noise0-60min-seed2
    python benchmarks/symmetry_ensemble.py --log $RUN.jsonl \
        --state runs/states/fnri-fast-nocentral-noise0-60min-seed2.pt \
        --threads 1

Each of the two (the encoder alone, the ensemble) fits its label mapping
on the whole validation split (``Trainer.test``'s protocol) and scores
the test split once with it. Writes ``--out`` (default
``results/symmetry_ensemble/<data>/<log name>.json``, ``<data>`` the log's
folder under ``results/time_to_accuracy/``): the run, the machine, the
validation and test figures of both with their wall times; ends with one
JSON line of the same. The data options must match the run's (the
defaults are those of ``time_to_accuracy.py``); the system must have
(x, y, vx, vy) features in a square box.
"""
import argparse
import sys

from torch_geometric_fnri.training.augmentation import feature_box_symmetries
from torch_geometric_fnri.transforms import RandomBoxSymmetry

try:  # as a script: its folder is on sys.path
    import saved_run
except ImportError:  # as benchmarks.symmetry_ensemble
    from benchmarks import saved_run


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    saved_run.add_saved_run_arguments(parser)
    parser.add_argument('--batch-size', type=int, default=250,
                        help='simulations evaluated together')
    args = parser.parse_args(argv)
    saved_run.check_positive(parser, args, (
        'batch_size', 'num_train', 'num_valid', 'num_test', 'threads'))
    return args


def box_symmetries(splits: tuple) -> RandomBoxSymmetry:
    r"""The box symmetries of the features of :obj:`splits` (train,
    valid, test); raises for data without (x, y, vx, vy) features."""
    return feature_box_symmetries(
        splits[0].stats, splits[0][0].x.size(-1), 'symmetry_ensemble',
        getattr(splits[0], 'feature_names', None))


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        saved = saved_run.load_saved_run(
            args, ('learned', 'supervised'),
            'only runs with an encoder infer edges',
            check_splits=box_symmetries)
    except (OSError, ValueError, TypeError, RuntimeError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 2
    train, valid, test = saved.splits
    symmetries = box_symmetries(saved.splits)
    names = list(train.interaction_names)
    result = {'benchmark': 'symmetry_ensemble',
              **saved_run.run_record(saved, args),
              'layer_names': names, 'batch_size': args.batch_size}
    for variant, group in (('encoder', None), ('symmetrised', symmetries)):
        fitted = saved_run.score_split(saved.model, valid, saved.config,
                                       None, args.batch_size, names,
                                       symmetries=group)
        tested = saved_run.score_split(saved.model, test, saved.config,
                                       fitted.pop('edge_mapping'),
                                       args.batch_size, names,
                                       symmetries=group)
        tested.pop('edge_mapping')
        result[f'valid_{variant}'] = fitted
        result[f'test_{variant}'] = tested
        print(f"{variant}: valid {fitted['acc_combined']:.4f}, test "
              f"{tested['acc_combined']:.4f}", flush=True)
    saved_run.write_result(saved, args, 'symmetry_ensemble', result)
    return 0


if __name__ == '__main__':
    sys.exit(main())
