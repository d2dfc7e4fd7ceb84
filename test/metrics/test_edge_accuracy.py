import itertools
import json

import numpy as np
import pytest
import torch

from torch_geometric_fnri.metrics import (
    EdgeAccuracy,
    encode_mixed_radix,
    per_batch_optimal_accuracy,
)


def make_data(seed, num_edges, pred_num_classes, num_edge_types, noise=0.3):
    # Labels and predictions that explain them through a hidden factor
    # assignment and relabelling, plus random corruption.
    gen = torch.Generator().manual_seed(seed)
    target = torch.stack([torch.randint(0, k, (num_edges, ), generator=gen)
                          for k in num_edge_types], dim=1)
    pred = torch.stack([torch.randint(0, k, (num_edges, ), generator=gen)
                        for k in pred_num_classes], dim=1)
    rng = np.random.default_rng(seed)
    for layer, k in enumerate(num_edge_types):
        factors = [p for p, kp in enumerate(pred_num_classes) if kp == k]
        if factors:
            factor = int(rng.choice(factors))
            relabel = torch.from_numpy(rng.permutation(k))
            keep = torch.rand(num_edges, generator=gen) > noise
            pred[keep, factor] = relabel[target[keep, layer]]
    return pred, target


def factorised_brute_force(pred, target, pred_num_classes, num_edge_types,
                           allow):
    best = None
    num_layers = len(num_edge_types)
    for assignment in itertools.permutations(range(len(pred_num_classes)),
                                             num_layers):
        if any(pred_num_classes[p] != k
               for p, k in zip(assignment, num_edge_types)):
            continue
        choices = [
            list(itertools.permutations(range(k))) if allow else
            [tuple(range(k))] for k in num_edge_types
        ]
        for maps in itertools.product(*choices):
            mapped = torch.stack([
                torch.tensor(maps[l])[pred[:, p]]
                for l, p in enumerate(assignment)
            ], dim=1)
            correct = mapped == target
            combined = int(correct.all(dim=1).sum())
            if best is None or combined > best[0]:
                best = (combined, {
                    'family': None,
                    'factor_of_layer': list(assignment),
                    'label_maps': [list(m) for m in maps]
                }, correct.float().mean(dim=0).tolist())
    num_edges = target.size(0)
    return best[0] / num_edges, best[1], best[2]


def joint_brute_force(pred, target, pred_num_classes, num_edge_types):
    pred_code = encode_mixed_radix(pred, pred_num_classes).numpy()
    target_code = encode_mixed_radix(target, num_edge_types).numpy()
    num_pred = int(np.prod(pred_num_classes))
    num_target = int(np.prod(num_edge_types))
    n = max(num_pred, num_target)
    perms = np.array(list(itertools.permutations(range(n), num_pred)))
    perms[perms >= num_target] = -1
    combined = (perms[:, pred_code] == target_code).sum(axis=1)
    best = int(np.argmax(combined))  # first maximum
    class_map = perms[best]
    mapped = class_map[pred_code]
    digits = []
    for code in (mapped, target_code):
        rest, out = code.copy(), []
        for k in reversed(num_edge_types):
            out.append(rest % k)
            rest = rest // k
        digits.append(np.stack(out[::-1], axis=1))
    correct = (digits[0] == digits[1]) & (mapped >= 0)[:, None]
    return (combined[best] / len(pred_code), class_map.tolist(),
            correct.mean(axis=0).tolist())


FACTORISED_CASES = [
    ([2, 2], [2, 2]),
    ([2, 2, 2], [2, 2, 2]),
    ([2, 3], [3, 2]),
    ([3, 3], [3, 3]),
    ([2, 2, 2, 2], [2, 2, 2]),
]


