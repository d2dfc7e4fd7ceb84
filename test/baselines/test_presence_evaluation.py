import math

import pytest
import torch

from torch_geometric_fnri.baselines import (
    SCORE_VARIANTS,
    evaluate_edge_scores,
    fit_f1_threshold,
)
from torch_geometric_fnri.metrics import binary_auroc

VALID = torch.tensor([0.9, 0.8, 0.7, 0.6, 0.5], dtype=torch.float64)
PRESENT = torch.tensor([1, 0, 1, 1, 0])


def test_the_threshold_maximises_f1_by_hand():
    # F1 at 0.9, 0.8, 0.7, 0.6, 0.5: 2/4, 2/5, 4/6, 6/7, 6/8.
    assert fit_f1_threshold(VALID, PRESENT) == 0.6
    assert binary_auroc(VALID, PRESENT) == pytest.approx(4 / 6)


def test_ties_and_equal_f1():
    # Equal scores are predicted together: at 1 the F1 is 2/4, at 0 4/5.
    assert fit_f1_threshold(torch.tensor([1.0, 1.0, 0.0]),
                            torch.tensor([1, 0, 1])) == 0.0
    # F1 2/3 at 4 and at 1: the higher threshold wins.
    assert fit_f1_threshold(torch.tensor([4.0, 3.0, 2.0, 1.0]),
                            torch.tensor([1, 0, 0, 1])) == 4.0


def test_a_hand_computed_evaluation():
    # Layer 0 is present where the scores are high, layer 1 where they are
    # low: the best sign flips layer 1 (valid AUROC 1/3).
    valid_scores = VALID.view(1, 5, 1)
    valid_labels = torch.stack([PRESENT, 1 - PRESENT], -1).view(1, 5, 2)
    test_scores = torch.tensor([0.95, 0.1, 0.65, 0.2],
                               dtype=torch.float64).view(1, 4, 1)
    test_present = torch.tensor([1, 0, 1, 0])
    test_labels = torch.stack([test_present, 1 - test_present],
                              -1).view(1, 4, 2)
    out = evaluate_edge_scores(valid_scores, valid_labels, test_scores,
                               test_labels, ['springs', 'charges'])
    assert list(out) == list(SCORE_VARIANTS)
    springs = out['signed']['springs']
    assert springs == {'sign': 1.0, 'valid_auroc': pytest.approx(4 / 6),
                       'threshold': 0.6, 'auroc': 1.0, 'precision': 1.0,
                       'recall': 1.0, 'f1': 1.0}
    # As given: threshold 0.5 (F1 4/7), every predicted edge is wrong.
    charges = out['signed']['charges']
    assert (charges['threshold'], charges['auroc'], charges['f1']) == \
        (0.5, 0.0, 0.0)
    # Flipped: valid AUROC 2/3, F1 2/3 at -0.5 and at -0.8 (the higher
    # wins), and a perfect test.
    charges = out['best_sign']['charges']
    assert charges == {'sign': -1.0, 'valid_auroc': pytest.approx(4 / 6),
                       'threshold': -0.5, 'auroc': 1.0, 'precision': 1.0,
                       'recall': 1.0, 'f1': 1.0}


def test_the_channels_are_averaged_signed_or_as_magnitudes():
    # Edge 0: +1 and -1 (mean 0, magnitude 1); edge 1: 0.2 twice.
    scores = torch.tensor([[[1.0, -1.0], [0.2, 0.2]]])
    labels = torch.tensor([[[1], [0]]])
    out = evaluate_edge_scores(scores, labels, scores, labels)
    assert out['signed']['layer_0']['auroc'] == 0.0
    assert out['best_sign']['layer_0']['auroc'] == 1.0
    assert out['absolute']['layer_0']['auroc'] == 1.0


def test_a_layer_without_valid_edges_has_no_threshold():
    scores = torch.rand(1, 4, 1)
    with pytest.raises(ValueError, match='no edge is present'):
        fit_f1_threshold(scores, torch.zeros(4))
    test_labels = torch.tensor([[[1], [0], [0], [1]]])
    out = evaluate_edge_scores(scores, torch.zeros(1, 4, 1,
                                                   dtype=torch.long),
                               scores, test_labels)['best_sign']['layer_0']
    assert out['sign'] == 1.0 and math.isnan(out['valid_auroc'])
    assert math.isnan(out['threshold']) and math.isnan(out['f1'])
    assert out['auroc'] == binary_auroc(scores, test_labels)


def test_bad_input_is_refused():
    scores, labels = torch.rand(2, 6, 2), torch.randint(0, 2, (2, 6, 1))
    labels[0, 0] = 1
    with pytest.raises(ValueError, match='must share S and E'):
        evaluate_edge_scores(scores, labels[:, :5], scores, labels)
    with pytest.raises(ValueError, match='same channels and layers'):
        evaluate_edge_scores(scores, labels, scores[..., :1], labels)
    with pytest.raises(ValueError, match="'layer_names' must name"):
        evaluate_edge_scores(scores, labels, scores, labels, ['a', 'b'])
    with pytest.raises(TypeError, match="'test_scores' must be a torch"):
        evaluate_edge_scores(scores, labels, scores.numpy(), labels)
    with pytest.raises(ValueError, match='same, non-zero size'):
        fit_f1_threshold(torch.rand(3), torch.ones(2))
    with pytest.raises(ValueError, match='finite'):
        fit_f1_threshold(torch.tensor([float('nan'), 1.0]), torch.ones(2))
