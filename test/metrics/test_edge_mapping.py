import itertools
import json

import numpy as np
import pytest
import torch

from torch_geometric_fnri.metrics import (
    fit_edge_mapping,
    mapped_accuracy,
    mapping_table,
)


def digits(code, num_classes):
    # Mixed-radix digits of a combined class, layer 0 most significant.
    out = []
    for k in reversed(num_classes):
        code, digit = divmod(code, k)
        out.append(digit)
    return out[::-1]


def combine(digit_list, num_classes):
    code = 0
    for digit, k in zip(digit_list, num_classes):
        code = code * k + digit
    return code


def factorised_table(factor_of_layer, label_maps, pred_num_classes,
                     num_edge_types):
    table = []
    for c in range(int(np.prod(pred_num_classes))):
        pred = digits(c, pred_num_classes)
        table.append(combine([label_maps[layer][pred[p]]
                              for layer, p in enumerate(factor_of_layer)],
                             num_edge_types))
    return table


def score(confusion, table):
    return sum(int(confusion[c, t]) for c, t in enumerate(table) if t >= 0)


def factorised_brute_force(confusion, pred_num_classes, num_edge_types,
                           allow=True):
    # Every factor assignment times every product of per-layer
    # permutations, in the documented order; the first maximum wins.
    best_score, best = -1, None
    for assignment in itertools.permutations(range(len(pred_num_classes)),
                                             len(num_edge_types)):
        if any(pred_num_classes[p] != k
               for p, k in zip(assignment, num_edge_types)):
            continue
        choices = [list(itertools.permutations(range(k))) if allow
                   else [tuple(range(k))] for k in num_edge_types]
        for maps in itertools.product(*choices):
            table = factorised_table(assignment, maps, pred_num_classes,
                                     num_edge_types)
            value = score(confusion, table)
            if value > best_score:
                best_score = value
                best = {'factor_of_layer': list(assignment),
                        'label_maps': [list(m) for m in maps]}
    return best_score, best


def joint_brute_force(confusion):
    # The lexicographically first optimal bijection of the padded square
    # matrix; padded label columns become -1.
    num_pred, num_target = confusion.shape
    n = max(num_pred, num_target)
    best_score, best = -1, None
    for sigma in itertools.permutations(range(n)):
        class_map = [s if s < num_target else -1 for s in sigma[:num_pred]]
        value = score(confusion, class_map)
        if value > best_score:
            best_score, best = value, class_map
    return best_score, best


def random_confusion(seed, num_pred, num_target, high=4):
    # Small counts: many ties, so the tie-break is exercised too.
    rng = np.random.default_rng(seed)
    return rng.integers(0, high, size=(num_pred, num_target))


FACTORISED_CASES = [
    ([2, 2], [2, 2]),
    ([2, 3], [3, 2]),
    ([3, 2, 2], [2, 3]),
    ([3, 3], [3]),
    ([2, 2, 2], [2, 2, 2]),
]


@pytest.mark.parametrize('pred_num_classes, num_edge_types',
                         FACTORISED_CASES)
@pytest.mark.parametrize('seed', range(4))
def test_factorised_equals_brute_force(pred_num_classes, num_edge_types,
                                       seed):
    confusion = random_confusion(seed, int(np.prod(pred_num_classes)),
                                 int(np.prod(num_edge_types)))
    best_score, best = factorised_brute_force(confusion, pred_num_classes,
                                              num_edge_types)
    mapping = fit_edge_mapping(confusion, pred_num_classes, num_edge_types)
    assert mapping == {'family': 'fnri', **best}
    table = mapping_table(mapping, pred_num_classes, num_edge_types)
    assert table.shape == (int(np.prod(pred_num_classes)), )
    assert table.tolist() == factorised_table(
        best['factor_of_layer'], best['label_maps'], pred_num_classes,
        num_edge_types)
    accuracy = mapped_accuracy(confusion, mapping, pred_num_classes,
                               num_edge_types)
    assert accuracy['combined'] == best_score / confusion.sum()


@pytest.mark.parametrize('seed', range(3))
def test_factorised_without_label_permutation(seed):
    pred_num_classes, num_edge_types = [2, 3, 2], [2, 2]
    confusion = random_confusion(seed, 12, 4)
    _, best = factorised_brute_force(confusion, pred_num_classes,
                                     num_edge_types, allow=False)
    mapping = fit_edge_mapping(confusion, pred_num_classes, num_edge_types,
                               allow_label_permutation=False)
    assert mapping == {'family': 'fnri', **best}
    assert mapping['label_maps'] == [[0, 1], [0, 1]]


