import torch
from torch_geometric.data import Data

from torch_geometric_fnri.training.results_table import (
    NOT_LEARNT_MARGIN,
    results_table,
)


class _Labels(list):
    num_edge_types = [2, 2]


# Edge labels of two layers: layer 0 is 0 on 3 of 4 edges (constant level
# 0.75), layer 1 on 2 of 4 (0.5); combined 0.5.
TEST = _Labels([Data(edge_type=torch.tensor([[0, 0], [0, 1], [1, 1],
                                             [0, 0]]))])
NAMES = ['springs', 'charges']


def _results(springs, charges):
    test = {'num_graphs': 1, 'acc_combined': 0.5,
            'acc_batch_optimal_combined': 0.6, 'acc_springs': springs,
            'acc_batch_optimal_springs': springs, 'acc_charges': charges,
            'acc_batch_optimal_charges': charges, 'mse_block_1': 1e-3,
            'static_mse_block_1': 2e-3}
    for name in NAMES:
        test.update({f'{key}_{name}': 0.5 for key in
                     ('auroc', 'precision', 'recall', 'f1')})
    return {'test': test, 'epochs_done': 3, 'best_epoch': 2,
            'updates': 12345}


def test_the_table_beside_the_constant_level():
    table = results_table(_results(0.9, 0.9), NAMES, TEST,
                          'FNRI on I+C (learned)', 61.4)
    lines = table.splitlines()
    assert lines[1] == ('FNRI on I+C (learned), 1 test simulations, 3 '
                        'epochs in 61 s (best epoch 2)')
    assert '  springs                        0.900               0.900' \
        '            0.750' in lines
    assert '  charges                        0.900               0.900' \
        '            0.500' in lines
    assert 'not learnt' not in table
    assert '  fNRI block-averaged, 1 step       1.000e-03  2.000e-03' in lines


def test_layer_graphs_near_their_constant_level_are_named():
    # Springs within the margin of 0.75, charges just past it above 0.5.
    table = results_table(
        _results(0.75 + NOT_LEARNT_MARGIN / 2, 0.5 + 2 * NOT_LEARNT_MARGIN),
        NAMES, TEST, 'FNRI on I+C (learned)', 1.0)
    assert ("not learnt in this run's 12,345 updates (within 0.05 of the "
            "constant level): springs\n") in table


def test_modes_without_an_encoder_have_no_edge_tables():
    results = {'test': {'num_graphs': 1, 'mse_block_1': 1e-3,
                        'static_mse_block_1': 1e-3},
               'epochs_done': 0, 'best_epoch': None, 'updates': 0}
    table = results_table(results, NAMES, TEST, 'FNRI on I+C (static)', 0)
    assert 'edge accuracy' not in table and 'trajectory MSE' in table


def test_refined_accuracy_is_a_column_of_its_own():
    results = _results(0.9, 0.8)
    results['test_refined'] = {'acc_combined': 0.7, 'acc_springs': 0.95,
                               'acc_charges': 0.85, 'refine_steps': 30,
                               'refine_lr': 0.3, 'refine_seconds': 41.6}
    lines = results_table(results, NAMES, TEST, 'FNRI on I+C (learned)',
                          1.0).splitlines()
    assert lines[3].endswith('constant level   refined')
    assert '  springs                        0.900               0.900' \
        '            0.750     0.950' in lines
    assert '  combined                       0.500               0.600' \
        '            0.500     0.700' in lines
    assert any('improved by 30 gradient steps' in line and
               line.endswith('42 s)') for line in lines)
    # Without a refinement, no such column.
    assert 'refined' not in results_table(_results(0.9, 0.8), NAMES, TEST,
                                          'FNRI on I+C (learned)', 1.0)


def test_symmetrised_accuracy_is_a_column_after_the_refined_one():
    results = _results(0.9, 0.8)
    results['test_refined'] = {'acc_combined': 0.7, 'acc_springs': 0.95,
                               'acc_charges': 0.85, 'refine_steps': 30,
                               'refine_lr': 0.3, 'refine_seconds': 41.6}
    results['test_symmetrised'] = {'acc_combined': 0.6, 'acc_springs': 0.92,
                                   'acc_charges': 0.81, 'seconds': 7.4}
    lines = results_table(results, NAMES, TEST, 'FNRI on I+C (learned)',
                          1.0).splitlines()
    assert lines[3].endswith('constant level   refined  symmetrised')
    assert '  springs                        0.900               0.900' \
        '            0.750     0.950        0.920' in lines
    assert any('averaged over the eight symmetries' in line and
               line.endswith('7 s)') for line in lines)
    del results['test_refined']
    lines = results_table(results, NAMES, TEST, 'FNRI on I+C (learned)',
                          1.0).splitlines()
    assert lines[3].endswith('constant level  symmetrised')
    assert '  combined                       0.500               0.600' \
        '            0.500        0.600' in lines
