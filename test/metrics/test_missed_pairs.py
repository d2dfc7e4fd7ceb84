import itertools

import pytest
import torch
from torch_geometric.data import Batch, Data

from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    MissedPairs,
    binary_auroc,
    constant_prediction_accuracy,
    edge_presence_metrics,
    per_batch_optimal_accuracy,
    presence_histogram,
)


def test_presence_histogram_and_the_record():
    labels = torch.tensor([[0, 0, 0], [2, 0, 1], [0, 0, 1], [1, 1, 1],
                           [0, 0, 1]])
    counts = presence_histogram(labels)
    # Patterns with layer 0 most significant: 000, 001 (twice), 101, 111.
    assert counts.tolist() == [1, 2, 0, 0, 0, 1, 0, 1]
    missed = MissedPairs(counts)
    assert missed.num_layers == 3
    assert (missed.pairs, missed.non_edges) == (5, 1)
    assert missed.interactions == (labels != 0).sum(0).tolist()
    assert missed.patterns.tolist()[5] == [1, 0, 1]
    assert (missed + missed).interactions == [4, 2, 8]
    assert MissedPairs.total([None, missed, None, missed]) == missed + missed
    assert MissedPairs.total([None, None]) is None
    with pytest.raises(ValueError, match='3 and 2 layer-graphs'):
        missed + MissedPairs(torch.tensor([1, 0, 0, 0]))
    for bad in ([1, 2, 3], [1], [1.0, 2.0], [1, -1]):
        with pytest.raises(ValueError, match="'counts' must hold 2"):
            MissedPairs(torch.tensor(bad))
    with pytest.raises(ValueError, match=r'shape \[E, L\]'):
        presence_histogram(torch.tensor([0, 1]))


def test_the_record_on_graphs_and_batches():
    graphs = []
    for counts in ([3, 1, 0, 2], [0, 0, 5, 0], [1, 1, 1, 1]):
        data = Data(x=torch.zeros(3, 2, 4),
                    edge_index=torch.tensor([[0, 1], [1, 0]]))
        MissedPairs(torch.tensor(counts)).write(data)
        graphs.append(data)
    assert MissedPairs.read(graphs[0]).counts.tolist() == [3, 1, 0, 2]
    assert MissedPairs.read(Data(x=torch.zeros(2, 1, 1))) is None
    batch = Batch.from_data_list(graphs)
    assert batch.missed_presence.shape == (3, 4)
    assert MissedPairs.read(batch).counts.tolist() == [4, 2, 6, 3]
    assert MissedPairs.read(batch, torch.tensor([False, True, True])
                            ).counts.tolist() == [1, 1, 6, 1]


def _scenario(num_edge_types, pred_num_classes, seed=0, num_pairs=120):
    # Random dense labels, predictions and probabilities, and a random
    # candidate set of about half of the pairs.
    gen = torch.Generator().manual_seed(seed)
    labels = torch.stack([torch.randint(0, k, (num_pairs, ), generator=gen)
                          for k in num_edge_types], -1)
    probabilities = [torch.rand(num_pairs, c, generator=gen).softmax(-1)
                     for c in pred_num_classes]
    # Exact ties at 0 and at 1 on some pairs, as hard predictions give.
    probabilities[0][:7] = torch.eye(pred_num_classes[0])[0]
    predicted = torch.stack([p.argmax(-1) for p in probabilities], -1)
    kept = torch.rand(num_pairs, generator=gen) < 0.5
    return labels, probabilities, predicted, kept


def _no_interaction(metric, mapping):
    # The predicted class combination that the mapping reads as label 0 in
    # every layer.
    for combination in itertools.product(
            *[range(c) for c in metric.pred_num_classes]):
        pred = torch.tensor([combination])
        if metric.map_predictions(pred, mapping).eq(0).all():
            return list(combination)
    raise AssertionError('no class means no interaction')


@pytest.mark.parametrize('family,pred_num_classes,num_edge_types,mapping', [
    ('fnri', [2, 2], [2, 2], {'family': 'fnri', 'factor_of_layer': [0, 1],
                              'label_maps': [[0, 1], [0, 1]]}),
    ('fnri', [2, 2], [2, 2], {'family': 'fnri', 'factor_of_layer': [1, 0],
                              'label_maps': [[1, 0], [0, 1]]}),
    ('fnri', [3, 2], [3, 2], {'family': 'fnri', 'factor_of_layer': [0, 1],
                              'label_maps': [[2, 0, 1], [1, 0]]}),
    ('nri', [4], [2, 2], {'family': 'nri', 'class_map': [3, 0, 2, 1]}),
])
def test_sparse_scoring_equals_the_dense_oracle(family, pred_num_classes,
                                                num_edge_types, mapping):
    # The same predictions scored through a candidate set, the pairs
    # outside it recorded as missed pairs, equal the dense scoring with
    # those pairs predicted "no interaction" (probability 1 for the class
    # the mapping reads as label 0 everywhere).
    labels, probabilities, predicted, kept = _scenario(num_edge_types,
                                                       pred_num_classes)
    names = [f'layer_{l}' for l in range(len(num_edge_types))]
    sparse = EdgeAccuracy(pred_num_classes, num_edge_types, family)
    missed = MissedPairs(presence_histogram(labels[~kept]))
    sparse.update(predicted[kept], labels[kept], missed)
    dense = EdgeAccuracy(pred_num_classes, num_edge_types, family)
    nothing = _no_interaction(dense, mapping)
    dense_predicted = predicted.clone()
    dense_predicted[~kept] = torch.tensor(nothing)
    dense_probabilities = [p.clone() for p in probabilities]
    for p, c in zip(dense_probabilities, nothing):
        p[~kept] = torch.eye(p.size(1))[c]
    dense.update(dense_predicted, labels)
    assert sparse.num_pairs == dense.num_edges == labels.size(0)
    result = sparse.compute(mapping)
    expected = dense.compute(mapping)
    assert result['combined'] == expected['combined']
    assert result['per_layer'] == expected['per_layer']

    presence = edge_presence_metrics(
        [p[kept] for p in probabilities], labels[kept], mapping,
        pred_num_classes, num_edge_types, names, missed)
    reference = edge_presence_metrics(dense_probabilities, labels, mapping,
                                      pred_num_classes, num_edge_types,
                                      names)
    for key, value in reference.items():
        assert presence[key] == pytest.approx(value, abs=1e-12,
                                              nan_ok=True), key
    for layer, name in enumerate(names):
        present = labels[:, layer] != 0
        assert presence[f'missed_share_{name}'] == pytest.approx(
            float((present & ~kept).sum() / present.sum()))
    assert set(presence) - set(reference) == {
        f'missed_share_{name}' for name in names}