def test_sfnri_is_the_binary_factorised_search():
    confusion = random_confusion(7, 8, 8)
    _, best = factorised_brute_force(confusion, [2, 2, 2], [2, 2, 2])
    mapping = fit_edge_mapping(confusion, [2, 2, 2], [2, 2, 2], 'sfnri')
    assert mapping == {'family': 'sfnri', **best}


def test_recovers_a_hidden_relabelling():
    # Predictions = labels through factor 1 -> layer 0 (classes swapped)
    # and factor 0 -> layer 1 (identity): all 40 edges are recoverable.
    rng = np.random.default_rng(0)
    target = rng.integers(0, 2, size=(40, 2))
    pred = np.stack([target[:, 1], 1 - target[:, 0]], axis=1)
    confusion = np.zeros((4, 4), dtype=np.int64)
    for p, t in zip(pred, target):
        confusion[combine(p, [2, 2]), combine(t, [2, 2])] += 1
    mapping = fit_edge_mapping(torch.from_numpy(confusion), [2, 2], [2, 2])
    assert mapping == {'family': 'fnri', 'factor_of_layer': [1, 0],
                       'label_maps': [[1, 0], [0, 1]]}
    assert mapped_accuracy(confusion, mapping, [2, 2], [2, 2]) == {
        'combined': 1.0, 'per_layer': [1.0, 1.0]}
    joint = fit_edge_mapping(confusion, [4], [2, 2], 'nri')
    assert mapped_accuracy(confusion, joint, [4], [2, 2])['combined'] == 1.0


def test_all_ties_give_the_first_candidate():
    confusion = np.ones((8, 4), dtype=np.int64)
    assert fit_edge_mapping(confusion, [2, 2, 2], [2, 2]) == {
        'family': 'fnri', 'factor_of_layer': [0, 1],
        'label_maps': [[0, 1], [0, 1]]}
    assert fit_edge_mapping(np.ones((4, 4)), [4], [2, 2], 'nri') == {
        'family': 'nri', 'class_map': [0, 1, 2, 3]}


@pytest.mark.parametrize('num_pred, num_edge_types', [
    (4, [2, 2]),
    (3, [2, 2]),
    (6, [2, 2]),
    (5, [5]),
])
@pytest.mark.parametrize('seed', range(4))
def test_joint_equals_brute_force(num_pred, num_edge_types, seed):
    num_target = int(np.prod(num_edge_types))
    confusion = random_confusion(seed, num_pred, num_target)
    best_score, class_map = joint_brute_force(confusion)
    mapping = fit_edge_mapping(confusion, [num_pred], num_edge_types, 'nri')
    assert mapping == {'family': 'nri', 'class_map': class_map}
    assert mapping_table(mapping, [num_pred],
                         num_edge_types).tolist() == class_map
    accuracy = mapped_accuracy(confusion, mapping, [num_pred],
                               num_edge_types)
    assert accuracy['combined'] == best_score / confusion.sum()


def test_joint_without_label_permutation_is_the_identity():
    confusion = random_confusion(0, 4, 4)
    assert fit_edge_mapping(confusion, [4], [2, 2], 'nri',
                            allow_label_permutation=False) == {
        'family': 'nri', 'class_map': [0, 1, 2, 3]}


@pytest.mark.parametrize('seed', range(3))
def test_greedy_search_beyond_max_enumeration(seed):
    # Above max_enumeration every layer is matched on its own confusion
    # matrix; large random counts make each per-layer optimum unique.
    pred_num_classes, num_edge_types = [3, 3, 2], [3, 3]
    confusion = random_confusion(seed, 18, 9, high=1000)
    best_score, best = -1, None
    for assignment in itertools.permutations(range(3), 2):
        if any(pred_num_classes[p] != k
               for p, k in zip(assignment, num_edge_types)):
            continue
        maps = []
        for index, p in enumerate(assignment):
            layer = np.zeros((3, 3), dtype=np.int64)
            for c in range(18):
                for t in range(9):
                    layer[digits(c, pred_num_classes)[p],
                          digits(t, num_edge_types)[index]] += confusion[c, t]
            values = {m: sum(layer[i, m[i]] for i in range(3))
                      for m in itertools.permutations(range(3))}
            top = max(values.values())
            optimal = [m for m, v in values.items() if v == top]
            assert len(optimal) == 1
            maps.append(list(optimal[0]))
        value = score(confusion, factorised_table(
            assignment, maps, pred_num_classes, num_edge_types))
        assert value != best_score
        if value > best_score:
            best_score = value
            best = {'factor_of_layer': list(assignment), 'label_maps': maps}
    greedy = fit_edge_mapping(confusion, pred_num_classes, num_edge_types,
                              max_enumeration=1)
    assert greedy == {'family': 'fnri', **best}
    exhaustive_score, _ = factorised_brute_force(
        confusion, pred_num_classes, num_edge_types)
    assert best_score <= exhaustive_score


