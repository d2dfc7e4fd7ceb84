r"""The results of a finished run as a table for the terminal: edge
accuracy beside the constant-prediction level, the layer-graphs not
learnt, edge presence and trajectory error."""
from typing import Any, Dict, List, Sequence

from torch_geometric_fnri.metrics import graphs_constant_prediction_accuracy

#: A layer-graph whose test accuracy is less than this above its
#: constant-prediction level is reported as not learnt.
NOT_LEARNT_MARGIN = 0.05


def results_table(results: Dict[str, Any], layer_names: Sequence[str],
                  test_dataset, label: str, seconds: float) -> str:
    r"""Formats the metrics that :meth:`Trainer.fit` returns: a heading
    (:obj:`label`, test simulations, epochs, :obj:`seconds`); for modes
    with an encoder, the test edge accuracy (valid-fitted mapping,
    per-batch optimum, constant level) combined and per layer-graph, the
    layer-graphs within :data:`NOT_LEARNT_MARGIN` of their constant level,
    and the AUROC, precision, recall and F1 of edge presence (on a
    candidate graph over all pairs, beside the share of the interactions
    the candidate graph misses); for modes
    with a decoder, the trajectory MSE (both definitions, 1/10/20 steps)
    beside the static baseline's.

    Args:
        results (dict): The return value of :meth:`Trainer.fit`.
        layer_names (Sequence[str]): The label layers'
            (:attr:`Trainer.layer_names`).
        test_dataset (Sequence[Data]): The test split, whose labels
            :obj:`edge_type` :obj:`[E, L]` (and record of the pairs outside
            its candidate graphs) give the constant level.
        label (str): What ran, *e.g.* :obj:`'FNRI on I+C (learned)'`.
        seconds (float): The run's duration.
    """
    test = results['test']
    lines = [f"\n{label}, {test['num_graphs']} test simulations, "
             f"{results['epochs_done']} epochs in {seconds:.0f} s "
             f"(best epoch {results['best_epoch']})"]
    if 'acc_combined' in test:
        lines += _edge_tables(results, list(layer_names), test_dataset)
    if 'mse_block_1' in test:
        lines += _trajectory_table(test)
    return '\n'.join(lines)


def _edge_tables(results: Dict[str, Any], names: List[str],
                 test_dataset) -> List[str]:
    test = results['test']
    graphs = [test_dataset[i] for i in range(len(test_dataset))]
    level = graphs_constant_prediction_accuracy(graphs,
                                                test_dataset.num_edge_types)
    constant = [level['combined']] + level['per_layer']
    refined = results.get('test_refined')
    symmetrised = results.get('test_symmetrised')
    # The inference variants the run tested, each a column as wide as
    # its label and two spaces (at least 10).
    variants = [(label, out, max(10, len(label) + 2))
                for label, out in (('refined', refined),
                                   ('symmetrised', symmetrised))
                if out is not None]
    lines = [f"\n{'edge accuracy':<24}{'valid-fitted':>14}"
             f"{'per-batch optimum':>20}{'constant level':>17}" +
             ''.join(f'{label:>{width}}' for label, _, width in variants)]
    for name, floor in zip(['combined'] + names, constant):
        lines.append(f'  {name:<22}{test[f"acc_{name}"]:>14.3f}'
                     f'{test[f"acc_batch_optimal_{name}"]:>20.3f}'
                     f'{floor:>17.3f}' +
                     ''.join(f'{out[f"acc_{name}"]:>{width}.3f}'
                             for _, out, width in variants))
    lines.append('  (constant level: the accuracy of predicting one class '
                 'for every edge)')
    if symmetrised:
        lines.append(
            f"  (symmetrised: the encoder's logits averaged over the eight "
            f"symmetries of the square box, mapping fitted on its own "
            f"validation; {symmetrised['seconds']:.0f} s)")
    if refined:
        lines.append(
            f"  (refined: the encoder's logits of every test simulation "
            f"improved by {refined['refine_steps']} gradient steps on its "
            f"own training loss over the encoder frames, the weights "
            f"frozen, valid-fitted mapping; "
            f"{refined['refine_seconds']:.0f} s)")
    weak = [name for name, floor in zip(names, level['per_layer'])
            if test[f'acc_{name}'] < floor + NOT_LEARNT_MARGIN]
    if weak:
        lines.append(
            f"  not learnt in this run's {results['updates']:,} updates "
            f"(within {NOT_LEARNT_MARGIN} of the constant level): "
            f"{', '.join(weak)}\n  weak interactions need more updates (on "
            f"I+C the charges: about 25,000, e.g. --num-train 10000 "
            f"--epochs 100; docs/time-to-accuracy.md)")
    columns = [('auroc', 'AUROC', 8), ('precision', 'precision', 11),
               ('recall', 'recall', 8), ('f1', 'F1', 8)]
    if f'missed_share_{names[0]}' in test:
        columns.append(('missed_share', 'missed', 8))
    lines.append(f"\n{'edge presence':<24}" + ''.join(
        f'{title:>{width}}' for _, title, width in columns))
    for name in names:
        lines.append(f'  {name:<22}' + ''.join(
            f'{test[f"{key}_{name}"]:>{width}.3f}'
            for key, _, width in columns))
    if len(columns) > 4:
        lines.append('  (over all pairs, those outside the candidate graph '
                     'predicted absent; missed: the share of the '
                     'interactions outside it)')
    return lines


def _trajectory_table(test: Dict[str, Any]) -> List[str]:
    lines = [f"\n{'trajectory MSE (normalised)':<34}{'model':>11}"
             f"{'static':>11}"]
    for kind, label in (('block', 'fNRI block-averaged'),
                        ('step', 'NRI per-step')):
        for steps in (1, 10, 20):
            key = f'mse_{kind}_{steps}'
            if key in test:
                lines.append(f'  {label + f", {steps} step":<32}'
                             f'{test[key]:>11.3e}'
                             f'{test["static_" + key]:>11.3e}')
    return lines
