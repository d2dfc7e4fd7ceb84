import pytest
import torch

from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    constant_prediction_accuracy,
)


def test_equals_the_best_constant_predictor():
    torch.manual_seed(0)
    labels = torch.stack([torch.randint(0, 2, (200, )),
                          (torch.rand(200) < 0.3).long()], dim=1)
    level = constant_prediction_accuracy(labels, [2, 2])
    # Oracle: every constant prediction, scored with the fitted mapping.
    best = 0.0
    for a in range(2):
        for b in range(2):
            metric = EdgeAccuracy([4], [2, 2], family='nri')
            metric.update(torch.full((200, 1), 2 * a + b), labels)
            best = max(best, metric.compute()['combined'])
    assert level['combined'] == pytest.approx(best)
    assert level['per_layer'] == pytest.approx([
        max(float((labels[:, l] == k).float().mean()) for k in range(2))
        for l in range(2)])


def test_errors():
    with pytest.raises(ValueError, match=r"shape \[E, 2\]"):
        constant_prediction_accuracy(torch.zeros(4, 3, dtype=torch.long),
                                     [2, 2])
    with pytest.raises(ValueError, match='at least one edge'):
        constant_prediction_accuracy(torch.zeros(0, 2, dtype=torch.long),
                                     [2, 2])


def test_level_of_graphs_counts_their_missed_pairs():
    from torch_geometric.data import Data

    from torch_geometric_fnri.metrics import (
        MissedPairs,
        graphs_constant_prediction_accuracy,
    )
    full = Data(edge_type=torch.tensor([[0], [1], [1]]))
    sparse = Data(edge_type=torch.tensor([[1]]))
    # Two pairs left out of the second graph: one interacting, one not.
    MissedPairs(torch.tensor([1, 1])).write(sparse)
    # Labels 0, 1, 1, 1 and the missed 1, 0: four of six are 1.
    assert graphs_constant_prediction_accuracy([full, sparse], [2]) == {
        'combined': 4 / 6, 'per_layer': [4 / 6]}
    # Without records: the labels alone.
    assert graphs_constant_prediction_accuracy(
        [full, Data(edge_type=torch.tensor([[1]]))], [2]) == {
        'combined': 0.75, 'per_layer': [0.75]}