@pytest.mark.parametrize('allow', [True, False])
@pytest.mark.parametrize('classes', FACTORISED_CASES)
def test_fnri_against_brute_force(classes, allow):
    pred_num_classes, num_edge_types = classes
    for seed, num_edges in [(0, 7), (1, 40), (2, 300), (3, 4)]:
        pred, target = make_data(seed, num_edges, pred_num_classes,
                                 num_edge_types)
        metric = EdgeAccuracy(pred_num_classes, num_edge_types, 'fnri',
                              allow_label_permutation=allow)
        metric.update(pred, target)
        out = metric.compute()
        combined, mapping, per_layer = factorised_brute_force(
            pred, target, pred_num_classes, num_edge_types, allow)
        mapping['family'] = 'fnri'
        assert out['mapping'] == mapping
        assert out['combined'] == pytest.approx(combined)
        assert out['per_layer'] == pytest.approx(per_layer)


def test_sfnri_against_brute_force():
    for seed in range(4):
        pred, target = make_data(seed, 50, [2, 2, 2], [2, 2, 2], noise=0.5)
        for allow in (False, True):
            metric = EdgeAccuracy([2, 2, 2], [2, 2, 2], 'sfnri', allow)
            metric.update(pred, target)
            out = metric.compute()
            combined, mapping, per_layer = factorised_brute_force(
                pred, target, [2, 2, 2], [2, 2, 2], allow)
            assert out['mapping']['factor_of_layer'] == \
                mapping['factor_of_layer']
            assert out['mapping']['label_maps'] == mapping['label_maps']
            assert out['combined'] == pytest.approx(combined)
            assert out['per_layer'] == pytest.approx(per_layer)


@pytest.mark.parametrize('classes', [
    ([4], [2, 2]),
    ([2, 2], [2, 2]),
    ([3], [2, 2]),
    ([3, 2], [2, 2]),
    ([6], [3, 2]),
])
def test_nri_against_brute_force(classes):
    pred_num_classes, num_edge_types = classes
    for seed, num_edges in [(0, 5), (1, 30), (2, 200)]:
        gen = torch.Generator().manual_seed(seed)
        target = torch.stack([torch.randint(0, k, (num_edges, ),
                                            generator=gen)
                              for k in num_edge_types], dim=1)
        pred = torch.stack([torch.randint(0, k, (num_edges, ),
                                          generator=gen)
                            for k in pred_num_classes], dim=1)
        metric = EdgeAccuracy(pred_num_classes, num_edge_types, 'nri')
        metric.update(pred, target)
        out = metric.compute()
        combined, class_map, per_layer = joint_brute_force(
            pred, target, pred_num_classes, num_edge_types)
        assert out['mapping'] == {'family': 'nri', 'class_map': class_map}
        assert out['combined'] == pytest.approx(combined)
        assert out['per_layer'] == pytest.approx(per_layer)


def test_nri_eight_classes_against_brute_force():
    # I+C+F: 8 combined classes, all 40,320 bijections.
    gen = torch.Generator().manual_seed(5)
    target = torch.randint(0, 2, (120, 3), generator=gen)
    code = encode_mixed_radix(target, [2, 2, 2])
    relabel = torch.randperm(8, generator=gen)
    pred = relabel[code]
    noisy = torch.rand(120, generator=gen) < 0.6
    pred[noisy] = torch.randint(0, 8, (int(noisy.sum()), ), generator=gen)
    metric = EdgeAccuracy([8], [2, 2, 2], 'nri')
    metric.update(pred, target)
    out = metric.compute()
    combined, class_map, per_layer = joint_brute_force(
        pred.unsqueeze(-1), target, [8], [2, 2, 2])
    assert out['mapping']['class_map'] == class_map
    assert out['combined'] == pytest.approx(combined)
    assert out['per_layer'] == pytest.approx(per_layer)


