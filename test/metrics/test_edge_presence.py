import itertools
import math

import pytest
import torch

from torch_geometric_fnri.metrics import (
    binary_auroc,
    edge_presence_metrics,
    label_probabilities,
    presence_scores,
)


def _auroc_oracle(scores, labels):
    # Every (positive, negative) pair: 1 if the positive scores higher,
    # 1/2 on a tie.
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0
               for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_binary_auroc_matches_the_pairwise_oracle():
    torch.manual_seed(0)
    for _ in range(20):
        n = int(torch.randint(2, 40, ()))
        scores = torch.randint(0, 5, (n, )).float() / 4  # Many ties.
        labels = torch.randint(0, 2, (n, ))
        if labels.min() == labels.max():
            assert math.isnan(binary_auroc(scores, labels))
            continue
        assert binary_auroc(scores, labels) == pytest.approx(
            _auroc_oracle(scores.tolist(), labels.tolist()))
    assert binary_auroc(torch.tensor([0.1, 0.9]), torch.tensor([0, 1])) == 1
    assert binary_auroc(torch.tensor([0.9, 0.1]), torch.tensor([0, 1])) == 0
    with pytest.raises(ValueError, match='same size'):
        binary_auroc(torch.rand(3), torch.tensor([0, 1]))


def test_presence_scores():
    pred = torch.tensor([1, 1, 0, 0, 1], dtype=torch.bool)
    true = torch.tensor([1, 0, 1, 0, 1], dtype=torch.bool)
    out = presence_scores(pred, true)
    assert out == pytest.approx({'precision': 2 / 3, 'recall': 2 / 3,
                                 'f1': 2 / 3})
    none = presence_scores(torch.zeros(3, dtype=torch.bool), true[:3])
    assert math.isnan(none['precision']) and none['recall'] == 0
    assert math.isnan(none['f1'])


def test_label_probabilities_through_a_factorised_mapping():
    # Two binary factors; label layer 0 is read from factor 1 with its
    # classes swapped, layer 1 from factor 0 as it is.
    p0 = torch.tensor([[0.9, 0.1], [0.3, 0.7]])
    p1 = torch.tensor([[0.2, 0.8], [0.6, 0.4]])
    mapping = {'family': 'fnri', 'factor_of_layer': [1, 0],
               'label_maps': [[1, 0], [0, 1]]}
    layers = label_probabilities([p0, p1], mapping, [2, 2], [2, 2])
    assert torch.allclose(layers[0], p1.flip(-1))
    assert torch.allclose(layers[1], p0)


def test_label_probabilities_through_a_joint_mapping():
    # NRI: one factor over 4 combined classes, mapped onto label
    # combinations (layer 0 most significant).
    probs = torch.tensor([[0.1, 0.2, 0.3, 0.4]])
    mapping = {'family': 'nri', 'class_map': [3, 2, 1, 0]}
    layer0, layer1 = label_probabilities([probs], mapping, [4], [2, 2])
    # Label (1, 1) <- class 0, (1, 0) <- 1, (0, 1) <- 2, (0, 0) <- 3.
    assert torch.allclose(layer0, torch.tensor([[0.7, 0.3]]))
    assert torch.allclose(layer1, torch.tensor([[0.6, 0.4]]))


def test_edge_presence_metrics_against_a_direct_computation():
    torch.manual_seed(1)
    num_edges = 200
    p0 = torch.rand(num_edges, 2).softmax(-1)
    p1 = torch.rand(num_edges, 2).softmax(-1)
    target = torch.randint(0, 2, (num_edges, 2))
    mapping = {'family': 'fnri', 'factor_of_layer': [1, 0],
               'label_maps': [[1, 0], [0, 1]]}
    out = edge_presence_metrics([p0, p1], target, mapping, [2, 2], [2, 2],
                                ['springs', 'charges'])
    # Layer 'springs' is factor 1 with swapped classes: its score of
    # presence is p1[:, 0], and it is predicted present where
    # p1[:, 0] > p1[:, 1].
    assert out['auroc_springs'] == pytest.approx(_auroc_oracle(
        p1[:, 0].tolist(), target[:, 0].tolist()))
    pred = p1.argmax(-1) == 0
    expected = presence_scores(pred, target[:, 0] == 1)
    for key, value in expected.items():
        assert out[f'{key}_springs'] == pytest.approx(value)
    assert out['auroc_charges'] == pytest.approx(_auroc_oracle(
        p0[:, 1].tolist(), target[:, 1].tolist()))