def test_mapping_is_plain_json():
    confusion = torch.from_numpy(random_confusion(3, 12, 6))
    for mapping in (fit_edge_mapping(confusion, [3, 2, 2], [3, 2]),
                    fit_edge_mapping(confusion, [12], [3, 2], 'nri')):
        assert json.loads(json.dumps(mapping)) == mapping


def test_mapped_accuracy_equals_edge_count_oracle():
    # Per-layer accuracy counted over explicit edges of the confusion.
    pred_num_classes, num_edge_types = [2, 3], [3, 2]
    confusion = random_confusion(5, 6, 6)
    mapping = {'family': 'fnri', 'factor_of_layer': [1, 0],
               'label_maps': [[2, 0, 1], [1, 0]]}
    correct = np.zeros(2)
    both = 0
    for c in range(6):
        pred = digits(c, pred_num_classes)
        mapped = [mapping['label_maps'][0][pred[1]],
                  mapping['label_maps'][1][pred[0]]]
        for t in range(6):
            right = [m == d
                     for m, d in zip(mapped, digits(t, num_edge_types))]
            correct += confusion[c, t] * np.array(right)
            both += confusion[c, t] * all(right)
    total = confusion.sum()
    out = mapped_accuracy(confusion, mapping, pred_num_classes,
                          num_edge_types)
    assert out['combined'] == both / total
    assert out['per_layer'] == (correct / total).tolist()
    # A joint map with an unassigned class (-1) is wrong in every layer.
    joint = {'family': 'nri', 'class_map': [0, -1, 3]}
    counts = np.array([[5, 1, 0, 0], [0, 0, 7, 0], [0, 2, 0, 4]])
    out = mapped_accuracy(counts, joint, [3], [2, 2])
    assert out == {'combined': 9 / 19, 'per_layer': [(5 + 1 + 4) / 19,
                                                     (5 + 4 + 2) / 19]}


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(family='gnn'), ValueError, "'family' must be one of"),
    (dict(confusion=np.zeros((4, 3))), ValueError,
     r"'confusion' must have shape \[4, 4\]"),
    (dict(pred_num_classes=[4]), ValueError, 'No assignment'),
    (dict(pred_num_classes=[3], confusion=np.zeros((3, 4)), family='nri',
          allow_label_permutation=False), ValueError,
     'identity mapping needs as many'),
    (dict(pred_num_classes=[3], num_edge_types=[3], family='sfnri',
          confusion=np.zeros((3, 3))), ValueError, 'needs binary'),
])
def test_fit_edge_mapping_errors(kwargs, error, match):
    args = dict(confusion=np.zeros((4, 4)), pred_num_classes=[2, 2],
                num_edge_types=[2, 2])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fit_edge_mapping(**args)


@pytest.mark.parametrize('mapping, error, match', [
    ([0, 1], TypeError, "'mapping' must be a dict"),
    ({'class_map': [0, 1]}, TypeError, "'mapping' must be a dict"),
    ({'family': 'gnn'}, ValueError, "'family' must be one of"),
    ({'family': 'fnri', 'factor_of_layer': [0, 0],
      'label_maps': [[0, 1], [0, 1]]}, ValueError, 'does not fit'),
    ({'family': 'fnri', 'factor_of_layer': [0, 1],
      'label_maps': [[0, 0], [0, 1]]}, ValueError, 'does not fit'),
    ({'family': 'fnri', 'factor_of_layer': [0, 2],
      'label_maps': [[0, 1], [0, 1]]}, ValueError, 'does not fit'),
    ({'family': 'fnri', 'factor_of_layer': [0]}, ValueError, 'does not fit'),
])
def test_mapping_table_errors_factorised(mapping, error, match):
    with pytest.raises(error, match=match):
        mapping_table(mapping, [2, 2], [2, 2])


@pytest.mark.parametrize('class_map', [
    [0, 1, 2],
    [0, 1, 1, 2],
    [0, 1, 2, 4],
    [0, 1, 2, -2],
])
def test_mapping_table_errors_joint(class_map):
    with pytest.raises(ValueError, match='distinct classes'):
        mapping_table({'family': 'nri', 'class_map': class_map}, [4],
                      [2, 2])


def test_mapped_accuracy_errors():
    mapping = {'family': 'nri', 'class_map': [0, 1, 2, 3]}
    with pytest.raises(ValueError, match="'confusion' is empty"):
        mapped_accuracy(np.zeros((4, 4)), mapping, [4], [2, 2])
    with pytest.raises(ValueError, match="'confusion' must have shape"):
        mapped_accuracy(np.ones((4, 3)), mapping, [4], [2, 2])