@pytest.mark.parametrize('family,pred_num_classes', [
    ('fnri', [2, 2, 2]),
    ('sfnri', [2, 2, 2]),
    ('nri', [8]),
])
def test_perfect_up_to_relabelling(family, pred_num_classes):
    gen = torch.Generator().manual_seed(0)
    target = torch.randint(0, 2, (64, 3), generator=gen)
    if family == 'nri':
        code = encode_mixed_radix(target, [2, 2, 2])
        pred = torch.tensor([3, 7, 0, 5, 1, 6, 2, 4])[code]
    else:
        pred = target[:, [2, 0, 1]].clone()
        pred[:, 1] = 1 - pred[:, 1]
    metric = EdgeAccuracy(pred_num_classes, [2, 2, 2], family)
    metric.update(pred, target)
    out = metric.compute()
    assert out['combined'] == 1.0
    assert out['per_layer'] == [1.0, 1.0, 1.0]
    assert torch.equal(metric.map_predictions(pred, out['mapping']), target)


def test_layer_order_only_keeps_labels():
    target = torch.randint(0, 2, (100, 2),
                           generator=torch.Generator().manual_seed(0))
    swapped = target.flip(-1)
    metric = EdgeAccuracy([2, 2], [2, 2], allow_label_permutation=False)
    metric.update(1 - swapped, target)
    out = metric.compute()
    assert out['mapping']['label_maps'] == [[0, 1], [0, 1]]
    # Without flips the identity is right exactly where the labels differ.
    differ = (target[:, 0] != target[:, 1]).float().mean().item()
    assert out['combined'] == pytest.approx(differ) and differ < 1.0
    metric.reset()
    metric.update(swapped, target)
    out = metric.compute()
    assert out['mapping']['factor_of_layer'] == [1, 0]
    assert out['combined'] == 1.0


@pytest.mark.parametrize('family,pred_num_classes', [
    ('fnri', [2, 2, 2]),
    ('nri', [8]),
])
def test_accumulation_equals_one_shot(family, pred_num_classes):
    pred, target = make_data(3, 500, [2, 2, 2], [2, 2, 2], noise=0.5)
    if family == 'nri':
        pred = encode_mixed_radix(pred, [2, 2, 2])
    whole = EdgeAccuracy(pred_num_classes, [2, 2, 2], family)
    whole.update(pred, target)
    parts = EdgeAccuracy(pred_num_classes, [2, 2, 2], family)
    for chunk in torch.arange(500).split(128):
        parts.update(pred[chunk], target[chunk])
    assert torch.equal(whole.confusion, parts.confusion)
    assert parts.num_edges == 500
    assert whole.compute() == parts.compute()


def test_fixed_mapping_on_new_data():
    valid_pred, valid_target = make_data(0, 300, [2, 2, 2], [2, 2, 2], 0.4)
    test_pred, test_target = make_data(1, 300, [2, 2, 2], [2, 2, 2], 0.4)
    valid = EdgeAccuracy([2, 2, 2], [2, 2, 2])
    valid.update(valid_pred, valid_target)
    mapping = json.loads(json.dumps(valid.fit()))
    test = EdgeAccuracy([2, 2, 2], [2, 2, 2])
    test.update(test_pred, test_target)
    out = test.compute(mapping)
    assert out['mapping'] == mapping
    mapped = test.map_predictions(test_pred, mapping)
    correct = mapped == test_target
    assert out['combined'] == pytest.approx(
        correct.all(dim=1).float().mean().item())
    assert out['per_layer'] == pytest.approx(
        correct.float().mean(dim=0).tolist())
    assert out['combined'] <= test.compute()['combined']


def test_unassigned_classes_are_wrong():
    # 3 predicted classes for 2 label classes: one maps to nothing.
    pred = torch.tensor([0, 0, 1, 2, 2, 2])
    target = torch.tensor([1, 1, 0, 0, 0, 1])
    metric = EdgeAccuracy([3], [2], 'nri')
    metric.update(pred, target)
    out = metric.compute()
    assert out['mapping']['class_map'] == [1, -1, 0]
    assert out['combined'] == pytest.approx(4 / 6)
    assert metric.map_predictions(pred, out['mapping']).view(-1).tolist() \
        == [1, 1, -1, 0, 0, 0]