def test_the_fitted_mapping_ignores_the_missed_pairs():
    labels, _, predicted, kept = _scenario([2, 2], [2, 2], seed=3)
    missed = MissedPairs(presence_histogram(labels[~kept]))
    with_missed = EdgeAccuracy([2, 2], [2, 2])
    with_missed.update(predicted[kept], labels[kept], missed)
    alone = EdgeAccuracy([2, 2], [2, 2])
    alone.update(predicted[kept], labels[kept])
    assert with_missed.fit() == alone.fit()
    # The reference's per-batch optimum over the same pairs: batches of
    # (pred, target, missed).
    batch = per_batch_optimal_accuracy(
        [(predicted[kept], labels[kept], missed)], [2, 2], [2, 2])
    assert batch['combined'] == with_missed.compute()['combined']
    weighted = per_batch_optimal_accuracy(
        [(predicted[kept], labels[kept], missed),
         (predicted[~kept], labels[~kept])], [2, 2], [2, 2], weighted=True)
    assert 0 <= weighted['combined'] <= 1


def test_binary_auroc_of_missed_pairs_scored_zero():
    gen = torch.Generator().manual_seed(0)
    scores = torch.rand(40, generator=gen)
    scores[:5] = 0.0
    labels = torch.rand(40, generator=gen) < 0.4
    for positives, negatives in ((0, 0), (3, 0), (0, 4), (6, 9)):
        appended = binary_auroc(
            torch.cat([scores, torch.zeros(positives + negatives)]),
            torch.cat([labels, torch.ones(positives, dtype=torch.bool),
                       torch.zeros(negatives, dtype=torch.bool)]))
        assert binary_auroc(scores, labels, positives, negatives) == \
            pytest.approx(appended, abs=1e-12)
    # Only missed positives, or nothing to rank.
    assert binary_auroc(scores[~labels], labels[~labels], 5, 0) == \
        pytest.approx(binary_auroc(
            torch.cat([scores[~labels], torch.zeros(5)]),
            torch.cat([labels[~labels], torch.ones(5, dtype=torch.bool)])))
    assert binary_auroc(torch.zeros(0), torch.zeros(0), 2, 0) != \
        binary_auroc(torch.zeros(0), torch.zeros(0), 2, 0)  # nan


def test_constant_level_with_missed_pairs():
    labels, _, _, kept = _scenario([2, 2, 2], [2, 2, 2], seed=5)
    missed = MissedPairs(presence_histogram(labels[~kept]))
    assert constant_prediction_accuracy(labels[kept], [2, 2, 2], missed) == \
        constant_prediction_accuracy(labels, [2, 2, 2])
    # A layer of three types: the missed pairs' types are unknown there,
    # so their interactions count towards no type of it.
    labels = torch.tensor([[0, 1], [2, 1], [2, 0], [1, 1]])
    missed = MissedPairs(torch.tensor([1, 0, 2, 2]))  # 00, 10 (x2), 11 (x2)
    level = constant_prediction_accuracy(labels, [3, 2], missed)
    # Layer 0: type 0 twice, types 1 and 2 of the candidates once and
    # twice; layer 1 (two types): type 1 three times and twice more.
    assert level['per_layer'] == [2 / 9, 5 / 9]
    # Every known combination once (the missed pairs: only (0, 0)).
    assert level['combined'] == 1 / 9


def test_the_missed_share_of_a_constructed_case():
    # Three candidate edges and four missed pairs: two without
    # interactions, one in layer 1 only, one in both layers.
    labels = torch.tensor([[1, 0], [0, 1], [0, 0]])
    missed = MissedPairs(torch.tensor([2, 1, 0, 1]))
    probabilities = [torch.tensor([[0.2, 0.8], [0.9, 0.1], [0.6, 0.4]])] * 2
    mapping = {'family': 'fnri', 'factor_of_layer': [0, 1],
               'label_maps': [[0, 1], [0, 1]]}
    out = edge_presence_metrics(probabilities, labels, mapping, [2, 2],
                                [2, 2], ['a', 'b'], missed)
    # Layer a: 1 of 2 interactions missed; layer b: 2 of 3.
    assert out['missed_share_a'] == 1 / 2
    assert out['missed_share_b'] == 2 / 3
    # Recall: layer a finds its one candidate interaction, not the missed.
    assert out['recall_a'] == 1 / 2 and out['precision_a'] == 1.0