def test_large_case_solves_layers_separately():
    pred, target = make_data(2, 400, [3, 3, 3], [3, 3, 3], noise=0.3)
    exact = EdgeAccuracy([3, 3, 3], [3, 3, 3])
    greedy = EdgeAccuracy([3, 3, 3], [3, 3, 3], max_enumeration=10)
    for metric in (exact, greedy):
        metric.update(pred, target)
    out_exact, out_greedy = exact.compute(), greedy.compute()
    assert out_greedy['combined'] <= out_exact['combined']
    # Each layer's permutation is the per-layer optimum for its factor.
    for l in range(3):
        p = out_greedy['mapping']['factor_of_layer'][l]
        best = max(
            (torch.tensor(perm)[pred[:, p]] == target[:, l]).float().mean()
            for perm in itertools.permutations(range(3)))
        assert out_greedy['per_layer'][l] == pytest.approx(best.item())


def test_per_batch_optimal_accuracy():
    pred, target = make_data(4, 330, [2, 2], [2, 2], noise=0.6)
    batches = list(zip(pred.split(100), target.split(100)))
    out = per_batch_optimal_accuracy(batches, [2, 2], [2, 2])
    expected = [factorised_brute_force(p, t, [2, 2], [2, 2], True)
                for p, t in batches]
    assert out['num_batches'] == 4
    assert out['combined'] == pytest.approx(
        np.mean([e[0] for e in expected]))
    assert out['per_layer'] == pytest.approx(
        np.mean([e[2] for e in expected], axis=0).tolist())
    weighted = per_batch_optimal_accuracy(batches, [2, 2], [2, 2],
                                          weighted=True)
    sizes = [t.size(0) for _, t in batches]
    assert weighted['combined'] == pytest.approx(
        np.average([e[0] for e in expected], weights=sizes))
    fixed = EdgeAccuracy([2, 2], [2, 2])
    fixed.update(pred, target)
    assert weighted['combined'] >= fixed.compute()['combined']


def test_errors():
    with pytest.raises(ValueError, match="'family'"):
        EdgeAccuracy([2], [2], family='gnn')
    with pytest.raises(ValueError, match='binary'):
        EdgeAccuracy([3, 2], [3, 2], family='sfnri')
    with pytest.raises(ValueError, match='equal class counts'):
        EdgeAccuracy([2, 2], [3, 2], family='fnri')
    with pytest.raises(ValueError, match='identity mapping'):
        EdgeAccuracy([3], [2, 2], 'nri', allow_label_permutation=False)
    with pytest.raises(TypeError, match='allow_label_permutation'):
        EdgeAccuracy([2], [2], allow_label_permutation='yes')
    with pytest.raises(ValueError, match='max_enumeration'):
        EdgeAccuracy([2], [2], max_enumeration=0)
    metric = EdgeAccuracy([2, 2], [2, 2])
    with pytest.raises(ValueError, match='No edges'):
        metric.compute()
    with pytest.raises(ValueError, match=r"'pred' must have shape \[E, 2\]"):
        metric.update(torch.zeros(4, 3, dtype=torch.long),
                      torch.zeros(4, 2, dtype=torch.long))
    metric.update(torch.zeros(4, 2, dtype=torch.long),
                  torch.zeros(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="does not fit"):
        metric.compute({'family': 'fnri', 'factor_of_layer': [0, 0],
                        'label_maps': [[0, 1], [0, 1]]})
    with pytest.raises(ValueError, match="does not fit"):
        metric.compute({'family': 'fnri', 'factor_of_layer': [0, 1],
                        'label_maps': [[0, 0], [0, 1]]})
    with pytest.raises(ValueError, match="family 'nri' does not fit"):
        metric.compute({'family': 'nri', 'class_map': [0, 1, 2, 3]})
    with pytest.raises(TypeError, match="'mapping'"):
        metric.compute([0, 1])
    nri = EdgeAccuracy([4], [2, 2], 'nri')
    nri.update(torch.arange(4), torch.zeros(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match='class_map'):
        nri.compute({'family': 'nri', 'class_map': [0, 0, 1, 2]})
    with pytest.raises(ValueError, match='non-empty batch'):
        per_batch_optimal_accuracy([], [2], [2])
